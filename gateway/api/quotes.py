"""The sales-rep quote API ``/api/quotes`` (bearer token: sales_rep for their customers, manager for all).

Routes stay thin: they check who may do what and turn the service's errors into HTTP answers;
the lifecycle is :mod:`gateway.quotes.service`. A sales rep sees and acts on the quotes of the
customers on the token only (another customer's quote is a 404); returning a quote that needs
approval takes a manager (or an operator), approving it a manager who did not set its terms
(never an operator: :mod:`gateway.quotes.approval`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlmodel import col, select

from gateway.api.deps import ServicesDep
from gateway.auth.deps import require_role
from gateway.auth.tokens import Principal, Role
from gateway.pricing.service import pricing_for
from gateway.quotes import service as quotes
from gateway.quotes.tables import Quote, QuoteEvent, QuoteLine
from gateway.rules import PriceQuote, seller_date
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import utcnow

router = APIRouter(prefix="/api/quotes", tags=["quotes"])

RepDep = Annotated[Principal, Depends(require_role(Role.SALES_REP, Role.MANAGER))]
ManagerDep = Annotated[Principal, Depends(require_role(Role.MANAGER))]


class LineIn(BaseModel):
    """A line to quote; the price comes from the customer's list, the discount is the rep's."""

    sku: str = Field(min_length=1, max_length=64)
    quantity: Decimal = Field(gt=0, max_digits=15, decimal_places=6)
    unit: str | None = Field(default=None, max_length=3, description="UN/ECE Rec 20; the item's base unit if absent")
    discount_percent: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=4)
    discount_amount: Decimal | None = Field(default=None, ge=0, max_digits=15, decimal_places=4,
                                            description="a fixed amount off the line")
    description: str | None = Field(default=None, max_length=500)


class TermsIn(BaseModel):
    """Lines, header discount (percentage or amount), validity and a note."""

    lines: list[LineIn] = Field(min_length=1, max_length=500)
    header_discount_percent: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=4)
    header_discount_amount: Decimal | None = Field(default=None, ge=0, max_digits=15, decimal_places=4)
    valid_until: dt.date | None = Field(default=None, description="the installation's validity from today if absent")
    note: str | None = Field(default=None, max_length=2000)

    def terms(self) -> quotes.QuoteTerms:
        """The service's form of these terms."""
        return quotes.QuoteTerms(
            lines=[quotes.LineInput(sku=line.sku, quantity=line.quantity, unit=line.unit,
                                    discount_percent=line.discount_percent, discount_amount=line.discount_amount,
                                    description=line.description) for line in self.lines],
            header_discount_percent=self.header_discount_percent,
            header_discount_amount=self.header_discount_amount, valid_until=self.valid_until, note=self.note)


class QuoteIn(TermsIn):
    """A new quote for a customer."""

    customer_id: str = Field(min_length=1, max_length=64)

    model_config = {"json_schema_extra": {"examples": [{
        "customer_id": "ACME",
        "lines": [{"sku": "DEMO-1001", "quantity": "100", "discount_percent": "5"},
                  {"sku": "DEMO-1002", "quantity": "24", "unit": "EA", "discount_amount": "10.00"}],
        "header_discount_percent": "2", "valid_until": "2026-12-31", "note": "Q4 restock"}]}}


class NoteIn(BaseModel):
    """Why (a declined quote, a quote returned to its rep)."""

    note: str | None = Field(default=None, max_length=2000)


class LineOut(BaseModel):
    """A quoted line: list price found for the customer and why, the discount, the rounded amounts."""

    line_number: int
    sku: str
    description: str | None
    quantity: Decimal
    unit: str
    list_unit_price: Decimal
    discount_percent: Decimal | None
    discount_amount: Decimal | None
    list_amount: Decimal
    discount: Decimal
    amount: Decimal
    price_source: dict[str, Any]

    @classmethod
    def of(cls, line: QuoteLine) -> LineOut:
        """The view of a stored line."""
        return cls(**line.model_dump(exclude={"id", "quote_id"}))


