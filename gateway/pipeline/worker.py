"""Workers: take documents from the queue and process them, retrying what may succeed later.

One :class:`Worker` runs in a thread under ``b2bgw serve`` or alone under ``b2bgw worker``; any
number run side by side against one PostgreSQL. A worker claims up to ``batch_size`` due documents
at once; the purchase orders among them share their transactions
(:func:`~gateway.pipeline.orders.process_purchase_orders`), the rest are processed one by one, and
each document's outcome is recorded on its own. Failures are sorted into two kinds:

* transient (:class:`~erp.port.ErpUnavailable`, a lost database connection, a pool timeout, an
  unexpected error): the document goes to ``retry`` with exponential backoff and jitter, and
  after the partner's ``max_attempts`` (else ``B2BGW_MAX_ATTEMPTS``) to ``dead``;
* permanent (a document that cannot be translated, an ERP business refusal): ``rejected`` at once,
  with the error stored for the operator, who can fix and replay it.

The sorting, the backoff and the attempts cap are those of the outbox
(:mod:`gateway.delivery.failures`), and every failed attempt is written to
``gw_delivery_attempt`` like a failed delivery, so a dead document shows every error it met.
An unexpected error (a fault, neither an outage nor a refusal) that a document meets
``poison_attempts`` times in a row sets it aside ``rejected`` as poison
(:mod:`gateway.pipeline.poison`). When no document is due, the worker delivers outbox messages
(:mod:`gateway.delivery`).

Nothing a document or a housekeeping task raises ends the loop: a failed step is logged (with
the document's id when there is one) and the loop goes on; each housekeeping task runs on its
own, so one that fails does not skip the others. What could still end it is restarted by the
:class:`~gateway.pipeline.supervisor.Supervisor`. While it loops, a worker writes its heartbeat
(:mod:`gateway.pipeline.heartbeats`) at most every ``heartbeat_seconds``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import select

from erp.port import ErpPort, ErpUnavailable
from formats.errors import FormatError
from gateway.alerts.incidents import AlertRules, raise_alerts
from gateway.config import Settings
from gateway.delivery.attempts import record_attempt
from gateway.delivery.deliverer import Deliverer
from gateway.delivery.failures import FailureKind, classify, max_attempts_for, retry_delay
from gateway.delivery.transports import TransportContext, build_transports
from gateway.intake.files import read_received
from gateway.observability.logs import document_context
from gateway.observability.metrics import DOCUMENTS_PROCESSED, PROCESSING_SECONDS
from gateway.pipeline.acknowledgments import flag_overdue, process_functional_ack
from gateway.pipeline.changes import process_order_change
from gateway.pipeline.cxml_orders import process_order_request
from gateway.pipeline.erp_events import poll_erp_events
from gateway.pipeline.heartbeats import Pulse, forget_heartbeats, write_heartbeat
from gateway.pipeline.orders import Outcome, Result, process_purchase_order, process_purchase_orders
from gateway.pipeline.poison import FAULT, error_text, faults_before, is_outage, poison_error, reading_failed
from gateway.pipeline.queue import Claimed, ClaimLost, claim_due, recover_expired, stranded_files
from gateway.pipeline.reading import DocumentRejected
from gateway.pipeline.states import State
from gateway.pipeline.supervisor import Supervisor
from gateway.pipeline.turns import PRICE_SYNC, take_turn
from gateway.pricing.sync import sync_due, sync_from_erp
from gateway.quotes.orders import process_quote_order
from gateway.quotes.service import expire_quotes
from gateway.rules import seller_date
from gateway.store.db import session
from gateway.store.documents import move, problem_record
from gateway.store.tables import Document, Partner, utcnow

log = logging.getLogger(__name__)

HOUSEKEEPING_EVERY = 20
"""Loop cycles between two housekeeping turns (a cycle is a batch, or a poll of an empty queue)."""


def _purchase_order(engine: Engine, erp: ErpPort, doc_id: int, actor: str) -> Outcome:
    return process_purchase_order(engine, erp, doc_id, actor=actor)


def _order_change(engine: Engine, erp: ErpPort, doc_id: int, actor: str) -> Outcome:
    return process_order_change(engine, erp, doc_id, actor=actor)


PROCESSORS: dict[tuple[str, str], Callable[[Engine, ErpPort, int, str], Outcome]] = {
    ("x12", "850"): _purchase_order,
    ("x12", "860"): _order_change,
    ("x12", "997"): process_functional_ack,
    ("x12", "999"): process_functional_ack,
    ("ubl", "Order"): _purchase_order,
    ("ubl", "OrderChange"): _order_change,
    ("ubl", "OrderCancellation"): _order_change,
    ("cxml", "OrderRequest"): process_order_request,
    ("quote", "Order"): process_quote_order,
}
"""What processes a queued document, keyed by (standard, document type)."""

BATCHED_ORDERS = frozenset({("x12", "850"), ("ubl", "Order")})
"""Documents a worker runs through :func:`~gateway.pipeline.orders.process_purchase_orders` as a batch."""


def new_worker_id() -> str:
    """A name for this worker that says where it runs: host, process, a short random part."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Claims and processes documents until told to stop."""

    def __init__(self, engine: Engine, erp: ErpPort, settings: Settings, worker_id: str | None = None) -> None:
        self.engine = engine
        self.erp = erp
        self.settings = settings
        self.worker_id = worker_id or new_worker_id()
        transports = build_transports(TransportContext(erp, engine=engine, settings=settings))
        self.deliverer = Deliverer(engine, transports, settings, self.worker_id)
        self.started_at = utcnow()
        self.restarts = 0
        self.last_error: str | None = None
        self.last_error_at: dt.datetime | None = None
        self._running = False
        self._beaten = -float("inf")  # time.monotonic() of the last heartbeat written

    def housekeeping(self, *, prices: bool = True) -> None:
        """Take up documents whose worker vanished and files never translated; read ERP events.

        With ``prices``, also pull prices and stock when the schedule says so (:meth:`sync_prices`).
        Each task runs on its own: one that raises is logged and the next one still runs.
        """
        tasks: list[tuple[str, Callable[[], object]]] = [
            ("recovering expired claims",
             lambda: recover_expired(self.engine, self.settings.lease_seconds, actor=self.worker_id)),
            ("recovering expired deliveries", self.deliverer.recover),
            ("reading stranded files", self.read_stranded),
            ("reading ERP events", self.poll_erp),
            ("flagging overdue acknowledgments", lambda: flag_overdue(self.engine)),
            *([("syncing prices", self.sync_prices)] if prices else []),
            ("expiring quotes", self.expire_quotes),
            ("raising alerts", self.raise_alerts),
            ("resending AS2 messages whose MDN did not come", self.resend_as2),
        ]
        if self._running:
            tasks.append(("forgetting old heartbeats", lambda: forget_heartbeats(self.engine)))
        for name, task in tasks:
            try:
                task()
            except Exception as exc:  # one task's failure must not skip the others nor stop the worker
                self.note_error(f"housekeeping ({name})", exc)
                log.exception("worker %s: housekeeping failed %s", self.worker_id, name)
            self.beat()

    def read_stranded(self) -> None:
        """Read the files stored but never read (left ``received``); a file whose reading raises counts a fault.

        Each failure sends the file back to wait a lease (or sets it aside as poison at
        ``poison_attempts``, :func:`~gateway.pipeline.poison.reading_failed`): never read again
        at every turn, never an exception out of housekeeping.
        """
        for doc_id in stranded_files(self.engine, older_than_seconds=self.settings.lease_seconds):
            started = utcnow()
            with document_context(doc_id):
                try:
                    read_received(self.engine, doc_id, actor=self.worker_id)
                except Exception as exc:
                    self.note_error(f"reading document {doc_id}", exc)
                    log.exception("document %s: reading the stored file failed", doc_id,
                                  extra={"document_id": doc_id})
                    reading_failed(self.engine, doc_id, exc, actor=self.worker_id,
                                   poison_attempts=self.settings.poison_attempts, started=started)

    def raise_alerts(self) -> None:
        """Tell the operator about new dead letters, error spikes and missing acknowledgments, once each."""
        try:
            raise_alerts(self.engine, AlertRules.from_settings(self.settings))
        except Exception:  # alerting must never stop the worker's real work
            log.exception("worker %s: alerts not raised", self.worker_id)

    def resend_as2(self) -> None:
        """AS2 messages whose asynchronous MDN is overdue are sent again (:mod:`gateway.as2.sending`)."""
        from gateway.as2.sending import resend_overdue

        resend_overdue(self.engine, self.settings)

    def expire_quotes(self) -> None:
        """Quotes past their validity (the seller's date) expire; accepted, declined, ordered ones never."""
        expire_quotes(self.engine, today=seller_date(utcnow(), self.settings.seller_time_zone), actor=self.worker_id)

    def poll_erp(self) -> None:
        """Turn new ERP events (shipped, invoiced) into partner documents; an unreachable ERP waits."""
        try:
            poll_erp_events(self.engine, self.erp, source=self.settings.erp, actor=self.worker_id)
        except ErpUnavailable as exc:
            log.warning("worker %s: ERP events not read: %s", self.worker_id, exc)

    def sync_prices(self) -> None:
        """Pull price lists and stock from the ERP when ``price_sync_minutes`` have passed since the last pull.

        Every worker looks; the one that takes the turn (:func:`~gateway.pipeline.turns.take_turn`) pulls.
        """
        minutes = self.settings.price_sync_minutes
        every = dt.timedelta(minutes=minutes)
        if minutes <= 0 or not sync_due(self.engine, every):
            return
        if not take_turn(self.engine, PRICE_SYNC, every, holder=self.worker_id):
            return
        try:
            sync_from_erp(self.engine, self.erp, trigger="schedule")
        except Exception:  # recorded on the run; one bad pull must not stop the worker's other work
            log.exception("worker %s: price and stock sync failed", self.worker_id)

    def run_batch(self) -> int:
        """Claim up to ``batch_size`` due documents and process them; how many there were (0: nothing to do).

        Purchase orders of the batch go through their steps together
        (:func:`~gateway.pipeline.orders.process_purchase_orders`); other documents one by one.
        """
        claimed = claim_due(self.engine, self.worker_id, limit=max(1, self.settings.batch_size))
        orders = [c for c in claimed if (c.standard, c.doc_type) in BATCHED_ORDERS]
        if orders:
            self._process_orders(orders)
        for one in claimed:
            if (one.standard, one.doc_type) not in BATCHED_ORDERS:
                self._process_one(one)
        return len(claimed)

    def step(self) -> bool:
        """One batch of documents, else one outbox message; whether there was anything to do."""
        return self.run_batch() > 0 or self.deliverer.deliver_next() is not None

    def beat(self, *, force: bool = False, stopped: bool = False) -> None:
        """Write this worker's heartbeat if ``heartbeat_seconds`` have passed (or ``force``); never raises.

        Only a running worker beats (a drain, a test's one-off step, leaves no heartbeat behind).
        """
        now = time.monotonic()
        if not force and (not self._running or now - self._beaten < self.settings.heartbeat_seconds):
            return
        self._beaten = now  # a failed write waits its turn too: the database may be down
        try:
            write_heartbeat(self.engine, Pulse(self.worker_id, socket.gethostname(), os.getpid(), self.started_at,
                                               self.restarts, self.last_error, self.last_error_at), stopped=stopped)
        except Exception as exc:
            log.warning("worker %s: heartbeat not written: %s", self.worker_id, error_text(exc))

    def note_error(self, where: str, exc: BaseException) -> None:
        """Keep what went wrong last, for the next heartbeat."""
        self.last_error, self.last_error_at = f"{where}: {error_text(exc)}"[:1000], utcnow()

    def restarted(self, cause: BaseException | None) -> None:
        """Called by the supervisor before it runs this worker again: counted and told at once."""
        self.restarts += 1
        if cause is not None:
            self.note_error("died", cause)
        self._running = True
        self.beat(force=True)

    def drain(self) -> int:
        """Process until the queue is empty, then deliver the outbox; how many documents were done.

        Prices are left to the loop's schedule and ``b2bgw prices sync``: a drain is a one-off.
        """
        self.housekeeping(prices=False)
        done = 0
        while batch := self.run_batch():
            done += batch
        self.deliverer.drain()
        return done

    def run(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set, sleeping ``poll_seconds`` whenever the queue is empty.

        A step that raises is logged and the loop goes on: after an outage (database, pool, ERP)
        it waits four polls, after anything else one poll. Housekeeping never raises.
        """
        log.info("worker %s started", self.worker_id)
        self._running = True
        self.beat(force=True)
        cycles = 0
        while not stop.is_set():
            self.beat()
            if cycles % HOUSEKEEPING_EVERY == 0:
                self.housekeeping()
            cycles += 1
            try:
                busy = self.step()
            except Exception as exc:  # claiming or delivering failed; processing failures are each document's
                self.note_error("step", exc)
                if is_outage(exc):
                    log.warning("worker %s: database or ERP unavailable; waiting: %s", self.worker_id, error_text(exc))
                    stop.wait(self.settings.poll_seconds * 4)
                else:
                    log.exception("worker %s: a step failed; going on", self.worker_id)
                    stop.wait(self.settings.poll_seconds)
                continue
            if not busy:
                stop.wait(self.settings.poll_seconds)
        self.beat(force=True, stopped=True)
        self._running = False
        log.info("worker %s stopped", self.worker_id)

    def process(self, doc_id: int) -> None:
        """Process one claimed document and record how it ended (logs carry its id and partner)."""
        with session(self.engine) as s:  # what routes it, not the whole document with its raw bytes
            row = s.exec(select(Document.standard, Document.doc_type, Document.partner_id)
                         .where(Document.id == doc_id)).first()
        self._process_one(Claimed(doc_id, row[0], row[1], row[2]) if row else Claimed(doc_id, "", "", None))

    def _process_one(self, claimed: Claimed) -> None:
        started, began = time.perf_counter(), utcnow()
        key = (claimed.standard, claimed.doc_type)
        with document_context(claimed.id, claimed.partner_id):
            processor = PROCESSORS.get(key)
            try:
                if processor is None:
                    raise DocumentRejected(f"no processing is defined for {key[0]} {key[1]} documents")
                result: Result = processor(self.engine, self.erp, claimed.id, self.worker_id)
            except Exception as exc:
                result = exc
            state = self._conclude_safely(claimed.id, result, began)
        self._observe(claimed, state, time.perf_counter() - started)

    def _process_orders(self, orders: list[Claimed]) -> None:
        """Purchase orders claimed together, through their steps together; each ends on its own.

        A batch that fails outside any one order's steps because of an outage is retried whole.
        Any other such failure may be one order's doing: each order then runs alone, so that a
        poison order is the only one to meet its fault.
        """
        started, began = time.perf_counter(), utcnow()
        ids = [c.id for c in orders]
        try:
            results = process_purchase_orders(self.engine, self.erp, ids, actor=self.worker_id)
        except Exception as exc:
            if is_outage(exc) or len(orders) == 1:
                results = dict.fromkeys(ids, exc)
            else:
                log.warning("worker %s: a batch of %d orders failed (%s); each runs alone", self.worker_id,
                            len(orders), error_text(exc))
                results = {doc_id: self._order_alone(doc_id) for doc_id in ids}
        elapsed = time.perf_counter() - started  # each order waited for the whole batch
        for claimed in orders:
            with document_context(claimed.id, claimed.partner_id):
                result = results.get(claimed.id)
                if result is None:
                    result = RuntimeError(f"the batch gave no result for document {claimed.id}")
                state = self._conclude_safely(claimed.id, result, began)
            self._observe(claimed, state, elapsed)

    def _order_alone(self, doc_id: int) -> Result:
        try:
            return process_purchase_order(self.engine, self.erp, doc_id, actor=self.worker_id)
        except Exception as exc:
            return exc

    def _conclude_safely(self, doc_id: int, result: Result, started: dt.datetime) -> str:
        """:meth:`_conclude`, whose own failure is logged with the document: the claim's lease takes it up again."""
        try:
            return self._conclude(doc_id, result, started)
        except Exception as exc:
            self.note_error(f"recording document {doc_id}", exc)
            log.exception("document %s: its outcome could not be recorded", doc_id, extra={"document_id": doc_id})
            return "error"

    @staticmethod
    def _observe(claimed: Claimed, state: str, seconds: float) -> None:
        PROCESSING_SECONDS.labels(claimed.standard, claimed.doc_type).observe(seconds)
        DOCUMENTS_PROCESSED.labels(claimed.partner_id or "", claimed.standard, claimed.doc_type, state).inc()

    def _conclude(self, doc_id: int, result: Result, started: dt.datetime) -> str:
        """The state a processed document ended in; a failure recorded first (rejected, retry or dead)."""
        if isinstance(result, Outcome):
            return result.state.value
        if isinstance(result, ClaimLost):  # another worker owns it now and finishes it; leave it alone
            log.warning("document %s: %s", doc_id, result, extra={"document_id": doc_id})
            return "lost"
        kind = classify(result)  # transient / permanent, by the one rule of gateway.delivery
        fault = kind is FailureKind.TRANSIENT and not is_outage(result)
        if fault:
            self.note_error(f"processing document {doc_id}", result)
            log.error("document %s: unexpected error", doc_id, exc_info=result, extra={"document_id": doc_id})
        try:
            return self._finish_failed(doc_id, result, kind, started, fault=fault)
        except Exception as exc:
            if is_outage(exc):
                raise
            log.exception("document %s: failure not recorded; recording it without its details", doc_id,
                          extra={"document_id": doc_id})
            plain = RuntimeError(f"{type(result).__name__} (its details could not be stored: {type(exc).__name__})")
            return self._finish_failed(doc_id, plain, kind, started, fault=fault)

    def _finish_failed(self, doc_id: int, exc: Exception, kind: FailureKind, started: dt.datetime, *,
                       fault: bool = False) -> str:
        """Record the failure (rejected, retry, dead, or poison) and the attempt; the state the document is in."""
        with session(self.engine) as s:
            doc = s.get(Document, doc_id)
            if doc is None or doc.state != State.PROCESSING.value or doc.claimed_by != self.worker_id:
                return doc.state if doc is not None else "missing"  # not ours to fail any more
            doc.error = error_text(exc)
            if isinstance(exc, FormatError):
                doc.problems = [problem_record(p) for p in exc.problems]
            doc.claimed_by = doc.claimed_at = None
            poison = self.settings.poison_attempts
            faults = faults_before(s, doc_id, attempt=doc.attempts, limit=poison - 1) + 1 if fault else 0
            record_attempt(s, document_id=doc_id, attempt=doc.attempts, worker=self.worker_id,
                           outcome=FAULT if fault else kind.value, error=doc.error, started_at=started)
            partner = s.get(Partner, doc.partner_id) if doc.partner_id else None
            if kind is FailureKind.PERMANENT:
                move(s, doc, State.REJECTED, actor=self.worker_id, reason=doc.error)
            elif fault and faults >= max(1, poison):
                doc.error = poison_error("processing", faults, doc.error)
                move(s, doc, State.REJECTED, actor=self.worker_id, reason=doc.error)
            elif doc.attempts >= max_attempts_for(partner.settings if partner else None, self.settings.max_attempts):
                move(s, doc, State.DEAD, actor=self.worker_id,
                     reason=f"gave up after {doc.attempts} attempts: {doc.error}")
            else:
                doc.next_attempt_at = utcnow() + retry_delay(doc.attempts, self.settings.retry_base_seconds)
                move(s, doc, State.RETRY, actor=self.worker_id,
                     reason=f"attempt {doc.attempts} failed ({doc.error}); next at {doc.next_attempt_at:%H:%M:%S}")
            s.commit()
            state = doc.state
        log.warning("document %s: %s", doc_id, exc, extra={"document_id": doc_id})
        return state


def start_in_threads(engine: Engine, erp: ErpPort, settings: Settings,
                     count: int) -> tuple[threading.Event, list[threading.Thread]]:
    """Start ``count`` supervised workers (``b2bgw serve``); set the event to stop them, then join the threads.

    The one thread returned is the :class:`~gateway.pipeline.supervisor.Supervisor`'s: it restarts
    a worker thread that dies, and once the event is set it waits for its workers to finish.
    """
    stop = threading.Event()
    if count <= 0:
        return stop, []
    supervisor = Supervisor([Worker(engine, erp, settings) for _ in range(count)], stop)
    return stop, [supervisor.start()]
