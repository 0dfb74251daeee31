"""cXML 1.2 ``OrderRequest`` <-> canonical :class:`~formats.model.Order`.

An OrderRequest is how a procurement system (Ariba, Coupa, Jaggaer ...) sends a purchase order:
``OrderRequestHeader`` (orderID, orderDate, type new/update/delete, orderVersion, Total, ShipTo,
BillTo, Shipping, Tax, PaymentTerm, Contact, Comments, DocumentReference, Extrinsic) and one
``ItemOut`` per line (see :mod:`formats.cxml.items`).

Mapping:

* ``orderID`` -> ``po_number``, ``orderVersion`` -> ``revision``, ``orderType`` -> ``order_type``;
* ``type`` new / update / delete -> purpose original / change / cancel;
* ``orderDate`` -> ``order_date`` (its time, when not midnight UTC, as a document date event);
* the Header's From credentials -> the buyer's ids (domain kept as qualifier), To -> the seller's,
  header ``Contact`` elements -> the buyer's contacts;
* ``Total`` -> ``declared_total`` and ``currency``; ``Shipping`` -> a charge coded ``Shipping``;
  ``Tax`` -> taxes; ``PaymentTerm`` -> terms; ``Comments`` -> notes;
  ``DocumentReference`` (the order an update replaces) -> a reference ``DocumentReference``;
* ``Extrinsic`` -> extensions ``cxml:Extrinsic``; other header attributes and elements are kept
  as extensions (``cxml:OrderRequestHeader@...``, ``cxml:xml:OrderRequestHeader``) and written back.

Reading is lenient (case, blanks, missing optional parts); a missing orderID, a bad quantity or
date, an unknown currency or unit is a :class:`~formats.errors.MappingError` at its line and path.
``parse(render(order))`` equals ``order`` for orders read from cXML.

>>> from formats.cxml import order_request
>>> order = order_request.parse(raw)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt

from lxml import etree
from pydantic import ValidationError as PydanticValidationError

from formats.codes.units import UnitMap
from formats.cxml.common import (
    Kids,
    attribute,
    child,
    date_attribute,
    date_part,
    datetime_text,
    money,
    money_element,
    need,
    order_elements,
    serialize,
    sub,
    time_part,
    units_or_default,
    where,
    whole_number,
)
from formats.cxml.envelope import Credential, Routing, cxml_root, document_of, request_document
from formats.cxml.items import (
    ATTACHMENT,
    EXTRINSIC,
    RAW,
    extrinsic_value,
    item_element,
    kept_elements,
    read_comments,
    read_line,
    read_shipping,
    read_tax,
    set_content,
    shipping_element,
    tax_element,
)
from formats.cxml.parties import (
    address_element,
    contact_element,
    domain_of,
    read_address,
    read_contact,
    read_credentials,
)
from formats.errors import MappingError
from formats.model import (
    DatedEvent,
    DateKind,
    Extension,
    Order,
    OrderPurpose,
    Party,
    PartyRole,
    PaymentTerms,
    Reference,
)
from formats.xml import attribute_items, local_name

TYPES: dict[str, OrderPurpose] = {"new": OrderPurpose.ORIGINAL, "update": OrderPurpose.CHANGE,
                                  "delete": OrderPurpose.CANCEL}
"""OrderRequestHeader ``type`` -> purpose."""

TYPE_OF: dict[OrderPurpose, str] = {OrderPurpose.ORIGINAL: "new", OrderPurpose.CHANGE: "update",
                                    OrderPurpose.REPLACE: "update", OrderPurpose.CANCEL: "delete"}

ORDER_TYPES = ("release", "regular", "blanket", "stockTransport", "stockTransportRelease")
"""The DTD's values of OrderRequestHeader ``orderType``."""

HEADER_ORDER = ("Total", "ShipTo", "BillTo", "BusinessPartner", "LegalEntity", "OrganizationalUnit", "Shipping", "Tax",
                "Payment", "PaymentTerm", "Contact", "Comments", "Followup", "ControlKeys", "DocumentReference",
                "SupplierOrderInfo", "TermsOfDelivery", "DeliveryPeriod", "IdReference", "OrderRequestHeaderIndustry",
                "Extrinsic")
_READ_ATTRIBUTES = {"orderid", "orderdate", "type", "orderversion", "ordertype", "requesteddeliverydate"}
_READ_ELEMENTS = {"total", "shipto", "billto", "shipping", "tax", "paymentterm", "contact", "comments",
                  "documentreference", "extrinsic"}
ATTRIBUTE_SOURCE = "cxml:OrderRequestHeader@"
DOCUMENT_REFERENCE = "DocumentReference"