class EventOut(BaseModel):
    """One transition: from, to, who, when, what changed."""

    from_state: str | None
    to_state: str
    actor: str
    at: dt.datetime
    changes: dict[str, Any]


class QuoteOut(BaseModel):
    """A quote revision with its lines, totals, state, history and the revisions before it."""

    number: str
    revision: int
    customer_id: str
    owner: str
    state: str
    currency: str
    valid_until: dt.date
    list_total: Decimal
    subtotal: Decimal
    header_discount_percent: Decimal | None
    header_discount_amount: Decimal | None
    header_discount: Decimal
    total: Decimal
    discount_percent: Decimal = Field(description="everything off the list, as a percentage of the list total")
    needs_approval: bool
    approved_by: str | None
    note: str | None
    order_document_id: int | None
    erp_order_id: str | None
    lines: list[LineOut]
    history: list[EventOut]
    earlier_revisions: list[int]

    model_config = {"json_schema_extra": {"examples": [{
        "number": "Q-000001", "revision": 1, "customer_id": "ACME", "owner": "sam", "state": "draft",
        "currency": "USD", "valid_until": "2026-12-31", "list_total": "1364.00", "subtotal": "1285.80",
        "header_discount_percent": "2", "header_discount_amount": None, "header_discount": "25.72",
        "total": "1260.08", "discount_percent": "7.62", "needs_approval": False, "approved_by": None,
        "note": "Q4 restock", "order_document_id": None, "erp_order_id": None,
        "lines": [{"line_number": 1, "sku": "DEMO-1001", "description": None, "quantity": "100", "unit": "EA",
                   "list_unit_price": "11.25", "discount_percent": "5", "discount_amount": None,
                   "list_amount": "1125.00", "discount": "56.25", "amount": "1068.75",
                   "price_source": {"list_id": "RETAIL", "level": "group", "explain": "11.25 USD per EA ..."}}],
        "history": [{"from_state": None, "to_state": "draft", "actor": "sam", "at": "2026-11-23T12:00:00Z",
                     "changes": {"created": {"total": "1260.08"}}}],
        "earlier_revisions": []}]}}


def _view(services: Services, number: str, who: Principal) -> QuoteOut:
    with session(services.engine) as s:
        quote = quotes.current(s, number, who)
        lines = quotes.quote_lines(s, quote)
        events = s.exec(_events(quote)).all()
        earlier = [q.revision for q in s.exec(_revisions(quote)).all()]
    data = quote.model_dump(exclude={"id", "created_at", "updated_at"})
    return QuoteOut(**data, lines=[LineOut.of(line) for line in lines],
                    history=[EventOut(**e.model_dump(exclude={"id", "quote_id"})) for e in events],
                    earlier_revisions=earlier)


def _events(quote: Quote) -> Any:
    return select(QuoteEvent).where(QuoteEvent.quote_id == quote.id).order_by(col(QuoteEvent.id))


def _revisions(quote: Quote) -> Any:
    return (select(Quote).where(Quote.number == quote.number, col(Quote.revision) < quote.revision)
            .order_by(col(Quote.revision)))


def _prices(services: Services) -> quotes.PriceLookup:
    pricing = pricing_for(services.engine, services.settings)

    def lookup(customer_id: str, sku: str, quantity: Decimal, unit: str | None) -> PriceQuote:
        return pricing.price(customer_id, sku, quantity, unit)

    return lookup


def _rules(services: Services) -> quotes.Rules:
    return quotes.Rules(approval_percent=services.settings.quote_approval_percent,
                        valid_days=services.settings.quote_valid_days)


def _today(services: Services) -> dt.date:
    return seller_date(utcnow(), services.settings.seller_time_zone)


async def _run(services: Services, number: str, who: Principal, action: Any, /, **kwargs: Any) -> QuoteOut:
    """Run a lifecycle action in the thread pool and answer the quote as it is now."""
    try:
        quote = await run_in_threadpool(lambda: action(**kwargs))
    except quotes.QuoteError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    return await run_in_threadpool(_view, services, quote.number if isinstance(quote, Quote) else number, who)


