"""The demo seller's company profile and VAT data: a Dutch wholesaler that sells to the US and the EU.

With these, the demo's invoices carry a complete seller (address, VAT number, KvK registration,
GLN as electronic address, contact), the bank account to pay into, and a VAT category per line,
so they pass the EN 16931 and PEPPOL BIS Billing 3 rules (a Dutch supplier must give its
payment means, NL-R-007): US deliveries are exports (G), the Dutch customer pays 21 % (S).
Idempotent like the rest of the demo seed: rows that exist are left alone, except that the demo
company's own row gets the fields it lacks (a demo seeded before they existed).
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from erp.builtin.tables import ErpCustomer
from erp.builtin.tax_tables import ErpCompany, ErpCustomerTax, ErpTaxRate

DEMO_COMPANY = ErpCompany(
    id="main", name="Demo Office Supplies B.V.", street="Havenstraat 12", city="Rotterdam", postal_code="3011 AB",
    country="NL", vat_id="NL999999999B01", legal_id="99999999", legal_scheme="0106", gln="0614141999996",
    endpoint_scheme="0088", endpoint_id="0614141999996", contact_name="Accounts receivable",
    contact_phone="+31 10 555 0100", iban="NL91ABNA0417164300", bic="ABNANL2A", payment_means_code="58")
"""The electronic address is the GLN the demo orders address us by (``fixtures/ubl``); the IBAN is the
well-known example account of the Dutch banks' documentation, valid in form, owned by nobody. The
contact has no e-mail: an X12 partner may use ``@`` as its component separator, and the X12 PER
writer does not yet replace a value it cannot carry there."""
DEMO_TAX_RATES = {"standard": Decimal("21"), "reduced": Decimal("9"), "zero": Decimal("0")}
DEMO_CUSTOMER_TAX = {"ACME": ("US", None), "GLOBEX": ("US", None), "INITECH": ("NL", "NL888888888B01")}


def _complete(company: ErpCompany) -> None:
    """Fill what the demo company lacks from :data:`DEMO_COMPANY`; what it has, an operator's edit included, stays.

    A demo seeded before migration 0016 has no bank account, electronic address or contact.
    """
    for name, value in DEMO_COMPANY.model_dump().items():
        if getattr(company, name) is None and value is not None:
            setattr(company, name, value)


def seed_demo_company(session: Session) -> None:
    """Add the demo company, tax rates and customer tax data that are missing, in the caller's transaction."""
    company = session.get(ErpCompany, "main")
    if company is None:
        session.add(ErpCompany(**DEMO_COMPANY.model_dump()))  # a fresh row: a copy would share its ORM state
    elif (company.name, company.vat_id) == (DEMO_COMPANY.name, DEMO_COMPANY.vat_id):
        _complete(company)
    for tax_class, percent in DEMO_TAX_RATES.items():
        if session.get(ErpTaxRate, tax_class) is None:
            session.add(ErpTaxRate(tax_class=tax_class, percent=percent))
    session.flush()
    for customer_id, (country, vat_id) in DEMO_CUSTOMER_TAX.items():
        if session.get(ErpCustomer, customer_id) is not None and session.get(ErpCustomerTax, customer_id) is None:
            session.add(ErpCustomerTax(customer_id=customer_id, country=country, vat_id=vat_id))


__all__ = ["DEMO_COMPANY", "DEMO_CUSTOMER_TAX", "DEMO_TAX_RATES", "seed_demo_company"]
