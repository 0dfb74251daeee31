"""EN 16931 business rules (Schematron as XSLT, run by saxonche) on the corpus and on our invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formats.model import (
    Address,
    Allowance,
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
    Tax,
)
from formats.ubl import PEPPOL_BILLING, invoice, rules
from tests.conftest import corpus_path
from tests.formats.ubl.conftest import Validator

pytestmark = pytest.mark.slow


def test_negative_amounts_example_is_consistent(en16931_rules: rules.CompiledRules) -> None:
    """``BIS3_Invoice_negativ`` is an invoice with negative totals, consistent in every EN 16931 rule.

    (Its name is about its amounts: what refuses it are PEPPOL rules, not in the corpus.)
    """
    document = corpus_path("ubl", "samples", "en16931", "BIS3_Invoice_negativ.XML").read_bytes()
    assert rules.fatal(rules.check(en16931_rules, document)) == []


def test_broken_totals_fail(en16931_rules: rules.CompiledRules) -> None:
    document = corpus_path("ubl", "samples", "en16931", "BIS3_Invoice_negativ.XML").read_bytes()
    broken = document.replace(b'<cbc:TaxAmount currencyID="DKK">-156435.89</cbc:TaxAmount>',
                              b'<cbc:TaxAmount currencyID="DKK">-156435.80</cbc:TaxAmount>', 1)
    fatal = rules.fatal(rules.check(en16931_rules, broken))
    assert "BR-CO-14" in {p.code for p in fatal}
    problem = next(p for p in fatal if p.code == "BR-CO-14")
    assert problem.location.path is not None and "TaxTotal" in problem.location.path
    assert problem.message.startswith("[BR-CO-14]")


def test_missing_seller_name_fails(en16931_rules: rules.CompiledRules) -> None:
    document = invoice.render(demo_invoice()).replace(
        b"<cbc:RegistrationName>Demo Office Supplies GmbH</cbc:RegistrationName>", b"")
    assert "BR-06" in {p.code for p in rules.fatal(rules.check(en16931_rules, document))}


def test_positive_example_passes(en16931_rules: rules.CompiledRules) -> None:
    document = corpus_path("ubl", "samples", "en16931", "BIS3_Invoice_positive.XML").read_bytes()
    assert rules.fatal(rules.check(en16931_rules, document)) == []


def _party(role: PartyRole, name: str, vat: str, gln: str, country: str) -> Party:
    return Party(role=role, name=name, ids=(PartyId(kind=PartyIdKind.GLN, value=gln, qualifier="0088"),
                                            PartyId(kind=PartyIdKind.TAX, value=vat, qualifier="VAT")),
                 address=Address(lines=("Hauptstrasse 1",), city="Berlin", postal_code="10115", country=country))


def demo_invoice(*, credit: bool = False) -> Invoice:
    """A two-rate invoice with a rounding-sensitive price, a line allowance and a document charge."""
    vat19 = Tax(category="S", percent=Decimal(19), scheme="VAT")
    return Invoice(
        invoice_number="INV-2024-0001", invoice_date=dt.date(2024, 5, 2), due_date=dt.date(2024, 6, 1),
        is_credit_note=credit, po_number="PO-4711", currency="EUR",
        seller=_party(PartyRole.SELLER, "Demo Office Supplies GmbH", "DE123456789", "4000001000005", "DE"),
        buyer=_party(PartyRole.BUYER, "ACME Corporation", "DE987654321", "4000002000002", "DE"),
        terms=PaymentTerms(net_days=30),
        lines=(
            InvoiceLine(line_number="1", order_line_number="1", description="Ballpoint pen, medium point, blue",
                        items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1001"),),
                        quantity=Quantity(value=Decimal(7), unit="EA"),
                        unit_price=Money(amount=Decimal("1.295"), currency="EUR"), taxes=(vat19,),
                        allowances=(Allowance(is_charge=False, percent=Decimal(10), description="Volume discount"),)),
            InvoiceLine(line_number="2", order_line_number="2", description="Copy paper, 500-sheet ream",
                        items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1007"),),
                        quantity=Quantity(value=Decimal(3), unit="EA"),
                        unit_price=Money(amount=Decimal("6.49"), currency="EUR"), taxes=(vat19,)),
        ),
        allowances=(Allowance(is_charge=True, amount=Money(amount=Decimal("4.95"), currency="EUR"),
                              description="Freight"),),
    )


@pytest.mark.parametrize("credit", [False, True], ids=["invoice", "credit-note"])
@pytest.mark.parametrize("profile", [None, PEPPOL_BILLING], ids=["en16931", "peppol"])
def test_our_invoice_passes_en16931(credit: bool, profile: object, en16931_rules: rules.CompiledRules,
                                    xsd_validate: Validator) -> None:
    rendered = invoice.render(demo_invoice(credit=credit), profile=profile)  # type: ignore[arg-type]
    xsd_validate(rendered)
    assert rules.fatal(rules.check(en16931_rules, rendered)) == []
    again = invoice.parse(rendered)
    expected = demo_invoice(credit=credit)
    assert again.lines[1] == expected.lines[1]
    assert again.lines[0].allowances[0].amount == Money(amount=Decimal("0.91"), currency="EUR")  # 10 % of 9.07
    assert again.lines[0].model_copy(update={"allowances": ()}) == expected.lines[0].model_copy(
        update={"allowances": ()})
    # 7 x 1.295 = 9.065 -> 9.07, less 10 % (0.91) = 8.16; 3 x 6.49 = 19.47; + freight 4.95 = 32.58; 19 % = 6.19
    assert [t.amount for t in again.taxes] == [Money(amount=Decimal("6.19"), currency="EUR")]
    assert b'<cbc:PayableAmount currencyID="EUR">38.77</cbc:PayableAmount>' in rendered


def test_peppol_profile_sets_identifiers() -> None:
    rendered = invoice.render(demo_invoice(), profile=PEPPOL_BILLING)
    assert PEPPOL_BILLING.customization_for("Invoice").encode() in rendered  # type: ignore[union-attr]
    assert b"urn:fdc:peppol.eu:2017:poacc:billing:01:1.0" in rendered
    assert b'<cbc:EndpointID schemeID="0088">4000001000005</cbc:EndpointID>' in rendered
    assert b"UBLVersionID" not in rendered
