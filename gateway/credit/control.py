"""Credit control at order intake: available = limit - ERP balance - open orders, decided per customer.

:func:`check_order` decides one order: it reads the limit and balance from the ERP, values the
order, then -- holding the customer's lock (:func:`lock_account`) -- sums the open orders the
gateway has reserved and not yet seen invoiced, and either reserves the amount or applies the
customer's policy:

* ``block``: the order is refused (the partner gets a rejecting acknowledgment);
* ``hold``: the order waits in ``credit_hold`` until an operator releases or rejects it;
* ``flag``: the order goes through, reserved, and flagged as over the limit.

The lock is an UPDATE of the customer's ``gw_credit_account`` row, made before anything is read:
on PostgreSQL it is the row lock (a second decision for the same customer waits for the first
to commit, then reads what it committed); on SQLite it is the database write lock. So the
reserved total never passes ``limit - balance`` unless a policy or an operator said it may.

Decisions are idempotent per order key: taking a document up again after a crash, or a replay,
finds the order's credit row and answers the same decision without reserving twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Engine, Numeric, cast, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from erp import rows as new_rows
from erp.port import CreditPosition, ErpPort
from formats.model import Money, Order
from gateway.credit.tables import CreditAccount, CreditEntry, CreditOrder
from gateway.credit.valuation import order_value
from gateway.store.db import is_postgresql, session
from gateway.store.tables import utcnow

ZERO = Decimal(0)


class Policy(StrEnum):
    """What happens to an order the available credit does not cover."""

    BLOCK = "block"
    HOLD = "hold"
    FLAG = "flag"


class CreditStatus(StrEnum):
    """Where one order's credit stands."""

    RESERVED = "reserved"  # accepted; ``open_amount`` counts against the limit until invoiced or released
    HELD = "held"  # waiting for an operator
    APPROVED = "approved"  # an operator released the hold; reserved when the order is taken up again
    REFUSED = "refused"  # blocked by policy (evaluated again if the order is replayed)
    REJECTED = "rejected"  # an operator rejected the hold
    SETTLED = "settled"  # nothing open any more: invoiced, cancelled or closed


class Decision(StrEnum):
    """The answer for one order."""

    ACCEPT = "accept"
    FLAG = "flag"
    HOLD = "hold"
    BLOCK = "block"


class LedgerKind(StrEnum):
    """Movements of the credit ledger."""

    RESERVE = "reserve"
    CONVERT = "convert"
    RELEASE = "release"
    PAID = "paid"


@dataclass(frozen=True)
class CreditCheck:
    """The decision for one order, with the figures it was made on."""

    decision: Decision
    credit_order_id: int
    amount: Money
    available: Decimal
    reason: str


@dataclass(frozen=True)
class Exposure:
    """A customer's credit position as the gateway sees it (``GET /api/customers/{id}/credit``)."""

    customer_id: str
    currency: str
    limit: Decimal
    balance: Decimal
    open_orders: Decimal
    held: Decimal
    available: Decimal
    policy: Policy
    policy_is_default: bool
    open_order_count: int
    hold_count: int
    flagged_count: int


def parse_policy(value: str) -> Policy:
    """The policy named ``value``; ValueError naming the policies there are."""
    try:
        return Policy(value.strip().lower())
    except ValueError:
        raise ValueError(f"unknown credit policy {value!r}; policies: block, hold, flag") from None


def lock_account(s: Session, customer_id: str) -> str | None:
    """Take the customer's credit lock inside ``s`` (module doc); the customer's own policy, if any.

    The first statement is a write, so neither database lets two decisions for one customer
    overlap; it returns the policy, so taking the lock costs one round trip. A missing row is
    inserted under a savepoint: on PostgreSQL a concurrent insert of the same customer waits on
    the primary key and then fails, and that caller takes the lock by update.
    """
    for _ in range(3):
        bumped = s.execute(update(CreditAccount).where(col(CreditAccount.customer_id) == customer_id)
                           .values(decisions=CreditAccount.decisions + 1, updated_at=utcnow())
                           .returning(CreditAccount.policy)).first()
        if bumped is not None:
            return bumped[0]
        try:
            with s.begin_nested():
                s.add(CreditAccount(customer_id=customer_id, decisions=1))
            return None
        except IntegrityError:
            continue
    raise RuntimeError(f"could not take the credit lock of customer {customer_id}")


