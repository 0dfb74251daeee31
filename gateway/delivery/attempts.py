"""The history of attempts: every try at a message, every failed try at a document.

A dead letter is shown with this history (when, which worker, what went wrong each time), so an
operator can tell an ERP that was down for an hour from a partner URL that never worked.
Successful processing of an inbound document is not written here: its ``processed`` event in
the document history says the same at no extra cost per order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, select

from gateway.delivery.tables import DeliveryAttempt


def record_attempt(session: Session, *, attempt: int, worker: str, outcome: str, started_at: dt.datetime,
                   error: str | None = None, message_id: int | None = None,
                   document_id: int | None = None) -> DeliveryAttempt:
    """Add one attempt to ``session`` (the caller commits it with the state it leads to)."""
    row = DeliveryAttempt(message_id=message_id, document_id=document_id, attempt=attempt, worker=worker[:64],
                          outcome=outcome, error=error, started_at=started_at)
    session.add(row)
    return row


def attempts_of(session: Session, *, message_id: int | None = None,
                document_id: int | None = None) -> Sequence[DeliveryAttempt]:
    """The attempts at a message or a document, oldest first."""
    query = select(DeliveryAttempt)
    if message_id is not None:
        query = query.where(DeliveryAttempt.message_id == message_id)
    if document_id is not None:
        query = query.where(DeliveryAttempt.document_id == document_id)
    return session.exec(query.order_by(col(DeliveryAttempt.id))).all()
