"""The gateway's database tables (SQLModel).

Partners, documents, their history, order links, seen interchanges and control-number counters.

Tables stay separate from the canonical model and from API schemas (STYLE 9): a row here is a
stored fact, a :mod:`formats.model` document is what the fact means.

Every document ever received or sent is a :class:`Document` row holding its raw bytes exactly as
received (or as sent), its envelope control numbers, its state and the links to the documents
it caused (``parent_id``). A document's state changes only through
:func:`gateway.pipeline.states.transition`, which writes a :class:`DocumentEvent` for each change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, overload

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    """Now, timezone-aware UTC (stored naive-UTC by SQLite, timestamptz by PostgreSQL)."""
    return dt.datetime.now(dt.UTC)


@overload
def aware(moment: dt.datetime) -> dt.datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time in UTC with its zone: SQLite gives naive UTC back, PostgreSQL an aware one."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


class Partner(SQLModel, table=True):
    """A trading partner and how to talk X12 with it.

    ``x12_qualifier``/``x12_id`` are the partner's ISA05/ISA06 (what its interchanges say), ours
    are what we put in ISA05/06 when we answer. ``settings`` holds the per-partner options that
    later work grows (delimiters, unit overrides, charset, acknowledgment kind ...).
    """

    __tablename__ = "gw_partner"
    __table_args__ = (UniqueConstraint("as2_id", name="uq_gw_partner_as2_id"),)

    id: str = Field(primary_key=True, max_length=64)
    name: str
    customer_id: str = Field(max_length=64, description="the ERP customer this partner buys as")
    x12_qualifier: str = Field(default="ZZ", max_length=2)
    x12_id: str = Field(max_length=15)
    x12_application_id: str | None = Field(default=None, max_length=15)
    our_x12_qualifier: str = Field(default="ZZ", max_length=2)
    our_x12_id: str = Field(max_length=15)
    our_x12_application_id: str | None = Field(default=None, max_length=15)
    x12_version: str = Field(default="004010", max_length=12, description="GS08 we send, e.g. 004010")
    usage: str = Field(default="P", max_length=1, description="ISA15: P production, T test")
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)
    as2_id: str | None = Field(default=None, max_length=128,
                               description="the partner's AS2 name (its AS2-From), when it sends over AS2")
    disabled_at: dt.datetime | None = Field(default=None, description="set: every channel refuses the partner")
    disabled_reason: str | None = Field(default=None, max_length=500)


DUE_WORK = "state IN ('queued', 'retry')"
"""The documents a worker may claim (``gateway.pipeline.states.CLAIMABLE_WORK``), as the SQL of the queue's index.

The claim reads the oldest of them by id. Without an index of their own, PostgreSQL walks the
primary key from the oldest document ever stored and skips every finished one, so each claim
costs more as history grows; the partial index holds only the waiting ones. The claim spells the
same condition in its SQL (not as bound values) so that the planner can use the index.
"""


class Document(SQLModel, table=True):
    """One document, inbound or outbound, with its raw bytes and where it stands."""

    __tablename__ = "gw_document"
    __table_args__ = (
        Index("ix_gw_document_claim", "state", "next_attempt_at"),
        Index("ix_gw_document_due", "id", postgresql_where=text(DUE_WORK), sqlite_where=text(DUE_WORK)),
        Index("ix_gw_document_interchange", "partner_id", "sender", "interchange_control"),
    )

    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=3, description="in / out")
    standard: str = Field(default="unknown", max_length=16, description="x12, ubl, cxml ...")
    doc_type: str = Field(max_length=32, description="interchange, 850, 855, 997, 999 ...")
    partner_id: str | None = Field(default=None, foreign_key="gw_partner.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="gw_document.id", index=True)
    state: str = Field(max_length=24, index=True)
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    filename: str | None = None
    sender: str | None = Field(default=None, max_length=40, description="ISA05:ISA06 of an interchange")
    interchange_control: str | None = Field(default=None, max_length=9)
    group_control: str | None = Field(default=None, max_length=9)
    set_control: str | None = Field(default=None, max_length=9)
    po_number: str | None = Field(default=None, max_length=64, index=True)
    erp_order_id: str | None = Field(default=None, max_length=64)
    error: str | None = None
    problems: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    canonical: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    ack_status: str | None = Field(default=None, max_length=24,
                                   description="outbound X12: accepted / accepted-with-errors / rejected / overdue")
    acknowledged_by: int | None = Field(default=None, description="the partner's 997/999 document")
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class DocumentEvent(SQLModel, table=True):
    """One state change of a document: from, to, who, when, why (the document's history)."""

    __tablename__ = "gw_document_event"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="gw_document.id", index=True)
    from_state: str | None = Field(default=None, max_length=24)
    to_state: str = Field(max_length=24)
    actor: str = Field(max_length=64)
    reason: str | None = None
    at: dt.datetime = Field(default_factory=utcnow)


