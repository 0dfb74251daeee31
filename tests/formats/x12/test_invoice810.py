"""X12 810 <-> canonical Invoice: the corpus invoices, totals, credit notes, validity, round trip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formats.errors import MappingError
from formats.model import (
    Allowance,
    Contact,
    Extension,
    Invoice,
    InvoiceLine,
    ItemId,
    ItemIdKind,
    Money,
    Party,
    PartyId,
    PartyIdKind,
    PartyRole,
    PaymentTerms,
    Quantity,
    Reference,
    Tax,
)
from formats.x12 import invoice810
from tests.conftest import corpus_path
from tests.formats.x12.outbound import checked, interchange, transaction_sets


def invoices_of(*parts: str) -> list[Invoice]:
    return [invoice810.parse(ts) for ts in transaction_sets(corpus_path("x12", *parts).read_bytes())]


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["810-004010-01.x12", "810-004010VICS-01.x12", "810-004030-01.x12",
                                  "810-004030VICS-01.x12"])
def test_bots_810_numbers_lines_charges_and_total(name: str) -> None:
    first, second = invoices_of("bots", name)
    assert [(i.invoice_number, i.invoice_date, i.po_number) for i in (first, second)] == [
        ("465266", dt.date(2002, 5, 24), "539893"), ("465267", dt.date(2002, 5, 24), "539893")]
    assert [len(first.lines), len(second.lines)] == [4, 1]
    assert invoice810.invoice_total(first) == usd("8432.02")  # TDS*843202: lines plus the D360 charges
    assert invoice810.invoice_total(second) == usd("1129.92")
    assert not any(e.name == "TDS01" for e in first.extensions)  # it agrees: nothing to keep
    line = first.lines[0]
    assert (line.quantity, line.unit_price, line.description) == (
        Quantity(value=Decimal(16), unit="XCS"), usd("52.56"), "SSS CONVENIENT SIZE - 120ML")
    assert line.items == (ItemId(kind=ItemIdKind.UPC, value="001055503223", qualifier="UA"),)
    assert line.allowances == (Allowance(is_charge=True, amount=usd("58.87"), percent=Decimal(7), code="D360"),)
    assert first.seller is not None and first.seller.name == "BARRY AND LAMB CAN"
    assert first.seller.contacts == (Contact(role="AR", name="NINA MARIE", phone="402-948-7632"),)
    assert first.bill_to is not None and first.bill_to.ids[0].value == "2100988529600"
    assert first.terms == PaymentTerms(code="01", discount_percent=Decimal(1), discount_days=15, net_days=30)
    assert first.due_date == dt.date(2002, 6, 23)


def test_edinet_810_with_taxes_remit_to_and_a_declared_total() -> None:
    [invoice] = invoices_of("edinet", "x12.810b.edi")
    assert (invoice.invoice_number, invoice.po_number, invoice.currency) == ("DO091003TESTINV01TAX", "DO091003", "USD")
    assert invoice.remit_to is not None and invoice.remit_to.name == "XYZ Bank"
    assert [(line.line_number, line.order_line_number, line.quantity.value, line.unit_price) for line in
            invoice.lines] == [("1", "1", 2, usd("99.99")), ("2", "2", 2, usd("79.99"))]
    assert invoice.lines[0].taxes == (
        Tax(category="ST", amount=usd("15.99"), percent=Decimal(8), scheme="CA"),
        Tax(category="FD", amount=usd("3.99"), percent=Decimal(2)))
    assert [(t.category, t.amount) for t in invoice.taxes] == [("ST", usd("28.78")), ("FD", usd("7.18"))]
    assert Extension(source="x12:810/TDS", name="TDS01", value="40192") in invoice.extensions
    assert Extension(source="x12:810/BIG", name="BIG07", value="DI") in invoice.extensions
    assert not invoice.is_credit_note


def test_edinet_810_information_only_sac_is_kept_not_counted() -> None:
    [invoice] = invoices_of("edinet", "x12.810a.edi")
    assert [a.code for a in invoice.lines[0].allowances] == ["G830"]
    assert any(e.name == "SAC" and e.value.startswith("N*B840") for e in invoice.lines[0].extensions)
    assert Extension(source="x12:810/TDS", name="TDS01", value="36596") in invoice.extensions


# --------------------------------------------------------------------------------------------
# What we write
# --------------------------------------------------------------------------------------------

SELLER = Party(role=PartyRole.SELLER, role_code="SE", name="B2B GATEWAY DEMO SELLER",
               ids=(PartyId(kind=PartyIdKind.SELLER_ASSIGNED, value="B2BGWSELLER", qualifier="91"),))
BILL_TO = Party(role=PartyRole.BILL_TO, role_code="BT", name="ACME RETAIL ACCOUNTS PAYABLE",
                ids=(PartyId(kind=PartyIdKind.BUYER_ASSIGNED, value="AP", qualifier="92"),))


def line(number: str, sku: str, quantity: int, price: str, **more: object) -> InvoiceLine:
    return InvoiceLine(line_number=number, order_line_number=number, quantity=Quantity(value=Decimal(quantity),
                       unit="EA"), unit_price=usd(price), items=(ItemId(kind=ItemIdKind.SELLER, value=sku,
                                                                        qualifier="VP"),), **more)  # type: ignore[arg-type]


INVOICE = Invoice(
    invoice_number="INV-2026-0042", invoice_date=dt.date(2026, 11, 25), po_number="ACME-PO-1001", currency="USD",
    seller=SELLER, bill_to=BILL_TO, terms=PaymentTerms(code="01", discount_percent=Decimal(2), discount_days=10,
                                                       net_days=30),
    due_date=dt.date(2026, 12, 25), references=(Reference(qualifier="VN", value="SO-10001"),),
    notes=("Thank you for your business",),
    lines=(
        line("1", "DEMO-1001", 10, "12.5", description="DEMO WIDGET SMALL",
             taxes=(Tax(category="ST", amount=usd("7.50"), percent=Decimal(6), scheme="OH"),)),
        line("2", "DEMO-1002", 24, "4.75",
             allowances=(Allowance(is_charge=False, amount=usd("5.70"), percent=Decimal(5), code="C310"),)),
    ),
    allowances=(Allowance(is_charge=True, amount=usd("12.00"), code="D240", description="FREIGHT"),),
)


def test_rendered_810_total_in_implied_cents() -> None:
    body = invoice810.render(INVOICE)
    assert body[0] == ["BIG", "20261125", "INV-2026-0042", "", "ACME-PO-1001", "", "", ""]
    assert ["ITD", "01", "3", "2", "", "10", "20261225", "30", "", "", "", "", ""] in body
    assert body[body.index(["IT1", "1", "10", "EA", "12.5", "", "VP", "DEMO-1001"]) + 1] == [
        "TXI", "ST", "7.5", "6", "VD", "OH"]
    assert ["REF", "FJ", "2"] in body
    # 125.00 + 114.00 - 5.70 allowance + 12.00 freight + 7.50 tax
    assert invoice810.invoice_total(INVOICE) == usd("252.80")
    assert ["TDS", "25280"] in body
    assert body[-1] == ["CTT", "2"]


@pytest.mark.parametrize("version", ["004010", "005010"])
@pytest.mark.parametrize("credit", [False, True])
def test_rendered_810_is_valid_and_round_trips(version: str, credit: bool) -> None:
    invoice = INVOICE.model_copy(update={"is_credit_note": credit})
    body = invoice810.render(invoice, version=version)
    assert body[0][7] == ("CR" if credit else "")
    ts = checked("810", body, version)
    assert invoice810.parse(ts) == invoice


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_vat_goes_out_as_txi_va_with_its_category_and_comes_back(version: str) -> None:
    standard = Tax(category="S", percent=Decimal(21), scheme="VAT")
    export = Tax(category="G", percent=Decimal(0), scheme="VAT")
    invoice = INVOICE.model_copy(update={
        "lines": (line("1", "DEMO-1001", 10, "12.5", taxes=(standard,)),
                  line("2", "DEMO-1002", 2, "4", taxes=(export,))),
        "allowances": (), "taxes": (standard.model_copy(update={"amount": usd("26.25")}),
                                    export.model_copy(update={"amount": usd("0")}))})
    body = invoice810.render(invoice, version=version)
    assert ["TXI", "VA", "", "21", "", "", "2", "", "", "", "S"] in body
    assert ["TXI", "VA", "", "0", "", "", "0", "", "", "", "G"] in body  # 441 "0": exempt for export
    assert ["TXI", "VA", "26.25", "21", "", "", "2", "", "", "", "S"] in body
    assert ["TDS", "15925"] in body  # 125.00 + 8.00 + 26.25 VAT
    assert invoice810.parse(checked("810", body, version)) == invoice


def test_seller_known_only_by_a_contact_goes_in_a_heading_per() -> None:
    invoice = INVOICE.model_copy(update={"seller": Party(role=PartyRole.SELLER, contacts=(
        Contact(role="AR", name="NINA MARIE", phone="4029487632"),))})
    body = invoice810.render(invoice)
    assert ["PER", "AR", "NINA MARIE", "TE", "4029487632"] in body
    assert invoice810.parse(checked("810", body, "004010")) == invoice


def test_corpus_invoice_written_again_keeps_lines_and_total() -> None:
    [invoice] = invoices_of("edinet", "x12.810b.edi")[:1]
    again = invoice810.parse(checked("810", invoice810.render(invoice), "004010"))
    assert (again.invoice_number, again.lines[1].unit_price, again.taxes) == (
        invoice.invoice_number, invoice.lines[1].unit_price, invoice.taxes)
    assert ["TDS", "40192"] in invoice810.render(invoice)  # the partner's declared total is what we repeat


def test_render_refuses_what_x12_cannot_say() -> None:
    with pytest.raises(MappingError, match="IT1"):
        invoice810.render(INVOICE.model_copy(update={"lines": ()}))
    with pytest.raises(MappingError, match="TXI01"):
        invoice810.render(INVOICE.model_copy(update={"taxes": (Tax(amount=usd("1")),)}))
    with pytest.raises(MappingError, match="delimiter"):
        interchange("810", invoice810.render(INVOICE.model_copy(update={"invoice_number": "INV~1"})), "004010")


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "where", "words"), [
    ("BIG*20261125*INV-2026-0042", "BIG*20261125*", ("BIG", 2, 2), "BIG02"),
    ("BIG*20261125*", "BIG*20261325*", ("BIG", 2, 1), "not a date"),
    ("IT1*2*24*EA*4.75*", "IT1*2*24*EA**", ("IT1", 14, 4), "IT104"),
    ("IT1*2*24*EA*", "IT1*2*24*ZQ*", ("IT1", 14, 3), "'ZQ'"),
    ("TDS*25280", "TDS*X", ("TDS", 17, 1), "not a number"),
])
def test_bad_810_says_what_and_where(old: str, new: str, where: tuple[str, int, int], words: str) -> None:
    raw = interchange("810", invoice810.render(INVOICE), "004010")
    assert old.encode() in raw
    [ts] = transaction_sets(raw.replace(old.encode(), new.encode(), 1))
    with pytest.raises(MappingError) as caught:
        invoice810.parse(ts)
    location = caught.value.location
    assert (location.segment_tag, location.segment_position, location.element_position) == where
    assert words in str(caught.value)
