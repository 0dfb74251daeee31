"""UBL items, prices, allowances, taxes and deliveries <-> their canonical pieces.

Every order-family line carries a ``cac:Item`` (name, the seller's, buyer's, manufacturer's and
standard identifications, classification, tax category) and a ``cac:Price``; headers and lines
carry ``cac:AllowanceCharge`` and a ``cac:Delivery``. Mapping of item identifications:

=====================================  =====================================
UBL                                    canonical :class:`~formats.model.ItemIdKind`
=====================================  =====================================
``SellersItemIdentification``          ``seller``
``BuyersItemIdentification``           ``buyer``
``ManufacturersItemIdentification``    ``manufacturer``
``StandardItemIdentification``         ``gtin`` (qualifier the schemeID, e.g. ``0160``)
``AdditionalItemIdentification``       ``other``
=====================================  =====================================

``Item/Name`` is the line description (``Item/Description`` when there is no name; EN 16931
requires the name, so rendering always writes one).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree

from formats.model import (
    Allowance,
    DatedEvent,
    DateKind,
    ItemId,
    ItemIdKind,
    Money,
    Party,
    PartyRole,
    PriceBasis,
    Quantity,
    Tax,
)
from formats.ubl.common import Reader, amount, cac, cbc, quantity
from formats.ubl.parties import read_address, read_party, render_address, render_party
from formats.ubl.profiles import UblProfile

ITEM_IDENTIFICATIONS: tuple[tuple[str, ItemIdKind], ...] = (
    ("BuyersItemIdentification", ItemIdKind.BUYER),
    ("SellersItemIdentification", ItemIdKind.SELLER),
    ("ManufacturersItemIdentification", ItemIdKind.MANUFACTURER),
    ("StandardItemIdentification", ItemIdKind.GTIN),
    ("AdditionalItemIdentification", ItemIdKind.OTHER),
)
"""Item identification elements in XSD order with the kind each maps to."""

END = "EndDate"
"""Qualifier of a dated event read from a period's EndDate (StartDate has none)."""


# --------------------------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------------------------


def read_item(r: Reader, item: etree._Element | None) -> tuple[tuple[ItemId, ...], str | None, str | None]:
    """Identifiers, description and classification code of a ``cac:Item``."""
    if item is None:
        return (), None, None
    ids: list[ItemId] = []
    for element, kind in ITEM_IDENTIFICATIONS:
        for identification in r.children(item, element):
            node = r.child(identification, "ID")
            if r.text(node):
                ids.append(ItemId(kind=kind, value=r.text(node), qualifier=(node.get("schemeID") or None)
                                  if node is not None else None))
    name = r.child(item, "Name")
    description = r.text(name) or None
    if description is None:
        description = next((r.text(d) for d in r.children(item, "Description") if r.text(d)), None)
    classification = next((r.text(c, "ItemClassificationCode") for c in r.children(item, "CommodityClassification")
                           if r.text(c, "ItemClassificationCode")), None)
    return tuple(ids), description, classification


def read_item_taxes(r: Reader, item: etree._Element | None) -> tuple[Tax, ...]:
    """The ``ClassifiedTaxCategory`` of an item as canonical taxes (category, rate, scheme)."""
    return tuple(read_tax_category(r, c) for c in r.children(item, "ClassifiedTaxCategory"))


def render_item(parent: etree._Element, items: tuple[ItemId, ...], description: str | None,
                classification: str | None = None, taxes: tuple[Tax, ...] = (),
                manufacturer: str | None = None) -> etree._Element:
    """Append a ``cac:Item`` in XSD order; the name falls back to the first identifier."""
    node = cac(parent, "Item")
    cbc(node, "Name", description or (items[0].value if items else None))
    for element, kind in ITEM_IDENTIFICATIONS:
        for item_id in items:
            if item_id.kind == kind or (kind == ItemIdKind.GTIN and item_id.kind == ItemIdKind.UPC):
                cbc(cac(node, element), "ID", item_id.value, schemeID=item_id.qualifier)
                if kind != ItemIdKind.MANUFACTURER and kind != ItemIdKind.OTHER:
                    break  # the schema allows one of these
    if classification:
        cbc(cac(node, "CommodityClassification"), "ItemClassificationCode", classification)
    for tax in taxes:
        if tax.category is not None or tax.percent is not None:
            render_tax_category(node, "ClassifiedTaxCategory", tax)
    if manufacturer:
        cbc(cac(cac(node, "ManufacturerParty"), "PartyName"), "Name", manufacturer)
    return node


# --------------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------------


def read_price(r: Reader, price: etree._Element | None, currency: str | None) -> tuple[Money | None, PriceBasis]:
    """Unit price and basis (``BaseQuantity``) of a ``cac:Price``."""
    if price is None:
        return None, PriceBasis()
    unit_price = r.money(price, "PriceAmount", currency=currency)
    base = r.quantity(price, "BaseQuantity")
    basis = PriceBasis(quantity=base.value, unit=base.unit) if base is not None and base.value else PriceBasis()
    return unit_price, basis


