"""ConfirmationRequest, ShipNoticeRequest and InvoiceDetailRequest: corpus reads, DTD-valid writes, round trips."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from formats.cxml import confirmation, invoice, ship_notice
from formats.errors import MappingError
from formats.model import (
    Allowance,
    HeaderStatus,
    Invoice,
    InvoiceLine,
    ItemId,
    ItemIdKind,
    LineResponse,
    LineStatus,
    Money,
    OrderResponse,
    Package,
    PaymentTerms,
    Quantity,
    ShipNotice,
    ShippedItem,
    Tax,
)
from tests.conftest import corpus_files, corpus_path

from .conftest import NOW, ROUTING, DtdValidator

INVOICE_SAMPLES = [p for p in corpus_files("cxml/samples") if b"<InvoiceDetailRequest>" in p.read_bytes()]
USD = "USD"


def _usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency=USD)


def _qty(value: int, unit: str = "EA") -> Quantity:
    return Quantity(value=Decimal(value), unit=unit)


ACK = OrderResponse(
    po_number="PO-DEMO-0001", po_date=dt.date(2024, 3, 15), response_number="SO-1001",
    response_date=dt.date(2024, 3, 16), status=HeaderStatus.ACCEPTED_WITH_CHANGES, notes=("Thanks",),
    lines=(
        LineResponse(line_number="1", status=LineStatus.ACCEPTED, quantity=_qty(20), ordered_quantity=_qty(20)),
        LineResponse(line_number="2", status=LineStatus.ACCEPTED, quantity=_qty(1, "XBX"),
                     ordered_quantity=_qty(2, "XBX")),
        LineResponse(line_number="2", status=LineStatus.BACKORDERED, quantity=_qty(1, "XBX"),
                     ordered_quantity=_qty(2, "XBX"), promised_date=dt.date(2024, 4, 2)),
        LineResponse(line_number="3", status=LineStatus.PRICE_CHANGED, quantity=_qty(1), ordered_quantity=_qty(1),
                     unit_price=_usd("11.95"), reason="promotion"),
        LineResponse(line_number="4", status=LineStatus.REJECTED, quantity=_qty(5), ordered_quantity=_qty(5),
                     reason="discontinued"),
    ))


@pytest.mark.parametrize("status", list(HeaderStatus))
def test_confirmation_renders_valid_and_round_trips(status: HeaderStatus, dtd_validate: DtdValidator) -> None:
    document = ACK.model_copy(update={"status": status})
    if status == HeaderStatus.REJECTED_WITH_DETAIL:
        document = document.model_copy(update={"lines": tuple(
            line.model_copy(update={"status": LineStatus.REJECTED, "unit_price": None}) for line in ACK.lines)})
    if status == HeaderStatus.ACCEPTED:
        document = document.model_copy(update={"lines": ACK.lines[:1]})
    raw = confirmation.render(document, order_payload_id="20240315101500.4711.a1b2c3d4@buyer.example.com",
                              payload_id="p@gw", timestamp=NOW, routing=ROUTING)
    dtd_validate(raw)
    assert b'<DocumentReference payloadID="20240315101500.4711.a1b2c3d4@buyer.example.com"/>' in raw
    assert b"Fulfill.dtd" in raw
    assert confirmation.parse(raw) == document


def test_confirmation_header_types() -> None:
    assert confirmation.header_type(ACK.model_copy(update={"status": HeaderStatus.ACCEPTED, "lines": ()})) == "accept"
    assert confirmation.header_type(ACK.model_copy(update={"status": HeaderStatus.ACCEPTED})) == "allDetail"
    assert confirmation.header_type(ACK) == "detail"
    assert confirmation.header_type(ACK.model_copy(update={"status": HeaderStatus.REJECTED})) == "reject"


def test_ship_notice_of_the_corpus() -> None:
    notice = ship_notice.parse(corpus_path("cxml", "samples", "friendsofcxml", "ShipNoticeRequest.xml").read_bytes())
    assert notice.shipment_id == "S2-123"
    assert notice.po_number == "DO1234"
    assert notice.ship_date == dt.date(2000, 10, 14) and notice.delivery_date == dt.date(2000, 10, 18)
    assert notice.carrier == "FDE" and notice.tracking_number == "8202 8261 1194"


def test_ship_notice_renders_valid_and_round_trips(dtd_validate: DtdValidator) -> None:
    pen = ShippedItem(line_number="1", items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1001"),), quantity=_qty(20))
    staples = ShippedItem(line_number="2", items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1016"),),
                          quantity=_qty(1, "XBX"))
    notice = ShipNotice(shipment_id="SH-1001", po_number="PO-DEMO-0001", ship_date=dt.date(2024, 3, 18),
                        delivery_date=dt.date(2024, 3, 20), carrier="UPSN", tracking_number="1Z999AA10123456784",
                        packages=(Package(sscc="000123450000000017", items=(pen,)),), items=(staples,))
    raw = ship_notice.render(notice, order_payload_id="20240315101500.4711.a1b2c3d4@buyer.example.com",
                             payload_id="p@gw", timestamp=NOW, routing=ROUTING)
    dtd_validate(raw)
    assert b'<CarrierIdentifier domain="SCAC">UPSN</CarrierIdentifier>' in raw
    # each item names its package (Packaging with its SSCC): the packages read back
    assert ship_notice.parse(raw) == notice


def test_invoices_of_the_corpus() -> None:
    total = invoice.parse(corpus_path("cxml", "samples", "officeluv", "invoice_taxes_at_total.xml").read_bytes())
    assert total.invoice_number == "3492" and total.invoice_date == dt.date(2009, 5, 1)
    assert total.lines[0].unit_price == _usd("365") and total.lines[0].quantity.value == 1
    assert total.taxes[0].amount == _usd("8") and total.taxes[0].percent == Decimal("8.25")
    assert {a.code: a.amount for a in total.allowances} == {"Shipping": _usd("30"), "SpecialHandling": _usd("5")}
    assert total.terms is not None and total.terms.net_days == 30
    multiple = invoice.parse(corpus_path("cxml", "samples", "officeluv", "invoice_backed_by_multiple_pos.xml")
                             .read_bytes())
    assert multiple.invoice_number == "INV00001"
    assert [r.value for r in multiple.references] == ["2252", "2253"]
    assert [(ln.line_number, ln.description, ln.quantity.value) for ln in multiple.lines] == [
        ("1", "Item1", Decimal("2.00")), ("2", "Test Item", Decimal(2))]


def test_invoice_sample_with_a_template_date_is_refused() -> None:
    path = corpus_path("cxml", "samples", "officeluv", "invoice_taxes_at_line_multiple_taxes.xml")
    with pytest.raises(MappingError, match="invoiceDate 'invoice_date'") as error:
        invoice.parse(path.read_bytes())
    assert error.value.location.line == 49


@pytest.mark.parametrize("path", [p for p in INVOICE_SAMPLES if "multiple_taxes" not in p.name], ids=lambda p: p.name)
def test_corpus_invoice_round_trip(path: Path, dtd_validate: DtdValidator) -> None:
    read = invoice.parse(path.read_bytes())
    document = read.model_copy(update={"po_number": read.po_number or "PO-UNKNOWN"})
    raw = invoice.render(document, payload_id="p@gw", timestamp=NOW, routing=ROUTING, order_payload_id="2252")
    dtd_validate(raw)
    again = invoice.parse(raw)
    assert again.lines == document.lines
    assert again.taxes == document.taxes and again.invoice_number == document.invoice_number


INVOICE = Invoice(
    invoice_number="INV-1001", invoice_date=dt.date(2024, 3, 31), po_number="PO-DEMO-0001", currency=USD,
    terms=PaymentTerms(net_days=30),
    lines=(
        InvoiceLine(line_number="1", order_line_number="1", items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1001"),),
                    description="Ballpoint pen", quantity=_qty(20), unit_price=_usd("1.295"),
                    taxes=(Tax(amount=_usd("2.14"), percent=Decimal("8.25"), category="sales"),)),
        InvoiceLine(line_number="2", order_line_number="2", items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1016"),),
                    description="Staples", quantity=_qty(2, "XBX"), unit_price=_usd("3.285"),
                    taxes=(Tax(amount=_usd("0.54"), percent=Decimal("8.25"), category="sales"),)),
    ),
    allowances=(Allowance(is_charge=True, amount=_usd("7.50"), code="Shipping"),),
)


@pytest.mark.parametrize("credit", [False, True])
def test_invoice_totals_from_rounded_lines(credit: bool, dtd_validate: DtdValidator) -> None:
    document = INVOICE.model_copy(update={"is_credit_note": credit})
    raw = invoice.render(document, payload_id="p@gw", timestamp=NOW, routing=ROUTING,
                         order_payload_id="20240315101500.4711.a1b2c3d4@buyer.example.com")
    dtd_validate(raw)
    sign = "-" if credit else ""
    # 20 x 1.295 = 25.90, 2 x 3.285 = 6.57 (each rounded half-up): subtotal 32.47, tax 2.68, shipping 7.50
    for amount in ("25.90", "6.57", "32.47", "2.68", "42.65"):
        assert f'<Money currency="USD">{sign}{amount}</Money>'.encode() in raw
    assert (b'purpose="creditMemo"' in raw) is credit
    assert invoice.parse(raw) == document.model_copy(update={"references": (
        (*document.references, invoice.parse(raw).references[0]))})


def test_invoice_needs_the_order() -> None:
    with pytest.raises(MappingError, match="po_number"):
        invoice.render(INVOICE.model_copy(update={"po_number": None}), payload_id="p", timestamp=NOW, routing=ROUTING)
