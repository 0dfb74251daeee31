"""Credit control tables: one account row per customer (the lock), each order's credit, the ledger.

* ``gw_credit_account``: the customer's policy (block / hold / flag; none means the installation
  default ``B2BGW_CREDIT_POLICY``). Every credit decision for a customer first updates this row,
  which takes its row lock (PostgreSQL) or the database write lock (SQLite), so two orders of
  one customer are decided one after the other and the committed total cannot pass the limit.
* ``gw_credit_order``: the credit side of one gateway order, keyed like the order itself
  (partner:PO:revision): its value, what of it is still open (reserved, not yet invoiced or
  released), and the decision (reserved, held, refused, rejected, settled) with why.
* ``gw_credit_ledger``: every movement, append-only: reserve on acceptance, convert on invoice
  (the amount moves into the ERP's balance), release on cancellation or closing, paid on payment.

Money is Decimal stored as exact text (:class:`erp.builtin.tables.DecimalText`), as everywhere.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from erp.columns import decimal_field
from gateway.store.tables import utcnow


class CreditAccount(SQLModel, table=True):
    """A customer's credit settings, and the row every credit decision for the customer locks."""

    __tablename__ = "gw_credit_account"

    customer_id: str = Field(primary_key=True, max_length=64)
    policy: str | None = Field(default=None, max_length=8, description="block / hold / flag; None: the default")
    decisions: int = Field(default=0, description="bumped by every decision: the update that takes the lock")
    updated_at: dt.datetime = Field(default_factory=utcnow)


class CreditOrder(SQLModel, table=True):
    """One order's credit: value, what is still open, the decision and why."""

    __tablename__ = "gw_credit_order"
    __table_args__ = (UniqueConstraint("order_key", name="uq_gw_credit_order_key"),)

    id: int | None = Field(default=None, primary_key=True)
    order_key: str = Field(max_length=200, description="the order's idempotency key (partner:PO:revision)")
    customer_id: str = Field(max_length=64, index=True)
    document_id: int | None = Field(default=None, foreign_key="gw_document.id")
    po_number: str = Field(max_length=64)
    erp_order_id: str | None = Field(default=None, max_length=64, index=True)
    currency: str = Field(max_length=3)
    amount: Decimal = decimal_field(default=Decimal(0))
    open_amount: Decimal = decimal_field(default=Decimal(0))
    status: str = Field(max_length=12, index=True)
    flagged: bool = False
    reason: str | None = None
    limit_at_decision: Decimal | None = decimal_field(nullable=True)
    available_at_decision: Decimal | None = decimal_field(nullable=True)
    decided_by: str | None = Field(default=None, max_length=120)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class CreditEntry(SQLModel, table=True):
    """One movement of the credit ledger (append-only)."""

    __tablename__ = "gw_credit_ledger"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(max_length=64, index=True)
    credit_order_id: int | None = Field(default=None, foreign_key="gw_credit_order.id", index=True)
    kind: str = Field(max_length=12, description="reserve / convert / release / paid")
    amount: Decimal = decimal_field(default=Decimal(0))
    currency: str = Field(max_length=3)
    reference: str | None = Field(default=None, max_length=64, description="invoice number, payment id ...")
    actor: str = Field(max_length=120)
    reason: str | None = None
    at: dt.datetime = Field(default_factory=utcnow)