def render_price(parent: etree._Element, unit_price: Money | None, basis: PriceBasis, unit: str) -> None:
    """Append a ``cac:Price`` with its base quantity when the price is per more than one unit."""
    if unit_price is None:
        return
    node = cac(parent, "Price")
    amount(node, "PriceAmount", unit_price)
    if basis.quantity != 1 or basis.unit is not None:
        quantity(node, "BaseQuantity", Quantity(value=basis.quantity, unit=basis.unit or unit))


def extended(quantity_value: Decimal, unit_price: Money, basis: PriceBasis) -> Money:
    """Quantity x price / basis, rounded to the currency's minor units (lines are rounded first)."""
    raw = quantity_value * unit_price.amount / (basis.quantity or Decimal(1))
    return Money(amount=raw, currency=unit_price.currency).rounded()


# --------------------------------------------------------------------------------------------
# Allowances and taxes
# --------------------------------------------------------------------------------------------


def read_allowances(r: Reader, parent: etree._Element | None, currency: str | None) -> tuple[Allowance, ...]:
    """The ``cac:AllowanceCharge`` children of ``parent``."""
    allowances: list[Allowance] = []
    for node in r.children(parent, "AllowanceCharge"):
        charge = r.indicator(node, "ChargeIndicator")
        if charge is None:
            r.required(node, ("ChargeIndicator",), "charge indicator")
        allowances.append(Allowance(
            is_charge=bool(charge),
            amount=r.money(node, "Amount", currency=currency),
            percent=r.decimal(node, "MultiplierFactorNumeric"),
            code=r.optional(node, "AllowanceChargeReasonCode"),
            description=r.optional(node, "AllowanceChargeReason"),
        ))
    return tuple(allowances)


def render_allowance(parent: etree._Element, allowance: Allowance, base: Money | None,
                     tax: Tax | None = None) -> None:
    """Append a ``cac:AllowanceCharge``; an amount given only as a percent is computed from ``base``."""
    node = cac(parent, "AllowanceCharge")
    cbc(node, "ChargeIndicator", allowance.is_charge)
    cbc(node, "AllowanceChargeReasonCode", allowance.code)
    cbc(node, "AllowanceChargeReason", allowance.description)
    cbc(node, "MultiplierFactorNumeric", allowance.percent)
    amount(node, "Amount", allowance_amount(allowance, base))
    base = allowance_base(allowance, base)
    if base is not None:
        amount(node, "BaseAmount", base)
    if tax is not None:
        render_tax_category(node, "TaxCategory", tax)


def allowance_base(allowance: Allowance, base: Money | None) -> Money | None:
    """The base a percentage allowance is taken of; None for an allowance without a percentage.

    EN 16931 wants amount = base x percentage / 100 (PEPPOL-EN16931-R040) and a base with every
    percentage (R041). An allowance stated as an amount and a percentage (a partner's document
    read back) was taken of a base the model does not keep, which need not be the line or
    document total: it is the amount divided by the percentage.
    """
    if allowance.percent is None or allowance.percent == 0:
        return None
    if allowance.amount is not None:
        return Money(amount=allowance.amount.amount * 100 / allowance.percent,
                     currency=allowance.amount.currency).rounded()
    return base


def allowance_amount(allowance: Allowance, base: Money | None) -> Money:
    """The rounded amount of an allowance or charge (from its percent of ``base`` if need be)."""
    if allowance.amount is not None:
        return allowance.amount.rounded()
    currency = base.currency if base is not None else "EUR"
    value = (base.amount if base is not None else Decimal(0)) * (allowance.percent or Decimal(0)) / 100
    return Money(amount=value, currency=currency).rounded()


def read_tax_category(r: Reader, node: etree._Element) -> Tax:
    """A ``TaxCategoryType`` element as a canonical tax (category code, rate, scheme)."""
    return Tax(category=r.optional(node, "ID"), percent=r.decimal(node, "Percent"),
               scheme=r.optional(node, "TaxScheme", "ID"),
               description=r.optional(node, "TaxExemptionReason"),
               exemption_code=r.optional(node, "TaxExemptionReasonCode"))


def render_tax_category(parent: etree._Element, element: str, tax: Tax) -> None:
    """Append a ``TaxCategoryType`` element (the scheme defaults to VAT, as EN 16931 requires)."""
    node = cac(parent, element)
    cbc(node, "ID", tax.category)
    cbc(node, "Percent", tax.percent)
    cbc(node, "TaxExemptionReasonCode", tax.exemption_code)
    cbc(node, "TaxExemptionReason", tax.description)
    cbc(cac(node, "TaxScheme"), "ID", tax.scheme or "VAT")


