"""The quote lifecycle: create, edit (a sent quote gets a new revision), approve, send, accept, decline, expire.

Every change goes through :func:`gateway.quotes.states.transition` and writes a
:class:`~gateway.quotes.tables.QuoteEvent` with who, when and what changed, in the transaction
that makes the change. Lines are priced for the customer by the pricing service (through the
``PriceLookup`` the caller passes), so a quote shows the price the customer would pay and why;
discounts come off that.

Accepting a quote queues an order document (standard ``quote``) that a worker places in the ERP
like any other order: credit-checked, at the quoted prices (:mod:`gateway.quotes.orders`).
Expiry (:func:`expire_quotes`, on the workers' housekeeping schedule) is one conditional update
per quote, so a quote accepted at the same moment is never overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from gateway.auth.tokens import SEES_EVERY_CUSTOMER, Principal
from gateway.pipeline.states import State
from gateway.quotes.approval import approval_refusal
from gateway.quotes.states import EDITABLE, EXPIRABLE, QuoteState, QuoteTransitionError, transition
from gateway.quotes.tables import Quote, QuoteEvent, QuoteLine
from gateway.quotes.totals import QuoteValueError, price_line, totals
from gateway.rules import PriceQuote, PricingError
from gateway.store.db import lock_for_write, session
from gateway.store.documents import create_document
from gateway.store.tables import utcnow

PriceLookup = Callable[[str, str, Decimal, str | None], PriceQuote]
"""(customer, sku, quantity, unit) -> the customer's price and why; raises PricingError."""


