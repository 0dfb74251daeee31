"""cXML line items (``ItemOut`` of orders and setup requests, ``ItemIn`` of carts) <-> OrderLine.

An item is ``ItemID`` (SupplierPartID, SupplierPartAuxiliaryID, BuyerPartID) and ``ItemDetail``
(UnitPrice, Description, UnitOfMeasure, PriceBasisQuantity, Classification, ManufacturerPartID,
ManufacturerName, URL, LeadTime, Extrinsic), then ShipTo, Shipping, Tax, Comments and what else
the buyer adds (Distribution with its accounting segments, Contact ...).

The canonical :class:`~formats.model.OrderLine` takes what it has fields for; the rest is kept
as extensions: ``cxml:Extrinsic`` (name, text), ``cxml:ItemDetail`` (ManufacturerName, LeadTime,
URL, ShortName, other classification domains) and, for elements we do not interpret at all, the
element itself as XML (``cxml:xml:ItemOut``, ``cxml:xml:ItemDetail``). Those are written back in
their DTD position, so a line read from cXML is written as it came.

Units go through a :class:`~formats.codes.units.UnitMap` (UN/ECE Rec 20 for cXML), never through
blindly: an unknown UnitOfMeasure is a :class:`~formats.errors.MappingError`.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from formats.codes.units import UnitMap
from formats.cxml.common import (
    Kids,
    attribute,
    child,
    children,
    date_attribute,
    date_part,
    datetime_text,
    decimal_text,
    description,
    inner_xml,
    money,
    money_element,
    number,
    number_attribute,
    optional_text,
    order_elements,
    raw_xml,
    sub,
    text,
    time_part,
    unit_of,
    where,
    whole_number,
)
from formats.cxml.parties import address_element, read_address
from formats.errors import FormatError, Location, MappingError
from formats.model import (
    Allowance,
    DatedEvent,
    DateKind,
    Extension,
    ItemId,
    ItemIdKind,
    Money,
    OrderLine,
    PartyRole,
    PriceBasis,
    Quantity,
    Tax,
)
from formats.xml import local_name, parse_xml

EXTRINSIC = "cxml:Extrinsic"
DETAIL = "cxml:ItemDetail"
RAW = "cxml:xml:{}"
ATTACHMENT = "cxml:Comments/Attachment"
SHIPPING = "Shipping"

ITEM_OUT_ORDER = ("ItemID", "Path", "ItemDetail", "BlanketItemDetail", "SupplierID", "SupplierList", "ShipTo",
                  "Shipping", "Tax", "SpendDetail", "Distribution", "Contact", "TermsOfDelivery", "Comments",
                  "Indicator", "Tolerances", "ControlKeys", "ScheduleLine", "MasterAgreementReference",
                  "MasterAgreementIDInfo", "ItemOutIndustry", "Packaging", "ReleaseInfo", "Batch")
ITEM_IN_ORDER = ("ItemID", "Path", "ItemDetail", "SupplierID", "SupplierList", "ShipTo", "Shipping", "Tax",
                 "SpendDetail", "Distribution", "Contact", "Comments", "ScheduleLine", "BillTo", "Batch", "Period",
                 "DateInfo", "Extrinsic")
ITEM_DETAIL_ORDER = ("UnitPrice", "Description", "OverallLimit", "ExpectedLimit", "UnitOfMeasure",
                     "PriceBasisQuantity", "Classification", "ManufacturerPartID", "ManufacturerName", "URL",
                     "LeadTime", "Dimension", "ItemDetailIndustry", "AttachmentReference", "PlannedAcceptanceDays",
                     "Extrinsic")

_DETAIL_TEXTS = ("ManufacturerName", "URL", "LeadTime")


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def extrinsic_value(element: etree._Element) -> str:
    """An Extrinsic's value: its text, or its content as XML when it holds elements."""
    return inner_xml(element).strip() if len(element) else text(element)


def read_comments(elements: list[etree._Element]) -> tuple[tuple[str, ...], list[Extension]]:
    """(notes, attachment extensions) of ``Comments`` elements: the text, and Attachment URLs."""
    notes: list[str] = []
    extensions: list[Extension] = []
    for comment in elements:
        words = (comment.text or "") + "".join(c.tail or "" for c in comment)
        if words.strip():
            notes.append(words.strip())
        extensions.extend(Extension(source=ATTACHMENT, name="URL", value=text(a, "URL"))
                          for a in children(comment, "Attachment"))
    return tuple(notes), extensions


