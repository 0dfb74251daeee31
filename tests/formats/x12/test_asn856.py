"""X12 856 <-> canonical ShipNotice: the corpus 856s, the HL tree we write, validity, round trip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formats.errors import MappingError
from formats.model import (
    ItemId,
    ItemIdKind,
    Package,
    Party,
    PartyId,
    PartyIdKind,
    PartyRole,
    Quantity,
    ShipNotice,
    ShippedItem,
)
from formats.x12 import asn856
from tests.conftest import corpus_path
from tests.formats.x12.outbound import checked, interchange, transaction_sets


def notices_of(*parts: str) -> list[ShipNotice]:
    return [asn856.parse(ts) for ts in transaction_sets(corpus_path("x12", *parts).read_bytes())]


# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------


def test_node_x12_856_shipment_carrier_tracking_and_items() -> None:
    [notice] = notices_of("node-x12", "856.edi")
    assert (notice.shipment_id, notice.po_number, notice.ship_date) == ("829716", "99999817", dt.date(2011, 12, 6))
    assert (notice.carrier, notice.tracking_number) == ("XXXX", "5787970539")
    assert notice.ship_from is not None and notice.ship_from.name == "1 EDI SOURCE"
    assert notice.ship_from.address is not None and notice.ship_from.address.city == "SOLON"
    assert notice.packages == ()
    assert [(i.line_number, i.quantity.value, i.description) for i in notice.items] == [
        ("1", 24, "BLUE WIDGET"), ("2", 6, "RED WIDGET")]
    assert notice.items[0].items == (ItemId(kind=ItemIdKind.SELLER, value="87787D", qualifier="VP"),
                                     ItemId(kind=ItemIdKind.UPC, value="999999310145", qualifier="UP"))
    kept = {(e.name, e.value) for e in notice.extensions}
    assert {("BSN01", "14"), ("BSN04", "142428"), ("TD1", "PCS*2****A3*60.310*LB"), ("REF", "BM*999999-001")} <= kept


def test_bots_partner1_856_packs_with_sscc() -> None:
    [notice] = notices_of("bots", "856-PARTNER1_20130123_1.x12")
    assert (notice.shipment_id, notice.po_number) == ("15918861602", "ordernumber")
    assert (notice.ship_date, notice.delivery_date) == (dt.date(2004, 8, 5), dt.date(2004, 8, 5))
    assert [p.sscc for p in notice.packages] == [
        "0000123456781234567892", "0000123456781234567891", "0000123456781234567890"]
    assert [len(p.items) for p in notice.packages] == [4, 2, 52]
    assert sum(i.quantity.value for p in notice.packages for i in p.items) == 427
    first = notice.packages[0].items[0]
    assert (first.line_number, first.quantity) == ("4", Quantity(value=Decimal(11), unit="EA"))
    assert first.items[1] == ItemId(kind=ItemIdKind.BUYER, value="01113481", qualifier="BP")
    assert notice.ship_to is not None and notice.ship_to.ids[0].value == "1602"


def test_bots_partner2_856_several_orders_in_one_shipment() -> None:
    first, second = notices_of("bots", "856-PARTNER2_20130123_1.x12")
    assert (first.shipment_id, first.po_number, first.carrier) == ("4167427123", "ordernumber1", "SCAC")
    assert first.tracking_number == "carrierreferencenumber"
    assert [e.value for e in first.extensions if e.name == "PRF01"] == ["ordernumber2", "ordernumber4"]
    assert len(first.packages) == 5
    assert [i.quantity.value for p in first.packages for i in p.items] == [24, 36, 24, 36, 24, 36]
    assert first.packages[0].items[0].line_number == "1"  # LIN01 empty: numbered by position
    assert first.seller is not None and first.seller.name == "UNIVERSAL WIDGETS"
    assert first.ship_to is not None and first.ship_to.address is not None
    assert first.ship_to.address.country == "MEX"
    assert (second.po_number, len(second.packages)) == ("ordernumber", 2)
    assert second.packages[1].items[0].description == "NOT APPLICABLE"


def test_bots_partner3_856_items_without_packs() -> None:
    [notice] = notices_of("bots", "856-PARTNER3_pgroupA_20130123_1.x12")
    assert (notice.shipment_id, notice.po_number, notice.delivery_date) == (
        "4167421111", "ordernumber1", dt.date(2006, 4, 2))
    assert notice.packages == ()
    assert [(i.line_number, i.quantity.value) for i in notice.items] == [
        ("1", 36), ("2", 24), ("3", 36), ("4", 24), ("5", 24), ("6", 36)]


# --------------------------------------------------------------------------------------------
# What we write
# --------------------------------------------------------------------------------------------


def item(line: str, sku: str, quantity: int, description: str | None = None) -> ShippedItem:
    return ShippedItem(line_number=line, items=(ItemId(kind=ItemIdKind.SELLER, value=sku, qualifier="VP"),),
                       quantity=Quantity(value=Decimal(quantity), unit="EA"), description=description)


NOTICE = ShipNotice(
    shipment_id="SHIP-2026-0042", po_number="ACME-PO-1001", ship_date=dt.date(2026, 11, 24),
    delivery_date=dt.date(2026, 11, 27), carrier="UPSN", tracking_number="1Z999AA10123456784",
    ship_from=Party(role=PartyRole.SHIP_FROM, role_code="SF", name="B2B GATEWAY DEMO WAREHOUSE"),
    ship_to=Party(role=PartyRole.SHIP_TO, role_code="ST", name="ACME RETAIL DC 4",
                  ids=(PartyId(kind=PartyIdKind.BUYER_ASSIGNED, value="DC4", qualifier="92"),)),
    packages=(
        Package(sscc="006141411234567890", kind="tare", weight=Quantity(value=Decimal("41.5"), unit="KGM"), children=(
            Package(sscc="006141411234567906", kind="pack", items=(item("1", "DEMO-1001", 10, "DEMO WIDGET SMALL"),)),
            Package(sscc="006141411234567913", kind="pack", items=(item("2", "DEMO-1002", 24),)),
        )),
        Package(kind="pack", items=(item("3", "DEMO-1003", 2),)),
    ),
    items=(item("4", "DEMO-1004", 1),),
)


def test_rendered_856_hierarchy_and_numbering() -> None:
    body = asn856.render(NOTICE)
    assert body[0] == ["BSN", "00", "SHIP-2026-0042", "20261124", "0000", "0001"]
    hls = [s for s in body if s[0] == "HL"]
    assert hls == [["HL", "1", "", "S"], ["HL", "2", "1", "O"], ["HL", "3", "2", "T"], ["HL", "4", "3", "P"],
                   ["HL", "5", "4", "I"], ["HL", "6", "3", "P"], ["HL", "7", "6", "I"], ["HL", "8", "2", "P"],
                   ["HL", "9", "8", "I"], ["HL", "10", "2", "I"]]
    shipment = body[2:body.index(hls[1])]
    assert shipment[:5] == [["TD1", "CTN25", "2"], ["TD5", "", "2", "UPSN"], ["REF", "CN", "1Z999AA10123456784"],
                            ["DTM", "011", "20261124"], ["DTM", "017", "20261127"]]
    assert ["N1", "SF", "B2B GATEWAY DEMO WAREHOUSE"] in shipment
    assert body[body.index(hls[1]) + 1] == ["PRF", "ACME-PO-1001"]
    assert ["MAN", "GM", "006141411234567890"] in body and ["MEA", "PD", "G", "41.5", "KG"] in body
    at = body.index(hls[4])
    assert body[at + 1:at + 4] == [["LIN", "1", "VP", "DEMO-1001"], ["SN1", "", "10", "EA"],
                                   ["PID", "F", "", "", "", "DEMO WIDGET SMALL"]]
    assert body[-1] == ["CTT", "10", "37"]  # HL count, SN102 hash total


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_rendered_856_is_valid_and_round_trips(version: str) -> None:
    ts = checked("856", asn856.render(NOTICE, version=version), version)
    assert asn856.parse(ts) == NOTICE


def test_a_one_character_shipment_id_meets_the_bsn02_minimum() -> None:
    notice = NOTICE.model_copy(update={"shipment_id": "7"})
    body = asn856.render(notice)
    assert body[0][2] == "7 "  # AN 2/30, padded as X12.6 says
    assert asn856.parse(checked("856", body, "004010")).shipment_id == "7"


@pytest.mark.parametrize("path", [("node-x12", "856.edi"), ("bots", "856-PARTNER1_20130123_1.x12")])
def test_corpus_856_written_again_is_valid_and_keeps_the_shipment(path: tuple[str, str]) -> None:
    [notice] = notices_of(*path)
    again = asn856.parse(checked("856", asn856.render(notice), "004010"))
    assert (again.shipment_id, again.po_number, again.ship_date, again.carrier, again.tracking_number) == (
        notice.shipment_id, notice.po_number, notice.ship_date, notice.carrier, notice.tracking_number)
    assert (again.packages, again.items, again.ship_to) == (notice.packages, notice.items, notice.ship_to)


def test_render_refuses_what_x12_cannot_say() -> None:
    with pytest.raises(MappingError, match="LIN02"):
        asn856.render(NOTICE.model_copy(update={"items": (ShippedItem(
            line_number="9", quantity=Quantity(value=Decimal(1), unit="EA")),)}))
    with pytest.raises(MappingError, match="delimiter"):
        interchange("856", asn856.render(NOTICE.model_copy(update={"shipment_id": "SHIP*1"})), "004010")
    with pytest.raises(MappingError, match="version"):
        asn856.render(NOTICE, version="003040")


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "where", "words"), [
    ("BSN*00*SHIP-2026-0042*20261124", "BSN*00**20261124", ("BSN", 2, 2), "BSN02"),
    ("BSN*00*SHIP-2026-0042*20261124", "BSN*00*SHIP-2026-0042*20261324", ("BSN", 2, 3), "not a date"),
    ("HL*4*3*P~", "HL*4*33*P~", ("HL", 16, 2), "parent"),
    ("SN1**10*EA~", "SN1**TEN*EA~", ("SN1", 20, 2), "not a number"),
    ("SN1**10*EA~", "SN1**10*KI~", ("SN1", 20, 3), "'KI'"),
])
def test_bad_856_says_what_and_where(old: str, new: str, where: tuple[str, int, int], words: str) -> None:
    raw = interchange("856", asn856.render(NOTICE), "004010")
    assert old.encode() in raw
    [ts] = transaction_sets(raw.replace(old.encode(), new.encode(), 1))
    with pytest.raises(MappingError) as caught:
        asn856.parse(ts)
    location = caught.value.location
    assert (location.segment_tag, location.segment_position, location.element_position) == where
    assert words in str(caught.value)