class OrderLink(SQLModel, table=True):
    """Which document placed which ERP order, under which idempotency key.

    The unique key makes "the same buyer PO twice" a database fact rather than a race: the
    first document to insert the key owns the order; any other is a duplicate.
    """

    __tablename__ = "gw_order_link"
    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_gw_order_link_key"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200)
    partner_id: str = Field(foreign_key="gw_partner.id", max_length=64)
    po_number: str = Field(max_length=64)
    document_id: int = Field(foreign_key="gw_document.id", index=True)
    erp_order_id: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)


class InterchangeSeen(SQLModel, table=True):
    """An interchange (sender + ISA13) accepted from a partner, and the file it came in.

    The unique constraint is what makes a resent interchange a duplicate even when two copies
    arrive at the same moment on two API processes.
    """

    __tablename__ = "gw_interchange_seen"
    __table_args__ = (UniqueConstraint("partner_id", "sender", "control_number", name="uq_gw_interchange_seen"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: str = Field(foreign_key="gw_partner.id", max_length=64)
    sender: str = Field(max_length=40)
    control_number: str = Field(max_length=9)
    document_id: int = Field(foreign_key="gw_document.id")
    seen_at: dt.datetime = Field(default_factory=utcnow)


class ControlCounter(SQLModel, table=True):
    """The last control number used per partner and kind (ISA13, GS06, ST02).

    Allocated with a row lock inside the transaction that stores the document using it, so
    numbers are strictly increasing and never reused, also with several worker processes.
    """

    __tablename__ = "gw_control_counter"

    partner_id: str = Field(foreign_key="gw_partner.id", primary_key=True, max_length=64)
    kind: str = Field(primary_key=True, max_length=8)
    last_value: int = 0


class ErpEventSeen(SQLModel, table=True):
    """An ERP event (shipped, invoiced ...) the gateway has acted on, and the document it sent.

    Written in the transaction that stores the outbound document, under a unique key, so that an
    event is turned into a document exactly once however often the ERP is polled.
    """

    __tablename__ = "gw_erp_event"
    __table_args__ = (UniqueConstraint("source", "event_id", name="uq_gw_erp_event"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32, description="the ERP adapter, e.g. builtin")
    event_id: str = Field(max_length=64)
    kind: str = Field(max_length=24)
    erp_order_id: str | None = Field(default=None, max_length=64)
    document_id: int | None = Field(default=None, foreign_key="gw_document.id")
    note: str | None = None
    seen_at: dt.datetime = Field(default_factory=utcnow)


class ErpCursor(SQLModel, table=True):
    """How far the gateway has read an ERP's event stream (the last event id acted on)."""

    __tablename__ = "gw_erp_cursor"

    source: str = Field(primary_key=True, max_length=32)
    last_event_id: str | None = Field(default=None, max_length=64)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class WorkerHeartbeat(SQLModel, table=True):
    """A worker's last sign of life, kept in the database so that ``/healthz`` of any process sees every worker.

    Each worker upserts its own row at most every ``heartbeat_seconds`` while it loops; a worker
    whose row stopped moving is gone (killed, hung, or its host down). ``restarts`` counts the
    times its supervisor started it again after it died, ``last_error`` what it last met.
    """

    __tablename__ = "gw_worker_heartbeat"

    worker_id: str = Field(primary_key=True, max_length=64)
    host: str = Field(max_length=255)
    pid: int
    started_at: dt.datetime
    beat_at: dt.datetime
    restarts: int = 0
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