def read_tax(element: etree._Element, what: str) -> Tax:
    """A ``Tax``: its Money, Description, and the first TaxDetail's category and rate."""
    detail = child(element, "TaxDetail")
    percent = number_attribute(detail, "percentageRate", f"{what} percentageRate") if detail is not None else None
    return Tax(amount=money(element, what), description=optional_text(element, "Description"), percent=percent,
               category=attribute(detail, "category") if detail is not None else None)


def read_shipping(element: etree._Element, what: str) -> Allowance:
    """A ``Shipping`` cost as a charge coded ``Shipping``."""
    return Allowance(is_charge=True, amount=money(element, what), code=SHIPPING,
                     description=optional_text(element, "Description"))


def read_item_ids(item_id: etree._Element | None) -> tuple[ItemId, ...]:
    """SupplierPartID, SupplierPartAuxiliaryID (verbatim, it may hold XML) and BuyerPartID."""
    found: list[ItemId] = []
    if item_id is None:
        return ()
    for name, kind in (("SupplierPartID", ItemIdKind.SELLER), ("SupplierPartAuxiliaryID", ItemIdKind.SELLER_AUX),
                       ("BuyerPartID", ItemIdKind.BUYER)):
        node = child(item_id, name)
        value = (inner_xml(node).strip() if len(node) else text(node)) if node is not None else ""
        if value:
            found.append(ItemId(kind=kind, value=value))
    return tuple(found)


def _description(node: etree._Element | None) -> tuple[str | None, list[Extension]]:
    if node is None:
        return None, []
    words = ((node.text or "") + "".join(c.tail or "" for c in node)).strip()
    short = text(node, "ShortName")
    if words:
        return words, [Extension(source=DETAIL, name="ShortName", value=short)] if short else []
    return short or None, []


def read_line(element: etree._Element, position: int, units: UnitMap, what: str) -> OrderLine:
    """One ``ItemOut`` / ``ItemIn`` as an :class:`OrderLine` (numbered by position without lineNumber)."""
    quantity_text = attribute(element, "quantity")
    if quantity_text is None:
        raise MappingError(f"{what} has no quantity", where(element, "quantity"))
    quantity = number(quantity_text, element, f"{what} quantity", "quantity")
    if quantity < 0:
        raise MappingError(f"{what} quantity {quantity_text!r} is negative", where(element, "quantity"))
    line_number = attribute(element, "lineNumber") or str(position)
    extensions: list[Extension] = []
    parts = Kids(element)  # one pass over the line's children, then lookups by name
    items = list(read_item_ids(parts.first("ItemID")))
    detail = parts.first("ItemDetail")
    unit = "EA"
    unit_price: Money | None = None
    price_basis = PriceBasis()
    classification: str | None = None
    description_text: str | None = None
    if detail is not None:
        details = Kids(detail)
        price_node = details.first("UnitPrice")
        unit_price = money(price_node, f"{what} UnitPrice") if price_node is not None else None
        description_text, description_extensions = _description(details.first("Description"))
        extensions.extend(description_extensions)
        unit_node = details.first("UnitOfMeasure")
        if unit_node is not None:
            unit = unit_of(units, unit_node)
        basis = details.first("PriceBasisQuantity")
        if basis is not None:
            basis_unit = child(basis, "UnitOfMeasure")
            price_basis = PriceBasis(
                quantity=number_attribute(basis, "quantity", "PriceBasisQuantity quantity") or Decimal(1),
                unit=unit_of(units, basis_unit) if basis_unit is not None else None)
            factor = attribute(basis, "conversionFactor")
            if factor:
                extensions.append(Extension(source=DETAIL, name="conversionFactor", value=factor))
            if text(basis, "Description"):
                extensions.append(Extension(source=DETAIL, name="PriceBasisQuantity/Description",
                                            value=text(basis, "Description")))
        for node in details.all("Classification"):
            domain = attribute(node, "domain") or ""
            if domain.upper() == "UNSPSC" and classification is None:
                classification = text(node) or None
            elif text(node):
                extensions.append(Extension(source=DETAIL, name=f"Classification:{domain}", value=text(node)))
        manufacturer_part = details.text("ManufacturerPartID")
        if manufacturer_part:
            items.append(ItemId(kind=ItemIdKind.MANUFACTURER, value=manufacturer_part))
        extensions.extend(Extension(source=DETAIL, name=name, value=details.text(name))
                          for name in _DETAIL_TEXTS if details.text(name))
        extensions.extend(Extension(source=EXTRINSIC, name=attribute(e, "name") or "", value=extrinsic_value(e))
                          for e in details.all("Extrinsic"))
        handled = {n.lower() for n in (*ITEM_DETAIL_ORDER[:2], *ITEM_DETAIL_ORDER[4:11], "Extrinsic")}
        extensions.extend(Extension(source=RAW.format("ItemDetail"), name=local_name(c), value=raw_xml(c))
                          for c in detail if isinstance(c.tag, str) and local_name(c).lower() not in handled)
    dates = []
    for attr, kind in (("requestedDeliveryDate", DateKind.REQUESTED_DELIVERY),
                       ("requestedShipmentDate", DateKind.REQUESTED_SHIP)):
        value = date_attribute(element, attr, f"{what} {attr}")
        day = date_part(value)
        if day is not None:
            dates.append(DatedEvent(kind=kind, date=day, time=time_part(value), qualifier=attr))
    ship_to_node = parts.first("ShipTo")
    ship_to = read_address(ship_to_node, PartyRole.SHIP_TO, f"{what} ShipTo") if ship_to_node is not None else None
    shipping = parts.first("Shipping")
    tax = parts.first("Tax")
    notes, attachments = read_comments(parts.all("Comments"))
    extensions.extend(attachments)
    known = {"itemid", "itemdetail", "shipto", "shipping", "tax", "comments"}
    if local_name(element) == "ItemIn":
        extensions.extend(Extension(source=EXTRINSIC, name=attribute(e, "name") or "", value=extrinsic_value(e))
                          for e in parts.all("Extrinsic"))
        known.add("extrinsic")
    extensions.extend(Extension(source=RAW.format(local_name(element)), name=local_name(c), value=raw_xml(c))
                      for c in element if isinstance(c.tag, str) and local_name(c).lower() not in known)
    return OrderLine(
        line_number=line_number, items=tuple(items), description=description_text,
        quantity=Quantity(value=quantity, unit=unit), unit_price=unit_price, price_basis=price_basis,
        dates=tuple(dates), ship_to=ship_to,
        allowances=(read_shipping(shipping, f"{what} Shipping"),) if shipping is not None else (),
        taxes=(read_tax(tax, f"{what} Tax"),) if tax is not None else (), notes=notes,
        classification=classification, extensions=tuple(extensions))


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def set_content(element: etree._Element, value: str) -> None:
    """Give ``element`` the content ``value``, which may be serialised XML kept verbatim."""
    if "<" in value or "&" in value:
        try:
            wrapper = parse_xml(f"<wrapper>{value}</wrapper>".encode(), what="kept XML content")
        except FormatError:  # not XML after all: it is plain text
            element.text = value
            return
        element.text = wrapper.text
        for node in list(wrapper):
            element.append(node)
        return
    element.text = value


