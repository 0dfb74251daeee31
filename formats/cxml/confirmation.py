"""cXML 1.2 ``ConfirmationRequest`` (Fulfill.dtd) <-> canonical :class:`~formats.model.OrderResponse`.

A supplier confirms an OrderRequest with a ConfirmationRequest: ``ConfirmationHeader`` (type
accept / allDetail / detail / reject, noticeDate, confirmID), ``OrderReference`` (the buyer's
orderID and, required, the payloadID of the OrderRequest as ``DocumentReference``), and one
``ConfirmationItem`` per order line holding one ``ConfirmationStatus`` per part of it (accept,
backordered, reject, detail), each with its quantity.

Header type: ``accept`` when the whole order is accepted without line detail, ``allDetail``
when accepted with every line listed, ``detail`` when accepted with changes (or rejected line by
line), ``reject`` for a whole rejection. Line status: accepted -> accept, backordered ->
backordered, rejected -> reject, a quantity / price / date change -> detail (read back as a
price change when a UnitPrice is given, a date change when only a deliveryDate is, else a
quantity change).

``OrderReference orderDate`` is the OrderRequest's ``orderDate`` as the buyer sent it, time and
zone included (``po_date`` + ``po_time``; the DTD: "must be copied directly from the referenced
OrderRequest"); an order known only by its date is quoted at midnight UTC and read back without a time.

The parties are ``ConfirmationHeader`` contacts (:func:`formats.cxml.parties.party_contact_element`)
of roles ``soldTo`` (the buyer), ``from`` (the seller) and ``shipTo``, as in a ship notice. The
currency is the one of the header's ``Total`` (what is confirmed, at the lines' prices): it is
written when every line not rejected has a price in that currency, else the currency is not sent.

More information: cXML User's Guide 1.2, "ConfirmationRequest"; the DTD is Fulfill.dtd 1.2.063.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree
from pydantic import ValidationError as PydanticValidationError

from formats.codes.units import UnitMap
from formats.cxml.common import (
    attribute,
    child,
    children,
    date_attribute,
    date_part,
    datetime_text,
    decimal_text,
    money,
    need,
    number,
    required_attribute,
    serialize,
    sub,
    text,
    time_part,
    unit_of,
    units_or_default,
    where,
    whole_number,
)
from formats.cxml.envelope import Routing, document_of, request_document
from formats.cxml.items import read_comments
from formats.cxml.parties import party_contact_element, read_party_contacts
from formats.errors import Location, MappingError
from formats.model import HeaderStatus, LineResponse, LineStatus, Money, OrderResponse, PartyRole, Quantity

DTD = "Fulfill.dtd"
CONTACT_ROLES: dict[str, PartyRole] = {"soldTo": PartyRole.BUYER, "from": PartyRole.SELLER,
                                       "shipTo": PartyRole.SHIP_TO}
"""ConfirmationHeader Contact roles of the response's parties."""

LINE_TYPES: dict[LineStatus, str] = {
    LineStatus.ACCEPTED: "accept",
    LineStatus.BACKORDERED: "backordered",
    LineStatus.REJECTED: "reject",
    LineStatus.QUANTITY_CHANGED: "detail",
    LineStatus.PRICE_CHANGED: "detail",
    LineStatus.DATE_CHANGED: "detail",
}


def header_type(document: OrderResponse) -> str:
    """The ConfirmationHeader ``type`` for an order response."""
    if document.status == HeaderStatus.REJECTED:
        return "reject"
    if document.status == HeaderStatus.ACCEPTED:
        return "allDetail" if document.lines else "accept"
    return "detail"


def render(document: OrderResponse, *, order_payload_id: str, payload_id: str, timestamp: dt.datetime,
           routing: Routing, units: UnitMap | None = None) -> bytes:
    """The ConfirmationRequest of ``document`` (valid against Fulfill.dtd 1.2.063).

    ``order_payload_id`` is the payloadID of the OrderRequest being confirmed (the DTD requires it).
    """
    unit_map = units_or_default(units)
    root, request = request_document(payload_id, timestamp, routing)
    confirmation = sub(request, "ConfirmationRequest")
    header = sub(confirmation, "ConfirmationHeader", type=header_type(document),
                 noticeDate=datetime_text(document.response_date), confirmID=document.response_number)
    total = _total(document)
    if total is not None:
        sub(sub(header, "Total"), "Money", decimal_text(total.amount), currency=total.currency)
    for role, party in {"soldTo": document.buyer, "from": document.seller, "shipTo": document.ship_to}.items():
        if party is not None:
            party_contact_element(header, party, role)
    if document.notes:
        sub(header, "Comments", "\n".join(document.notes), lang="en")
    reference = sub(confirmation, "OrderReference", orderID=document.po_number,
                    orderDate=datetime_text(document.po_date, document.po_time) if document.po_date else None)
    sub(reference, "DocumentReference", payloadID=order_payload_id)
    groups: dict[str, list[LineResponse]] = {}
    for line in document.lines:
        groups.setdefault(line.line_number, []).append(line)
    for line_number, parts in groups.items():
        where_ = Location(path=f"line {line_number}")
        if whole_number(line_number) is None:
            raise MappingError(f"cXML lineNumber must be a number, not {line_number!r}", where_)
        ordered = next((p.ordered_quantity for p in parts if p.ordered_quantity is not None), None)
        total = ordered.value if ordered else sum((p.quantity.value for p in parts), start=parts[0].quantity.value * 0)
        unit = ordered.unit if ordered else parts[0].quantity.unit
        item = sub(confirmation, "ConfirmationItem", quantity=decimal_text(total), lineNumber=line_number)
        sub(item, "UnitOfMeasure", unit_map.from_canonical(unit, where_))
        for part in parts:
            status = sub(item, "ConfirmationStatus", quantity=decimal_text(part.quantity.value),
                         type=LINE_TYPES[part.status],
                         deliveryDate=datetime_text(part.promised_date) if part.promised_date else None)
            sub(status, "UnitOfMeasure", unit_map.from_canonical(part.quantity.unit, where_))
            if part.unit_price is not None:
                price = sub(status, "UnitPrice")
                sub(price, "Money", decimal_text(part.unit_price.amount), currency=part.unit_price.currency)
            if part.reason:
                sub(status, "Comments", part.reason, lang="en")
    return serialize(root, DTD)


