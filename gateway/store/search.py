"""Finding documents: the one query behind the operator pages, the operator API and ``b2bgw documents``.

Filters by any stored field an operator knows (partner, standard, type, state, direction, PO,
dates) and a free-text search over the fields a partner quotes on the phone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from gateway.store.tables import Document


@dataclass(frozen=True)
class DocumentFilter:
    """The filters of the document list; empty fields do not filter."""

    partner: str = ""
    standard: str = ""
    doc_type: str = ""
    state: str = ""
    direction: str = ""
    po_number: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    search: str = ""

    def query_string(self) -> str:
        """The filter as URL parameters (for the next-page link)."""
        from urllib.parse import urlencode

        pairs = {name: value for name, value in (
            ("partner", self.partner), ("standard", self.standard), ("type", self.doc_type), ("state", self.state),
            ("direction", self.direction), ("po", self.po_number), ("q", self.search),
            ("since", self.since.isoformat() if self.since else ""),
            ("until", self.until.isoformat() if self.until else "")) if value}
        return urlencode(pairs)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def find_documents(s: Session, where: DocumentFilter, *, limit: int = 50, before_id: int | None = None,
                   offset: int = 0) -> Sequence[Document]:
    """Documents newest first matching ``where``; ``before_id`` pages back (keyset, stable while new ones arrive).

    ``offset`` pages as the operator API always has (simpler for scripts, not stable while
    documents arrive); the pages use ``before_id``.

    The search looks in the PO number, the ERP order, the error, the file name and the sender, the
    fields an operator remembers when a partner calls.
    """
    query = select(Document)
    exact = ((Document.partner_id, where.partner), (Document.standard, where.standard),
             (Document.doc_type, where.doc_type), (Document.state, where.state),
             (Document.direction, where.direction), (Document.po_number, where.po_number))
    for column, value in exact:
        if value:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(col(Document.created_at) >= _start_of(where.since))
    if where.until is not None:
        query = query.where(col(Document.created_at) < _start_of(where.until + dt.timedelta(days=1)))
    if where.search:
        pattern = f"%{where.search.lower()}%"
        query = query.where(or_(*(func.lower(column).like(pattern) for column in (
            col(Document.po_number), col(Document.erp_order_id), col(Document.error), col(Document.filename),
            col(Document.sender)))))
    if before_id is not None:
        query = query.where(col(Document.id) < before_id)
    return s.exec(query.order_by(col(Document.id).desc()).offset(offset).limit(limit)).all()


__all__ = ["DocumentFilter", "find_documents"]
