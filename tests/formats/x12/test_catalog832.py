"""Canonical Catalogue -> X12 832 (the corpus 832 read for reference), price tiers, validity, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formats.errors import MappingError
from formats.model import Catalogue, CatalogueItem, ItemId, ItemIdKind, Money, Party, PartyRole, PriceBasis
from formats.x12 import catalog832
from tests.conftest import corpus_path
from tests.formats.x12.outbound import checked, interchange, transaction_sets


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


CATALOGUE = Catalogue(
    catalogue_id="ACME-2027", issue_date=dt.date(2026, 11, 24), name="ACME RETAIL 2027 PRICES", currency="USD",
    seller=Party(role=PartyRole.SELLER, role_code="SE", name="B2B GATEWAY DEMO SELLER"),
    buyer=Party(role=PartyRole.BUYER, role_code="BY", name="ACME RETAIL"),
    valid_from=dt.date(2027, 1, 1), valid_to=dt.date(2027, 12, 31), price_list="PL-ACME",
    items=(
        CatalogueItem(items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1001", qualifier="VP"),),
                      description="DEMO WIDGET SMALL", unit_price=usd("12.5"),
                      price_tiers=((Decimal(100), usd("11.75")), (Decimal(500), usd("10.9"))),
                      manufacturer="DEMO WORKS", manufacturer_part="DW-1001", category="43211503"),
        CatalogueItem(items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1002", qualifier="VP"),), unit="XCS",
                      unit_price=usd("47.5"), price_basis=PriceBasis(code="PE"), valid_to=dt.date(2027, 6, 30)),
    ),
)


def test_rendered_832_heading_items_and_tiers() -> None:
    body = catalog832.render(CATALOGUE)
    assert body[:6] == [
        ["BCT", "PC", "ACME-2027", "", "", "", "", "", "", "ACME RETAIL 2027 PRICES", "00"], ["CUR", "SE", "USD"],
        ["DTM", "097", "20261124"], ["DTM", "007", "20270101"], ["DTM", "036", "20271231"], ["REF", "PL", "PL-ACME"]]
    first = body.index(["LIN", "1", "VP", "DEMO-1001", "MG", "DW-1001"])
    assert body[first + 1:first + 7] == [
        ["PID", "F", "", "", "", "DEMO WIDGET SMALL"], ["PID", "F", "MAC", "", "", "DEMO WORKS"],
        ["PID", "S", "", "ZZ", "", "43211503"], ["CTP", "", "CON", "12.5", "", "", "", "", "", ""],
        ["CTP", "", "CON", "11.75", "100", "EA", "", "", "", ""],
        ["CTP", "", "CON", "10.9", "500", "EA", "", "", "", ""]]
    second = body.index(["LIN", "2", "VP", "DEMO-1002"])
    assert body[second + 1:] == [["DTM", "036", "20270630"], ["CTP", "", "CON", "47.5", "", "", "", "", "", "PE"],
                                 ["CTT", "2"]]


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_rendered_832_is_valid(version: str) -> None:
    ts = checked("832", catalog832.render(CATALOGUE, version=version), version)
    assert [s[3] for s in ts.segments if s[0] == "CTP"] == ["12.5", "11.75", "10.9", "47.5"]


def test_corpus_832_is_the_shape_we_write() -> None:
    """The one public 832 (a book catalogue): BCT, LIN loops with ID pairs and PID, CTT."""
    [ts] = transaction_sets(corpus_path("x12", "edinet", "x12.832.edi").read_bytes())
    assert ts.segments[1][:3] == ["BCT", "RC", "BISG"]
    lins = [s for s in ts.segments if s[0] == "LIN"]
    assert [(s[1], s[2], s[3]) for s in lins] == [("1", "IB", "0940016699"), ("2", "IB", "0812976568")]
    assert [s[5] for s in ts.segments if s[0] == "PID"][-1] == "Hello World"


def test_render_refuses_what_x12_cannot_say() -> None:
    with pytest.raises(MappingError, match="BCT02"):
        catalog832.render(CATALOGUE.model_copy(update={"catalogue_id": "A-CATALOGUE-ID-TOO-LONG"}))
    with pytest.raises(MappingError, match="LIN02"):
        catalog832.render(CATALOGUE.model_copy(update={"items": (CatalogueItem(items=(), unit_price=usd("1")),)}))
    with pytest.raises(MappingError, match="EUR"):
        catalog832.render(CATALOGUE.model_copy(update={"items": (CatalogueItem(
            items=CATALOGUE.items[0].items, unit_price=Money(amount=Decimal(1), currency="EUR")),)}))
    with pytest.raises(MappingError, match="delimiter"):
        interchange("832", catalog832.render(CATALOGUE.model_copy(update={"name": "A~B"})), "004010")