# --------------------------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------------------------


def read_delivery(r: Reader, parent: etree._Element | None) -> tuple[Party | None, list[DatedEvent]]:
    """Ship-to party and dates of the ``cac:Delivery`` children of ``parent``.

    The ship-to is the ``DeliveryParty`` with the ``DeliveryLocation`` address (or its own);
    requested/promised/estimated periods become dated events.
    """
    ship_to: Party | None = None
    dates: list[DatedEvent] = []
    for delivery in r.children(parent, "Delivery"):
        location = read_address(r, r.child(delivery, "DeliveryLocation", "Address"))
        party = read_party(r, r.child(delivery, "DeliveryParty"), PartyRole.SHIP_TO)
        if party is not None and location is not None and party.address is None:
            party = party.model_copy(update={"address": location})
        elif party is None and location is not None:
            party = Party(role=PartyRole.SHIP_TO, address=location)
        ship_to = ship_to or party
        for element, kind in (("RequestedDeliveryPeriod", DateKind.REQUESTED_DELIVERY),
                              ("PromisedDeliveryPeriod", DateKind.PROMISED_DELIVERY),
                              ("EstimatedDeliveryPeriod", DateKind.PROMISED_DELIVERY)):
            dates += read_period(r, r.child(delivery, element), kind)
        actual = r.date(delivery, "ActualDeliveryDate")
        if actual is not None:
            dates.append(DatedEvent(kind=DateKind.DELIVERY, date=actual, time=r.time(delivery, "ActualDeliveryTime")))
        shipped = r.date(delivery, "Despatch", "RequestedDespatchDate")
        if shipped is not None:
            dates.append(DatedEvent(kind=DateKind.REQUESTED_SHIP, date=shipped))
    return ship_to, dates


def read_period(r: Reader, node: etree._Element | None, kind: DateKind) -> list[DatedEvent]:
    """Start (no qualifier) and end (qualifier ``EndDate``) of a period as dated events."""
    events: list[DatedEvent] = []
    start = r.date(node, "StartDate")
    if start is not None:
        events.append(DatedEvent(kind=kind, date=start, time=r.time(node, "StartTime")))
    end = r.date(node, "EndDate")
    if end is not None:
        events.append(DatedEvent(kind=kind, date=end, time=r.time(node, "EndTime"), qualifier=END))
    return events


def render_delivery(parent: etree._Element, ship_to: Party | None, dates: tuple[DatedEvent, ...],
                    profile: UblProfile | None = None, *, promised: bool = False) -> None:
    """Append one ``cac:Delivery`` for the ship-to and the delivery dates, when there is either."""
    kind = DateKind.PROMISED_DELIVERY if promised else DateKind.REQUESTED_DELIVERY
    wanted = [d for d in dates if d.kind == kind]
    actual = next((d for d in dates if d.kind == DateKind.DELIVERY), None)
    ship = next((d for d in dates if d.kind == DateKind.REQUESTED_SHIP), None)
    if ship_to is None and not wanted and actual is None and ship is None:
        return
    node = cac(parent, "Delivery")
    if actual is not None:
        cbc(node, "ActualDeliveryDate", actual.date)
        cbc(node, "ActualDeliveryTime", actual.time)
    if ship_to is not None and ship_to.address is not None:
        render_address(cac(node, "DeliveryLocation"), "Address", ship_to.address)
    if wanted:
        render_period(node, "PromisedDeliveryPeriod" if promised else "RequestedDeliveryPeriod", wanted)
    if ship_to is not None and (ship_to.name or ship_to.ids or ship_to.contacts):
        render_party(node, "DeliveryParty", ship_to, profile, with_address=False)
    if ship is not None:
        cbc(cac(node, "Despatch"), "RequestedDespatchDate", ship.date)


def render_period(parent: etree._Element, element: str, events: list[DatedEvent]) -> None:
    """Append a period from dated events: qualifier ``EndDate`` is the end, the first other the start."""
    start = next((e for e in events if e.qualifier != END), None)
    end = next((e for e in events if e.qualifier == END), None)
    node = cac(parent, element)
    if start is not None:
        cbc(node, "StartDate", start.date)
        cbc(node, "StartTime", start.time)
    if end is not None:
        cbc(node, "EndDate", end.date)
        cbc(node, "EndTime", end.time)


def first_date(dates: tuple[DatedEvent, ...], kind: DateKind) -> dt.date | None:
    """The date of the first event of ``kind``."""
    return next((d.date for d in dates if d.kind == kind), None)


__all__ = [
    "allowance_amount",
    "extended",
    "first_date",
    "read_allowances",
    "read_delivery",
    "read_item",
    "read_item_taxes",
    "read_period",
    "read_price",
    "read_tax_category",
    "render_allowance",
    "render_delivery",
    "render_item",
    "render_period",
    "render_price",
    "render_tax_category",
]
