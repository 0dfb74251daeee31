"""The built-in ERP's company profile and VAT master data (SQLModel, prefix ``erp_``).

An invoice is the seller's legal document: it names the seller with its address and tax
registration, and puts every line in a VAT category with its rate. Those facts live in the ERP,
like a real ERP's company record, tax rates and party tax identifiers; the gateway only carries
them into the partner's format.

Tables::

    erp_company        "main" -> the seller: name, address, VAT number, legal registration,
                       GLN, electronic address (PEPPOL EAS + id), contact, and the bank
                       account its invoices ask to be paid into
    erp_tax_rate       tax class ("standard", "reduced", "zero") -> VAT percent
    erp_customer_tax   customer -> billing country and VAT number (absent: domestic, no number)
    erp_product_tax    SKU -> tax class, where it is not "standard"
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Field, SQLModel

from erp.columns import decimal_field

STANDARD = "standard"


class ErpCompany(SQLModel, table=True):
    """The seller as it appears on its invoices; one row, ``id`` "main"."""

    __tablename__ = "erp_company"

    id: str = Field(default="main", primary_key=True, max_length=16)
    name: str = Field(max_length=200)
    street: str = Field(max_length=200)
    city: str = Field(max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    region: str | None = Field(default=None, max_length=50)
    country: str = Field(max_length=2, description="ISO 3166-1 alpha-2")
    vat_id: str | None = Field(default=None, max_length=30, description="None: not registered for VAT")
    legal_id: str | None = Field(default=None, max_length=50, description="company registration number")
    legal_scheme: str | None = Field(default=None, max_length=8, description="ISO 6523 ICD of legal_id")
    gln: str | None = Field(default=None, max_length=13, description="GS1 GLN of the company")
    endpoint_scheme: str | None = Field(default=None, max_length=4,
                                        description="PEPPOL EAS of endpoint_id: 0088 GLN, 0106 KvK, 9944 NL VAT")
    endpoint_id: str | None = Field(default=None, max_length=50,
                                    description="the electronic address; None: the GLN (scheme 0088)")
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=50)
    contact_email: str | None = Field(default=None, max_length=200)
    iban: str | None = Field(default=None, max_length=34, description="the account buyers pay into")
    bic: str | None = Field(default=None, max_length=11, description="BIC of the IBAN's bank")
    payment_means_code: str = Field(default="58", max_length=3,
                                    description="UNCL 4461: 58 SEPA credit transfer, 30 credit transfer")


class ErpTaxRate(SQLModel, table=True):
    """The VAT percent of a tax class in the company's country."""

    __tablename__ = "erp_tax_rate"

    tax_class: str = Field(primary_key=True, max_length=32)
    percent: Decimal = decimal_field()


class ErpCustomerTax(SQLModel, table=True):
    """Where a customer is billed and its VAT number: what decides the VAT category of its invoices."""

    __tablename__ = "erp_customer_tax"

    customer_id: str = Field(primary_key=True, foreign_key="erp_customer.id", max_length=64)
    country: str = Field(max_length=2)
    vat_id: str | None = Field(default=None, max_length=30)


class ErpProductTax(SQLModel, table=True):
    """A product's tax class when it is not the standard one (books, food, exports of services ...)."""

    __tablename__ = "erp_product_tax"

    sku: str = Field(primary_key=True, foreign_key="erp_product.sku", max_length=64)
    tax_class: str = Field(foreign_key="erp_tax_rate.tax_class", max_length=32)


__all__ = ["STANDARD", "ErpCompany", "ErpCustomerTax", "ErpProductTax", "ErpTaxRate"]
