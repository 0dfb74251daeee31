"""API schemas of the operator endpoints, kept apart from the tables (STYLE 9)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from gateway.store.tables import Document, DocumentEvent


class DocumentSummary(BaseModel):
    """A document in a list."""

    id: int
    direction: str
    standard: str
    doc_type: str
    partner_id: str | None
    parent_id: int | None
    state: str
    po_number: str | None
    erp_order_id: str | None
    interchange_control: str | None
    set_control: str | None
    error: str | None
    attempts: int
    size: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, doc: Document) -> DocumentSummary:
        """The summary of a stored document."""
        return cls(id=doc.id or 0, direction=doc.direction, standard=doc.standard, doc_type=doc.doc_type,
                   partner_id=doc.partner_id, parent_id=doc.parent_id, state=doc.state, po_number=doc.po_number,
                   erp_order_id=doc.erp_order_id, interchange_control=doc.interchange_control,
                   set_control=doc.set_control, error=doc.error, attempts=doc.attempts, size=len(doc.raw),
                   created_at=doc.created_at, updated_at=doc.updated_at)


class EventView(BaseModel):
    """One state change in a document's history."""

    from_state: str | None
    to_state: str
    actor: str
    reason: str | None
    at: dt.datetime

    @classmethod
    def of(cls, event: DocumentEvent) -> EventView:
        """The view of a stored event."""
        return cls(from_state=event.from_state, to_state=event.to_state, actor=event.actor, reason=event.reason,
                   at=event.at)


class DocumentDetail(DocumentSummary):
    """A document with its raw text, problems, canonical form, history and related documents."""

    raw: str
    sha256: str
    problems: list[dict[str, Any]]
    canonical: dict[str, Any] | None
    history: list[EventView]
    children: list[DocumentSummary]
