"""Workers: take documents from the queue and process them, retrying what may succeed later.

One :class:`Worker` runs in a thread under ``b2bgw serve`` or alone under ``b2bgw worker``; any
number run side by side against one PostgreSQL. A worker claims up to ``batch_size`` due documents
at once; the purchase orders among them share their transactions
(:func:`~gateway.pipeline.orders.process_purchase_orders`), the rest are processed one by one, and
each document's outcome is recorded on its own. Failures are sorted into two kinds:

* transient (:class:`~erp.port.ErpUnavailable`, a lost database connection, an unexpected
  error): the document goes to ``retry`` with exponential backoff and jitter, and after the
  partner's ``max_attempts`` (else ``B2BGW_MAX_ATTEMPTS``) to ``dead``;
* permanent (a document that cannot be translated, an ERP business refusal): ``rejected`` at once,
  with the error stored for the operator, who can fix and replay it.

The sorting, the backoff and the attempts cap are those of the outbox
(:mod:`gateway.delivery.failures`), and every failed attempt is written to
``gw_delivery_attempt`` like a failed delivery, so a dead document shows every error it met.
When no document is due, the worker delivers outbox messages (:mod:`gateway.delivery`).
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
from sqlalchemy.exc import OperationalError
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
from gateway.pipeline.orders import Outcome, Result, process_purchase_order, process_purchase_orders
from gateway.pipeline.queue import Claimed, ClaimLost, claim_due, recover_expired, stranded_files
from gateway.pipeline.reading import DocumentRejected
from gateway.pipeline.states import State
from gateway.pipeline.turns import PRICE_SYNC, take_turn
from gateway.pricing.sync import sync_due, sync_from_erp
from gateway.quotes.orders import process_quote_order
from gateway.quotes.service import expire_quotes
from gateway.rules import seller_date
from gateway.store.db import session
from gateway.store.documents import move, problem_record
from gateway.store.tables import Document, Partner, utcnow

log = logging.getLogger(__name__)



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
        self.deliverer = Deliverer(engine, build_transports(TransportContext(erp)), settings, self.worker_id)

    def housekeeping(self, *, prices: bool = True) -> None:
        """Take up documents whose worker vanished and files never translated; read ERP events.

        With ``prices``, also pull prices and stock when the schedule says so (:meth:`sync_prices`).
        """
        recover_expired(self.engine, self.settings.lease_seconds, actor=self.worker_id)
        self.deliverer.recover()
        for doc_id in stranded_files(self.engine, older_than_seconds=self.settings.lease_seconds):
            read_received(self.engine, doc_id, actor=self.worker_id)
        self.poll_erp()
        flag_overdue(self.engine)
        if prices:
            self.sync_prices()
        self.expire_quotes()
        self.raise_alerts()

    def raise_alerts(self) -> None:
        """Tell the operator about new dead letters, error spikes and missing acknowledgments, once each."""
        try:
            raise_alerts(self.engine, AlertRules.from_settings(self.settings))
        except Exception:  # alerting must never stop the worker's real work
            log.exception("worker %s: alerts not raised", self.worker_id)

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
        """One document, else one outbox message; whether there was anything to do."""
        return self.run_batch() > 0 or self.deliverer.deliver_next() is not None

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
        """Loop until ``stop`` is set, sleeping ``poll_seconds`` whenever the queue is empty."""
        log.info("worker %s started", self.worker_id)
        cycles = 0
        while not stop.is_set():
            try:
                if cycles % 20 == 0:
                    self.housekeeping()
                cycles += 1
                if not self.step():
                    stop.wait(self.settings.poll_seconds)
            except OperationalError:
                log.exception("worker %s: database unavailable; waiting", self.worker_id)
                stop.wait(self.settings.poll_seconds * 4)
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
            state = self._conclude(claimed.id, result, began)
        self._observe(claimed, state, time.perf_counter() - started)

    def _process_orders(self, orders: list[Claimed]) -> None:
        """Purchase orders claimed together, through their steps together; each ends on its own."""
        started, began = time.perf_counter(), utcnow()
        try:
            results = process_purchase_orders(self.engine, self.erp, [c.id for c in orders], actor=self.worker_id)
        except Exception as exc:  # failed outside any one order's steps (the database went away): each is retried
            results = {c.id: exc for c in orders}
        elapsed = time.perf_counter() - started  # each order waited for the whole batch
        for claimed in orders:
            with document_context(claimed.id, claimed.partner_id):
                state = self._conclude(claimed.id, results[claimed.id], began)
            self._observe(claimed, state, elapsed)

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
        if kind is FailureKind.TRANSIENT and not isinstance(result, OperationalError | ErpUnavailable):
            log.error("document %s: unexpected error", doc_id, exc_info=result, extra={"document_id": doc_id})
        return self._finish_failed(doc_id, result, kind, started)

    def _finish_failed(self, doc_id: int, exc: Exception, kind: FailureKind, started: dt.datetime) -> str:
        """Record the failure (rejected, retry or dead) and the attempt; the state the document is in."""
        with session(self.engine) as s:
            doc = s.get(Document, doc_id)
            if doc is None or doc.state != State.PROCESSING.value or doc.claimed_by != self.worker_id:
                return doc.state if doc is not None else "missing"  # not ours to fail any more
            doc.error = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, FormatError):
                doc.problems = [problem_record(p) for p in exc.problems]
            doc.claimed_by = doc.claimed_at = None
            record_attempt(s, document_id=doc_id, attempt=doc.attempts, worker=self.worker_id, outcome=kind.value,
                           error=doc.error, started_at=started)
            partner = s.get(Partner, doc.partner_id) if doc.partner_id else None
            if kind is FailureKind.PERMANENT:
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
    """Start ``count`` workers as daemon threads (``b2bgw serve``); set the event to stop them."""
    stop = threading.Event()
    threads = []
    for _ in range(count):
        worker = Worker(engine, erp, settings)
        thread = threading.Thread(target=worker.run, args=(stop,), name=f"worker-{worker.worker_id}", daemon=True)
        thread.start()
        threads.append(thread)
    return stop, threads