class QuoteError(Exception):
    """A quote request that cannot be honoured; ``status`` is the HTTP answer (404, 409, 422)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class LineInput:
    """A line as a sales rep asks for it: SKU, quantity, unit (the item's base unit when None), discount."""

    sku: str
    quantity: Decimal
    unit: str | None = None
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    description: str | None = None


@dataclass(frozen=True)
class QuoteTerms:
    """What a sales rep writes on a quote: lines, header discount, validity, a note."""

    lines: Sequence[LineInput]
    header_discount_percent: Decimal | None = None
    header_discount_amount: Decimal | None = None
    valid_until: dt.date | None = None
    note: str | None = None


@dataclass(frozen=True)
class Rules:
    """The installation's quote rules: the approval threshold (% off list) and the default validity."""

    approval_percent: Decimal = Decimal(10)
    valid_days: int = 30


def _priced(prices: PriceLookup, customer_id: str, terms: QuoteTerms) -> tuple[str, list[QuoteLine]]:
    """The quote's currency and its lines priced from the customer's list; QuoteError 422 naming the line."""
    if not terms.lines:
        raise QuoteError("a quote needs at least one line", 422)
    currency: str | None = None
    lines = []
    for number, asked in enumerate(terms.lines, start=1):
        what = f"line {number} ({asked.sku})"
        try:
            quote = prices(customer_id, asked.sku, asked.quantity, asked.unit)
            if currency is not None and quote.unit_price.currency != currency:
                raise QuoteError(f"{what}: priced in {quote.unit_price.currency}, the quote is in {currency}", 422)
            currency = quote.unit_price.currency
            amounts = price_line(asked.quantity, quote.unit_price.amount, currency,
                                 discount_percent=asked.discount_percent, discount_amount=asked.discount_amount,
                                 what=what)
        except (PricingError, QuoteValueError) as exc:
            raise QuoteError(f"{what}: {exc}", 422) from exc
        lines.append(QuoteLine(
            quote_id=0, line_number=number, sku=asked.sku, description=asked.description, quantity=asked.quantity,
            unit=quote.quantity.unit, list_unit_price=quote.unit_price.amount, discount_percent=asked.discount_percent,
            discount_amount=asked.discount_amount, list_amount=amounts.list_amount, discount=amounts.discount,
            amount=amounts.amount,
            price_source={"list_id": quote.list_id, "level": str(quote.level), "explain": quote.explain()}))
    assert currency is not None
    return currency, lines


def _apply(s: Session, quote: Quote, prices: PriceLookup, terms: QuoteTerms, rules: Rules, today: dt.date) -> None:
    """Price ``terms`` into ``quote`` (its lines replaced) and compute its totals and approval need."""
    currency, lines = _priced(prices, quote.customer_id, terms)
    try:
        money = totals([price_line(line.quantity, line.list_unit_price, currency,
                                   discount_percent=line.discount_percent, discount_amount=line.discount_amount)
                        for line in lines], currency, header_discount_percent=terms.header_discount_percent,
                       header_discount_amount=terms.header_discount_amount)
    except QuoteValueError as exc:
        raise QuoteError(str(exc), 422) from exc
    valid_until = terms.valid_until or today + dt.timedelta(days=rules.valid_days)
    if valid_until < today:
        raise QuoteError(f"valid_until {valid_until} is in the past", 422)
    quote.currency, quote.valid_until, quote.note = currency, valid_until, terms.note
    quote.header_discount_percent = terms.header_discount_percent
    quote.header_discount_amount = terms.header_discount_amount
    quote.list_total, quote.subtotal, quote.header_discount = money.list_total, money.subtotal, money.header_discount
    quote.total, quote.discount_percent = money.total, money.discount_percent
    quote.needs_approval = money.discount_percent > rules.approval_percent
    quote.approved_by = None
    quote.updated_at = utcnow()
    s.add(quote)
    s.flush()
    for old in s.exec(select(QuoteLine).where(QuoteLine.quote_id == quote.id)).all():
        s.delete(old)
    for line in lines:
        line.quote_id = quote.id or 0
        s.add(line)


def quote_lines(s: Session, quote: Quote) -> Sequence[QuoteLine]:
    """The lines of one revision, in order."""
    return s.exec(select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(col(QuoteLine.line_number))).all()


def summary(quote: Quote) -> dict[str, Any]:
    """What a transition records as changed: the money and terms of the revision."""
    return {"total": str(quote.total), "currency": quote.currency, "discount_percent": str(quote.discount_percent),
            "valid_until": quote.valid_until.isoformat(), "needs_approval": quote.needs_approval}


def create_quote(engine: Engine, prices: PriceLookup, customer_id: str, terms: QuoteTerms, *, owner: str,
                 rules: Rules, today: dt.date) -> Quote:
    """A new quote in ``draft``, priced for the customer."""
    with session(engine) as s:
        quote = Quote(number="", customer_id=customer_id, owner=owner, state="", currency="XXX", valid_until=today)
        s.add(quote)
        s.flush()
        quote.number = f"Q-{quote.id:06d}"
        _apply(s, quote, prices, terms, rules, today)
        s.add(transition(quote, QuoteState.DRAFT, actor=owner, created=summary(quote)))
        s.commit()
        return quote


def current(s: Session, number: str, who: Principal | None = None, *, lock: bool = False) -> Quote:
    """The newest revision of quote ``number``; QuoteError 404 if none or not the caller's customer's.

    ``lock``: read it locked for the change the caller is about to make (on SQLite, which has no
    row locks, the transaction takes the write lock first: :func:`gateway.store.db.lock_for_write`),
    so two changes at once see each other's result rather than the same ``sent`` quote.
    """
    if lock:
        lock_for_write(s)
    query = select(Quote).where(Quote.number == number).order_by(col(Quote.revision).desc()).limit(1)
    quote = s.exec(query.with_for_update() if lock else query).first()
    if quote is None or (who is not None and not who.sees_customer(quote.customer_id)):
        raise QuoteError(f"no quote {number}", 404)
    return quote


def _move(s: Session, quote: Quote, to: QuoteState, actor: str, **changes: Any) -> None:
    try:
        s.add(transition(quote, to, actor=actor, **changes))
    except QuoteTransitionError as exc:
        raise QuoteError(str(exc)) from exc
    s.add(quote)


def edit_quote(engine: Engine, prices: PriceLookup, number: str, terms: QuoteTerms, *, who: Principal, rules: Rules,
               today: dt.date) -> Quote:
    """Change a quote's lines and terms.

    A draft, pending or approved quote is changed in place and goes back to ``draft`` (an approval
    given for other terms no longer holds). A sent quote stays as it was the customer saw it
    (``revised``) and the change becomes the next revision, a draft.
    """
    with session(engine) as s:
        quote = current(s, number, who, lock=True)
        state = QuoteState(quote.state)
        if state not in EDITABLE:
            raise QuoteError(f"quote {number} is {state}; it can no longer be changed")
        before = summary(quote)
        if state is QuoteState.SENT:
            revision = Quote(number=quote.number, revision=quote.revision + 1, customer_id=quote.customer_id,
                             owner=quote.owner, state="", currency=quote.currency, valid_until=today)
            s.add(revision)
            s.flush()
            _apply(s, revision, prices, terms, rules, today)
            _move(s, quote, QuoteState.REVISED, who.name, revision=revision.revision)
            s.add(transition(revision, QuoteState.DRAFT, actor=who.name, revision_of=quote.revision, before=before,
                             after=summary(revision)))
            s.commit()
            return revision
        _apply(s, quote, prices, terms, rules, today)
        if state is QuoteState.DRAFT:  # no state change: the edit is still recorded
            s.add(QuoteEvent(quote_id=quote.id or 0, from_state=state.value, to_state=state.value, actor=who.name,
                             changes={"before": before, "after": summary(quote)}))
        else:
            _move(s, quote, QuoteState.DRAFT, who.name, before=before, after=summary(quote))
        s.commit()
        return quote


def submit_quote(engine: Engine, number: str, *, who: Principal) -> Quote:
    """Ask a manager to approve the quote's discount (draft -> pending_approval)."""
    with session(engine) as s:
        quote = current(s, number, who, lock=True)
        _move(s, quote, QuoteState.PENDING_APPROVAL, who.name, discount_percent=str(quote.discount_percent))
        s.commit()
        return quote


def approve_quote(engine: Engine, number: str, *, who: Principal) -> Quote:
    """A manager approves the discount (pending_approval -> approved); never the one who set its terms.

    QuoteError 403 for an operator or the quote's own author (:mod:`gateway.quotes.approval`).
    """
    with session(engine) as s:
        quote = current(s, number, who, lock=True)
        events = s.exec(select(QuoteEvent).where(QuoteEvent.quote_id == quote.id)).all()
        refusal = approval_refusal(quote, events, who)
        if refusal is not None:
            raise QuoteError(refusal, 403)
        _move(s, quote, QuoteState.APPROVED, who.name, discount_percent=str(quote.discount_percent))
        quote.approved_by = who.name
        s.commit()
        return quote


def return_quote(engine: Engine, number: str, *, who: Principal, note: str | None) -> Quote:
    """A manager sends the quote back to its rep (pending_approval -> draft), saying why."""
    with session(engine) as s:
        quote = current(s, number, who, lock=True)
        if quote.state != QuoteState.PENDING_APPROVAL.value:
            raise QuoteError(f"quote {number} is {quote.state}; only a quote pending approval is returned")
        _move(s, quote, QuoteState.DRAFT, who.name, returned=note or "")
        s.commit()
        return quote


def send_quote(engine: Engine, number: str, *, who: Principal, today: dt.date) -> Quote:
    """Send the quote to the customer: from draft when no approval is needed, else once approved."""
    with session(engine) as s:
        quote = current(s, number, who, lock=True)
        if quote.state == QuoteState.DRAFT.value and quote.needs_approval:
            raise QuoteError(f"quote {number} takes {quote.discount_percent}% off the list, over the approval "
                             "threshold: submit it for a manager's approval first")
        if quote.valid_until < today:
            raise QuoteError(f"quote {number} was valid until {quote.valid_until}; change its validity first")
        _move(s, quote, QuoteState.SENT, who.name, **summary(quote))
        s.commit()
        return quote


def decline_quote(engine: Engine, number: str, *, who: Principal, note: str | None) -> Quote:
    """The customer declined (sent -> declined)."""
    with session(engine) as s:
        quote = current(s, number, who, lock=True)
        _move(s, quote, QuoteState.DECLINED, who.name, reason=note or "")
        s.commit()
        return quote


def accept_quote(engine: Engine, number: str, *, who: Principal, today: dt.date) -> Quote:
    """The customer accepted: the quote becomes an order document in the queue (placed by a worker).

    A quote past its validity is expired instead, and the acceptance refused.
    """
    from gateway.quotes.orders import order_of

    with session(engine) as s:
        quote = current(s, number, who, lock=True)
        if quote.state == QuoteState.SENT.value and quote.valid_until < today:
            _move(s, quote, QuoteState.EXPIRED, who.name, valid_until=quote.valid_until.isoformat())
            s.commit()
            raise QuoteError(f"quote {number} expired on {quote.valid_until}; it cannot be accepted")
        _move(s, quote, QuoteState.ACCEPTED, who.name, **summary(quote))
        order = order_of(quote, quote_lines(s, quote))
        doc = create_document(s, raw=order.model_dump_json(indent=2).encode(), direction="in", doc_type="Order",
                              state=State.QUEUED, actor=who.name, standard="quote", po_number=order.po_number,
                              canonical=order.model_dump(mode="json"),
                              reason=f"quote {quote.number} rev {quote.revision} accepted")
        quote.order_document_id = doc.id
        s.add(quote)
        s.commit()
        return quote


def expire_quotes(engine: Engine, *, today: dt.date, actor: str) -> list[str]:
    """Expire every quote past its validity that is not terminal; the numbers expired.

    One conditional UPDATE per quote (``WHERE state IN expirable``): on PostgreSQL it waits for a
    concurrent acceptance to commit and then finds the quote accepted, so it never overwrites it.
    """
    expirable = [state.value for state in EXPIRABLE]
    with session(engine) as s:
        due = s.exec(select(Quote).where(col(Quote.state).in_(expirable), col(Quote.valid_until) < today)).all()
    expired = []
    for candidate in due:
        with session(engine) as s:
            changed = s.execute(update(Quote).where(col(Quote.id) == candidate.id, col(Quote.state).in_(expirable))
                                .values(state=QuoteState.EXPIRED.value, updated_at=utcnow()))
            if changed.rowcount:  # type: ignore[attr-defined]
                s.add(QuoteEvent(quote_id=candidate.id or 0, from_state=candidate.state,
                                 to_state=QuoteState.EXPIRED.value, actor=actor,
                                 changes={"valid_until": candidate.valid_until.isoformat()}))
                expired.append(candidate.number)
            s.commit()
    return expired


def list_quotes(engine: Engine, who: Principal, *, state: str | None = None, customer_id: str | None = None,
                limit: int = 100) -> Sequence[Quote]:
    """The newest revision of each quote the caller may see, newest first."""
    with session(engine) as s:
        query = select(Quote).where(col(Quote.state) != QuoteState.REVISED.value)
        if state:
            query = query.where(Quote.state == state)
        if customer_id:
            query = query.where(Quote.customer_id == customer_id)
        if who.role not in SEES_EVERY_CUSTOMER:  # a sales rep: only the token's customers
            query = query.where(col(Quote.customer_id).in_(sorted(who.customers)))
        return s.exec(query.order_by(col(Quote.id).desc()).limit(limit)).all()


__all__ = [
    "LineInput",
    "PriceLookup",
    "QuoteError",
    "QuoteTerms",
    "Rules",
    "accept_quote",
    "approve_quote",
    "create_quote",
    "current",
    "decline_quote",
    "edit_quote",
    "expire_quotes",
    "list_quotes",
    "quote_lines",
    "return_quote",
    "send_quote",
    "submit_quote",
    "summary",
]