def _line_status(kind: str, has_price: bool, has_date: bool, location: Location) -> LineStatus:
    if kind == "accept" or kind == "allDetail":
        return LineStatus.ACCEPTED
    if kind == "backordered":
        return LineStatus.BACKORDERED
    if kind == "reject":
        return LineStatus.REJECTED
    if kind == "detail":
        return LineStatus.PRICE_CHANGED if has_price else LineStatus.DATE_CHANGED if has_date \
            else LineStatus.QUANTITY_CHANGED
    raise MappingError(f"ConfirmationStatus type {kind!r} is not understood", location)


def _total(document: OrderResponse) -> Money | None:
    """What is confirmed at the lines' prices, in the response's currency; None when a price is missing."""
    confirmed = [ln for ln in document.lines if ln.status != LineStatus.REJECTED]
    if document.currency is None or not confirmed or any(
            ln.unit_price is None or ln.unit_price.currency != document.currency for ln in confirmed):
        return None
    amount = sum((ln.quantity.value * ln.unit_price.amount for ln in confirmed if ln.unit_price), Decimal(0))
    return Money(amount=amount, currency=document.currency).rounded()




def parse(raw: bytes | etree._Element, *, units: UnitMap | None = None) -> OrderResponse:
    """The canonical order response of a ConfirmationRequest."""
    document = document_of(raw, "ConfirmationRequest")
    unit_map = units_or_default(units)
    header = need(document, "ConfirmationHeader", "ConfirmationRequest")
    reference = need(document, "OrderReference", "ConfirmationRequest")
    po_number = required_attribute(reference, "orderID", "OrderReference")
    kind = required_attribute(header, "type", "ConfirmationHeader")
    lines: list[LineResponse] = []
    try:
        for item in children(document, "ConfirmationItem"):
            line_number = required_attribute(item, "lineNumber", "ConfirmationItem")
            ordered_unit = unit_of(unit_map, item, text(item, "UnitOfMeasure"))
            ordered = Quantity(value=number(required_attribute(item, "quantity", "ConfirmationItem"),
                                            item, "ConfirmationItem quantity", "quantity"), unit=ordered_unit)
            for status in children(item, "ConfirmationStatus"):
                price_node = child(status, "UnitPrice")
                promised = date_part(date_attribute(status, "deliveryDate", "deliveryDate"))
                notes, _ = read_comments(children(status, "Comments"))
                lines.append(LineResponse(
                    line_number=line_number,
                    status=_line_status(required_attribute(status, "type", "ConfirmationStatus"),
                                        price_node is not None, promised is not None, where(status, "type")),
                    quantity=Quantity(value=number(required_attribute(status, "quantity", "ConfirmationStatus"),
                                                   status, "ConfirmationStatus quantity", "quantity"),
                                      unit=unit_of(unit_map, status, text(status, "UnitOfMeasure") or ordered_unit)),
                    unit_price=money(price_node, "UnitPrice") if price_node is not None else None,
                    ordered_quantity=ordered, promised_date=promised, reason="\n".join(notes) or None))
        statuses = {line.status for line in lines}
        header_status = {"reject": HeaderStatus.REJECTED, "accept": HeaderStatus.ACCEPTED}.get(kind)
        if header_status is None:
            if statuses == {LineStatus.REJECTED}:
                header_status = HeaderStatus.REJECTED_WITH_DETAIL
            elif kind == "allDetail" and statuses <= {LineStatus.ACCEPTED}:
                header_status = HeaderStatus.ACCEPTED
            else:
                header_status = HeaderStatus.ACCEPTED_WITH_CHANGES
        notice = date_part(date_attribute(header, "noticeDate", "noticeDate"))
        if notice is None:
            raise MappingError("ConfirmationHeader has no noticeDate", where(header, "noticeDate"))
        notes, _ = read_comments(children(header, "Comments"))
        ordered = date_attribute(reference, "orderDate", "orderDate")
        return OrderResponse(po_number=po_number, po_date=date_part(ordered), po_time=time_part(ordered),
                             response_number=attribute(header, "confirmID"), response_date=notice, status=header_status,
                             lines=tuple(lines), notes=notes, **read_party_contacts(header, CONTACT_ROLES),
                             currency=money(total, "Total").currency if (total := child(header, "Total")) is not None
                             else None)
    except PydanticValidationError as exc:
        raise MappingError(f"not a valid confirmation: {exc.errors()[0]['msg']}", where(document)) from exc


__all__ = ["DTD", "header_type", "parse", "render"]
