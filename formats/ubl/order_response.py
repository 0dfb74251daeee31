"""OASIS UBL 2.1 OrderResponse <-> canonical :class:`~formats.model.OrderResponse`.

The OrderResponse (UBL 2.1 section 3.2.47, PEPPOL BIS Ordering 3) is the seller's answer to an
order: its ``ID`` and ``SalesOrderID`` (the seller's order number), ``OrderResponseCode``
(UNCL 4343: ``AP`` accepted, ``CA`` accepted with changes, ``RE`` rejected), the
``OrderReference`` of the buyer's order, the parties, and per ordered line a ``LineItem`` with a
``LineStatusCode`` (UNCL 1229: ``5`` accepted, ``3`` changed, ``7`` not accepted; UBL 2.0 names
such as ``NoStatus``, ``Disputed``, ``Revised`` are read too).

Choices:

* UNCL codes are coarser than the canonical statuses (``3`` covers quantity, price, date and
  backorder changes): rendering writes the canonical status in the code's ``name`` attribute
  and reading prefers it, so our own responses round-trip exactly; a ``3`` without a name reads
  as ``quantity-changed`` (``date-changed`` when only a promised date is given);
* without an ``OrderResponseCode`` (UBL 2.0 style) the header status follows the lines;
* a line's number is its ``OrderLineReference/LineID`` (the buyer's line), else its own ``ID``;
  rendering numbers ``LineItem/ID`` 1, 2 ... since a split line has two responses;
* a line without a ``Quantity`` (allowed for accepted lines) gets quantity 0 ``EA``;
* the order's time of day (``po_time``) is ``OrderReference/IssueTime``, written and read with
  its zone when it has one (``xs:time`` allows it): the answer quotes the order as it was sent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree

from formats.errors import MappingError
from formats.model import (
    DateKind,
    HeaderStatus,
    LineResponse,
    LineStatus,
    OrderResponse,
    PartyRole,
    PriceBasis,
    Quantity,
)
from formats.ubl.common import Reader, cac, cbc, mapped, new_document, numbered, quantity, root_of, serialize
from formats.ubl.items import read_delivery, read_item, read_price, render_delivery, render_item, render_price
from formats.ubl.parties import SUPPLIER_CONTACTS, read_wrapped_party, render_wrapped_party
from formats.ubl.profiles import UblProfile, render_preamble
from formats.xml import local_name

DOCUMENT_TYPE = "OrderResponse"

HEADER_CODES: dict[str, HeaderStatus] = {
    "AP": HeaderStatus.ACCEPTED,
    "AB": HeaderStatus.ACCEPTED,
    "CA": HeaderStatus.ACCEPTED_WITH_CHANGES,
    "RE": HeaderStatus.REJECTED,
}
"""OrderResponseCode (UNCL 4343 subset) read as a header status."""

HEADER_RENDER: dict[HeaderStatus, str] = {
    HeaderStatus.ACCEPTED: "AP",
    HeaderStatus.ACCEPTED_WITH_CHANGES: "CA",
    HeaderStatus.REJECTED: "RE",
    HeaderStatus.REJECTED_WITH_DETAIL: "RE",
}

LINE_CODES: dict[str, LineStatus] = {
    "1": LineStatus.ACCEPTED,  # added
    "3": LineStatus.QUANTITY_CHANGED,
    "4": LineStatus.ACCEPTED,  # no action
    "5": LineStatus.ACCEPTED,
    "6": LineStatus.QUANTITY_CHANGED,  # accepted with amendment
    "7": LineStatus.REJECTED,
    "2": LineStatus.REJECTED,  # deleted
    "NOSTATUS": LineStatus.ACCEPTED,
    "ADDED": LineStatus.ACCEPTED,
    "REVISED": LineStatus.QUANTITY_CHANGED,
    "DISPUTED": LineStatus.REJECTED,
    "CANCELLED": LineStatus.REJECTED,
}
"""LineStatusCode (UNCL 1229 subset, UBL Line Status) read as a line status."""

LINE_RENDER: dict[LineStatus, str] = {
    LineStatus.ACCEPTED: "5",
    LineStatus.REJECTED: "7",
    LineStatus.QUANTITY_CHANGED: "3",
    LineStatus.PRICE_CHANGED: "3",
    LineStatus.DATE_CHANGED: "3",
    LineStatus.BACKORDERED: "3",
}


def read_response_header(r: Reader, root: etree._Element) -> tuple[str, str, dt.date | None]:
    """The response's own number, the PO it answers and its date (OrderResponse and OrderResponseSimple)."""
    r.child(root, "UBLVersionID")
    own_id = r.required(root, ("ID",), "response number")
    po_number = r.required(root, ("OrderReference", "ID"), "reference to the order answered")
    response_date = r.date(root, "IssueDate")
    if response_date is None:
        r.required(root, ("IssueDate",), "issue date")
    return own_id, po_number, response_date


def read_order_time(r: Reader, root: etree._Element) -> dt.time | None:
    """``OrderReference/IssueTime``: the order's time of day, its zone kept (unlike :meth:`Reader.time`)."""
    node = r.child(root, "OrderReference", "IssueTime")
    value = r.text(node)
    if node is None or not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError as exc:
        raise MappingError(f"{local_name(node)} {value!r} is not a time (hh:mm:ss, optional zone)",
                           r.where(node)) from exc


def render_order_reference(root: etree._Element, response: OrderResponse) -> None:
    """``OrderReference``: the order's number, date and time of day (with its zone when known)."""
    reference = cac(root, "OrderReference")
    cbc(reference, "ID", response.po_number)
    cbc(reference, "IssueDate", response.po_date)
    if response.po_time is not None:
        cbc(reference, "IssueTime", response.po_time.replace(microsecond=0).isoformat())


