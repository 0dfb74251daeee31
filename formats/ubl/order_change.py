"""OASIS UBL 2.1 OrderChange <-> canonical :class:`~formats.model.OrderChange`.

An OrderChange (UBL 2.1 section 3.2.44, PEPPOL BIS Advanced Ordering 3) restates a whole order
after a buyer's change: its own optional ``ID``, a required ``SequenceNumberID`` (the change's
number, read as the revision), the ``OrderReference`` naming the order changed, then the same
parties, delivery and lines as an Order, each ``LineItem`` with a ``LineStatusCode``.

Choices: lines whose ``LineStatusCode`` says anything but "no action" / "accepted" (UNCL 1229
``4``/``5``, UBL ``NoStatus``) are the changed lines; rendering writes ``3`` (changed) on those
and ``4`` (no action) on the others, as PEPPOL asks of every line. The change's own ``ID`` is kept
as the extension ``ubl:OrderChange``/``ID`` and written back from it.
"""

from __future__ import annotations

from lxml import etree

from formats.errors import MappingError
from formats.model import Order, OrderChange, OrderPurpose
from formats.ubl.common import Reader, cac, cbc, mapped, new_document, root_of, serialize
from formats.ubl.order import read_order_body, render_issue, render_order_parties, render_order_summary
from formats.ubl.profiles import UblProfile, render_preamble

DOCUMENT_TYPE = "OrderChange"
UNCHANGED = frozenset({"", "4", "5", "NOSTATUS"})
"""Line status codes (UNCL 1229, UBL Line Status) that mean the line was not changed."""


def parse(raw: bytes | etree._Element) -> OrderChange:
    """The canonical order change of a UBL OrderChange document."""
    root = root_of(raw, DOCUMENT_TYPE)
    r = Reader(root, DOCUMENT_TYPE)
    po_number = r.required(root, ("OrderReference", "ID"), "reference to the order changed")
    revision = r.required(root, ("SequenceNumberID",), "sequence number")
    changed = tuple(
        r.text(line, "LineItem", "ID") for line in r.children(root, "OrderLine")
        if r.text(line, "LineItem", "LineStatusCode").upper() not in UNCHANGED
    )
    fields = read_order_body(r, root)
    order = mapped(r, lambda: Order(po_number=po_number, revision=revision, purpose=OrderPurpose.CHANGE, **fields))
    return mapped(r, lambda: OrderChange(po_number=po_number, revision=revision, change_date=order.order_date,
                                         order=order, changed_lines=changed, extensions=r.leftovers()))


def render(change: OrderChange, *, profile: UblProfile | None = None) -> bytes:
    """A schema-valid UBL OrderChange document."""
    order = change.order
    if not order.lines:
        raise MappingError("cannot render a UBL OrderChange without order lines")
    root = new_document(DOCUMENT_TYPE)
    render_preamble(root, DOCUMENT_TYPE, profile)
    cbc(root, "ID", next((e.value for e in change.extensions if e.source == f"ubl:{DOCUMENT_TYPE}"
                          and e.name == "ID"), None))
    render_issue(root, order.model_copy(update={"order_date": change.change_date or order.order_date}))
    cbc(root, "SequenceNumberID", change.revision or order.revision or "1")
    for note in order.notes:
        cbc(root, "Note", note)
    cbc(root, "DocumentCurrencyCode", order.currency)
    cbc(cac(root, "OrderReference"), "ID", change.po_number)
    render_order_parties(root, order, profile, with_accounting_supplier=True)
    status = {line.line_number: "3" if line.line_number in change.changed_lines else "4" for line in order.lines}
    render_order_summary(root, order, profile, status)
    return serialize(root)


__all__ = ["DOCUMENT_TYPE", "parse", "render"]
