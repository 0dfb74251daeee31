"""Canonical InventoryReport -> X12 846: the per-warehouse LIN loops, validity, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formats.errors import MappingError
from formats.model import (
    InventoryReport,
    ItemId,
    ItemIdKind,
    Party,
    PartyId,
    PartyIdKind,
    PartyRole,
    Quantity,
    StockLine,
)
from formats.x12 import inventory846
from tests.formats.x12.outbound import checked, interchange


def each(value: int) -> Quantity:
    return Quantity(value=Decimal(value), unit="EA")


SKU_1001 = (ItemId(kind=ItemIdKind.SELLER, value="DEMO-1001", qualifier="VP"),
            ItemId(kind=ItemIdKind.GTIN, value="0614141000012", qualifier="EN"))
REPORT = InventoryReport(
    report_id="INV-ADV-20261124", report_date=dt.date(2026, 11, 24),
    seller=Party(role=PartyRole.SELLER, role_code="SE", name="B2B GATEWAY DEMO SELLER",
                 ids=(PartyId(kind=PartyIdKind.SELLER_ASSIGNED, value="B2BGWSELLER", qualifier="91"),)),
    buyer=Party(role=PartyRole.BUYER, role_code="BY", name="ACME RETAIL"),
    lines=(
        StockLine(items=SKU_1001, warehouse="WH-EAST", available=each(120), on_hand=each(150)),
        StockLine(items=SKU_1001, warehouse="WH-WEST", available=each(0), on_hand=each(0),
                  next_available_date=dt.date(2026, 12, 10)),
        StockLine(items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1002", qualifier="VP"),), warehouse="WH-EAST",
                  available=Quantity(value=Decimal("12.5"), unit="KGM")),
    ),
)


def test_one_lin_loop_per_item_and_warehouse() -> None:
    body = inventory846.render(REPORT)
    assert body[0] == ["BIA", "00", "DD", "INV-ADV-20261124", "20261124"]
    assert ["N1", "SE", "B2B GATEWAY DEMO SELLER", "91", "B2BGWSELLER"] in body
    first = body.index(["LIN", "1", "VP", "DEMO-1001", "EN", "0614141000012"])
    assert body[first + 1:first + 4] == [["SDQ", "EA", "54", "WH-EAST", "120"], ["QTY", "33", "120", "EA"],
                                         ["QTY", "17", "150", "EA"]]
    second = body.index(["LIN", "2", "VP", "DEMO-1001", "EN", "0614141000012"])
    assert body[second + 1:second + 3] == [["DTM", "018", "20261210"], ["SDQ", "EA", "54", "WH-WEST", "0"]]
    third = body.index(["LIN", "3", "VP", "DEMO-1002"])
    assert body[third + 1:] == [["SDQ", "KG", "54", "WH-EAST", "12.5"], ["QTY", "33", "12.5", "KG"],
                                ["CTT", "3", "282.5"]]


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_rendered_846_is_valid(version: str) -> None:
    ts = checked("846", inventory846.render(REPORT, version=version), version)
    assert [s[3] for s in ts.segments if s[0] == "SDQ"] == ["WH-EAST", "WH-WEST", "WH-EAST"]


def test_render_refuses_what_x12_cannot_say() -> None:
    with pytest.raises(MappingError, match="LIN"):
        inventory846.render(REPORT.model_copy(update={"lines": ()}))
    with pytest.raises(MappingError, match="LIN02"):
        inventory846.render(REPORT.model_copy(update={"lines": (
            StockLine(items=(), warehouse="WH-EAST", available=each(1)),)}))
    with pytest.raises(MappingError, match="SDQ03"):
        inventory846.render(REPORT.model_copy(update={"lines": (
            StockLine(items=SKU_1001, warehouse="", available=each(1)),)}))
    with pytest.raises(MappingError, match="NAR"):
        inventory846.render(REPORT.model_copy(update={"lines": (
            StockLine(items=SKU_1001, warehouse="WH-EAST", available=Quantity(value=Decimal(1), unit="NAR")),)}))
    with pytest.raises(MappingError, match="delimiter"):
        interchange("846", inventory846.render(REPORT.model_copy(update={"report_id": "INV*1"})), "004010")
    with pytest.raises(MappingError, match="version"):
        inventory846.render(REPORT, version="003040")