def parse(raw: bytes | etree._Element, *, units: UnitMap | None = None) -> Order:
    """The canonical order of a cXML OrderRequest document."""
    root = cxml_root(raw)
    document = document_of(root, "OrderRequest")
    try:
        return _parse(root, document, units_or_default(units))
    except PydanticValidationError as exc:  # a value the model refuses that no check above caught
        raise MappingError(f"not a valid order: {exc.errors()[0]['msg']}", where(document)) from exc


def _parse(root: etree._Element, document: etree._Element, units: UnitMap) -> Order:
    header = need(document, "OrderRequestHeader", "OrderRequest")
    po_number = attribute(header, "orderID")
    if po_number is None:
        raise MappingError("OrderRequestHeader has no orderID", where(header, "orderID"))
    kind = (attribute(header, "type") or "new").lower()
    if kind not in TYPES:
        raise MappingError(f"OrderRequestHeader type {kind!r} is not new, update or delete", where(header, "type"))
    ordered = date_attribute(header, "orderDate", "orderDate")
    dates = []
    if time_part(ordered) is not None and date_part(ordered) is not None:
        dates.append(DatedEvent(kind=DateKind.DOCUMENT, date=date_part(ordered), time=time_part(ordered),  # type: ignore[arg-type]
                                qualifier="orderDate"))
    requested = date_attribute(header, "requestedDeliveryDate", "requestedDeliveryDate")
    if requested is not None:
        dates.append(DatedEvent(kind=DateKind.REQUESTED_DELIVERY, date=date_part(requested),  # type: ignore[arg-type]
                                time=time_part(requested), qualifier="requestedDeliveryDate"))
    heads = Kids(header)  # one pass over the header's children, then lookups by name
    total_node = heads.first("Total")
    total = money(total_node, "Total") if total_node is not None else None
    items = Kids(document).all("ItemOut")
    if not items:
        raise MappingError("an OrderRequest needs at least one ItemOut", where(document))
    lines = tuple(read_line(item, number, units, f"ItemOut {number}") for number, item in enumerate(items, start=1))
    currency = total.currency if total else next((ln.unit_price.currency for ln in lines if ln.unit_price), None)
    header_contacts = tuple(read_contact(c) for c in heads.all("Contact"))
    sender = child(root, "Header")
    buyer_ids = read_credentials(child(sender, "From"))
    seller_ids = read_credentials(child(sender, "To"))
    ship_to, bill_to = heads.first("ShipTo"), heads.first("BillTo")
    notes, attachments = read_comments(heads.all("Comments"))
    extensions = [*attachments]
    extensions.extend(Extension(source=EXTRINSIC, name=attribute(e, "name") or "", value=extrinsic_value(e))
                      for e in heads.all("Extrinsic"))
    extensions.extend(Extension(source=ATTRIBUTE_SOURCE, name=k.rpartition("}")[2], value=v)
                      for k, v in attribute_items(header) if k.rpartition("}")[2].lower() not in _READ_ATTRIBUTES)
    extensions.extend(Extension(source=RAW.format("OrderRequestHeader"), name=local_name(c),
                                value=etree.tostring(c, encoding="unicode", with_tail=False))
                      for c in header if isinstance(c.tag, str) and local_name(c).lower() not in _READ_ELEMENTS)
    term = heads.first("PaymentTerm")
    days = attribute(term, "payInNumberOfDays") if term is not None else None
    net_days = whole_number(days) if days is not None else None
    if days is not None and net_days is None:
        raise MappingError(f"payInNumberOfDays {days!r} is not a number of days", where(term, "payInNumberOfDays"))  # type: ignore[arg-type]
    reference = heads.first("DocumentReference")
    shipping, tax = heads.first("Shipping"), heads.first("Tax")
    return Order(
        po_number=po_number, revision=attribute(header, "orderVersion"), purpose=TYPES[kind],
        order_type=attribute(header, "orderType"), order_date=date_part(ordered), dates=tuple(dates),
        currency=currency,
        buyer=Party(role=PartyRole.BUYER, ids=buyer_ids, contacts=header_contacts)
        if buyer_ids or header_contacts else None,
        seller=Party(role=PartyRole.SELLER, ids=seller_ids) if seller_ids else None,
        ship_to=read_address(ship_to, PartyRole.SHIP_TO, "ShipTo") if ship_to is not None else None,
        bill_to=read_address(bill_to, PartyRole.BILL_TO, "BillTo") if bill_to is not None else None,
        terms=PaymentTerms(net_days=net_days) if net_days is not None else None,
        notes=notes,
        references=(Reference(qualifier=DOCUMENT_REFERENCE, value=attribute(reference, "payloadID") or ""),)
        if reference is not None else (),
        allowances=(read_shipping(shipping, "Shipping"),) if shipping is not None else (),
        taxes=(read_tax(tax, "Tax"),) if tax is not None else (),
        lines=lines, declared_total=total, extensions=tuple(extensions),
    )


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _credentials(party: Party | None, what: str) -> list[Credential]:
    if party is None or not party.ids:
        raise MappingError(f"a cXML Header needs the {what}'s identity (a party id) or explicit routing")
    return [Credential(domain=domain_of(i), identity=i.value) for i in party.ids
            if i.kind.value not in ("buyer-assigned",)]


