"""``/api/prices`` and ``/api/stock`` (sales reps, managers), and ``POST /api/erp/webhook`` (the ERP).

``GET /api/prices`` answers the customer's price **and why**: the assignment that picked the list,
each step down a chain of derived lists (list, line, tier, rule), the lists passed over, and a
sentence a sales rep can read out; with the item's availability and lead time for that quantity.
Every refusal is a 4xx naming what is wrong: an unknown customer or SKU (404), a unit with no
conversion to the item's base unit or no list pricing the item (422); a sales rep asking for a
customer not on its token gets 403.

The ERP calls ``POST /api/erp/webhook`` when prices or stock change; it answers the sync run.
It takes the shared token ``B2BGW_ERP_WEBHOOK_TOKEN`` or an API token of role ``integration``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlmodel import col, select

from gateway.api.client import client_address
from gateway.api.deps import ServicesDep
from gateway.auth.deps import bearer, require_role, throttled, token_attempt
from gateway.auth.tokens import Principal, Role, authenticate, same_secret
from gateway.pricing.service import Availability, UnknownCustomerError, pricing_for
from gateway.pricing.sync import sync_from_erp
from gateway.pricing.tables import SyncRun
from gateway.rules import PriceListError, PriceQuote, PricingError, UnknownItemError
from gateway.services import Services
from gateway.store.db import session

router = APIRouter(tags=["prices"])

PricesReader = Annotated[Principal, Depends(require_role(Role.SALES_REP, Role.MANAGER))]
StockReader = Annotated[Principal, Depends(require_role(Role.SALES_REP, Role.MANAGER, Role.INTEGRATION))]


class PriceAnswer(BaseModel):
    """A price with its reasons (``quote``), in one sentence (``explanation``), and the item's availability."""

    quote: PriceQuote
    explanation: str
    availability: Availability | None


class WebhookEvent(BaseModel):
    """What the ERP says changed (informative); ``full`` asks for a full re-read instead of changes since."""

    event: str = Field(default="changed", examples=["prices-changed", "stock-changed"])
    full: bool = False


class SyncAnswer(BaseModel):
    """A sync run or CSV import as recorded: from when, what changed, what could not be applied."""

    run_id: int
    source: str = "erp"
    trigger: str = "webhook"
    status: str
    since: dt.datetime | None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    changes: dict[str, int]
    errors: list[str]

    @classmethod
    def of(cls, run: SyncRun) -> SyncAnswer:
        """The answer for a stored run."""
        assert run.id is not None  # stored runs have ids
        return cls(run_id=run.id, source=run.source, trigger=run.trigger, status=run.status, since=run.since,
                   started_at=run.started_at, finished_at=run.finished_at, changes=run.changes, errors=run.errors)


def _refusal(exc: PricingError) -> HTTPException:
    if isinstance(exc, UnknownCustomerError | UnknownItemError):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, PriceListError):
        return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"the price lists are inconsistent: {exc}")
    return HTTPException(422, str(exc))  # a unit with no conversion, no list pricing the item, a bad quantity


def _answer(services: Services, customer: str, sku: str, qty: Decimal, unit: str | None,
            on: dt.date | None) -> PriceAnswer:
    pricing = pricing_for(services.engine, services.settings)
    quote = pricing.price(customer, sku, qty, unit, on)
    availability = pricing.availability_of([sku], quote.base_quantity.value).get(sku)
    return PriceAnswer(quote=quote, explanation=quote.explain(), availability=availability)


@router.get("/api/prices", response_model=PriceAnswer, responses={404: {}, 403: {}, 422: {}})
async def get_price(
    services: ServicesDep,
    principal: PricesReader,
    customer: Annotated[str, Query(description="the ERP customer id", examples=["ACME"])],
    sku: Annotated[str, Query(description="the seller's SKU", examples=["DEMO-1001"])],
    qty: Annotated[Decimal, Query(gt=0, description="quantity in `unit`")] = Decimal(1),
    unit: Annotated[str | None, Query(description="UN/ECE Rec 20 unit; the item's base unit when absent")] = None,
    date: Annotated[dt.date | None, Query(description="the seller's date to price on; today when absent")] = None,
) -> PriceAnswer:
    """The customer's price for ``qty`` ``unit`` of ``sku`` on ``date``, and why: list, line, tier, steps."""
    if not principal.sees_customer(customer):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"customer {customer} is not one of this sales rep's")
    try:
        return await run_in_threadpool(_answer, services, customer, sku, qty, unit, date)
    except PricingError as exc:
        raise _refusal(exc) from exc


@router.get("/api/stock", response_model=Availability, responses={404: {}})
async def get_stock(
    services: ServicesDep,
    _principal: StockReader,
    sku: Annotated[str, Query(description="the seller's SKU", examples=["DEMO-1001"])],
    qty: Annotated[Decimal, Query(gt=0, description="quantity (base unit) the lead time is for")] = Decimal(1),
) -> Availability:
    """On hand and available per warehouse, and the lead time for ``qty``."""
    try:
        return await run_in_threadpool(pricing_for(services.engine, services.settings).availability, sku, qty)
    except PricingError as exc:
        raise _refusal(exc) from exc


def require_erp(request: Request, services: ServicesDep, authorization: Annotated[str | None, Header()] = None) -> str:
    """The ERP's shared webhook token (compared by digest, in constant time) or an integration API token.

    Behind the brute-force limits like every bearer token (:mod:`gateway.auth.deps`).
    """
    token = bearer(authorization)
    shared = services.settings.erp_webhook_token

    def check(given: str) -> Principal | None:
        if shared and same_secret(given, shared):
            return Principal(name="erp-webhook", role=Role.INTEGRATION)
        return authenticate(services.engine, given, operator_token=services.settings.operator_token)

    principal = (throttled(services, token_attempt(token, client_address(request)), lambda: check(token))
                 if token else None)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the ERP webhook token (or an integration token) is required",
                            headers={"WWW-Authenticate": "Bearer"})
    if principal.role not in (Role.INTEGRATION, Role.OPERATOR):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"a {principal.role.value} token may not call the ERP webhook")
    return principal.name


@router.post("/api/erp/webhook", response_model=SyncAnswer, tags=["erp"])
async def erp_webhook(services: ServicesDep, caller: Annotated[str, Depends(require_erp)],
                      event: WebhookEvent | None = None) -> SyncAnswer:
    """The ERP says prices or stock changed: pull what changed now, and answer the recorded sync run."""
    full = event.full if event is not None else False
    run = await run_in_threadpool(sync_from_erp, services.engine, services.erp, trigger="webhook", full=full)
    return SyncAnswer.of(run)


OperatorOnly = Annotated[Principal, Depends(require_role())]


def _recent_runs(services: Services, limit: int) -> list[SyncAnswer]:
    with session(services.engine) as s:
        runs = s.exec(select(SyncRun).order_by(col(SyncRun.id).desc()).limit(limit)).all()
    return [SyncAnswer.of(run) for run in runs]


@router.get("/api/prices/sync-runs", response_model=list[SyncAnswer], tags=["operator"])
async def sync_runs(services: ServicesDep, _operator: OperatorOnly,
                    limit: Annotated[int, Query(ge=1, le=500)] = 20) -> list[SyncAnswer]:
    """The latest price and stock syncs and CSV imports, newest first, with their changes and errors."""
    return await run_in_threadpool(_recent_runs, services, limit)


__all__ = ["PriceAnswer", "SyncAnswer", "WebhookEvent", "router"]
