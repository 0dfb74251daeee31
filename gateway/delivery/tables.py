"""The outbox and the history of delivery attempts (SQLModel tables).

:class:`OutboxMessage` is one outbound call waiting to be made (a document to POST to a partner,
a file to drop, an ERP call), written in the same transaction as the decision that causes it.
:class:`DeliveryAttempt` is one try at delivering a message *or* at processing an inbound
document, with its outcome and error: the full history a dead letter is shown with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.store.tables import utcnow


class OutboxMessage(SQLModel, table=True):
    """An outbound call to make once, through the transport registered for its ``channel``.

    ``idempotency_key`` is unique: enqueueing the same message twice (a replayed decision) keeps
    the first. Transports pass it on (an ``Idempotency-Key`` header, the ERP port's key), so a
    redelivery after a crash can be recognised by the receiver.
    """

    __tablename__ = "gw_outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_gw_outbox_key"),
        Index("ix_gw_outbox_claim", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32, description="the transport: http, file, erp ...")
    destination: str = Field(max_length=500, description="URL, folder or ERP operation")
    kind: str = Field(max_length=48, description="what is carried: document, erp.push_order ...")
    idempotency_key: str = Field(max_length=200)
    partner_id: str | None = Field(default=None, foreign_key="gw_partner.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="gw_document.id", index=True)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    content_type: str = Field(default="application/octet-stream", max_length=100)
    headers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(max_length=16, description="pending, delivering, retry, delivered, failed, dead")
    attempts: int = 0
    max_attempts: int | None = Field(default=None, description="None: the partner's max_attempts setting, "
                                     "else B2BGW_MAX_ATTEMPTS, read when an attempt fails")
    next_attempt_at: dt.datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: dt.datetime | None = None
    last_error: str | None = None
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    delivered_at: dt.datetime | None = None


class DeliveryAttempt(SQLModel, table=True):
    """One try: delivering an outbox message, or processing an inbound document that failed."""

    __tablename__ = "gw_delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int | None = Field(default=None, foreign_key="gw_outbox.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="gw_document.id", index=True)
    attempt: int
    worker: str = Field(max_length=64)
    outcome: str = Field(max_length=16, description="delivered, transient, permanent")
    error: str | None = None
    started_at: dt.datetime
    finished_at: dt.datetime = Field(default_factory=utcnow)


class DocumentEdit(SQLModel, table=True):
    """An operator's correction of an inbound document: the original kept, the edited copy queued.

    The original document's raw bytes are never changed (they are what the partner sent); the
    edited bytes become a new document, child of the original, and this row says who changed
    what and why.
    """

    __tablename__ = "gw_document_edit"
    __table_args__ = (UniqueConstraint("original_id", name="uq_gw_document_edit_original"),)

    id: int | None = Field(default=None, primary_key=True)
    original_id: int = Field(foreign_key="gw_document.id")
    edited_id: int = Field(foreign_key="gw_document.id", index=True)
    actor: str = Field(max_length=64)
    reason: str
    original_sha256: str = Field(max_length=64)
    edited_sha256: str = Field(max_length=64)
    at: dt.datetime = Field(default_factory=utcnow)
