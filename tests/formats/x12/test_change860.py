"""X12 860 <-> canonical OrderChange: our fixtures, the per-line change codes, validity, round trip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formats.errors import MappingError
from formats.model import Extension, ItemId, ItemIdKind, Money, OrderChange, OrderPurpose, Quantity
from formats.x12 import change860
from tests.conftest import FIXTURES
from tests.formats.x12.outbound import checked, interchange, transaction_sets


def fixture(name: str) -> OrderChange:
    [ts] = transaction_sets((FIXTURES / "x12" / name).read_bytes())
    assert ts.problems == ()
    return change860.parse(ts)


def test_change_fixture_is_the_order_after_the_change() -> None:
    change = fixture("860-4010-change.x12")
    assert (change.po_number, change.purpose, change.revision, change.change_date) == (
        "ACME-PO-1001", OrderPurpose.CHANGE, "1", dt.date(2026, 11, 21))
    assert change.changed_lines == ("1", "2", "3", "4")
    order = change.order
    assert (order.po_number, order.order_date, order.purpose) == (
        "ACME-PO-1001", dt.date(2026, 11, 18), OrderPurpose.CHANGE)
    assert [(line.line_number, line.quantity.value, line.unit_price) for line in order.lines] == [
        ("1", 10, Money(amount=Decimal("11.75"), currency="USD")),  # PC: the new price
        ("2", 36, Money(amount=Decimal("4.75"), currency="USD")),  # QI: the new quantity
        ("4", 5, Money(amount=Decimal("19.99"), currency="USD")),  # AI: a line added; 3 deleted
    ]
    assert order.lines[2].items == (ItemId(kind=ItemIdKind.SELLER, value="DEMO-1004", qualifier="VP"),)
    assert order.lines[2].dates[0].date == dt.date(2026, 12, 5)
    assert order.ship_to is not None and order.ship_to.name == "ACME RETAIL DC 4"
    codes = {e.name: e.value for e in change.extensions if e.source == "x12:860/POC"}
    assert codes == {"1": "PC", "2": "QI", "3": "DI", "4": "AI", "3 VP": "DEMO-1003"}


def test_cancel_fixture() -> None:
    change = fixture("860-4010-cancel.x12")
    assert (change.purpose, change.revision, change.change_date) == (OrderPurpose.CANCEL, "2", dt.date(2026, 11, 22))
    assert change.order.lines == () and change.changed_lines == ()
    assert change.order.notes == ("ORDER PLACED IN ERROR - PLEASE CANCEL",)


@pytest.mark.parametrize("name", ["860-4010-change.x12", "860-4010-cancel.x12"])
@pytest.mark.parametrize("version", ["004010", "005010"])
def test_rendered_860_is_valid_and_round_trips(name: str, version: str) -> None:
    change = fixture(name)
    ts = checked("860", change860.render(change, version=version), version)
    assert change860.parse(ts) == change


def test_rendered_860_lines() -> None:
    body = change860.render(fixture("860-4010-change.x12"))
    assert body[0] == ["BCH", "04", "SA", "ACME-PO-1001", "", "1", "20261118", "", "", "", "20261121"]
    pocs = [s for s in body if s[0] == "POC"]
    assert pocs == [
        ["POC", "1", "PC", "10", "", "EA", "11.75", "PE", "VP", "DEMO-1001", "BP", "ACME-7781"],
        ["POC", "2", "QI", "36", "", "EA", "4.75", "PE", "VP", "DEMO-1002", "BP", "ACME-7782"],
        ["POC", "3", "DI", "", "", "", "", "", "VP", "DEMO-1003"],
        ["POC", "4", "AI", "5", "", "EA", "19.99", "PE", "VP", "DEMO-1004"],
    ]
    assert body[-1] == ["CTT", "4"]


@pytest.mark.parametrize(("code", "purpose"), [("01", OrderPurpose.CANCEL), ("04", OrderPurpose.CHANGE),
                                                ("05", OrderPurpose.REPLACE)])
def test_purpose_codes(code: str, purpose: OrderPurpose) -> None:
    raw = (FIXTURES / "x12" / "860-4010-change.x12").read_bytes().replace(b"BCH*04*", f"BCH*{code}*".encode())
    [ts] = transaction_sets(raw)
    change = change860.parse(ts)
    assert change.purpose is purpose
    assert change860.render(change)[0][1] == code


def test_a_line_without_poc03_takes_the_quantity_left_to_receive() -> None:
    raw = (FIXTURES / "x12" / "860-4010-change.x12").read_bytes().replace(b"POC*2*QI*36**", b"POC*2*QD**30*")
    [ts] = transaction_sets(raw)
    change = change860.parse(ts)
    assert change.order.lines[1].quantity == Quantity(value=Decimal(30), unit="EA")
    assert Extension(source="x12:860/POC", name="2", value="QD") in change.extensions


def test_render_refuses_what_x12_cannot_say() -> None:
    change = fixture("860-4010-change.x12")
    with pytest.raises(MappingError, match="BCH06"):
        change860.render(change.model_copy(update={"order": change.order.model_copy(update={"order_date": None})}))
    with pytest.raises(MappingError, match="purpose"):
        change860.render(change.model_copy(update={"purpose": OrderPurpose.ORIGINAL}))
    with pytest.raises(MappingError, match="delimiter"):
        interchange("860", change860.render(change.model_copy(update={"po_number": "PO~1"})), "004010")


@pytest.mark.parametrize(("old", "new", "where", "words"), [
    ("BCH*04*", "BCH*99*", ("BCH", 2, 1), "'99'"),
    ("BCH*04*SA*ACME-PO-1001**1*20261118", "BCH*04*SA*ACME-PO-1001**1*20261318", ("BCH", 2, 6), "not a date"),
    ("POC*2*QI*", "POC*2**", ("POC", 10, 2), "POC02"),
    ("POC*2*QI*36**EA", "POC*2*QI***EA", ("POC", 10, 3), "POC03"),
    ("POC*2*QI*36**EA", "POC*2*QI*36**ZQ", ("POC", 10, 5), "'ZQ'"),
    ("POC*4*AI*5**EA*19.99", "POC*4*AI*5**EA*1O.99", ("POC", 13, 6), "not a number"),
])
def test_bad_860_says_what_and_where(old: str, new: str, where: tuple[str, int, int], words: str) -> None:
    raw = (FIXTURES / "x12" / "860-4010-change.x12").read_bytes()
    assert old.encode() in raw
    [ts] = transaction_sets(raw.replace(old.encode(), new.encode(), 1))
    with pytest.raises(MappingError) as caught:
        change860.parse(ts)
    location = caught.value.location
    assert (location.segment_tag, location.segment_position, location.element_position) == where
    assert words in str(caught.value)
