"""VAT on the built-in ERP's invoices: the category table, and invoices that pass the EN 16931 rules.

Each scenario invoices a real order through the ERP, renders it as a PEPPOL BIS Billing 3.0 UBL
invoice, and runs the official EN 16931 Schematron on it: the seller's address and registrations
and the per-line VAT categories must come from the ERP, not from the order the buyer sent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, delete

from erp.builtin import BuiltinErp, ErpCompany, invoice_order, ship_order
from erp.builtin.company import set_company, set_customer_tax, set_product_tax_class, set_tax_rate
from erp.builtin.demo_company import DEMO_COMPANY
from erp.builtin.taxes import CustomerTax, vat_breakdown, vat_category
from erp.port import ErpRejected
from formats import ubl
from formats.model import Address, Invoice, InvoiceLine, Money, Order, Party, PartyRole, Quantity, Tax
from formats.ubl import rules
from formats.ubl.profiles import PEPPOL_BILLING
from tests.conftest import Validator

from .conftest import FIXED_NOW
from .test_builtin import line

NL = DEMO_COMPANY
US_SELLER = ErpCompany(**{**DEMO_COMPANY.model_dump(), "country": "US", "vat_id": None, "legal_scheme": "0060",
                          "legal_id": "123456789", "city": "Springfield", "postal_code": "62701"})


@pytest.mark.parametrize(("company", "customer", "percent", "ship_to", "expected"), [
    (NL, CustomerTax("NL", "NL888888888B01"), Decimal(21), None, ("S", Decimal(21), None)),
    (NL, CustomerTax(), Decimal(9), None, ("S", Decimal(9), None)),  # no country: the seller's own
    (NL, CustomerTax("NL"), Decimal(0), None, ("Z", Decimal(0), None)),
    (NL, CustomerTax("DE", "DE123456789"), Decimal(21), None, ("AE", Decimal(0), "Reverse charge")),
    (NL, CustomerTax("DE"), Decimal(21), None, ("S", Decimal(21), None)),  # an EU business without a number
    (NL, CustomerTax("US"), Decimal(21), None, ("G", Decimal(0), "Export outside the EU")),
    (NL, CustomerTax("NL", "NL888888888B01"), Decimal(21), "US", ("G", Decimal(0), "Export outside the EU")),
    (NL, CustomerTax("US"), Decimal(21), "FR", ("G", Decimal(0), "Export outside the EU")),  # billed abroad
    (US_SELLER, CustomerTax("DE", "DE123456789"), Decimal(21), None, ("O", None, "Not subject to VAT")),
])
def test_vat_category_follows_the_table(company: ErpCompany, customer: CustomerTax, percent: Decimal,
                                        ship_to: str | None, expected: tuple[str, Decimal | None, str | None]) -> None:
    tax = vat_category(company, customer, percent, ship_to)
    assert (tax.category, tax.percent, tax.description, tax.scheme) == (*expected, "VAT")


def test_breakdown_rounds_once_per_category_not_per_line() -> None:
    def billed(price: str, tax: Tax) -> InvoiceLine:
        return InvoiceLine(line_number="1", quantity=Quantity(value=Decimal(1), unit="EA"),
                           unit_price=Money(amount=Decimal(price), currency="EUR"), taxes=(tax,))
    s21 = Tax(category="S", percent=Decimal(21), scheme="VAT")
    g = Tax(category="G", percent=Decimal(0), scheme="VAT")
    # 3 x 0.10 at 21 %: per line 0.02 each (0.06), once per category 0.063 -> 0.06; 0.15 x 3 -> 0.0945 -> 0.09
    taxes = vat_breakdown([billed("0.15", s21), billed("0.15", s21), billed("0.15", s21), billed("99", g)], "EUR")
    assert [(t.category, t.amount) for t in taxes] == [("S", Money(amount=Decimal("0.09"), currency="EUR")),
                                                        ("G", Money(amount=Decimal("0.00"), currency="EUR"))]


def _order(po: str, country: str, *lines: object) -> Order:
    address = Address(lines=("1 Main Street",), city="Somewhere", postal_code="1000", country=country)
    return Order(po_number=po, order_date=dt.date(2026, 3, 1), currency="USD", lines=lines,  # type: ignore[arg-type]
                 buyer=Party(role=PartyRole.BUYER, name="Initech", address=address),
                 ship_to=Party(role=PartyRole.SHIP_TO, name="Initech warehouse", address=address))


def _invoice(erp: BuiltinErp, engine: Engine, po: str, customer: str, ship_to_country: str) -> Invoice:
    pushed = erp.push_order(_order(po, ship_to_country, line("1", "DEMO-1024", "3"), line("2", "DEMO-1001", "7")),
                            customer_id=customer, idempotency_key=f"k-{po}")
    ship_order(engine, pushed.erp_order_id)
    return invoice_order(engine, pushed.erp_order_id, clock=lambda: FIXED_NOW)


@pytest.mark.parametrize(("country", "vat_id", "ship_to", "categories"), [
    ("NL", "NL888888888B01", "NL", {"S"}),
    ("DE", "DE123456789", "DE", {"AE"}),
    ("US", None, "US", {"G"}),
])
def test_invoices_pass_the_en16931_rules(erp: BuiltinErp, demo_engine: Engine, xsd_validate: Validator,
                                         en16931_rules: rules.CompiledRules, country: str, vat_id: str | None,
                                         ship_to: str, categories: set[str]) -> None:
    set_customer_tax(demo_engine, "INITECH", country=country, vat_id=vat_id)
    invoice = _invoice(erp, demo_engine, f"PO-VAT-{country}", "INITECH", ship_to)
    assert {t.category for li in invoice.lines for t in li.taxes} == categories
    raw = ubl.render(invoice, profile=PEPPOL_BILLING)
    xsd_validate(raw)
    assert [(p.code, p.text) for p in rules.fatal(rules.check(en16931_rules, raw))] == []
    assert invoice.seller is not None and invoice.seller.name == "Demo Office Supplies B.V."


def test_a_reduced_rate_product_gets_its_own_breakdown_and_the_booked_total_includes_vat(
        erp: BuiltinErp, demo_engine: Engine, en16931_rules: rules.CompiledRules) -> None:
    set_customer_tax(demo_engine, "INITECH", country="NL", vat_id="NL888888888B01")
    set_product_tax_class(demo_engine, "DEMO-1001", "reduced")
    invoice = _invoice(erp, demo_engine, "PO-VAT-MIXED", "INITECH", "NL")
    by_category = {(t.category, t.percent): t.amount for t in invoice.taxes}
    # 3 x 89.99 = 269.97 at 21 % -> 56.69; 7 x 1.29 = 9.03 at 9 % -> 0.81
    assert by_category == {("S", Decimal(21)): Money(amount=Decimal("56.69"), currency="USD"),
                           ("S", Decimal(9)): Money(amount=Decimal("0.81"), currency="USD")}
    assert erp.get_credit("INITECH").balance.amount == Decimal("269.97") + Decimal("9.03") + Decimal("57.50")
    raw = ubl.render(invoice, profile=PEPPOL_BILLING)
    assert b"<cbc:PayableAmount currencyID=\"USD\">336.50</cbc:PayableAmount>" in raw
    assert [p.code for p in rules.fatal(rules.check(en16931_rules, raw))] == []


def test_a_seller_outside_vat_invoices_category_o(erp: BuiltinErp, demo_engine: Engine,
                                                  en16931_rules: rules.CompiledRules) -> None:
    set_company(demo_engine, US_SELLER)
    invoice = _invoice(erp, demo_engine, "PO-VAT-US", "ACME", "US")
    assert {(t.category, t.percent) for li in invoice.lines for t in li.taxes} == {("O", None)}
    raw = ubl.render(invoice, profile=PEPPOL_BILLING)
    assert [p.code for p in rules.fatal(rules.check(en16931_rules, raw))] == []


def test_invoicing_without_a_company_profile_is_refused(erp: BuiltinErp, demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        conn.execute(delete(ErpCompany))
    with pytest.raises(ErpRejected, match="no company profile"):
        _invoice(erp, demo_engine, "PO-NO-COMPANY", "ACME", "US")


def test_master_data_is_checked(demo_engine: Engine) -> None:
    with pytest.raises(ErpRejected, match="ISO 3166"):
        set_customer_tax(demo_engine, "ACME", country="USA")
    with pytest.raises(ErpRejected, match="unknown customer"):
        set_customer_tax(demo_engine, "NOBODY", country="US")
    with pytest.raises(ErpRejected, match="unknown tax class"):
        set_product_tax_class(demo_engine, "DEMO-1001", "luxury")
    with pytest.raises(ErpRejected, match="between 0 and 100"):
        set_tax_rate(demo_engine, "standard", Decimal(-1))
