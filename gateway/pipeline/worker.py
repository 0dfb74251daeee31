"""Workers: take documents from the queue and process them, retrying what may succeed later.

One :class:`Worker` runs in a thread under ``b2bgw serve`` or alone under ``b2bgw worker``; any
number run side by side against one PostgreSQL. Failures are sorted into two kinds:

* transient (:class:`~erp.port.ErpUnavailable`, a lost database connection, an unexpected
  error): the document goes to ``retry`` with exponential backoff and jitter, and after
  ``max_attempts`` to ``dead`` with its history of attempts;
* permanent (a document that cannot be translated, an ERP business refusal): ``rejected`` at once,
  with the error stored for the operator, who can fix and replay it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from erp.port import ErpPort, ErpRejected, ErpUnavailable
from formats.errors import FormatError
from gateway.config import Settings
from gateway.intake.files import read_received
from gateway.observability.logs import document_context
from gateway.observability.metrics import DOCUMENTS_PROCESSED, PROCESSING_SECONDS
from gateway.pipeline.acknowledgments import flag_overdue, process_functional_ack
from gateway.pipeline.changes import process_order_change
from gateway.pipeline.erp_events import poll_erp_events
from gateway.pipeline.orders import Outcome, process_purchase_order
from gateway.pipeline.queue import claim_next, recover_expired, retry_delay, stranded_files
from gateway.pipeline.reading import DocumentRejected
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import move, problem_record
from gateway.store.tables import Document, utcnow

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
}
"""What processes a queued document, keyed by (standard, document type)."""


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

    def housekeeping(self) -> None:
        """Take up documents whose worker vanished and files never translated; read ERP events."""
        recover_expired(self.engine, self.settings.lease_seconds, actor=self.worker_id)
        for doc_id in stranded_files(self.engine, older_than_seconds=self.settings.lease_seconds):
            read_received(self.engine, doc_id, actor=self.worker_id)
        self.poll_erp()
        flag_overdue(self.engine)

    def poll_erp(self) -> None:
        """Turn new ERP events (shipped, invoiced) into partner documents; an unreachable ERP waits."""
        try:
            poll_erp_events(self.engine, self.erp, source=self.settings.erp, actor=self.worker_id)
        except ErpUnavailable as exc:
            log.warning("worker %s: ERP events not read: %s", self.worker_id, exc)

    def run_once(self) -> int | None:
        """Claim and process one document; its id, or None when there was nothing to do."""
        doc_id = claim_next(self.engine, self.worker_id)
        if doc_id is None:
            return None
        self.process(doc_id)
        return doc_id

    def drain(self) -> int:
        """Process until the queue is empty (tests, ``b2bgw worker --once``); how many were done."""
        self.housekeeping()
        done = 0
        while self.run_once() is not None:
            done += 1
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
                if self.run_once() is None:
                    stop.wait(self.settings.poll_seconds)
            except OperationalError:
                log.exception("worker %s: database unavailable; waiting", self.worker_id)
                stop.wait(self.settings.poll_seconds * 4)
        log.info("worker %s stopped", self.worker_id)

    def process(self, doc_id: int) -> None:
        """Process one claimed document and record how it ended (logs carry its id and partner)."""
        with session(self.engine) as s:
            doc = s.get(Document, doc_id)
            key = (doc.standard, doc.doc_type) if doc else ("", "")
            partner = doc.partner_id if doc else None
        started = time.perf_counter()
        with document_context(doc_id, partner):
            outcome = self._process(doc_id, key)
        PROCESSING_SECONDS.labels(*key).observe(time.perf_counter() - started)
        DOCUMENTS_PROCESSED.labels(partner or "", key[0], key[1], outcome).inc()

    def _process(self, doc_id: int, key: tuple[str, str]) -> str:
        """Run the document's processor; the state it ended in."""
        processor = PROCESSORS.get(key)
        try:
            if processor is None:
                raise DocumentRejected(f"no processing is defined for {key[0]} {key[1]} documents")
            return processor(self.engine, self.erp, doc_id, self.worker_id).state.value
        except (DocumentRejected, FormatError, ErpRejected) as exc:
            return self._finish_failed(doc_id, exc, transient=False)
        except (ErpUnavailable, OperationalError) as exc:
            return self._finish_failed(doc_id, exc, transient=True)
        except Exception as exc:  # an unexpected fault: keep the document, retry, surface it
            log.exception("document %s: unexpected error", doc_id, extra={"document_id": doc_id})
            return self._finish_failed(doc_id, exc, transient=True)

    def _finish_failed(self, doc_id: int, exc: Exception, *, transient: bool) -> str:
        """Record the failure (rejected, retry or dead); the state the document is in afterwards."""
        with session(self.engine) as s:
            doc = s.get(Document, doc_id)
            if doc is None or doc.state != State.PROCESSING.value:
                return doc.state if doc is not None else "missing"
            doc.error = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, FormatError):
                doc.problems = [problem_record(p) for p in exc.problems]
            doc.claimed_by = doc.claimed_at = None
            if not transient:
                move(s, doc, State.REJECTED, actor=self.worker_id, reason=doc.error)
            elif doc.attempts >= self.settings.max_attempts:
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