def open_orders(s: Session, customer_id: str) -> Sequence[CreditOrder]:
    """The customer's orders whose reserved amount still counts against the limit."""
    return s.exec(select(CreditOrder).where(CreditOrder.customer_id == customer_id,
                                            CreditOrder.status == CreditStatus.RESERVED.value)).all()


def committed_total(s: Session, customer_id: str) -> Decimal:
    """What the customer's open orders hold reserved (this runs under the lock, once per decision).

    PostgreSQL adds the amounts up itself, exactly (the text of each amount cast to ``numeric``),
    so a customer with thousands of open orders does not send them all to the worker for every
    new order; SQLite, whose numbers are floating point, sends the amounts and Python adds them.
    """
    where = (col(CreditOrder.customer_id) == customer_id, col(CreditOrder.status) == CreditStatus.RESERVED.value)
    if is_postgresql(s.get_bind()):
        total = s.exec(select(func.sum(cast(CreditOrder.open_amount, Numeric))).where(*where)).one()
        return Decimal(total) if total is not None else ZERO
    return sum(s.exec(select(CreditOrder.open_amount).where(*where)).all(), ZERO)


@dataclass
class NewCreditOrder:
    """A credit row decided in this batch and not stored yet: :func:`_judge` marks it as it marks a stored one.

    A batch inserts its new rows as values (:mod:`erp.rows`) once all are decided: building a
    ``CreditOrder`` object and flushing it cost several times the decision itself.
    """

    order_key: str
    customer_id: str
    document_id: int | None
    po_number: str
    currency: str
    amount: Decimal
    status: str = CreditStatus.HELD.value
    open_amount: Decimal = ZERO
    flagged: bool = False
    reason: str | None = None
    limit_at_decision: Decimal | None = None
    available_at_decision: Decimal | None = None
    decided_by: str | None = None
    updated_at: dt.datetime = field(default_factory=utcnow)
    id: int | None = None


def _mark_reserved(row: CreditOrder | NewCreditOrder, *, reason: str, flagged: bool = False) -> None:
    """The order's whole amount reserved; its ledger entry is written once the row has its id (:func:`decide_all`)."""
    row.status = CreditStatus.RESERVED.value
    row.open_amount = row.amount
    row.flagged = flagged
    row.reason = reason
    row.updated_at = utcnow()


def _repeat(row: CreditOrder | NewCreditOrder) -> tuple[Decision, Decimal, str] | None:
    """The decision already made for this order, when it stands (module doc: idempotency)."""
    status = CreditStatus(row.status)
    available = row.available_at_decision if row.available_at_decision is not None else ZERO
    if status in (CreditStatus.RESERVED, CreditStatus.SETTLED):
        return Decision.FLAG if row.flagged else Decision.ACCEPT, available, row.reason or "credit reserved"
    if status is CreditStatus.HELD:
        return Decision.HOLD, available, row.reason or "on credit hold"
    return None


@dataclass(frozen=True)
class Appraisal:
    """What a credit decision needs from the ERP: the customer's position and the order's value."""

    position: CreditPosition
    amount: Money
    mismatch: str | None = None


def appraise(engine: Engine, erp: ErpPort, customer_id: str, order: Order,
             position: CreditPosition | None = None) -> Appraisal:
    """The ERP's side of a decision (ERP calls, no lock held); ``position`` when the caller has just read it.

    ErpRejected (unknown customer) and ErpUnavailable pass through.
    """
    position = position or erp.get_credit(customer_id)
    currency = position.limit.currency
    try:
        return Appraisal(position, order_value(erp, customer_id, order, currency, engine))
    except ValueError as exc:
        return Appraisal(position, Money(amount=ZERO, currency=currency), str(exc))


