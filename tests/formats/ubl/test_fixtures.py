"""Our own UBL fixtures, and documents rendered from canonical objects only (Catalogue, DespatchAdvice)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import formats.ubl as ubl
from formats.model import (
    Catalogue,
    CatalogueItem,
    DateKind,
    ItemId,
    ItemIdKind,
    Money,
    Order,
    OrderPurpose,
    Package,
    Party,
    PartyId,
    PartyIdKind,
    PartyRole,
    PriceBasis,
    Quantity,
    ShipNotice,
    ShippedItem,
)
from formats.ubl import PEPPOL_DESPATCH_ADVICE, PEPPOL_ORDERING, catalogue, despatch_advice
from tests.conftest import FIXTURES
from tests.formats.ubl.conftest import Validator

SELLER = Party(role=PartyRole.SELLER, name="Demo Office Supplies",
               ids=(PartyId(kind=PartyIdKind.GLN, value="0614141999996", qualifier="0088"),))
BUYER = Party(role=PartyRole.BUYER, name="Acme Retail",
              ids=(PartyId(kind=PartyIdKind.GLN, value="0614141000005"),
                   PartyId(kind=PartyIdKind.BUYER_ASSIGNED, value="ACME")))


def _fixture(name: str) -> bytes:
    return (FIXTURES / "ubl" / name).read_bytes()


def test_demo_order(xsd_validate: Validator) -> None:
    raw = _fixture("order-acme-demo.xml")
    xsd_validate(raw)
    order = ubl.parse(raw)
    assert isinstance(order, Order)
    assert (order.po_number, order.order_date, order.currency) == ("ACME-PO-1001", dt.date(2024, 5, 2), "USD")
    assert [e.name for e in order.extensions] == ["CustomizationID", "ProfileID"]  # all else is mapped
    assert [line.item_id(ItemIdKind.SELLER) for line in order.lines] == ["DEMO-1001", "DEMO-1007", "DEMO-1005"]
    assert [line.extended_amount() for line in order.lines] == [
        Money(amount=Decimal(a), currency="USD") for a in ("154.80", "162.25", "2.97")]
    assert order.lines[2].price_basis == PriceBasis(quantity=Decimal(1), unit="EA")
    assert order.ship_to is not None and order.ship_to.address is not None
    assert order.ship_to.address.lines == ("200 Warehouse Road", "Dock 4")
    assert [d.date for d in order.dates if d.kind == DateKind.REQUESTED_DELIVERY] == [dt.date(2024, 5, 9)]
    rendered = ubl.render(order, profile=PEPPOL_ORDERING)
    xsd_validate(rendered)
    assert ubl.parse(rendered) == order


def test_demo_cancellation(xsd_validate: Validator) -> None:
    raw = _fixture("order-cancellation-acme-demo.xml")
    xsd_validate(raw)
    order = ubl.parse(raw)
    assert isinstance(order, Order)
    assert (order.po_number, order.purpose, order.notes) == (
        "ACME-PO-1001", OrderPurpose.CANCEL, ("Duplicate of ACME-PO-1000",))
    rendered = ubl.render(order)
    xsd_validate(rendered)
    assert ubl.parse(rendered) == order


def test_catalogue_renders_and_round_trips(xsd_validate: Validator) -> None:
    source = Catalogue(
        catalogue_id="CAT-ACME-2024", issue_date=dt.date(2024, 5, 1), name="Acme Retail prices", currency="USD",
        seller=SELLER, buyer=BUYER, valid_from=dt.date(2024, 5, 1), valid_to=dt.date(2024, 12, 31),
        price_list="retail",
        items=(
            CatalogueItem(items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1001"),),
                          description="Ballpoint pen, medium point, blue", unit="EA", category="44121704",
                          unit_price=Money(amount=Decimal("1.29"), currency="USD"),
                          price_tiers=((Decimal(100), Money(amount=Decimal("1.19"), currency="USD")),)),
            CatalogueItem(items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1007"),),
                          description="Copy paper, 500-sheet ream", unit="EA", manufacturer="Paperco",
                          manufacturer_part="PC-500", unit_price=Money(amount=Decimal("6.49"), currency="USD")),
        ),
    )
    rendered = catalogue.render(source)
    xsd_validate(rendered)
    again = catalogue.parse(rendered)
    # a buyer-assigned id has no UBL scheme: it reads back as kind "other"; a bare GLN gets ICD 0088
    aside = {"items": (), "buyer": None}
    assert again.model_copy(update=aside) == source.model_copy(update=aside)
    assert again.buyer is not None and again.buyer.id_of(PartyIdKind.OTHER) == "ACME"
    assert again.items[0] == source.items[0]
    assert again.items[1].manufacturer == "Paperco" and again.items[1].manufacturer_part == "PC-500"


def test_despatch_advice_renders_packages(xsd_validate: Validator) -> None:
    notice = ShipNotice(
        shipment_id="ASN-1001", po_number="ACME-PO-1001", ship_date=dt.date(2024, 5, 6),
        delivery_date=dt.date(2024, 5, 9), carrier="UPS", tracking_number="1Z999AA10123456784",
        ship_from=SELLER.model_copy(update={"role": PartyRole.SHIP_FROM}),
        ship_to=BUYER.model_copy(update={"role": PartyRole.SHIP_TO}),
        packages=(Package(sscc="006141411234567890", kind="PK", weight=Quantity(value=Decimal("4.2"), unit="KGM"),
                          items=(ShippedItem(line_number="1", quantity=Quantity(value=Decimal(120), unit="EA"),
                                             items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1001"),),
                                             description="Ballpoint pen"),)),),
        items=(ShippedItem(line_number="2", quantity=Quantity(value=Decimal(25), unit="EA"),
                           items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1007"),), description="Copy paper"),),
    )
    rendered = despatch_advice.render(notice, profile=PEPPOL_DESPATCH_ADVICE)
    xsd_validate(rendered)
    assert b"urn:fdc:peppol.eu:poacc:trns:despatch_advice:3" in rendered
    again = despatch_advice.parse(rendered)
    parties = {"ship_to": None, "ship_from": None, "extensions": ()}  # the placeholder shipment ids are leftovers
    assert again.model_copy(update=parties) == notice.model_copy(update=parties)
    assert again.ship_to is not None and again.ship_to.name == "Acme Retail"
