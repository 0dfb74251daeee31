"""OASIS UBL 2.1 OrderCancellation <-> canonical :class:`~formats.model.Order` with purpose ``cancel``.

An OrderCancellation (UBL 2.1 section 3.2.45) withdraws a whole order: its own ``ID`` and
``IssueDate``, one or more ``CancellationNote``, the ``OrderReference`` of the order cancelled,
and the buyer and seller. It has no lines.

Choice: it becomes an :class:`~formats.model.Order` with purpose ``cancel`` and no lines, the
way an X12 850 with BEG01 ``01`` does, so the gateway handles every cancellation the same way
whatever the standard. The PO number is ``OrderReference/ID``; the cancellation notes are the
order's notes; the cancellation's own ``ID`` is kept as the extension
``ubl:OrderCancellation``/``ID`` and written back from it (the PO number when absent).
"""

from __future__ import annotations

from lxml import etree

from formats.model import Order, OrderPurpose, PartyRole
from formats.ubl.common import Reader, cac, cbc, mapped, new_document, root_of, serialize
from formats.ubl.order import render_issue
from formats.ubl.parties import read_wrapped_party, render_wrapped_party
from formats.ubl.profiles import UblProfile, render_preamble

DOCUMENT_TYPE = "OrderCancellation"
DEFAULT_NOTE = "Order cancelled"
"""The cancellation note written when the order carries no note (the schema requires one)."""


def parse(raw: bytes | etree._Element) -> Order:
    """The canonical cancel-order of a UBL OrderCancellation document."""
    root = root_of(raw, DOCUMENT_TYPE)
    r = Reader(root, DOCUMENT_TYPE)
    po_number = r.required(root, ("OrderReference", "ID"), "reference to the order cancelled")
    r.required(root, ("ID",), "cancellation number")
    r.unread(r.need(root, "ID", "cancellation number"))  # kept as an extension, written back
    r.child(root, "UBLVersionID")
    notes = [r.text(n) for name in ("CancellationNote", "Note") for n in r.children(root, name) if r.text(n)]
    return mapped(r, lambda: Order(
        po_number=po_number,
        purpose=OrderPurpose.CANCEL,
        order_date=r.date(root, "IssueDate"),
        notes=tuple(notes),
        buyer=read_wrapped_party(r, root, "BuyerCustomerParty", PartyRole.BUYER),
        seller=read_wrapped_party(r, root, "SellerSupplierParty", PartyRole.SELLER),
        extensions=r.leftovers(),
    ))


def render(order: Order, *, profile: UblProfile | None = None) -> bytes:
    """A schema-valid UBL OrderCancellation for ``order`` (whatever its purpose)."""
    root = new_document(DOCUMENT_TYPE)
    render_preamble(root, DOCUMENT_TYPE, profile)
    own_id = next((e.value for e in order.extensions if e.source == f"ubl:{DOCUMENT_TYPE}" and e.name == "ID"),
                  order.po_number)
    cbc(root, "ID", own_id)
    render_issue(root, order)
    for note in order.notes or (DEFAULT_NOTE,):
        cbc(root, "CancellationNote", note)
    cbc(cac(root, "OrderReference"), "ID", order.po_number)
    render_wrapped_party(root, "BuyerCustomerParty", order.buyer, profile)
    render_wrapped_party(root, "SellerSupplierParty", order.seller, profile)
    return serialize(root)


__all__ = ["DOCUMENT_TYPE", "parse", "render"]