def check_order(engine: Engine, erp: ErpPort, *, customer_id: str, order: Order, order_key: str,
                document_id: int | None, actor: str, default_policy: Policy) -> CreditCheck:
    """Decide ``order`` for ``customer_id`` and record the decision (module doc).

    ERP calls (credit position, prices) happen before the lock so the lock is held only for
    the database work.
    """
    appraisal = appraise(engine, erp, customer_id, order)
    with session(engine) as s:
        check = decide(s, appraisal.position, appraisal.amount, customer_id=customer_id, order_key=order_key,
                       po_number=order.po_number, document_id=document_id, actor=actor,
                       default_policy=default_policy, mismatch=appraisal.mismatch)
        s.commit()
    return check


@dataclass(frozen=True)
class CreditQuestion:
    """One order to decide: the ERP's side (:class:`Appraisal`) and which order it is."""

    appraisal: Appraisal
    customer_id: str
    order_key: str
    po_number: str
    document_id: int | None


def decide(s: Session, position: CreditPosition, amount: Money, *, customer_id: str, order_key: str,
           po_number: str, document_id: int | None, actor: str, default_policy: Policy,
           mismatch: str | None = None) -> CreditCheck:
    """The decision for one order inside ``s`` (the caller commits): lock, sum, reserve or apply the policy."""
    question = CreditQuestion(Appraisal(position, amount, mismatch), customer_id, order_key, po_number, document_id)
    return decide_all(s, [question], actor=actor, default_policy=default_policy)[0]


def decide_all(s: Session, questions: Sequence[CreditQuestion], *, actor: str,
               default_policy: Policy) -> list[CreditCheck]:
    """:func:`decide` for the orders of a batch, in their order, inside ``s``; each one's decision.

    Each customer is locked once, all customers in sorted order (so no two workers lock them
    crosswise); each customer's committed total is read once and then carried through the
    batch's own reservations, which is what reading it again before every order would give;
    new rows, the changes of stored ones and the ledger entries are written with a statement each.
    """
    policies = {customer: lock_account(s, customer) for customer in sorted({q.customer_id for q in questions})}
    rows = {row.order_key: row for row in s.exec(select(CreditOrder).where(
        col(CreditOrder.order_key).in_([q.order_key for q in questions])))}
    committed: dict[str, Decimal] = {}
    decided: list[tuple[CreditOrder | NewCreditOrder, Decision, Money, Decimal, str]] = []
    reserved: list[CreditOrder | NewCreditOrder] = []
    new: dict[str, NewCreditOrder] = {}
    with s.no_autoflush:  # a customer's total is read before any row of its own is added
        for q in questions:
            amount, position = q.appraisal.amount, q.appraisal.position
            row: CreditOrder | NewCreditOrder | None = rows.get(q.order_key) or new.get(q.order_key)
            if row is not None and (repeated := _repeat(row)) is not None:
                decided.append((row, repeated[0], amount, repeated[1], repeated[2]))
                continue
            if q.customer_id not in committed:
                committed[q.customer_id] = committed_total(s, q.customer_id)
            available = position.limit.amount - position.balance.amount - committed[q.customer_id]
            if row is None:
                row = new[q.order_key] = NewCreditOrder(
                    order_key=q.order_key, customer_id=q.customer_id, document_id=q.document_id,
                    po_number=q.po_number, currency=amount.currency, amount=amount.amount)
            own_policy = policies[q.customer_id]
            decision, reason = _judge(row, q, available, committed[q.customer_id], actor,
                                      Policy(own_policy) if own_policy else default_policy)
            if row.status == CreditStatus.RESERVED.value:
                committed[q.customer_id] += row.open_amount
                reserved.append(row)
            if isinstance(row, CreditOrder):
                s.add(row)
            decided.append((row, decision, amount, available, reason))
    s.flush()  # the stored rows decided again (released ones)
    drafts = list(new.values())
    ids = new_rows.insert_rows(s, CreditOrder, [new_rows.row(CreditOrder, **{
        name: value for name, value in vars(draft).items() if name != "id"}) for draft in drafts], returning_ids=True)
    for draft, new_id in zip(drafts, ids, strict=True):
        draft.id = new_id
    new_rows.insert_rows(s, CreditEntry, [
        new_rows.row(CreditEntry, customer_id=one.customer_id, credit_order_id=one.id, kind=LedgerKind.RESERVE.value,
            amount=one.amount, currency=one.currency, reference=one.po_number, actor=actor, reason=one.reason)
        for one in reserved])
    return [CreditCheck(decision, row.id or 0, amount, available, reason)
            for row, decision, amount, available, reason in decided]


