"""OASIS UBL 2.1 DespatchAdvice <-> canonical :class:`~formats.model.ShipNotice`.

The DespatchAdvice (UBL 2.1 section 3.2.21, PEPPOL BIS Despatch Advice 3) announces a shipment:
its ``ID``, ``IssueDate``, the ``OrderReference``, ``DespatchSupplierParty`` (the supplier that
despatches), ``DeliveryCustomerParty`` (ship-to), buyer and seller, a ``Shipment`` (consignment carrier,
tracking ID, despatch and estimated delivery dates) and one ``DespatchLine`` per shipped
quantity of an order line, each optionally in a ``TransportHandlingUnit``.

UBL is line-centred where the canonical notice is package-centred, so:

* a ``DespatchLine`` inside ``Shipment/TransportHandlingUnit`` belongs to the package with that
  unit's ``ID`` (the SSCC) and ``TransportHandlingUnitTypeCode`` (its kind); its ``Package``
  children are the package's children; lines without a unit are the notice's loose items;
* rendering writes one ``DespatchLine`` per shipped item (numbered 1, 2 ...), repeating its
  package's unit; a child package's own items are not written (UBL has no place for them);
* the ``DespatchSupplierParty`` (mandatory) is the seller, unless a ``SellerSupplierParty`` names
  the seller or ``Shipment/Delivery/Despatch/DespatchParty`` repeats it (no seller given): then it
  is the ship-from. Another ``DespatchParty`` beside it is the ship-from. Rendering writes the
  ship-from as despatch supplier (the seller when there is none), the seller apart only beside a
  ship-from, and a ship-from without a seller also as ``DespatchParty``: each reads back as written;
* the ship date is ``Shipment/Delivery/Despatch/ActualDespatchDate``, else the issue date;
  the delivery date ``EstimatedDeliveryPeriod/StartDate`` (or ``ActualDeliveryDate``).
"""

from __future__ import annotations

from lxml import etree

from formats.errors import MappingError
from formats.model import Package, Party, PartyRole, Quantity, ShipNotice, ShippedItem
from formats.ubl.common import Reader, cac, cbc, mapped, new_document, numbered, quantity, root_of, serialize
from formats.ubl.items import read_item, render_item
from formats.ubl.parties import SUPPLIER_CONTACTS, read_party, read_wrapped_party, render_party, render_wrapped_party
from formats.ubl.profiles import UblProfile, render_preamble

DOCUMENT_TYPE = "DespatchAdvice"
GROSS_WEIGHT = "AAB"
"""MeasurementDimension AttributeID (UNCL 6313) of a unit's gross weight."""


def parse(raw: bytes | etree._Element) -> ShipNotice:
    """The canonical ship notice of a UBL DespatchAdvice document."""
    root = root_of(raw, DOCUMENT_TYPE)
    r = Reader(root, DOCUMENT_TYPE)
    r.child(root, "UBLVersionID")
    shipment_id = r.required(root, ("ID",), "despatch advice number")
    issue_date = r.date(root, "IssueDate")
    shipment = r.child(root, "Shipment")
    delivery = r.child(shipment, "Delivery")
    ship_date = r.date(delivery, "Despatch", "ActualDespatchDate") or issue_date
    if ship_date is None:
        r.required(root, ("IssueDate",), "issue date")
    po_number = r.optional(root, "OrderReference", "ID")
    packages: dict[str, Package] = {}
    loose: list[ShippedItem] = []
    for line in r.children(root, "DespatchLine"):
        item, line_po = _read_line(r, line)
        po_number = po_number or line_po
        unit = r.child(line, "Shipment", "TransportHandlingUnit")
        if unit is None:
            loose.append(item)
            continue
        r.child(line, "Shipment", "ID")
        key = r.text(unit, "ID")
        package = packages.get(key) or _read_unit(r, unit)
        packages[key] = package.model_copy(update={"items": (*package.items, item)})
    if not po_number:
        r.required(root, ("OrderReference", "ID"), "reference to the order shipped")
    r.child(shipment, "ID")
    seller, ship_from = _read_suppliers(r, root, delivery)
    return mapped(r, lambda: ShipNotice(
        shipment_id=shipment_id,
        po_number=po_number,
        ship_date=ship_date,
        delivery_date=r.date(delivery, "EstimatedDeliveryPeriod", "StartDate") or r.date(delivery,
                                                                                         "ActualDeliveryDate"),
        carrier=r.optional(shipment, "Consignment", "CarrierParty", "PartyName", "Name"),
        tracking_number=r.optional(delivery, "TrackingID"),
        ship_from=ship_from,
        ship_to=read_wrapped_party(r, root, "DeliveryCustomerParty", PartyRole.SHIP_TO),
        buyer=read_wrapped_party(r, root, "BuyerCustomerParty", PartyRole.BUYER),
        seller=seller,
        packages=tuple(packages.values()),
        items=tuple(loose),
        extensions=r.leftovers(),
    ))


def _read_suppliers(r: Reader, root: etree._Element,
                    delivery: etree._Element | None) -> tuple[Party | None, Party | None]:
    """Seller and ship-from of the notice (module doc).

    The despatch supplier is the seller, unless a ``SellerSupplierParty`` names the seller or the
    ``Despatch/DespatchParty`` names the despatch supplier itself (no seller given): then it is the
    ship-from. A ``DespatchParty`` of its own beside a despatch supplier that is the seller is the ship-from.
    """
    seller = read_wrapped_party(r, root, "SellerSupplierParty", PartyRole.SELLER)
    supplier = read_wrapped_party(r, root, "DespatchSupplierParty", PartyRole.SHIP_FROM)
    despatcher = read_party(r, r.child(delivery, "Despatch", "DespatchParty"), PartyRole.SHIP_FROM)
    if seller is not None:
        return seller, supplier
    if supplier is not None and despatcher is not None and _same(supplier, despatcher):
        return None, supplier
    return (supplier.model_copy(update={"role": PartyRole.SELLER}) if supplier is not None else None), despatcher