def kept_elements(parent: etree._Element, extensions: tuple[Extension, ...], source: str) -> None:
    """Append the partner XML kept in ``extensions`` from ``source`` (sorted into place later)."""
    for extension in extensions:
        if extension.source == source:
            parent.append(parse_xml(extension.value.encode(), what=f"kept <{extension.name}>"))


def tax_element(parent: etree._Element, tax: Tax, where_: str) -> None:
    """Append a ``Tax`` (Money, Description, and a TaxDetail when the category is known)."""
    if tax.amount is None:
        raise MappingError(f"{where_}: a cXML Tax needs an amount")
    element = money_element(parent, "Tax", tax.amount)
    description(element, tax.description)
    if tax.category:
        detail = sub(element, "TaxDetail", category=tax.category,
                     percentageRate=decimal_text(tax.percent) if tax.percent is not None else None)
        money_element(detail, "TaxAmount", tax.amount)


def shipping_element(parent: etree._Element, allowances: tuple[Allowance, ...], where_: str) -> None:
    """Append ``Shipping`` for a shipping charge; other allowances have no place in cXML here."""
    for allowance in allowances:
        if allowance.is_charge and allowance.code == SHIPPING and allowance.amount is not None:
            element = money_element(parent, "Shipping", allowance.amount)
            description(element, allowance.description)
        else:
            raise MappingError(f"{where_}: cXML has no place for the allowance/charge "
                               f"{allowance.code or allowance.description or ''!r} (only Shipping)")
    if len(allowances) > 1:
        raise MappingError(f"{where_}: cXML carries one Shipping charge, not {len(allowances)}")