def _judge(row: CreditOrder | NewCreditOrder, q: CreditQuestion, available: Decimal, committed: Decimal, actor: str,
           policy: Policy) -> tuple[Decision, str]:
    """Decide one order whose decision is not made yet, and mark its row with it; the decision and why."""
    amount, position, mismatch = q.appraisal.amount, q.appraisal.position, q.appraisal.mismatch
    row.amount, row.currency = amount.amount, amount.currency
    row.limit_at_decision, row.available_at_decision = position.limit.amount, available
    if row.status == CreditStatus.APPROVED.value:  # decided_by is the operator who released it
        reason = f"released from credit hold by {row.decided_by or 'an operator'}; {amount.amount} reserved"
        _mark_reserved(row, reason=reason, flagged=amount.amount > available)
        return Decision.ACCEPT, reason
    row.decided_by = actor
    if mismatch is None and amount.amount <= available:
        reason = f"{amount.amount} {amount.currency} reserved; {available - amount.amount} left of the limit"
        _mark_reserved(row, reason=reason)
        return Decision.ACCEPT, reason
    why = mismatch or (f"order total {amount.amount} {amount.currency} exceeds the available credit {available} "
                       f"(limit {position.limit.amount}, ERP balance {position.balance.amount}, "
                       f"open orders {committed})")
    if policy is Policy.FLAG and mismatch is None:
        _mark_reserved(row, reason=f"accepted over the limit and flagged: {why}", flagged=True)
        return Decision.FLAG, row.reason or why
    if policy is Policy.BLOCK:
        row.status, row.reason = CreditStatus.REFUSED.value, f"refused: {why}"
        decision = Decision.BLOCK
    else:
        row.status, row.reason = CreditStatus.HELD.value, f"on credit hold: {why}"
        decision = Decision.HOLD
    row.open_amount = ZERO
    row.updated_at = utcnow()
    return decision, row.reason


def exposure(engine: Engine, erp: ErpPort, customer_id: str, *, default_policy: Policy) -> Exposure:
    """Limit, ERP balance, open orders, holds and what is available for ``customer_id``."""
    position = erp.get_credit(customer_id)
    with session(engine) as s:
        account = s.get(CreditAccount, customer_id)
        reserved = open_orders(s, customer_id)
        holds = s.exec(select(CreditOrder).where(CreditOrder.customer_id == customer_id,
                                                 CreditOrder.status == CreditStatus.HELD.value)).all()
    committed = sum((o.open_amount for o in reserved), ZERO)
    return Exposure(
        customer_id=customer_id, currency=position.limit.currency, limit=position.limit.amount,
        balance=position.balance.amount, open_orders=committed, held=sum((h.amount for h in holds), ZERO),
        available=position.limit.amount - position.balance.amount - committed,
        policy=Policy(account.policy) if account and account.policy else default_policy,
        policy_is_default=not (account and account.policy), open_order_count=len(reserved), hold_count=len(holds),
        flagged_count=sum(1 for o in reserved if o.flagged),
    )


__all__ = [
    "Appraisal",
    "CreditCheck",
    "CreditQuestion",
    "CreditStatus",
    "Decision",
    "Exposure",
    "LedgerKind",
    "Policy",
    "appraise",
    "check_order",
    "committed_total",
    "decide",
    "decide_all",
    "exposure",
    "lock_account",
    "open_orders",
    "parse_policy",
]
