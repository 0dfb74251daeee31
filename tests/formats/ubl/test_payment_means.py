"""An invoice's payment means (EN 16931 BG-16) in UBL: written where the schema wants it, read back.

A PEPPOL invoice of a Dutch supplier without ``cac:PaymentMeans`` fails NL-R-007; a credit
transfer needs the account it goes to (BR-61). The element sits after the parties and
``Delivery`` and before ``PaymentTerms`` (Invoice and CreditNote XSD), with the code, the
payment reference and the payee's account (IBAN, name, BIC).
"""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from formats.model import Address, Invoice, PaymentMeans
from formats.ubl import invoice, rules
from formats.ubl.profiles import PEPPOL_BILLING
from tests.conftest import Validator

from .test_rules import demo_invoice

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
SEPA = PaymentMeans(code="58", account_id="NL91ABNA0417164300", account_name="Demo Office Supplies B.V.",
                    institution_id="ABNANL2A", payment_id="INV-2024-0001")


def dutch(credit: bool = False, means: tuple[PaymentMeans, ...] = (SEPA,)) -> Invoice:
    """The demo invoice of a Dutch seller (so NL-R-007 applies) with ``means``."""
    document = demo_invoice(credit=credit)
    assert document.seller is not None and document.seller.address is not None
    seller = document.seller.model_copy(update={"address": Address(
        lines=("Havenstraat 12",), city="Rotterdam", postal_code="3011 AB", country="NL")})
    return document.model_copy(update={"seller": seller, "payment_means": means})


@pytest.mark.parametrize("credit", [False, True], ids=["invoice", "credit-note"])
def test_payment_means_are_written_in_xsd_order_and_read_back(credit: bool, xsd_validate: Validator) -> None:
    raw = invoice.render(dutch(credit), profile=PEPPOL_BILLING)
    xsd_validate(raw)
    names = [etree.QName(child).localname for child in etree.fromstring(raw)]
    assert names.index("AccountingCustomerParty") < names.index("PaymentMeans") < names.index("PaymentTerms")
    means = invoice.parse(raw).payment_means
    if credit:  # a credit note's due date rides in its first payment means
        assert means == (SEPA,) and b"<cbc:PaymentDueDate>2024-06-01</cbc:PaymentDueDate>" in raw
    else:
        assert means == (SEPA,)


def test_a_dutch_supplier_without_payment_means_fails_nl_r_007_and_with_them_passes(
        en16931_rules: rules.CompiledRules, peppol_rules: rules.CompiledRules) -> None:
    without = invoice.render(dutch(means=()), profile=PEPPOL_BILLING)
    assert "NL-R-007" in {p.code for p in rules.fatal(rules.check(peppol_rules, without))}
    with_means = invoice.render(dutch(), profile=PEPPOL_BILLING)
    assert rules.fatal(rules.check(en16931_rules, with_means)) == []
    assert "NL-R-007" not in {p.code for p in rules.fatal(rules.check(peppol_rules, with_means))}


def test_a_credit_note_without_means_keeps_its_due_date(xsd_validate: Validator) -> None:
    raw = invoice.render(dutch(credit=True, means=()))
    xsd_validate(raw)
    parsed = invoice.parse(raw)
    assert parsed.due_date == dt.date(2024, 6, 1) and [m.code for m in parsed.payment_means] == ["1"]