def item_element(parent: etree._Element, line: OrderLine, units: UnitMap, tag: str = "ItemOut") -> etree._Element:
    """Append ``line`` as an ``ItemOut`` or ``ItemIn`` in the DTD's order."""
    where_ = f"line {line.line_number}"
    supplier_part = line.item_id(ItemIdKind.SELLER)
    if supplier_part is None:
        raise MappingError(f"{where_}: cXML needs the SupplierPartID (the seller's item id)")
    if line.unit_price is None:
        raise MappingError(f"{where_}: cXML needs a UnitPrice")
    element = sub(parent, tag, quantity=decimal_text(line.quantity.value),
                  lineNumber=line.line_number if whole_number(line.line_number) is not None else None)
    if tag == "ItemOut":
        for event in line.dates:
            if event.kind in (DateKind.REQUESTED_DELIVERY, DateKind.REQUESTED_SHIP):
                name = "requestedDeliveryDate" if event.kind == DateKind.REQUESTED_DELIVERY else "requestedShipmentDate"
                element.set(name, datetime_text(event.date, event.time))
    item_id = sub(element, "ItemID")
    set_content(sub(item_id, "SupplierPartID"), supplier_part)
    for kind, name in ((ItemIdKind.SELLER_AUX, "SupplierPartAuxiliaryID"), (ItemIdKind.BUYER, "BuyerPartID")):
        value = line.item_id(kind)
        if value is not None:
            set_content(sub(item_id, name), value)
    _detail_element(element, line, line.unit_price, units, where_)
    if line.ship_to is not None:
        address_element(sub(element, "ShipTo"), line.ship_to)
    shipping_element(element, line.allowances, where_)
    for tax in line.taxes[:1]:
        tax_element(element, tax, where_)
    if len(line.taxes) > 1:
        raise MappingError(f"{where_}: cXML carries one Tax per item, not {len(line.taxes)}")
    comments = list(line.notes)
    attachments = [e.value for e in line.extensions if e.source == ATTACHMENT]
    if comments or attachments:
        holder = sub(element, "Comments", "\n".join(comments) if comments else None, lang="en")
        for url in attachments:
            sub(sub(holder, "Attachment"), "URL", url)
    if tag == "ItemIn":
        for extension in line.extensions:
            if extension.source == EXTRINSIC:
                set_content(sub(element, "Extrinsic", name=extension.name), extension.value)
    kept_elements(element, line.extensions, RAW.format(tag))
    order_elements(element, ITEM_OUT_ORDER if tag == "ItemOut" else ITEM_IN_ORDER)
    return element


def _detail_element(parent: etree._Element, line: OrderLine, unit_price: Money, units: UnitMap, where_: str) -> None:
    detail = sub(parent, "ItemDetail")
    money_element(detail, "UnitPrice", unit_price)
    named = {e.name: e.value for e in line.extensions if e.source == DETAIL}
    description_node = description(detail, line.description, "en")
    if "ShortName" in named:
        sub(description_node, "ShortName", named["ShortName"])
    location = Location(path=where_)
    sub(detail, "UnitOfMeasure", units.from_canonical(line.quantity.unit, location))
    basis = line.price_basis
    if basis.quantity != 1 or basis.unit is not None:
        node = sub(detail, "PriceBasisQuantity", quantity=decimal_text(basis.quantity),
                   conversionFactor=named.get("conversionFactor", "1"))
        sub(node, "UnitOfMeasure", units.from_canonical(basis.unit or line.quantity.unit, location))
        if "PriceBasisQuantity/Description" in named:
            description(node, named["PriceBasisQuantity/Description"], "en")
    sub(detail, "Classification", line.classification or "", domain="UNSPSC")
    for name, value in named.items():
        if name.startswith("Classification:"):
            sub(detail, "Classification", value, domain=name.split(":", 1)[1])
    manufacturer_part = line.item_id(ItemIdKind.MANUFACTURER)
    if manufacturer_part is not None:
        sub(detail, "ManufacturerPartID", manufacturer_part)
    for name in _DETAIL_TEXTS:
        if name in named:
            sub(detail, name, named[name])
    if parent.tag == "ItemOut":
        for extension in line.extensions:
            if extension.source == EXTRINSIC:
                set_content(sub(detail, "Extrinsic", name=extension.name), extension.value)
    kept_elements(detail, line.extensions, RAW.format("ItemDetail"))
    order_elements(detail, ITEM_DETAIL_ORDER)


__all__ = [
    "EXTRINSIC",
    "item_element",
    "read_comments",
    "read_line",
    "read_shipping",
    "read_tax",
    "set_content",
    "shipping_element",
    "tax_element",
]
