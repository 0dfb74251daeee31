"""Quote tables: a quote per revision, its lines, and every transition (who, when, what changed).

A quote is known by its number (``Q-000001``); editing a sent quote adds a new row with the same
number and the next revision, and the old row keeps its lines and goes to ``revised``. Money is
Decimal stored as exact text; totals are stored as computed from the rounded lines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from erp.columns import decimal_field
from gateway.store.tables import utcnow


class Quote(SQLModel, table=True):
    """One revision of a quote: customer, owner, discounts, totals, validity and state."""

    __tablename__ = "gw_quote"
    __table_args__ = (UniqueConstraint("number", "revision", name="uq_gw_quote_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=16, index=True)
    revision: int = 1
    customer_id: str = Field(max_length=64, index=True)
    owner: str = Field(max_length=120, description="who created the quote (token name)")
    state: str = Field(max_length=20, index=True)
    currency: str = Field(max_length=3)
    valid_until: dt.date
    header_discount_percent: Decimal | None = decimal_field(nullable=True)
    header_discount_amount: Decimal | None = decimal_field(nullable=True)
    list_total: Decimal = decimal_field(default=Decimal(0))
    subtotal: Decimal = decimal_field(default=Decimal(0))
    header_discount: Decimal = decimal_field(default=Decimal(0))
    total: Decimal = decimal_field(default=Decimal(0))
    discount_percent: Decimal = decimal_field(default=Decimal(0))
    needs_approval: bool = False
    approved_by: str | None = Field(default=None, max_length=120)
    note: str | None = None
    order_document_id: int | None = Field(default=None, foreign_key="gw_document.id")
    erp_order_id: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class QuoteLine(SQLModel, table=True):
    """A quoted line: the list price found for the customer, the discount, the rounded amounts."""

    __tablename__ = "gw_quote_line"

    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="gw_quote.id", index=True)
    line_number: int
    sku: str = Field(max_length=64)
    description: str | None = None
    quantity: Decimal = decimal_field(default=Decimal(0))
    unit: str = Field(max_length=3)
    list_unit_price: Decimal = decimal_field(default=Decimal(0))
    discount_percent: Decimal | None = decimal_field(nullable=True)
    discount_amount: Decimal | None = decimal_field(nullable=True)
    list_amount: Decimal = decimal_field(default=Decimal(0))
    discount: Decimal = decimal_field(default=Decimal(0))
    amount: Decimal = decimal_field(default=Decimal(0))
    price_source: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False),
                                         description="the price and why (list, line, tier), from the pricing service")


class QuoteEvent(SQLModel, table=True):
    """One transition of a quote: from, to, who, when, and what changed."""

    __tablename__ = "gw_quote_event"

    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="gw_quote.id", index=True)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str = Field(max_length=20)
    actor: str = Field(max_length=120)
    at: dt.datetime = Field(default_factory=utcnow)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