@router.post("", response_model=QuoteOut, status_code=201)
async def create(body: QuoteIn, services: ServicesDep, who: RepDep) -> QuoteOut:
    """Create a draft quote for a customer: each line priced from the customer's list, discounts applied."""
    if not who.sees_customer(body.customer_id):
        raise HTTPException(403, f"customer {body.customer_id} is not one of this sales rep's customers")
    return await _run(services, "", who, quotes.create_quote, engine=services.engine, prices=_prices(services),
                      customer_id=body.customer_id, terms=body.terms(), owner=who.name, rules=_rules(services),
                      today=_today(services))


@router.get("", response_model=list[QuoteOut])
async def list_(services: ServicesDep, who: RepDep, state: str | None = None, customer: str | None = None,
                limit: int = Query(50, ge=1, le=500)) -> list[QuoteOut]:
    """The newest revision of each quote the caller may see, newest first."""
    rows = await run_in_threadpool(quotes.list_quotes, services.engine, who, state=state, customer_id=customer,
                                   limit=limit)
    return [await run_in_threadpool(_view, services, row.number, who) for row in rows]


@router.get("/{number}", response_model=QuoteOut)
async def read(number: str, services: ServicesDep, who: RepDep) -> QuoteOut:
    """The newest revision of a quote, with its history and earlier revisions."""
    try:
        return await run_in_threadpool(_view, services, number, who)
    except quotes.QuoteError as exc:
        raise HTTPException(exc.status, str(exc)) from exc


@router.put("/{number}", response_model=QuoteOut)
async def edit(number: str, body: TermsIn, services: ServicesDep, who: RepDep) -> QuoteOut:
    """Replace the quote's lines and terms; a sent quote keeps its revision and the change becomes the next one."""
    return await _run(services, number, who, quotes.edit_quote, engine=services.engine, prices=_prices(services),
                      number=number, terms=body.terms(), who=who, rules=_rules(services), today=_today(services))


@router.post("/{number}/submit", response_model=QuoteOut)
async def submit(number: str, services: ServicesDep, who: RepDep) -> QuoteOut:
    """Ask a manager to approve the quote's discount (draft -> pending_approval)."""
    return await _run(services, number, who, quotes.submit_quote, engine=services.engine, number=number, who=who)


@router.post("/{number}/approve", response_model=QuoteOut)
async def approve(number: str, services: ServicesDep, who: ManagerDep) -> QuoteOut:
    """A manager approves the discount (pending_approval -> approved); not one who set its terms, nor an operator."""
    # require_role admits operators everywhere; gateway.quotes.approval refuses them (403) with the others
    return await _run(services, number, who, quotes.approve_quote, engine=services.engine, number=number, who=who)


@router.post("/{number}/return", response_model=QuoteOut)
async def return_(number: str, services: ServicesDep, who: ManagerDep, body: NoteIn | None = None) -> QuoteOut:
    """A manager returns the quote to its rep (pending_approval -> draft), saying why."""
    return await _run(services, number, who, quotes.return_quote, engine=services.engine, number=number, who=who,
                      note=body.note if body else None)


@router.post("/{number}/send", response_model=QuoteOut)
async def send(number: str, services: ServicesDep, who: RepDep) -> QuoteOut:
    """Send the quote to the customer (from draft if no approval is needed, else once approved)."""
    return await _run(services, number, who, quotes.send_quote, engine=services.engine, number=number, who=who,
                      today=_today(services))


@router.post("/{number}/accept", response_model=QuoteOut)
async def accept(number: str, services: ServicesDep, who: RepDep) -> QuoteOut:
    """The customer accepted: an order at the quoted prices goes into the pipeline (credit-checked)."""
    return await _run(services, number, who, quotes.accept_quote, engine=services.engine, number=number, who=who,
                      today=_today(services))


@router.post("/{number}/decline", response_model=QuoteOut)
async def decline(number: str, services: ServicesDep, who: RepDep, body: NoteIn | None = None) -> QuoteOut:
    """The customer declined (sent -> declined)."""
    return await _run(services, number, who, quotes.decline_quote, engine=services.engine, number=number, who=who,
                      note=body.note if body else None)