def routing_of(order: Order) -> Routing:
    """Routing taken from the order's parties: From the buyer, To the seller, sent by the buyer."""
    from_ = _credentials(order.buyer, "buyer")
    return Routing(from_=from_, to=_credentials(order.seller, "seller"), sender=from_[0])


def render(order: Order, *, payload_id: str, timestamp: dt.datetime, routing: Routing | None = None,
           units: UnitMap | None = None, deployment_mode: str | None = None) -> bytes:
    """The cXML OrderRequest of ``order`` (valid against cXML.dtd 1.2.063).

    ``routing`` gives the Header; without it the buyer's and seller's ids are used and no
    SharedSecret is written.
    """
    unit_map = units_or_default(units)
    root, request = request_document(payload_id, timestamp, routing or routing_of(order),
                                     deployment_mode=deployment_mode)
    document = sub(request, "OrderRequest")
    header = sub(document, "OrderRequestHeader", orderID=order.po_number)
    ordered = next((d for d in order.dates if d.kind == DateKind.DOCUMENT and d.qualifier == "orderDate"), None)
    order_date = order.order_date or (ordered.date if ordered else timestamp.date())
    header.set("orderDate", datetime_text(order_date, ordered.time if ordered else None))
    if order.purpose not in TYPE_OF:
        raise MappingError(f"a cXML OrderRequest cannot say purpose {order.purpose.value!r}")
    header.set("type", TYPE_OF[order.purpose])
    if order.revision is not None:
        header.set("orderVersion", order.revision)
    if order.order_type in ORDER_TYPES:  # another standard's type code (X12 "SA") has no cXML meaning
        header.set("orderType", order.order_type)
    requested = next((d for d in order.dates if d.kind == DateKind.REQUESTED_DELIVERY), None)
    if requested is not None:
        header.set("requestedDeliveryDate", datetime_text(requested.date, requested.time))
    for extension in order.extensions:
        if extension.source == ATTRIBUTE_SOURCE:
            header.set(extension.name, extension.value)
    total = order.declared_total or order.total()
    if total is None:
        raise MappingError(f"order {order.po_number}: a cXML OrderRequest needs a Total (no prices to add up)")
    money_element(header, "Total", total)
    if order.ship_to is not None:
        address_element(sub(header, "ShipTo"), order.ship_to)
    if order.bill_to is None:
        raise MappingError(f"order {order.po_number}: a cXML OrderRequest needs a BillTo")
    address_element(sub(header, "BillTo"), order.bill_to)
    shipping_element(header, order.allowances, f"order {order.po_number}")
    for tax in order.taxes[:1]:
        tax_element(header, tax, f"order {order.po_number}")
    if order.terms is not None and order.terms.net_days is not None:
        sub(header, "PaymentTerm", payInNumberOfDays=str(order.terms.net_days))
    for contact in order.buyer.contacts if order.buyer else ():
        contact_element(header, contact)
    attachments = [e.value for e in order.extensions if e.source == ATTACHMENT]
    if order.notes or attachments:
        comments = sub(header, "Comments", "\n".join(order.notes) or None, lang="en")
        for url in attachments:
            sub(sub(comments, "Attachment"), "URL", url)
    for reference in order.references:
        if reference.qualifier == DOCUMENT_REFERENCE:
            sub(header, "DocumentReference", payloadID=reference.value)
    for extension in order.extensions:
        if extension.source == EXTRINSIC:
            set_content(sub(header, "Extrinsic", name=extension.name), extension.value)
    kept_elements(header, order.extensions, RAW.format("OrderRequestHeader"))
    order_elements(header, HEADER_ORDER)
    for line in order.lines:
        item_element(document, line, unit_map, "ItemOut")
    if not order.lines:
        raise MappingError(f"order {order.po_number}: a cXML OrderRequest needs at least one line")
    return serialize(root)


__all__ = ["TYPES", "parse", "render", "routing_of"]