def _same(one: Party, other: Party) -> bool:
    return (one.name, one.ids) == (other.name, other.ids)


def _read_line(r: Reader, line: etree._Element) -> tuple[ShippedItem, str | None]:
    own = r.required(line, ("ID",), "despatch line number")
    line_number = r.optional(line, "OrderLineReference", "LineID") or own
    delivered = r.quantity(line, "DeliveredQuantity")
    ids, description, _ = read_item(r, r.child(line, "Item"))
    po_number = r.optional(line, "OrderLineReference", "OrderReference", "ID")
    shipped = ShippedItem(line_number=line_number, items=ids, description=description,
                          quantity=delivered or Quantity(value=0, unit="EA"))
    return shipped, po_number


def _read_unit(r: Reader, unit: etree._Element) -> Package:
    weight = next((r.quantity(m, "Measure") for m in r.children(unit, "MeasurementDimension")
                   if r.text(m, "AttributeID") == GROSS_WEIGHT), None)
    children = tuple(Package(sscc=r.optional(p, "ID"), kind=r.optional(p, "PackagingTypeCode"))
                     for p in r.children(unit, "Package"))
    return Package(sscc=r.optional(unit, "ID"), kind=r.optional(unit, "TransportHandlingUnitTypeCode"),
                   children=children, weight=weight)


def render(notice: ShipNotice, *, profile: UblProfile | None = None) -> bytes:
    """A schema-valid UBL DespatchAdvice document."""
    ship_from = notice.ship_from or notice.seller
    if ship_from is None or notice.ship_to is None:
        raise MappingError("cannot render a UBL DespatchAdvice without ship-from (or seller) and ship-to")
    root = new_document(DOCUMENT_TYPE)
    render_preamble(root, DOCUMENT_TYPE, profile)
    cbc(root, "ID", notice.shipment_id)
    cbc(root, "IssueDate", notice.ship_date)
    cbc(cac(root, "OrderReference"), "ID", notice.po_number)
    render_wrapped_party(root, "DespatchSupplierParty", ship_from.model_copy(update={"role": PartyRole.SHIP_FROM}),
                         profile, SUPPLIER_CONTACTS)
    render_wrapped_party(root, "DeliveryCustomerParty", notice.ship_to, profile)
    if notice.buyer is not None:
        render_wrapped_party(root, "BuyerCustomerParty", notice.buyer, profile)
    if notice.seller is not None and notice.ship_from is not None:
        render_wrapped_party(root, "SellerSupplierParty", notice.seller, profile, SUPPLIER_CONTACTS)
    _render_shipment(root, notice, profile)
    ids = numbered()
    for package in notice.packages:
        for item in package.items:
            _render_line(root, item, next(ids), notice.po_number, package)
    for item in notice.items:
        _render_line(root, item, next(ids), notice.po_number, None)
    return serialize(root)


def _render_shipment(root: etree._Element, notice: ShipNotice, profile: UblProfile | None) -> None:
    shipment = cac(root, "Shipment")
    cbc(shipment, "ID", "1")
    if notice.carrier:
        consignment = cac(shipment, "Consignment")
        cbc(consignment, "ID", "1")
        cbc(cac(cac(consignment, "CarrierParty"), "PartyName"), "Name", notice.carrier)
    delivery = cac(shipment, "Delivery")
    cbc(delivery, "TrackingID", notice.tracking_number)
    if notice.delivery_date is not None:
        cbc(cac(delivery, "EstimatedDeliveryPeriod"), "StartDate", notice.delivery_date)
    despatch = cac(delivery, "Despatch")
    cbc(despatch, "ActualDespatchDate", notice.ship_date)
    if notice.ship_from is not None and notice.seller is None:  # else it is the DespatchSupplierParty (parse)
        render_party(despatch, "DespatchParty", notice.ship_from, profile)


def _render_line(root: etree._Element, item: ShippedItem, own_id: str, po_number: str,
                 package: Package | None) -> None:
    line = cac(root, "DespatchLine")
    cbc(line, "ID", own_id)
    quantity(line, "DeliveredQuantity", item.quantity)
    reference = cac(line, "OrderLineReference")
    cbc(reference, "LineID", item.line_number)
    cbc(cac(reference, "OrderReference"), "ID", po_number)
    render_item(line, item.items, item.description)
    if package is not None:
        shipment = cac(line, "Shipment")
        cbc(shipment, "ID", "1")
        unit = cac(shipment, "TransportHandlingUnit")
        cbc(unit, "ID", package.sscc)
        cbc(unit, "TransportHandlingUnitTypeCode", package.kind)
        if package.weight is not None:
            dimension = cac(unit, "MeasurementDimension")
            cbc(dimension, "AttributeID", GROSS_WEIGHT)
            quantity(dimension, "Measure", package.weight)
        for child in package.children:
            node = cac(unit, "Package")
            cbc(node, "ID", child.sscc)
            cbc(node, "PackagingTypeCode", child.kind)


__all__ = ["DOCUMENT_TYPE", "parse", "render"]
