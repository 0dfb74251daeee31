"""Credit API: a customer's position, its policy, and the holds an operator releases or rejects.

``GET /api/customers/{id}/credit`` is open to the customer's sales rep, managers and operators;
changing a policy and deciding holds to managers and operators. Every change is audited.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from erp.port import ErpRejected, ErpUnavailable
from gateway.api.deps import ServicesDep
from gateway.auth.deps import require_role
from gateway.auth.tokens import Principal, Role
from gateway.credit.actions import CreditActionError, list_holds, reject_hold, release_hold, set_policy
from gateway.credit.control import Policy, exposure
from gateway.credit.intake import default_policy
from gateway.credit.tables import CreditOrder

router = APIRouter(tags=["credit"])

ReaderDep = Annotated[Principal, Depends(require_role(Role.SALES_REP, Role.MANAGER))]
DeciderDep = Annotated[Principal, Depends(require_role(Role.MANAGER))]


class CreditView(BaseModel):
    """A customer's credit: limit and balance from the ERP, the gateway's open orders and holds."""

    customer_id: str
    currency: str
    limit: Decimal
    balance: Decimal = Field(description="open receivables in the ERP (invoiced, not paid)")
    open_orders: Decimal = Field(description="reserved by accepted orders not yet invoiced")
    open_order_count: int
    held: Decimal = Field(description="value of the orders waiting on credit hold (not reserved)")
    hold_count: int
    flagged_count: int = Field(description="open orders accepted over the limit (policy flag, or released holds)")
    available: Decimal = Field(description="limit - balance - open_orders")
    policy: Policy
    policy_is_default: bool

    model_config = {"json_schema_extra": {"examples": [{
        "customer_id": "ACME", "currency": "USD", "limit": "50000", "balance": "1250.00", "open_orders": "3200.00",
        "open_order_count": 2, "held": "0", "hold_count": 0, "flagged_count": 0, "available": "45550.00",
        "policy": "hold",
        "policy_is_default": False}]}}


class HoldView(BaseModel):
    """An order on credit hold (or how its hold ended)."""

    hold_id: int
    customer_id: str
    po_number: str
    document_id: int | None
    amount: Decimal
    currency: str
    status: str
    reason: str | None
    available_at_decision: Decimal | None

    @classmethod
    def of(cls, row: CreditOrder) -> HoldView:
        """The view of a credit order row."""
        return cls(hold_id=row.id or 0, customer_id=row.customer_id, po_number=row.po_number,
                   document_id=row.document_id, amount=row.amount, currency=row.currency, status=row.status,
                   reason=row.reason, available_at_decision=row.available_at_decision)


class PolicyChange(BaseModel):
    """A customer's own policy; null returns the customer to the installation default."""

    policy: Policy | None

    model_config = {"json_schema_extra": {"examples": [{"policy": "hold"}]}}


class HoldDecision(BaseModel):
    """Why the hold was released or rejected (kept in the audit log; a rejection's reason goes to the partner)."""

    note: str | None = Field(default=None, max_length=500)


def _position(services: ServicesDep, customer_id: str) -> CreditView:
    try:
        position = exposure(services.engine, services.erp, customer_id, default_policy=default_policy())
    except ErpRejected as exc:
        raise HTTPException(404, f"customer {customer_id}: {exc}") from exc
    except ErpUnavailable as exc:
        raise HTTPException(503, f"the ERP is unavailable: {exc}") from exc
    return CreditView(**position.__dict__)


@router.get("/api/customers/{customer_id}/credit", response_model=CreditView)
async def customer_credit(customer_id: str, services: ServicesDep, who: ReaderDep) -> CreditView:
    """Limit, ERP balance, open orders, holds and available credit of a customer."""
    if not who.sees_customer(customer_id):
        raise HTTPException(403, f"customer {customer_id} is not one of this sales rep's customers")
    return await run_in_threadpool(_position, services, customer_id)


@router.put("/api/customers/{customer_id}/credit/policy", response_model=CreditView)
async def customer_policy(customer_id: str, change: PolicyChange, services: ServicesDep,
                          who: DeciderDep) -> CreditView:
    """Set what happens to this customer's orders over the available credit (audited)."""
    await run_in_threadpool(_position, services, customer_id)  # 404 for a customer the ERP does not know
    await run_in_threadpool(set_policy, services.engine, customer_id, change.policy, actor=who.name)
    return await run_in_threadpool(_position, services, customer_id)


@router.get("/api/credit/holds", response_model=list[HoldView])
async def holds(services: ServicesDep, _who: DeciderDep, customer: str | None = None) -> list[HoldView]:
    """Orders waiting on credit hold, oldest first."""
    rows = await run_in_threadpool(list_holds, services.engine, customer)
    return [HoldView.of(row) for row in rows]


async def _decide(action: str, hold_id: int, decision: HoldDecision | None, services: ServicesDep,
                  who: Principal) -> HoldView:
    note = decision.note if decision else None
    try:
        if action == "release":
            row = await run_in_threadpool(release_hold, services.engine, hold_id, actor=who.name, note=note)
        else:
            row = await run_in_threadpool(reject_hold, services.engine, hold_id, actor=who.name, reason=note)
    except CreditActionError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    return HoldView.of(row)


@router.post("/api/credit/holds/{hold_id}/release", response_model=HoldView)
async def release(hold_id: int, services: ServicesDep, who: DeciderDep,
                  decision: HoldDecision | None = None) -> HoldView:
    """Release a held order: it is queued again and placed in the ERP (audited)."""
    return await _decide("release", hold_id, decision, services, who)


@router.post("/api/credit/holds/{hold_id}/reject", response_model=HoldView)
async def reject(hold_id: int, services: ServicesDep, who: DeciderDep,
                 decision: HoldDecision | None = None) -> HoldView:
    """Reject a held order: the partner gets a rejecting acknowledgment with the reason (audited)."""
    return await _decide("reject", hold_id, decision, services, who)
