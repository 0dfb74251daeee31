"""Shared steps of the credit tests: set an ERP customer's limit, read the ledger and audit log back."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import col, select

from erp.builtin.tables import ErpCustomer
from gateway.auth.tables import AuditEntry
from gateway.credit.tables import CreditEntry, CreditOrder
from gateway.services import Services
from gateway.store.db import session


def set_limit(services: Services, customer_id: str, limit: str) -> None:
    """Give the built-in ERP's customer a credit limit (what the ERP's own user would do)."""
    with session(services.engine) as s:
        customer = s.get(ErpCustomer, customer_id)
        assert customer is not None
        customer.credit_limit = Decimal(limit)
        s.add(customer)
        s.commit()


def ledger(services: Services, customer_id: str) -> list[tuple[str, Decimal, str | None]]:
    """(kind, amount, reference) of every ledger entry of the customer, oldest first."""
    with session(services.engine) as s:
        rows = s.exec(select(CreditEntry).where(CreditEntry.customer_id == customer_id)
                      .order_by(col(CreditEntry.id))).all()
    return [(row.kind, row.amount, row.reference) for row in rows]


def credit_orders(services: Services, customer_id: str) -> list[CreditOrder]:
    """The customer's credit rows, oldest first."""
    with session(services.engine) as s:
        return list(s.exec(select(CreditOrder).where(CreditOrder.customer_id == customer_id)
                           .order_by(col(CreditOrder.id))).all())


def audit_actions(services: Services) -> list[tuple[str, str, str]]:
    """(action, actor, target) of every audit entry, oldest first."""
    with session(services.engine) as s:
        return [(e.action, e.actor, e.target) for e in s.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()]
