"""ERP events into partner documents: shipped -> ship notice, invoiced -> invoice.

The gateway reads the ERP's event stream through the port (``events_after``), from the last
event it acted on. Each event is handled in one transaction that stores the outbound document,
records the event under a unique key and advances the cursor, so an event becomes a document
exactly once: a crash before the commit means the event is read again; after it, never again.

An event is matched to its trading partner through the order link (the ERP order the gateway
placed). Events for orders that did not come through the gateway (a phone order keyed in the
ERP) are recorded and skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from erp.port import ErpEvent, ErpEventKind, ErpPort
from formats.errors import FormatError
from formats.model import Canonical
from gateway.credit.ledger import on_erp_event
from gateway.outbound import Outgoing, emit
from gateway.partners import answered_delimiters, partner_standard
from gateway.pipeline.states import State
from gateway.store.db import lock_for_write, session
from gateway.store.documents import create_document, problem_record
from gateway.store.tables import ErpCursor, ErpEventSeen, OrderLink, Partner, utcnow

log = logging.getLogger(__name__)

SENDS: dict[ErpEventKind, Outgoing] = {
    ErpEventKind.SHIPPED: Outgoing.SHIP_NOTICE,
    ErpEventKind.INVOICED: Outgoing.INVOICE,
}
"""Which events a partner gets a document for; the others are recorded (credit work reads PAID)."""


@dataclass(frozen=True)
class Handled:
    """What became of one event."""

    event_id: str
    kind: ErpEventKind
    document_id: int | None
    note: str


def _cursor(s: Session, source: str) -> ErpCursor:
    """The cursor of ``source``, locked until ``s`` ends: the first thing an event's transaction does.

    The lock comes before anything is read (SQLite's write lock, see :func:`lock_for_write`;
    PostgreSQL's row lock), so a second poller waits here and then reads the cursor the first one
    advanced. Two pollers meeting the very first event both find no row: the second one's insert
    fails once the first commits, and it goes on with the first one's row.
    """
    lock_for_write(s)
    cursor = s.get(ErpCursor, source, with_for_update=True)
    if cursor is None:
        try:
            with s.begin_nested():
                s.add(ErpCursor(source=source))
        except IntegrityError:
            pass  # another poller wrote the row first; read it (its lock waits for that poller's commit)
        cursor = s.get(ErpCursor, source, with_for_update=True)
        assert cursor is not None  # inserted above, or by the poller that won
    return cursor


def _payload(event: ErpEvent) -> Canonical | None:
    if event.kind is ErpEventKind.SHIPPED:
        return event.ship_notice
    if event.kind is ErpEventKind.INVOICED:
        return event.invoice
    return None


def _handle(s: Session, source: str, event: ErpEvent, actor: str) -> Handled:
    """Turn one event into its document (if any) inside the caller's transaction."""
    document_id: int | None = None
    kind = SENDS.get(event.kind)
    link = (s.exec(select(OrderLink).where(OrderLink.erp_order_id == event.erp_order_id)).first()
            if event.erp_order_id else None)
    payload = _payload(event)
    if kind is None:
        note = f"{event.kind.value}: nothing to send"
    elif link is None:
        note = f"{event.kind.value}: order {event.erp_order_id} did not come through the gateway"
    elif payload is None:
        note = f"{event.kind.value}: the ERP sent no document with the event"
    else:
        partner = s.get(Partner, link.partner_id)
        assert partner is not None
        reason = f"ERP {event.kind.value} (event {event.event_id}) for order {event.erp_order_id}"
        try:
            with s.begin_nested():
                doc = emit(s, partner, kind, payload, parent_id=link.document_id, actor=actor, reason=reason,
                           po_number=link.po_number, erp_order_id=event.erp_order_id,
                           inbound_delimiters=answered_delimiters(s, partner, link.document_id))
        except FormatError as exc:
            # The event must not block the stream: keep what we could not send, visibly, for the operator.
            doc = create_document(
                s, raw=payload.model_dump_json(indent=2).encode(), direction="out", doc_type=kind.value,
                state=State.REJECTED, actor=actor, reason=f"{reason}: cannot be written: {exc}",
                standard=partner_standard(partner), partner_id=partner.id, parent_id=link.document_id,
                po_number=link.po_number, erp_order_id=event.erp_order_id, error=str(exc),
                problems=[problem_record(p) for p in exc.problems], canonical=payload.model_dump(mode="json"))
            note = f"{event.kind.value}: could not be written for partner {partner.id}: {exc}"
            document_id = doc.id
        else:
            document_id = doc.id if doc is not None else None
            note = f"{event.kind.value}: sent document {document_id}" if doc else f"{event.kind.value}: not wanted"
    progress = on_erp_event(s, event, actor=actor)  # order closing and the credit ledger, same transaction
    if progress:
        note = f"{note}; {progress}"
    s.add(ErpEventSeen(source=source, event_id=event.event_id, kind=event.kind.value,
                       erp_order_id=event.erp_order_id, document_id=document_id, note=note))
    return Handled(event.event_id, event.kind, document_id, note)


def poll_erp_events(engine: Engine, erp: ErpPort, *, source: str, actor: str, limit: int = 100) -> list[Handled]:
    """Act on every ERP event after the cursor; what was done, oldest first.

    Safe to run from several workers (and the operator's ERP calls) at once: each event's
    transaction first locks the cursor (:func:`_cursor`), then reads it and the events recorded
    afterwards, so an event another poller acted on meanwhile is skipped, never handled twice.
    """
    handled: list[Handled] = []
    with session(engine) as s:
        cursor = s.get(ErpCursor, source)
        after = cursor.last_event_id if cursor else None
    for event in erp.events_after(after, limit=limit):
        with session(engine) as s:
            cursor = _cursor(s, source)
            if cursor.last_event_id is not None and event.event_id <= cursor.last_event_id:
                continue  # another worker got here first
            seen = s.exec(select(ErpEventSeen).where(ErpEventSeen.source == source,
                                                     ErpEventSeen.event_id == event.event_id)).first()
            result = None if seen else _handle(s, source, event, actor)
            cursor.last_event_id = event.event_id
            cursor.updated_at = utcnow()
            s.add(cursor)
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                continue
        if result is not None:
            log.info("ERP event %s: %s", event.event_id, result.note)
            handled.append(result)
    return handled


__all__ = ["SENDS", "Handled", "poll_erp_events"]
