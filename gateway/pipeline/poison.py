"""Poison documents: the ones that fail the same step again and again for no reason an outage explains.

A failure is one of three kinds for a worker:

* a refusal (:class:`~formats.errors.FormatError`, an ERP business refusal ...): ``rejected`` at
  once, by the sorting of :mod:`gateway.delivery.failures`;
* an outage (the database or the ERP unreachable, a pool timeout, a transport that says "later"):
  retried with backoff up to ``max_attempts``, then ``dead`` (:func:`is_outage`);
* a **fault**: anything else, an error nobody foresaw (a bug, an input that trips one). It is
  retried too, since a fix deployed meanwhile lets it pass, but a document whose step ends in a
  fault ``poison_attempts`` times in a row is set aside ``rejected``, with an error naming the
  step, the count and the last error, for the operator to see and replay. It never holds the
  queue: between its tries it waits its backoff like any retry, and the others go by.

``poison_attempts`` is a setting of its own rather than ``max_attempts``: the attempts cap says how
long to wait out an outage (a partner may ask for more patience), while a fault says nothing
about time, and three identical tracebacks are enough to know that a fourth will follow. Reading
a stored file (the ``translating`` step, which has no attempt counter of its own) counts the
same way. Each fault is written to ``gw_delivery_attempt`` with the outcome ``fault``, so the
count is read from the document's own attempt history: no column or counter to keep in step.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, col, select

from erp.port import ErpUnavailable
from gateway.delivery.attempts import record_attempt
from gateway.delivery.failures import TransientFailure
from gateway.delivery.tables import DeliveryAttempt
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import move
from gateway.store.tables import Document, utcnow

log = logging.getLogger(__name__)

FAULT = "fault"
"""The outcome of an attempt that failed with an error no outage explains (``gw_delivery_attempt.outcome``)."""

OUTAGES: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, PoolTimeout, ErpUnavailable,
                                            TransientFailure, OSError)
"""What says "the database, the ERP or the network is not there now", not "this document is bad"."""

ERROR_CHARS = 2000
"""An error text is cut here: a traceback's message can carry a whole document."""


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` is the infrastructure failing (waited out), rather than the document or the code."""
    return isinstance(exc, OUTAGES) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def error_text(exc: BaseException) -> str:
    """``Type: message`` as it can be stored anywhere: no NUL (PostgreSQL refuses it in text), at most ERROR_CHARS."""
    text = f"{type(exc).__name__}: {exc}".replace("\x00", "\\x00")
    return text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS - 1] + "…"


def poison_error(step: str, failures: int, last_error: str) -> str:
    """The error a poison document is rejected with."""
    return f"set aside as poison after {failures} failures of {step}; last error: {last_error}"


def faults_before(s: Session, doc_id: int, *, attempt: int, limit: int) -> int:
    """How many of the attempts just before ``attempt`` (numbers attempt-1, attempt-2 ...) ended in a fault.

    Counting stops at the first attempt that was not a fault or is missing: an outage, a lease
    that ran out, or an operator's replay (which starts the numbers again) start the count over.
    """
    if limit <= 0:
        return 0
    rows = s.exec(select(DeliveryAttempt.attempt, DeliveryAttempt.outcome)
                  .where(DeliveryAttempt.document_id == doc_id)
                  .order_by(col(DeliveryAttempt.id).desc()).limit(limit)).all()
    count = 0
    for number, outcome in rows:
        if outcome != FAULT or number != attempt - 1 - count:
            break
        count += 1
    return count


def last_attempt(s: Session, doc_id: int) -> int:
    """The number of the document's last recorded attempt (0: none)."""
    number = s.exec(select(DeliveryAttempt.attempt).where(DeliveryAttempt.document_id == doc_id)
                    .order_by(col(DeliveryAttempt.id).desc()).limit(1)).first()
    return number or 0


def reading_failed(engine: Engine, doc_id: int, exc: BaseException, *, actor: str, poison_attempts: int,
                   started: dt.datetime) -> str | None:
    """Record that reading a stored file raised ``exc``; the state it is left in (None: not ours to touch).

    The file goes back to ``received`` to be read again at a later housekeeping turn (after a
    lease), or, at its ``poison_attempts``-th fault in a row, to ``rejected`` as poison. An outage
    is not counted: the file is only released. A file someone else holds is left alone.
    """
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        if doc is None or doc.state not in (State.RECEIVED.value, State.TRANSLATING.value):
            return doc.state if doc is not None else None
        if doc.state == State.TRANSLATING.value and doc.claimed_by not in (actor, None):
            return None
        error = error_text(exc)
        doc.claimed_by = doc.claimed_at = None
        doc.error = error
        failures = 0
        if not is_outage(exc):
            attempt = last_attempt(s, doc_id) + 1
            failures = faults_before(s, doc_id, attempt=attempt, limit=poison_attempts - 1) + 1
            record_attempt(s, document_id=doc_id, attempt=attempt, worker=actor, outcome=FAULT, error=error,
                           started_at=started)
        if failures >= max(1, poison_attempts):
            doc.error = poison_error("reading the file", failures, error)
            move(s, doc, State.REJECTED, actor=actor, reason=doc.error)
        elif doc.state == State.TRANSLATING.value:
            move(s, doc, State.RECEIVED, actor=actor, reason=f"reading failed ({error}); to be read again later")
        else:
            doc.updated_at = utcnow()  # read again a lease from now, not at the next turn
        s.commit()
        state = doc.state
    log.warning("document %s: reading failed (%s); now %s", doc_id, error, state, extra={"document_id": doc_id})
    return state
