"""``/admin/as2``: every AS2 message and MDN, and every certificate with its expiry.

The list shows each message (in or out) with its state, the MDN's disposition, the MIC, the
partner and the document it carried; a message's page shows its headers, its MDN whole and the
first bytes of what travelled (encrypted bytes as a size, never a key). The certificates table
is ours and the partners', soonest expiry first, marked within ``B2BGW_CERTIFICATE_WARNING_DAYS``.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import col, select

from gateway.admin.routes import OperatorPage, page
from gateway.api.deps import ServicesDep
from gateway.as2.certificates import certificate_overview
from gateway.as2.tables import As2Message
from gateway.store.db import session

router = APIRouter(prefix="/admin", include_in_schema=False)
PAGE_SIZE = 100



@router.get("/as2", response_model=None)
def as2_page(request: Request, services: ServicesDep, operator: OperatorPage,
             partner: str | None = Query(default=None), direction: str | None = Query(default=None),
             state: str | None = Query(default=None), document: int | None = Query(default=None)) -> Response:
    """AS2 messages (newest first, filtered) and every certificate with its expiry."""
    with session(services.engine) as s:
        query = select(As2Message).order_by(col(As2Message.id).desc()).limit(PAGE_SIZE)
        if partner:
            query = query.where(As2Message.partner_id == partner)
        if direction in ("in", "out"):
            query = query.where(As2Message.direction == direction)
        if state:
            query = query.where(As2Message.state == state)
        if document is not None:
            query = query.where(As2Message.document_id == document)
        messages = s.exec(query).all()
        certificates = certificate_overview(s, warning_days=services.settings.certificate_warning_days)
    return page(request, "as2.html", operator, messages=messages, certificates=certificates,
                 warning_days=services.settings.certificate_warning_days,
                 filters={"partner": partner or "", "direction": direction or "", "state": state or "",
                          "document": document or ""})


@router.get("/as2/messages/{row_id}", response_model=None)
def as2_message_page(request: Request, services: ServicesDep, operator: OperatorPage, row_id: int) -> Response:
    """One AS2 message: headers, security, MIC, the MDN whole, the document."""
    with session(services.engine) as s:
        row = s.get(As2Message, row_id)
        if row is None:
            return page(request, "missing.html", operator, status_code=404, what=f"AS2 message {row_id}")
        readable = row.raw[:4000].decode("utf-8", "replace") if not row.encrypted else None
        mdn = row.mdn_raw.decode("utf-8", "replace")[:20000] if row.mdn_raw else None
    return page(request, "as2_message.html", operator, m=row, raw_text=readable, mdn_text=mdn)


__all__ = ["router"]
