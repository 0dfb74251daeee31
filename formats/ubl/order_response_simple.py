"""OASIS UBL 2.1 OrderResponseSimple <-> canonical :class:`~formats.model.OrderResponse`.

The OrderResponseSimple (UBL 2.1 section 3.2.48) accepts or rejects a whole order without
lines: ``AcceptedIndicator``, ``RejectionNote``, the ``OrderReference`` (the order's number,
date and time of day, as in :mod:`formats.ubl.order_response`) and both parties.

Choices: ``AcceptedIndicator`` true reads as ``accepted``, false as ``rejected``; rendering
writes true for both accepted statuses and false for both rejected ones, and drops the lines
(use :mod:`formats.ubl.order_response` to answer line by line). Notes of a rejection are written
as ``RejectionNote``, of an acceptance as ``Note``.
"""

from __future__ import annotations

from lxml import etree

from formats.model import HeaderStatus, OrderResponse, PartyRole
from formats.ubl.common import Reader, cbc, mapped, new_document, root_of, serialize
from formats.ubl.order_response import read_order_time, read_response_header, render_order_reference
from formats.ubl.parties import SUPPLIER_CONTACTS, read_wrapped_party, render_wrapped_party
from formats.ubl.profiles import UblProfile, render_preamble

DOCUMENT_TYPE = "OrderResponseSimple"
REJECTED = frozenset({HeaderStatus.REJECTED, HeaderStatus.REJECTED_WITH_DETAIL})


def parse(raw: bytes | etree._Element) -> OrderResponse:
    """The canonical (line-less) order response of a UBL OrderResponseSimple document."""
    root = root_of(raw, DOCUMENT_TYPE)
    r = Reader(root, DOCUMENT_TYPE)
    own_id, po_number, response_date = read_response_header(r, root)
    accepted = r.indicator(root, "AcceptedIndicator")
    if accepted is None:
        r.required(root, ("AcceptedIndicator",), "accepted indicator")
    notes = [r.text(n) for name in ("Note", "RejectionNote") for n in r.children(root, name) if r.text(n)]
    return mapped(r, lambda: OrderResponse(
        po_number=po_number,
        po_date=r.date(root, "OrderReference", "IssueDate"),
        po_time=read_order_time(r, root),
        response_number=own_id,
        response_date=response_date,
        status=HeaderStatus.ACCEPTED if accepted else HeaderStatus.REJECTED,
        buyer=read_wrapped_party(r, root, "BuyerCustomerParty", PartyRole.BUYER),
        seller=read_wrapped_party(r, root, "SellerSupplierParty", PartyRole.SELLER),
        notes=tuple(notes),
        extensions=r.leftovers(),
    ))


def render(response: OrderResponse, *, profile: UblProfile | None = None) -> bytes:
    """A schema-valid UBL OrderResponseSimple document."""
    rejected = response.status in REJECTED
    root = new_document(DOCUMENT_TYPE)
    render_preamble(root, DOCUMENT_TYPE, profile)
    cbc(root, "ID", response.response_number or response.po_number)
    cbc(root, "IssueDate", response.response_date)
    for note in () if rejected else response.notes:
        cbc(root, "Note", note)
    cbc(root, "AcceptedIndicator", not rejected)
    for note in response.notes if rejected else ():
        cbc(root, "RejectionNote", note)
    render_order_reference(root, response)
    render_wrapped_party(root, "SellerSupplierParty", response.seller, profile, SUPPLIER_CONTACTS)
    render_wrapped_party(root, "BuyerCustomerParty", response.buyer, profile)
    return serialize(root)


__all__ = ["DOCUMENT_TYPE", "parse", "render"]
