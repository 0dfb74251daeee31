"""Which VAT category and rate an invoice line gets, and the seller and buyer as the invoice names them.

EN 16931 (and every EU tax authority) wants each invoice line in a VAT category of UNCL 5305 with
its rate, a VAT breakdown per category, the seller's VAT number, and for some categories a reason
and the buyer's VAT number. The built-in ERP decides them the way a small EU seller's ERP does,
from its company record (:mod:`erp.builtin.tax_tables`), the customer's billing country and VAT
number, and the product's tax class:

========================================  ==========  =====================================
situation                                 category    rate, reason
========================================  ==========  =====================================
seller not registered for VAT             O           no rate; "Not subject to VAT"
goods shipped to outside the EU           G           0; "Export outside the EU"
customer in the seller's country          S (or Z)    the tax class's rate (Z when it is 0)
customer elsewhere in the EU, VAT number  AE          0; "Reverse charge" (buyer pays the VAT)
customer elsewhere in the EU, no number   S (or Z)    the seller's rate (small-seller rule)
customer outside the seller's VAT area    G           0; "Export outside the EU"
========================================  ==========  =====================================

The rates of the customer's own country for EU consumers above the distance-selling threshold
(the One-Stop-Shop) are out of scope: customers here are businesses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from erp.builtin.profile import company_party, payment_means
from erp.builtin.tax_tables import STANDARD, ErpCompany, ErpCustomerTax, ErpProductTax, ErpTaxRate
from erp.port import ErpRejected
from formats.model import Address, InvoiceLine, Money, Party, PartyId, PartyIdKind, PaymentMeans, Tax

VAT = "VAT"
ZERO = Decimal(0)
EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
"""ISO 3166-1 codes of the EU member states (VAT numbers of Greece start with EL)."""

NOT_SUBJECT = "Not subject to VAT"
REVERSE_CHARGE = "Reverse charge"
EXPORT = "Export outside the EU"


@dataclass(frozen=True)
class CustomerTax:
    """The tax facts of a customer: billing country (None: the seller's own) and VAT number."""

    country: str | None = None
    vat_id: str | None = None


def vat_category(company: ErpCompany, customer: CustomerTax, class_percent: Decimal,
                 ship_to_country: str | None = None) -> Tax:
    """The VAT category, rate and reason of a line of ``class_percent`` sold to ``customer`` (table above).

    Goods leaving the EU are an export whoever buys them, so a known ship-to country outside the
    EU decides before the customer's billing country does.
    """
    if company.vat_id is None:
        return Tax(category="O", scheme=VAT, description=NOT_SUBJECT)
    export = Tax(category="G", percent=ZERO, scheme=VAT, description=EXPORT)
    if company.country in EU_COUNTRIES and ship_to_country and ship_to_country not in EU_COUNTRIES:
        return export
    country = customer.country or company.country
    domestic = Tax(category="S" if class_percent > ZERO else "Z", percent=class_percent, scheme=VAT)
    if country == company.country:
        return domestic
    if company.country in EU_COUNTRIES and country in EU_COUNTRIES:
        if customer.vat_id:
            return Tax(category="AE", percent=ZERO, scheme=VAT, description=REVERSE_CHARGE)
        return domestic
    return export


def vat_breakdown(lines: Iterable[InvoiceLine], currency: str) -> tuple[Tax, ...]:
    """One tax per (category, rate) with its amount: the net of its lines times the rate, rounded once.

    Rounding the sum per category rather than each line is what EN 16931 (BR-CO-17) and the UBL
    renderer do, so the ERP's invoice total and the document's payable amount agree to the cent.
    """
    bases: dict[tuple[str | None, Decimal | None], tuple[Tax, Decimal]] = {}
    for line in lines:
        tax = next((t for t in line.taxes if t.scheme == VAT), None)
        if tax is None:
            continue
        net = Money(amount=line.quantity.value * line.unit_price.amount, currency=currency).rounded().amount
        key = (tax.category, tax.percent)
        kept, base = bases.get(key, (tax, ZERO))
        bases[key] = (kept, base + net)
    return tuple(
        tax.model_copy(update={"amount": Money(amount=base * (tax.percent or ZERO) / 100, currency=currency).rounded()})
        for tax, base in bases.values())


@dataclass(frozen=True)
class Invoicing:
    """What invoicing one customer needs: the company, the customer's tax facts, each SKU's tax class rate."""

    company: ErpCompany
    customer: CustomerTax
    percents: dict[str, Decimal]

    def line_tax(self, sku: str | None, ship_to: Party | None = None) -> Tax:
        """The VAT of a line of ``sku`` shipped to ``ship_to`` (the standard class for an unknown SKU)."""
        percent = self.percents.get(sku or "", self.percents.get("", ZERO))
        country = ship_to.address.country if ship_to is not None and ship_to.address is not None else None
        return vat_category(self.company, self.customer, percent, country)

    def seller(self) -> Party:
        """The company as seller, from its profile only (:func:`erp.builtin.profile.company_party`).

        Nothing of the party the buyer's order named as seller is kept: its ids and contacts are
        the buyer's view of us (or another company's), and beside our VAT number they make an
        invoice name two companies.
        """
        return company_party(self.company)

    def payment_means(self, invoice_number: str) -> tuple[PaymentMeans, ...]:
        """A transfer to the company's bank account quoting ``invoice_number``; none without an account."""
        return payment_means(self.company, invoice_number)

    def buyer(self, stated: Party | None) -> Party | None:
        """The buyer as the order named it, with what the ERP knows of it where the order is silent.

        Its VAT number from the ERP, unless the seller is outside VAT (EN 16931 BR-O-02); its
        billing country as its address when the order named it but gave no address (BR-10: an
        invoice states the buyer's address; a buyer known only by a contact stays one).
        """
        if stated is None:
            return None
        updates: dict[str, object] = {}
        if stated.address is None and self.customer.country and (stated.name or stated.ids):
            updates["address"] = Address(country=self.customer.country)
        vat_id = self.customer.vat_id
        if vat_id and self.company.vat_id is not None and not any(i.kind == PartyIdKind.TAX for i in stated.ids):
            updates["ids"] = (*stated.ids, PartyId(kind=PartyIdKind.TAX, value=vat_id, qualifier=VAT))
        return stated.model_copy(update=updates) if updates else stated


def load_invoicing(session: Session, customer_id: str, skus: Iterable[str]) -> Invoicing:
    """The company, customer tax facts and tax-class rates for invoicing ``skus`` to ``customer_id``.

    ErpRejected when the company profile is missing: an invoice without its seller is not one.
    """
    skus = list(skus)
    company = session.get(ErpCompany, "main")
    if company is None:
        raise ErpRejected("the built-in ERP has no company profile (erp_company); set one with set_company()")
    rates = {row.tax_class: row.percent for row in session.exec(select(ErpTaxRate)).all()}
    if STANDARD not in rates:
        raise ErpRejected("the built-in ERP has no rate for the standard tax class (erp_tax_rate)")
    classes = {row.sku: row.tax_class for row in
               session.exec(select(ErpProductTax).where(col(ErpProductTax.sku).in_(sorted(set(skus))))).all()}
    percents = {sku: rates[tax_class] for sku, tax_class in classes.items()}
    percents[""] = rates[STANDARD]
    row = session.get(ErpCustomerTax, customer_id)
    customer = CustomerTax(country=row.country, vat_id=row.vat_id) if row else CustomerTax()
    return Invoicing(company=company, customer=customer,
                     percents={**dict.fromkeys(skus, rates[STANDARD]), **percents})


__all__ = ["EU_COUNTRIES", "CustomerTax", "Invoicing", "load_invoicing", "vat_breakdown", "vat_category"]
