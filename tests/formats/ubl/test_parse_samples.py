"""The OASIS and PEPPOL samples read with their real values (opened and checked by hand)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import formats.ubl as ubl
from formats.model import (
    DateKind,
    HeaderStatus,
    Invoice,
    ItemIdKind,
    LineStatus,
    Money,
    Order,
    OrderChange,
    OrderPurpose,
    OrderResponse,
    PartyIdKind,
    ShipNotice,
)
from tests.conftest import Validator, corpus_path


def _read(*parts: str) -> object:
    return ubl.parse(corpus_path("ubl", "samples", *parts).read_bytes())


def test_oasis_order() -> None:
    order = _read("oasis", "UBL-Order-2.1-Example.xml")
    assert isinstance(order, Order)
    assert (order.po_number, order.order_date, order.currency) == ("34", dt.date(2010, 1, 20), "SEK")
    assert order.notes == ("Information text for the whole order",)
    assert order.buyer is not None and order.buyer.name == "Johnssons byggvaror"
    assert order.buyer.id_of(PartyIdKind.GLN) == "7300070011115"
    assert order.buyer.id_of(PartyIdKind.NETWORK) == "7300072311115"
    assert order.buyer.address is not None and order.buyer.address.city == "Stockholm"
    assert order.seller is not None and order.seller.name == "Moderna Produkter AB"
    assert len(order.lines) == 2
    first, second = order.lines
    assert (first.line_number, first.quantity.value, first.quantity.unit) == ("1", Decimal(120), "LTR")
    assert first.unit_price == Money(amount=Decimal(50), currency="SEK")
    assert first.description == "Falu Rödfärg"
    assert first.item_id(ItemIdKind.SELLER) == "SItemNo001"
    assert first.item_id(ItemIdKind.GTIN) == "1234567890123"
    assert (second.quantity.value, second.quantity.unit, second.unit_price.amount) == (Decimal(15), "C62", Decimal(15))
    assert order.total() == Money(amount=Decimal(6225), currency="SEK")
    assert order.declared_total == Money(amount=Decimal(6225), currency="SEK")
    assert [a.is_charge for a in order.allowances] == [True, False]
    assert [d.date for d in order.dates if d.kind == DateKind.REQUESTED_DELIVERY] == [
        dt.date(2010, 2, 10), dt.date(2010, 2, 25)]
    assert any(e.name.endswith("Person/FirstName") and e.value == "Pelle" for e in order.extensions)
    # the quote it takes up and the framework contract; other document references stay extensions
    assert [(r.qualifier, r.value, r.description) for r in order.references] == [
        ("PR", "QuoteID123", None), ("CT", "34322", "FrameworkAgreementID123")]
    assert any(e.name == "AdditionalDocumentReference[1]/ID" and e.value == "Doc1" for e in order.extensions)


def test_order_references_are_written_where_the_schema_wants_them(xsd_validate: Validator) -> None:
    order = _read("peppol-poacc", "Order_Example.xml")
    assert isinstance(order, Order) and ("PR", "QuoteID123") in [(r.qualifier, r.value) for r in order.references]
    raw = ubl.render(order)
    xsd_validate(raw)
    again = ubl.parse(raw)
    assert isinstance(again, Order) and again.references == order.references


def test_oasis_order_change() -> None:
    change = _read("oasis", "UBL-OrderChange-2.1-Example.xml")
    assert isinstance(change, OrderChange)
    assert (change.po_number, change.revision, change.change_date) == ("34", "1", dt.date(2010, 1, 21))
    assert change.changed_lines == ("1",)
    assert change.order.purpose == OrderPurpose.CHANGE
    assert change.order.lines[0].quantity.value == Decimal(240)


def test_oasis_order_cancellation() -> None:
    order = _read("oasis", "UBL-OrderCancellation-2.1-Example.xml")
    assert isinstance(order, Order)
    assert (order.po_number, order.purpose, order.lines) == ("34", OrderPurpose.CANCEL, ())
    assert order.notes == ("With reference to phone call",)
    assert order.seller is not None and order.seller.name == "Moderna Produkter AB"


def test_oasis_order_response() -> None:
    response = _read("oasis", "UBL-OrderResponse-2.1-Example.xml")
    assert isinstance(response, OrderResponse)
    assert (response.po_number, response.response_number, response.response_date) == ("34", "7", dt.date(2010, 1, 21))
    assert [(line.line_number, line.status) for line in response.lines] == [
        ("1", LineStatus.ACCEPTED), ("2", LineStatus.REJECTED)]
    assert response.status == HeaderStatus.ACCEPTED_WITH_CHANGES


def test_oasis_order_response_simple() -> None:
    response = _read("oasis", "UBL-OrderResponseSimple-2.1-Example.xml")
    assert isinstance(response, OrderResponse)
    assert (response.po_number, response.status, response.lines) == ("34", HeaderStatus.ACCEPTED, ())


def test_peppol_order_response() -> None:
    response = _read("peppol-poacc", "OrderResponse_Example.xml")
    assert isinstance(response, OrderResponse)
    assert (response.po_number, response.response_number, response.status) == (
        "11233", "101-111", HeaderStatus.ACCEPTED_WITH_CHANGES)
    assert response.seller is not None and response.seller.name == "The Supplier AB"
    assert [line.status for line in response.lines] == [
        LineStatus.QUANTITY_CHANGED, LineStatus.ACCEPTED, LineStatus.QUANTITY_CHANGED]
    first = response.lines[0]
    assert (first.quantity.value, first.unit_price, first.promised_date) == (
        Decimal(10), Money(amount=Decimal("1.50"), currency="EUR"), dt.date(2018, 8, 10))


def test_peppol_despatch_advice() -> None:
    notice = _read("peppol-poacc", "DespatchAdvice_Example.xml")
    assert isinstance(notice, ShipNotice)
    assert (notice.shipment_id, notice.po_number, notice.ship_date) == ("565899", "AEG012345", dt.date(2018, 9, 25))
    assert (notice.tracking_number, notice.carrier, notice.delivery_date) == ("456789", "Name", dt.date(2018, 9, 25))
    assert notice.ship_from is not None and notice.ship_from.name == "Consortial"
    assert notice.ship_to is not None and notice.ship_to.name == "IYT Corporation"
    [package] = notice.packages
    assert (package.sscc, package.kind, [c.sscc for c in package.children]) == ("5454", "4H", ["126", "667"])
    [item] = package.items
    assert (item.line_number, item.quantity.value, item.description) == ("1", Decimal(10), "beeswax")


def test_oasis_invoice() -> None:
    invoice = _read("oasis", "UBL-Invoice-2.1-Example.xml")
    assert isinstance(invoice, Invoice)
    assert (invoice.invoice_number, invoice.invoice_date, invoice.currency) == (
        "TOSL108", dt.date(2009, 12, 15), "EUR")
    assert invoice.seller is not None and invoice.seller.name == "Salescompany ltd."
    assert invoice.buyer is not None and invoice.buyer.name == "Buyercompany ltd"
    assert len(invoice.lines) == 5
    assert (invoice.lines[0].quantity.value, invoice.lines[0].unit_price.amount) == (Decimal(1), Decimal(1273))
    assert invoice.lines[1].quantity.value == Decimal(-1)


def test_peppol_invoice() -> None:
    invoice = _read("peppol-invoice", "base-example.xml")
    assert isinstance(invoice, Invoice)
    assert (invoice.invoice_number, invoice.due_date, invoice.po_number) == ("Snippet1", dt.date(2017, 12, 1), None)
    assert [t.amount for t in invoice.taxes] == [Money(amount=Decimal("331.25"), currency="EUR")]
    assert [(line.quantity.value, line.quantity.unit, line.order_line_number) for line in invoice.lines] == [
        (Decimal(7), "DAY", "123"), (Decimal(-3), "DAY", "123")]
    assert invoice.seller is not None and invoice.seller.id_of(PartyIdKind.TAX) == "GB1232434"


def test_credit_note() -> None:
    note = _read("oasis", "UBL-CreditNote-2.1-Example.xml")
    assert isinstance(note, Invoice) and note.is_credit_note
    assert note.invoice_number == "TOSL108"
