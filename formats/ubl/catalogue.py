"""OASIS UBL 2.1 Catalogue <-> canonical :class:`~formats.model.Catalogue`.

A UBL Catalogue (UBL 2.1 section 3.2.10, PEPPOL BIS Catalogue) sends a customer the items it
may order at its prices: ``ID``, ``Name``, ``IssueDate``, ``ValidityPeriod``, the
``ProviderParty`` (seller) and ``ReceiverParty`` (buyer), and one ``CatalogueLine`` per item
(``OrderableUnit``, ``LineValidityPeriod``, ``RequiredItemLocationQuantity`` with the ``Price``,
and the ``Item``).

Choices:

* the base price is the first ``RequiredItemLocationQuantity`` without a ``MinimumQuantity``;
  each further one with a ``MinimumQuantity`` is a price tier (minimum quantity, unit price);
* the seller's price list is named in ``ReferencedContract/ID`` with ``ContractType``
  ``price list``; a line's category is its ``CommodityClassification``;
* ``CatalogueLine/ID`` is the item's first identifier (the seller's SKU when it has one);
* under a profile (PEPPOL BIS Catalogue 3, :data:`~formats.ubl.profiles.PEPPOL_CATALOGUE`) the
  provider and receiver carry their ``EndpointID`` and schemes as ISO 6523 / EAS codes, as in an
  invoice (:mod:`.schemes`): a scheme with no code (``ZZ``) is left out.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from formats.errors import MappingError
from formats.model import Catalogue, CatalogueItem, ItemId, ItemIdKind, Money, PartyRole, PriceBasis
from formats.ubl.common import Reader, cac, cbc, mapped, new_document, period, require, root_of, serialize
from formats.ubl.items import read_item, read_price, render_item, render_price
from formats.ubl.parties import read_party, render_party
from formats.ubl.profiles import UblProfile, render_preamble
from formats.ubl.schemes import coded_party

DOCUMENT_TYPE = "Catalogue"
PRICE_LIST = "price list"


def parse(raw: bytes | etree._Element) -> Catalogue:
    """The canonical catalogue of a UBL Catalogue document."""
    root = root_of(raw, DOCUMENT_TYPE)
    r = Reader(root, DOCUMENT_TYPE)
    r.child(root, "UBLVersionID")
    catalogue_id = r.required(root, ("ID",), "catalogue number")
    issue_date = r.date(root, "IssueDate")
    if issue_date is None:
        r.required(root, ("IssueDate",), "issue date")
    items = tuple(_read_line(r, line) for line in r.children(root, "CatalogueLine"))
    currency = next((i.unit_price.currency for i in items if i.unit_price is not None), None)
    contract = next((c for c in r.children(root, "ReferencedContract")
                     if r.text(c, "ContractType").lower() == PRICE_LIST), None)
    return mapped(r, lambda: Catalogue(
        catalogue_id=catalogue_id,
        issue_date=issue_date,
        name=r.optional(root, "Name"),
        currency=currency or "EUR",
        seller=read_party(r, r.child(root, "ProviderParty"), PartyRole.SELLER),
        buyer=read_party(r, r.child(root, "ReceiverParty"), PartyRole.BUYER),
        valid_from=r.date(root, "ValidityPeriod", "StartDate"),
        valid_to=r.date(root, "ValidityPeriod", "EndDate"),
        price_list=r.optional(contract, "ID"),
        items=items,
        extensions=r.leftovers(),
    ))


def _read_line(r: Reader, line: etree._Element) -> CatalogueItem:
    r.required(line, ("ID",), "catalogue line number")
    unit_price: Money | None = None
    basis = PriceBasis()
    tiers: list[tuple[Decimal, Money]] = []
    for location in r.children(line, "RequiredItemLocationQuantity"):
        minimum = r.decimal(location, "MinimumQuantity")
        price, price_basis = read_price(r, r.child(location, "Price"), None)
        if minimum is None and unit_price is None:
            unit_price, basis = price, price_basis
        elif minimum is not None and price is not None:
            tiers.append((minimum, price))
    ids, description, classification = read_item(r, r.child(line, "Item"))
    manufacturer_part = next((i.value for i in ids if i.kind == ItemIdKind.MANUFACTURER), None)
    return CatalogueItem(
        items=ids,
        description=description,
        unit=(r.optional(line, "OrderableUnit") or "EA").upper(),
        unit_price=unit_price,
        price_basis=basis,
        price_tiers=tuple(tiers),
        valid_from=r.date(line, "LineValidityPeriod", "StartDate"),
        valid_to=r.date(line, "LineValidityPeriod", "EndDate"),
        category=classification,
        manufacturer=r.optional(line, "Item", "ManufacturerParty", "PartyName", "Name"),
        manufacturer_part=manufacturer_part,
    )


def render(catalogue: Catalogue, *, profile: UblProfile | None = None) -> bytes:
    """A schema-valid UBL Catalogue document."""
    seller, buyer = catalogue.seller, catalogue.buyer
    if seller is None or buyer is None:
        raise MappingError("cannot render a UBL Catalogue without a seller (ProviderParty) and a buyer "
                           "(ReceiverParty)")
    require(catalogue.items, "items", DOCUMENT_TYPE)
    root = new_document(DOCUMENT_TYPE)
    render_preamble(root, DOCUMENT_TYPE, profile)
    cbc(root, "ID", catalogue.catalogue_id)
    cbc(root, "Name", catalogue.name)
    cbc(root, "IssueDate", catalogue.issue_date)
    period(root, "ValidityPeriod", catalogue.valid_from, catalogue.valid_to)
    if catalogue.price_list:
        contract = cac(root, "ReferencedContract")
        cbc(contract, "ID", catalogue.price_list)
        cbc(contract, "ContractType", PRICE_LIST)
    if profile is not None:  # PEPPOL: ISO 6523 / EAS scheme codes, one identifier per party
        seller, buyer = coded_party(seller), coded_party(buyer)
    render_party(root, "ProviderParty", seller, profile)
    render_party(root, "ReceiverParty", buyer, profile)
    for number, item in enumerate(catalogue.items, start=1):
        _render_line(root, item, number)
    return serialize(root)


def _render_line(root: etree._Element, item: CatalogueItem, number: int) -> None:
    line = cac(root, "CatalogueLine")
    seller_sku = next((i.value for i in item.items if i.kind == ItemIdKind.SELLER), None)
    cbc(line, "ID", seller_sku or (item.items[0].value if item.items else str(number)))
    cbc(line, "OrderableUnit", item.unit)
    period(line, "LineValidityPeriod", item.valid_from, item.valid_to)
    if item.unit_price is not None:
        render_price(cac(line, "RequiredItemLocationQuantity"), item.unit_price, item.price_basis, item.unit)
    for minimum, price in item.price_tiers:
        location = cac(line, "RequiredItemLocationQuantity")
        cbc(location, "MinimumQuantity", minimum, unitCode=item.unit)
        render_price(location, price, item.price_basis, item.unit)
    ids = item.items
    if item.manufacturer_part and not any(i.kind == ItemIdKind.MANUFACTURER for i in ids):
        ids = (*ids, ItemId(kind=ItemIdKind.MANUFACTURER, value=item.manufacturer_part))
    render_item(line, ids, item.description, item.category, manufacturer=item.manufacturer)


__all__ = ["DOCUMENT_TYPE", "parse", "render"]
