"""cXML 1.2 ``ShipNoticeRequest`` (Fulfill.dtd) <-> canonical :class:`~formats.model.ShipNotice`.

A supplier announces a shipment with ``ShipNoticeHeader`` (shipmentID, noticeDate,
shipmentDate, deliveryDate), ``ShipControl`` (``CarrierIdentifier`` by domain SCAC or
companyName, ``ShipmentIdentifier`` = the tracking number) and one ``ShipNoticePortion`` per
order: ``OrderReference`` (orderID and the OrderRequest's payloadID) and ``ShipNoticeItem``
lines (lineNumber, quantity, ItemID, UnitOfMeasure).

The parties are ``ShipNoticeHeader`` contacts (:func:`formats.cxml.parties.party_contact_element`)
of roles ``shipFrom``, ``shipTo``, ``soldTo`` (the buyer) and ``from`` (the seller), as in an
invoice's ``InvoicePartner``.

Packages are flattened into ShipNoticeItem lines, each with a ``Packaging`` naming its package:
``PackagingCode`` (the package's kind, ``package`` when it has none),
``Dimension type="grossWeight"`` and ``ShippingContainerSerialCode`` (the SSCC); reading groups the
items by package again. A child package's items name the child: the hierarchy is not written.
A carrier without a tracking number cannot be written (ShipControl needs both).

More information: cXML User's Guide 1.2, "ShipNoticeRequest"; the DTD is Fulfill.dtd 1.2.063.
"""

from __future__ import annotations

import datetime as dt
import re

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
    need,
    number,
    required_attribute,
    serialize,
    sub,
    text,
    unit_of,
    units_or_default,
    where,
    whole_number,
)
from formats.cxml.envelope import Routing, document_of, request_document
from formats.cxml.items import read_item_ids, set_content
from formats.cxml.parties import party_contact_element, read_party_contacts
from formats.errors import Location, MappingError
from formats.model import ItemIdKind, Package, PartyRole, Quantity, ShipNotice, ShippedItem

DTD = "Fulfill.dtd"
_SCAC = re.compile(r"^[A-Z]{2,4}$")
CONTACT_ROLES: dict[str, PartyRole] = {"shipFrom": PartyRole.SHIP_FROM, "shipTo": PartyRole.SHIP_TO,
                                       "soldTo": PartyRole.BUYER, "from": PartyRole.SELLER}
"""ShipNoticeHeader Contact roles of the notice's parties."""
ANY_PACKAGE = "package"
"""The PackagingCode of a package of no known kind (Packaging needs a code or a dimension)."""
GROSS_WEIGHT = "grossWeight"


def _shipped(packages: tuple[Package, ...]) -> list[tuple[ShippedItem, Package | None]]:
    found: list[tuple[ShippedItem, Package | None]] = []
    for package in packages:
        found.extend((item, package) for item in package.items)
        found.extend(_shipped(package.children))
    return found


def _packaging(item: etree._Element, package: Package, units: UnitMap, where_: Location) -> None:
    packaging = sub(item, "Packaging")
    sub(packaging, "PackagingCode", package.kind or ANY_PACKAGE, lang="en")
    if package.weight is not None:
        dimension = sub(packaging, "Dimension", quantity=decimal_text(package.weight.value), type=GROSS_WEIGHT)
        sub(dimension, "UnitOfMeasure", units.from_canonical(package.weight.unit, where_))
    if package.sscc:
        sub(packaging, "ShippingContainerSerialCode", package.sscc)


def _read_package(packaging: etree._Element, units: UnitMap) -> Package:
    code = text(packaging, "PackagingCode")
    weight = next((Quantity(value=number(attribute(d, "quantity") or "", d, "Dimension quantity", "quantity"),
                            unit=unit_of(units, need(d, "UnitOfMeasure", "Dimension")))
                   for d in children(packaging, "Dimension") if attribute(d, "type") == GROSS_WEIGHT), None)
    return Package(sscc=text(packaging, "ShippingContainerSerialCode") or None,
                   kind=code if code and code != ANY_PACKAGE else None, weight=weight)




