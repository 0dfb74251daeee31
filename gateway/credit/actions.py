"""What an operator (or manager) does with credit: set a customer's policy, release or reject a hold.

Each action is one transaction with its audit entry. Releasing queues the order again; the
worker then reserves its credit (over the limit if need be: the operator said so) and places it.
Rejecting answers the partner with a rejecting acknowledgment and rejects the document.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from formats.model import Order
from gateway.auth.audit import audit
from gateway.credit.answers import answer_refusal
from gateway.credit.control import CreditStatus, Policy
from gateway.credit.tables import CreditAccount, CreditOrder
from gateway.pipeline.states import State
from gateway.store.db import lock_for_write, session
from gateway.store.documents import move
from gateway.store.tables import Document, Partner, utcnow


class CreditActionError(Exception):
    """An action that does not apply (no such hold, not on hold any more); ``status`` for HTTP."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def set_policy(engine: Engine, customer_id: str, policy: Policy | None, *, actor: str) -> CreditAccount:
    """Give a customer its own policy (None: back to the installation default); audited."""
    with session(engine) as s:
        account = s.get(CreditAccount, customer_id, with_for_update=True) or CreditAccount(customer_id=customer_id)
        before = account.policy
        account.policy = policy.value if policy else None
        account.updated_at = utcnow()
        s.add(account)
        audit(s, actor=actor, action="credit.policy", target=f"customer:{customer_id}", before=before,
              after=account.policy)
        s.commit()
        return account


def list_holds(engine: Engine, customer_id: str | None = None) -> Sequence[CreditOrder]:
    """Orders waiting on credit hold, oldest first."""
    with session(engine) as s:
        query = select(CreditOrder).where(CreditOrder.status == CreditStatus.HELD.value)
        if customer_id is not None:
            query = query.where(CreditOrder.customer_id == customer_id)
        return s.exec(query.order_by(col(CreditOrder.id))).all()


def _held(s: Session, hold_id: int) -> CreditOrder:
    """The hold, locked before it is read (on SQLite the write lock): two decisions at once act once."""
    lock_for_write(s)
    row = s.get(CreditOrder, hold_id, with_for_update=True)
    if row is None:
        raise CreditActionError(f"no credit hold {hold_id}", 404)
    if row.status != CreditStatus.HELD.value:
        raise CreditActionError(f"order {row.po_number} (hold {hold_id}) is {row.status}, not on credit hold")
    return row


def _document(s: Session, row: CreditOrder) -> Document:
    doc = s.get(Document, row.document_id) if row.document_id is not None else None
    if doc is None or doc.state != State.CREDIT_HOLD.value:
        raise CreditActionError(f"the document of hold {row.id} is not in credit_hold "
                                f"({doc.state if doc else 'missing'})")
    return doc


def release_hold(engine: Engine, hold_id: int, *, actor: str, note: str | None = None) -> CreditOrder:
    """Approve a held order: queue its document again; the worker reserves and places it."""
    with session(engine) as s:
        row = _held(s, hold_id)
        doc = _document(s, row)
        row.status = CreditStatus.APPROVED.value
        row.decided_by = actor
        row.reason = f"released by {actor}" + (f": {note}" if note else "")
        row.updated_at = utcnow()
        s.add(row)
        move(s, doc, State.QUEUED, actor=actor, reason=f"credit hold {row.reason}")
        audit(s, actor=actor, action="credit.release", target=f"hold:{hold_id}", po_number=row.po_number,
              customer_id=row.customer_id, amount=str(row.amount), document_id=row.document_id, note=note)
        s.commit()
        return row


def reject_hold(engine: Engine, hold_id: int, *, actor: str, reason: str | None = None) -> CreditOrder:
    """Refuse a held order: the partner gets a rejecting acknowledgment, the document is rejected."""
    why = reason or "credit limit exceeded"
    with session(engine) as s:
        row = _held(s, hold_id)
        doc = _document(s, row)
        partner = s.get(Partner, doc.partner_id) if doc.partner_id else None
        if partner is not None and doc.canonical is not None:  # an accepted quote has no partner to answer
            answer_refusal(s, partner, Order.model_validate(doc.canonical), document_id=doc.id or 0, reason=why,
                           actor=actor)
        row.status = CreditStatus.REJECTED.value
        row.decided_by = actor
        row.reason = f"rejected by {actor}: {why}"
        row.updated_at = utcnow()
        s.add(row)
        doc.error = f"credit: {row.reason}"
        move(s, doc, State.REJECTED, actor=actor, reason=f"credit hold rejected by {actor}: {why}")
        audit(s, actor=actor, action="credit.reject", target=f"hold:{hold_id}", po_number=row.po_number,
              customer_id=row.customer_id, amount=str(row.amount), document_id=row.document_id, reason=why)
        s.commit()
        return row


__all__ = ["CreditActionError", "list_holds", "reject_hold", "release_hold", "set_policy"]