def parse(raw: bytes | etree._Element) -> OrderResponse:
    """The canonical order response of a UBL OrderResponse document."""
    root = root_of(raw, DOCUMENT_TYPE)
    r = Reader(root, DOCUMENT_TYPE)
    own_id, po_number, response_date = read_response_header(r, root)
    currency = r.currency(root, "DocumentCurrencyCode")
    lines = tuple(_read_line(r, line, currency) for line in r.children(root, "OrderLine"))
    ship_to, _ = read_delivery(r, root)
    return mapped(r, lambda: OrderResponse(
        po_number=po_number,
        po_date=r.date(root, "OrderReference", "IssueDate"),
        po_time=read_order_time(r, root),
        response_number=r.optional(root, "SalesOrderID") or own_id,
        response_date=response_date,
        status=_header_status(r, root, lines),
        buyer=read_wrapped_party(r, root, "BuyerCustomerParty", PartyRole.BUYER),
        seller=read_wrapped_party(r, root, "SellerSupplierParty", PartyRole.SELLER),
        ship_to=ship_to,
        currency=currency,
        lines=lines,
        notes=tuple(r.text(n) for n in r.children(root, "Note") if r.text(n)),
        extensions=r.leftovers(),
    ))


def _header_status(r: Reader, root: etree._Element, lines: tuple[LineResponse, ...]) -> HeaderStatus:
    node = r.child(root, "OrderResponseCode")
    named = (node.get("name") or "") if node is not None else ""
    if named in HeaderStatus.__members__.values():
        return HeaderStatus(named)
    code = r.text(node).upper()
    if code:
        return HEADER_CODES.get(code, HeaderStatus.ACCEPTED_WITH_CHANGES)
    statuses = {line.status for line in lines}
    if statuses and statuses <= {LineStatus.REJECTED}:
        return HeaderStatus.REJECTED_WITH_DETAIL
    return HeaderStatus.ACCEPTED if statuses <= {LineStatus.ACCEPTED} else HeaderStatus.ACCEPTED_WITH_CHANGES


def _read_line(r: Reader, order_line: etree._Element, currency: str | None) -> LineResponse:
    item = r.need(order_line, "LineItem", "line item")
    own = r.required(item, ("ID",), "line number")
    line_number = r.optional(order_line, "OrderLineReference", "LineID") or own
    unit_price, _ = read_price(r, r.child(item, "Price"), currency)
    _, dates = read_delivery(r, item)
    promised = next((d.date for d in dates if d.kind == DateKind.PROMISED_DELIVERY and d.qualifier is None), None)
    ids, _, _ = read_item(r, r.child(item, "Item"))
    quantity_value = r.quantity(item, "Quantity")
    return LineResponse(
        line_number=line_number,
        status=_line_status(r, r.child(item, "LineStatusCode"), quantity_value, promised),
        quantity=quantity_value or Quantity(value=Decimal(0), unit="EA"),
        items=ids,
        unit_price=unit_price,
        promised_date=promised,
        reason="\n".join(r.text(n) for n in r.children(item, "Note") if r.text(n)) or None,
    )


def _line_status(r: Reader, node: etree._Element | None, quantity_value: Quantity | None,
                 promised: dt.date | None) -> LineStatus:
    named = (node.get("name") or "") if node is not None else ""
    if named in LineStatus.__members__.values():
        return LineStatus(named)
    code = r.text(node).upper()
    status = LINE_CODES.get(code, LineStatus.ACCEPTED if not code else LineStatus.QUANTITY_CHANGED)
    if status == LineStatus.QUANTITY_CHANGED and quantity_value is None and promised is not None:
        return LineStatus.DATE_CHANGED
    return status


def render(response: OrderResponse, *, profile: UblProfile | None = None) -> bytes:
    """A schema-valid UBL OrderResponse document."""
    root = new_document(DOCUMENT_TYPE)
    render_preamble(root, DOCUMENT_TYPE, profile)
    cbc(root, "ID", response.response_number or response.po_number)
    cbc(root, "SalesOrderID", response.response_number)
    cbc(root, "IssueDate", response.response_date)
    code = cbc(root, "OrderResponseCode", HEADER_RENDER[response.status])
    if code is not None:
        code.set("name", response.status.value)
    for note in response.notes:
        cbc(root, "Note", note)
    cbc(root, "DocumentCurrencyCode", response.currency)
    render_order_reference(root, response)
    render_wrapped_party(root, "SellerSupplierParty", response.seller, profile, SUPPLIER_CONTACTS)
    render_wrapped_party(root, "BuyerCustomerParty", response.buyer, profile)
    render_delivery(root, response.ship_to, (), profile)
    ids = numbered()
    for line in response.lines:
        _render_line(root, line, next(ids))
    return serialize(root)


def _render_line(root: etree._Element, line: LineResponse, own_id: str) -> None:
    order_line = cac(root, "OrderLine")
    item = cac(order_line, "LineItem")
    cbc(item, "ID", own_id)
    cbc(item, "Note", line.reason)
    status = cbc(item, "LineStatusCode", LINE_RENDER[line.status])
    if status is not None:
        status.set("name", line.status.value)
    quantity(item, "Quantity", line.quantity)
    if line.promised_date is not None:
        cbc(cac(cac(item, "Delivery"), "PromisedDeliveryPeriod"), "StartDate", line.promised_date)
    render_price(item, line.unit_price, PriceBasis(), line.quantity.unit)
    render_item(item, line.items, None)
    cbc(cac(order_line, "OrderLineReference"), "LineID", line.line_number)


__all__ = ["DOCUMENT_TYPE", "parse", "read_order_time", "render", "render_order_reference"]