def render(notice: ShipNotice, *, order_payload_id: str, payload_id: str, timestamp: dt.datetime,
           routing: Routing, notice_date: dt.datetime | None = None, units: UnitMap | None = None) -> bytes:
    """The ShipNoticeRequest of ``notice`` (valid against Fulfill.dtd 1.2.063)."""
    unit_map = units_or_default(units)
    root, request = request_document(payload_id, timestamp, routing)
    document = sub(request, "ShipNoticeRequest")
    header = sub(document, "ShipNoticeHeader", shipmentID=notice.shipment_id,
                 noticeDate=datetime_text(notice_date or timestamp), shipmentDate=datetime_text(notice.ship_date),
                 deliveryDate=datetime_text(notice.delivery_date) if notice.delivery_date else None)
    parties = {"shipFrom": notice.ship_from, "shipTo": notice.ship_to, "soldTo": notice.buyer, "from": notice.seller}
    for role, party in parties.items():
        if party is not None:
            party_contact_element(header, party, role)
    if notice.tracking_number:
        control = sub(document, "ShipControl")
        carrier = notice.carrier or "unknown"
        sub(control, "CarrierIdentifier", carrier, domain="SCAC" if _SCAC.match(carrier) else "companyName")
        sub(control, "ShipmentIdentifier", notice.tracking_number)
    elif notice.carrier:
        raise MappingError(f"ship notice {notice.shipment_id}: cXML ShipControl needs a tracking number "
                           f"with the carrier {notice.carrier!r}")
    portion = sub(document, "ShipNoticePortion")
    sub(sub(portion, "OrderReference", orderID=notice.po_number), "DocumentReference", payloadID=order_payload_id)
    for shipped, package in [*_shipped(notice.packages), *((item, None) for item in notice.items)]:
        where_ = Location(path=f"line {shipped.line_number}")
        if whole_number(shipped.line_number) is None:
            raise MappingError(f"cXML lineNumber must be a number, not {shipped.line_number!r}", where_)
        item = sub(portion, "ShipNoticeItem", quantity=decimal_text(shipped.quantity.value),
                   lineNumber=shipped.line_number)
        supplier_part = next((i.value for i in shipped.items if i.kind == ItemIdKind.SELLER), None)
        if supplier_part is not None:
            item_id = sub(item, "ItemID")
            set_content(sub(item_id, "SupplierPartID"), supplier_part)
            aux = next((i.value for i in shipped.items if i.kind == ItemIdKind.SELLER_AUX), None)
            if aux is not None:
                set_content(sub(item_id, "SupplierPartAuxiliaryID"), aux)
        sub(item, "UnitOfMeasure", unit_map.from_canonical(shipped.quantity.unit, where_))
        if package is not None:
            _packaging(item, package, unit_map, where_)
    return serialize(root, DTD)


def parse(raw: bytes | etree._Element, *, units: UnitMap | None = None) -> ShipNotice:
    """The canonical ship notice of a ShipNoticeRequest (its first ShipNoticePortion's order)."""
    document = document_of(raw, "ShipNoticeRequest")
    unit_map = units_or_default(units)
    header = need(document, "ShipNoticeHeader", "ShipNoticeRequest")
    shipment_id = required_attribute(header, "shipmentID", "ShipNoticeHeader")
    shipped = date_part(date_attribute(header, "shipmentDate", "shipmentDate")) or date_part(
        date_attribute(header, "noticeDate", "noticeDate"))
    if shipped is None:
        raise MappingError("ShipNoticeHeader has neither shipmentDate nor noticeDate", where(header, "shipmentDate"))
    control = child(document, "ShipControl")
    carriers = children(control, "CarrierIdentifier")
    carrier = next((text(c) for c in carriers if (attribute(c, "domain") or "").upper() == "SCAC"), None) or (
        text(carriers[0]) if carriers else None)
    portions = children(document, "ShipNoticePortion")
    if not portions:
        raise MappingError("a ShipNoticeRequest without a ShipNoticePortion names no order", where(document))
    reference = need(portions[0], "OrderReference", "ShipNoticePortion")
    items: list[ShippedItem] = []
    packages: dict[Package, list[ShippedItem]] = {}
    try:
        for portion in portions:
            for node in children(portion, "ShipNoticeItem"):
                unit_node = child(node, "UnitOfMeasure")
                packaging = child(node, "Packaging")
                holder = items if packaging is None else packages.setdefault(_read_package(packaging, unit_map), [])
                holder.append(ShippedItem(
                    line_number=required_attribute(node, "lineNumber", "ShipNoticeItem"),
                    items=read_item_ids(child(node, "ItemID")),
                    quantity=Quantity(value=number(required_attribute(node, "quantity", "ShipNoticeItem"),
                                                   node, "ShipNoticeItem quantity", "quantity"),
                                      unit=unit_of(unit_map, unit_node)
                                      if unit_node is not None else "EA")))
        return ShipNotice(shipment_id=shipment_id, po_number=attribute(reference, "orderID") or "",
                          ship_date=shipped, delivery_date=date_part(date_attribute(header, "deliveryDate",
                                                                                    "deliveryDate")),
                          carrier=carrier, tracking_number=text(control, "ShipmentIdentifier") or None,
                          packages=tuple(p.model_copy(update={"items": tuple(shipped)})
                                         for p, shipped in packages.items()),
                          items=tuple(items), **read_party_contacts(header, CONTACT_ROLES))
    except PydanticValidationError as exc:
        raise MappingError(f"not a valid ship notice: {exc.errors()[0]['msg']}", where(document)) from exc


__all__ = ["DTD", "parse", "render"]
