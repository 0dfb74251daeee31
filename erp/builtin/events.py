"""The built-in ERP's event stream, read through :meth:`erp.port.ErpPort.events_after`.

Every change a partner may need a document for - an order changed or cancelled, shipped,
invoiced, paid - writes one ``erp_event`` row **in the transaction that makes the change**, so
the event exists exactly when the change does: a rolled-back shipment leaves no event behind,
and a committed one cannot lose its event.

Why the id is not a database sequence. On PostgreSQL a ``SERIAL`` id is handed out at insert
time, but transactions commit in any order: event 8 may be visible while event 7 is still
uncommitted, and a reader whose cursor has moved past 8 would never see 7. Waiting for a "settle
time" only makes that rarer, and would delay the ship notice the gateway sends right after a
shipment. Instead the id comes from the ``event`` row of ``erp_sequence`` (``UPDATE ...
RETURNING``), which stays locked until the writing transaction ends: the next writer cannot get
id 8 before the holder of 7 has committed (or rolled back, giving 7 back). Ids therefore become
visible in order and without gaps, and a cursor never skips an event. The price is that
event-writing transactions commit one at a time from the moment they take their id, which is
why :func:`record_event` is the last thing they do before committing. SQLite has one writer at a
time anyway.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from pydantic import BaseModel
from sqlmodel import Session, col, select

from erp.builtin.store import as_utc, next_value
from erp.builtin.tables import ErpEventRow
from erp.port import ErpEvent, ErpEventKind, ErpRejected, Payment
from formats.model import Invoice, ShipNotice

EVENT_SEQUENCE = "event"
ID_DIGITS = 12


def event_id(number: int) -> str:
    """The port's id of event ``number``: zero-padded, so ids compare as strings as they do as numbers."""
    return f"{number:0{ID_DIGITS}d}"


def cursor_number(cursor: str | None) -> int:
    """The event number a cursor stands for (0 before the first event); ErpRejected if it is not one of ours."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit():
        raise ErpRejected(f"{cursor!r} is not an event id of the built-in ERP")
    return int(cursor)


def record_event(session: Session, kind: ErpEventKind, *, order_id: str | None, customer_id: str, at: dt.datetime,
                 payload: BaseModel | None = None, reason: str | None = None) -> ErpEventRow:
    """Write an event in the caller's transaction; call it last, just before the commit (module docstring).

    ``payload`` is the document the event carries; a change or cancellation carries its ``reason``.
    """
    payload_json = payload.model_dump_json() if payload is not None else json.dumps({"reason": reason})
    row = ErpEventRow(id=next_value(session, EVENT_SEQUENCE), kind=kind.value, order_id=order_id,
                      customer_id=customer_id, at=at, payload_json=payload_json)
    session.add(row)
    return row


def to_event(row: ErpEventRow) -> ErpEvent:
    """The port's view of a stored event, with the document it carries."""
    kind = ErpEventKind(row.kind)
    payload = row.payload_json
    return ErpEvent(
        event_id=event_id(row.id), kind=kind, erp_order_id=row.order_id, customer_id=row.customer_id,
        at=as_utc(row.at),
        ship_notice=ShipNotice.model_validate_json(payload) if kind is ErpEventKind.SHIPPED else None,
        invoice=Invoice.model_validate_json(payload) if kind is ErpEventKind.INVOICED else None,
        payment=Payment.model_validate_json(payload) if kind is ErpEventKind.PAID else None,
    )


def read_events(session: Session, cursor: str | None, limit: int) -> Sequence[ErpEvent]:
    """Events after ``cursor``, oldest first, at most ``limit`` (none when ``limit`` < 1)."""
    if limit < 1:
        return []
    query = (select(ErpEventRow).where(col(ErpEventRow.id) > cursor_number(cursor))
             .order_by(col(ErpEventRow.id)).limit(limit))
    return [to_event(row) for row in session.exec(query).all()]


__all__ = ["EVENT_SEQUENCE", "cursor_number", "event_id", "read_events", "record_event", "to_event"]
