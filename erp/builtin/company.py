"""Admin operations on the built-in ERP's company profile and VAT master data.

The seller keeps these in its ERP; the demo seed, installers and tests set them here. Each call
is one transaction and replaces what it names (setting a rate twice keeps the last one).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine

from erp.builtin.store import unavailable_on_db_errors, write_session
from erp.builtin.tables import ErpCustomer, ErpProduct
from erp.builtin.tax_tables import ErpCompany, ErpCustomerTax, ErpProductTax, ErpTaxRate
from erp.port import ErpRejected


def _country(code: str) -> str:
    if len(code) != 2 or not code.isalpha():
        raise ErpRejected(f"country {code!r} is not an ISO 3166-1 alpha-2 code")
    return code.upper()


def set_company(engine: Engine, company: ErpCompany) -> None:
    """Store the seller's company profile: name, address, VAT number, registration, addresses, bank.

    ErpRejected for a country that is not ISO 3166-1 alpha-2, or an electronic address without
    its scheme (a PEPPOL EAS code such as ``0088``): a receiver cannot route to an address it
    cannot read.
    """
    _country(company.country)
    if company.endpoint_id and not (company.endpoint_scheme or "").strip():
        raise ErpRejected(f"electronic address {company.endpoint_id!r} needs its endpoint_scheme (PEPPOL EAS)")
    with unavailable_on_db_errors("setting the company profile"), write_session(engine) as s:
        s.merge(ErpCompany(**{**company.model_dump(), "id": "main", "country": company.country.upper()}))
        s.commit()


def set_tax_rate(engine: Engine, tax_class: str, percent: Decimal) -> None:
    """Set the VAT percent of a tax class (``standard`` is the class of every product not told otherwise)."""
    if not Decimal(0) <= Decimal(percent) < Decimal(100):
        raise ErpRejected(f"VAT rate {percent} of {tax_class!r} is not a percent between 0 and 100")
    with unavailable_on_db_errors(f"setting tax class {tax_class}"), write_session(engine) as s:
        s.merge(ErpTaxRate(tax_class=tax_class, percent=Decimal(percent)))
        s.commit()


def set_customer_tax(engine: Engine, customer_id: str, *, country: str, vat_id: str | None = None) -> None:
    """Set where a customer is billed and its VAT number."""
    with unavailable_on_db_errors(f"setting the tax data of {customer_id}"), write_session(engine) as s:
        if s.get(ErpCustomer, customer_id) is None:
            raise ErpRejected(f"unknown customer {customer_id!r}")
        s.merge(ErpCustomerTax(customer_id=customer_id, country=_country(country), vat_id=vat_id or None))
        s.commit()


def set_product_tax_class(engine: Engine, sku: str, tax_class: str) -> None:
    """Put a product in a tax class other than the standard one."""
    with unavailable_on_db_errors(f"setting the tax class of {sku}"), write_session(engine) as s:
        if s.get(ErpProduct, sku) is None:
            raise ErpRejected(f"unknown product {sku!r}")
        if s.get(ErpTaxRate, tax_class) is None:
            raise ErpRejected(f"unknown tax class {tax_class!r}; set its rate first")
        s.merge(ErpProductTax(sku=sku, tax_class=tax_class))
        s.commit()


__all__ = ["set_company", "set_customer_tax", "set_product_tax_class", "set_tax_rate"]
