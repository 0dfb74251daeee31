"""``/api/erp``: the built-in ERP's user actions over HTTP (operator token): ship, invoice, pay."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from erp.port import ErpRejected, ErpUnavailable
from formats.model import Money
from gateway.api.deps import ServicesDep
from gateway.auth.deps import OperatorDep
from gateway.erp_admin import NotBuiltinErp, invoice, pay, ship
from gateway.pipeline.erp_events import Handled

router = APIRouter(prefix="/api/erp", tags=["operator"])


class ShipmentRequest(BaseModel):
    """How an order leaves the warehouse; ``cartons`` maps line numbers to quantities per carton."""

    carrier: str | None = None
    tracking_number: str | None = None
    cartons: list[dict[str, Decimal]] | None = Field(default=None, min_length=1)


class PaymentRequest(BaseModel):
    """A payment received for an invoice."""

    amount: Decimal
    currency: str = "USD"


class ActionResult(BaseModel):
    """What the ERP did and which partner documents it caused."""

    reference: str
    documents: list[int]
    events: list[str]


def _result(reference: str, handled: list[Handled]) -> ActionResult:
    return ActionResult(reference=reference, documents=[h.document_id for h in handled if h.document_id],
                        events=[f"{h.event_id} {h.kind.value}: {h.note}" for h in handled])


def _refused(exc: Exception) -> HTTPException:
    if isinstance(exc, NotBuiltinErp):
        return HTTPException(501, str(exc))
    if isinstance(exc, ErpUnavailable):
        return HTTPException(503, str(exc))
    return HTTPException(409, str(exc))


@router.post("/orders/{erp_order_id}/shipments", response_model=ActionResult, status_code=201)
async def ship_order(erp_order_id: str, body: ShipmentRequest, services: ServicesDep,
                     operator: OperatorDep) -> ActionResult:
    """Ship an order; the partner's ship notice goes to the outbox."""
    try:
        notice, handled = await run_in_threadpool(
            ship, services, erp_order_id, actor=operator, carrier=body.carrier,
            tracking_number=body.tracking_number, cartons=body.cartons)
    except (ErpRejected, ErpUnavailable) as exc:
        raise _refused(exc) from exc
    return _result(notice.shipment_id, handled)


@router.post("/orders/{erp_order_id}/invoices", response_model=ActionResult, status_code=201)
async def invoice_order(erp_order_id: str, services: ServicesDep, operator: OperatorDep) -> ActionResult:
    """Invoice a shipped order; the partner's invoice goes to the outbox."""
    try:
        billed, handled = await run_in_threadpool(invoice, services, erp_order_id, actor=operator)
    except (ErpRejected, ErpUnavailable) as exc:
        raise _refused(exc) from exc
    return _result(billed.invoice_number, handled)


@router.post("/invoices/{invoice_number}/payments", response_model=ActionResult, status_code=201)
async def pay_invoice(invoice_number: str, body: PaymentRequest, services: ServicesDep,
                      operator: OperatorDep) -> ActionResult:
    """Record a payment against an invoice."""
    try:
        amount = Money(amount=body.amount, currency=body.currency)
        handled = await run_in_threadpool(pay, services, invoice_number, amount, actor=operator)
    except (ErpRejected, ErpUnavailable) as exc:
        raise _refused(exc) from exc
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    return _result(invoice_number, handled)
