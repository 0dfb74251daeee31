from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from formats import cxml
from formats.cxml import order_request
from formats.model import DateKind, ItemIdKind, Order, OrderPurpose, PartyIdKind
from formats.translate import translate
from tests.conftest import FIXTURES, corpus_files, corpus_path

from .conftest import NOW, ROUTING, DtdValidator

ORDER_SAMPLES = [p for p in corpus_files("cxml/samples") if b"<OrderRequest>" in p.read_bytes()]
FIXTURE_ORDER = FIXTURES / "cxml" / "order-request-demo.xml"


def _sample(folder: str, name: str) -> Order:
    return order_request.parse(corpus_path("cxml", "samples", folder, name).read_bytes())


def test_the_corpus_has_order_requests() -> None:
    names = {p.name for p in ORDER_SAMPLES}
    assert names >= {"OrderRequest.xml", "order_request.xml", "purchase_order_request_200.xml"}


def test_friendsofcxml_order_request() -> None:
    order = _sample("friendsofcxml", "OrderRequest.xml")
    assert order.po_number == "DO1234"
    assert order.purpose == OrderPurpose.ORIGINAL
    assert order.order_date == dt.date(2000, 10, 12)
    assert order.declared_total is not None and order.declared_total.amount == Decimal("85.00")
    assert order.currency == "EUR"
    assert order.ship_to is not None and order.ship_to.name == "Acme"
    assert order.ship_to.address is not None and order.ship_to.address.city == "Sunnyvale"
    assert [c.name for c in order.ship_to.contacts if c.role == "DeliverTo"] == ["Joe Smith", "Mailstop M-543"]
    assert order.ship_to.contacts[-1].phone == "+1 (800) 5551212"
    assert order.bill_to is not None and order.bill_to.address is not None
    assert order.bill_to.address.country == "DE" and order.bill_to.address.postal_code == "42699"
    assert order.buyer is not None and order.buyer.ids[0].value == "inbound@prominate-platform.com"
    assert order.buyer.ids[0].kind == PartyIdKind.NETWORK
    assert [(ln.line_number, ln.quantity.value, ln.item_id(ItemIdKind.SELLER)) for ln in order.lines] == [
        ("1", Decimal(10), "1233244"), ("2", Decimal(20), "1233245")]
    assert [ln.unit_price.amount for ln in order.lines if ln.unit_price] == [Decimal("2.10"), Decimal("3.20")]
    assert order.lines[0].dates[0].kind == DateKind.REQUESTED_DELIVERY
    assert order.lines[0].dates[0].date == dt.date(2020, 2, 28)
    assert order.lines[1].notes == ("Test comment",)
    assert any(e.name == "URL" and e.value == "delivery-note.pdf" for e in order.extensions)
    assert order.total() == order.declared_total


def test_coupa_order_request_with_accounting() -> None:
    order = _sample("officeluv", "order_request.xml")
    assert order.po_number == "3309"
    assert order.declared_total is not None and order.declared_total.amount == Decimal("91.71")
    assert [ln.item_id(ItemIdKind.SELLER_AUX) for ln in order.lines] == [
        "product-requisition:6236", "product-requisition:6235"]
    assert order.lines[1].quantity.value == Decimal(9)
    assert order.lines[1].unit_price is not None and order.lines[1].unit_price.amount == Decimal("9.29")
    assert order.lines[0].classification == "unknown"
    extrinsics = [(e.name, e.value) for e in order.lines[0].extensions if e.source == "cxml:Extrinsic"]
    assert ("LineType", "Quantity") in extrinsics
    assert any(e.name == "Distribution" and "c50" in e.value for e in order.lines[0].extensions)
    assert order.allowances[0].code == "Shipping" and order.allowances[0].amount is not None
    assert order.buyer is not None and order.buyer.contacts[0].role == "endUser"
    assert order.total() is not None and order.total().amount == Decimal("91.71")  # type: ignore[union-attr]


def test_coupa_purchase_order_200() -> None:
    order = _sample("officeluv", "purchase_order_request_200.xml")
    assert order.po_number == "6112"
    assert [ln.quantity.value for ln in order.lines] == [Decimal(1), Decimal(2)]
    assert order.lines[0].classification == "44000000"
    assert order.lines[0].item_id(ItemIdKind.SELLER) == "223-4511"
    assert order.notes == ("header comment goes here if entered by user",)
    assert order.ship_to is not None and order.ship_to.ids[0].value == "3119"


def test_demo_fixture() -> None:
    order = order_request.parse(FIXTURE_ORDER.read_bytes())
    assert order.po_number == "PO-DEMO-0001" and order.revision == "1"
    assert [ln.item_id(ItemIdKind.SELLER) for ln in order.lines] == ["DEMO-1001", "DEMO-1016", "DEMO-1017"]
    assert order.lines[1].quantity.unit == "XBX"  # legacy Rec 20 "BX" read as the current code
    assert order.lines[2].item_id(ItemIdKind.MANUFACTURER) == "ST-20"
    assert order.terms is not None and order.terms.net_days == 30
    assert [(e.name, e.value) for e in order.extensions if e.source == "cxml:Extrinsic"] == [("CostCenter", "CC-4100")]
    assert order.total() == order.declared_total


@pytest.mark.parametrize("path", [*ORDER_SAMPLES, FIXTURE_ORDER], ids=lambda p: p.name)
def test_round_trip_and_dtd(path: Path, dtd_validate: DtdValidator) -> None:
    order = order_request.parse(path.read_bytes())
    rendered = order_request.render(order, payload_id="20240316093000.1.ab@gw.example.com", timestamp=NOW)
    dtd_validate(rendered)
    assert order_request.parse(rendered) == order


def test_render_from_x12_order(dtd_validate: DtdValidator) -> None:
    found = [t.document for t in translate((FIXTURES / "x12" / "850-4010-basic.x12").read_bytes())]
    order = found[0]
    assert isinstance(order, Order)
    bill_to = order.bill_to or order.ship_to or order.buyer
    assert bill_to is not None
    ready = order.model_copy(update={"bill_to": bill_to, "allowances": ()})
    rendered = order_request.render(ready, payload_id="p@gw", timestamp=NOW, routing=ROUTING)
    dtd_validate(rendered)
    again = order_request.parse(rendered)
    assert again.po_number == order.po_number
    assert [ln.quantity for ln in again.lines] == [ln.quantity for ln in order.lines]


def test_dispatch_returns_envelope_and_order() -> None:
    parsed = cxml.parse(FIXTURE_ORDER.read_bytes())
    assert parsed.envelope.payload_id == "20240315101500.4711.a1b2c3d4@buyer.example.com"
    assert parsed.envelope.shared_secret == "demo-secret"
    assert isinstance(parsed.document, Order)
