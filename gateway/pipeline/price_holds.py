"""What an operator does with an order in ``price_hold``: release it (placed) or reject it (answered).

An order priced outside its partner's tolerance with policy ``hold``
(:mod:`gateway.pipeline.price_check`) waits for a person, as a credit hold does. Each action is
one transaction with its audit entry:

* releasing queues the document again; the worker finds the release in the document's history
  and places the order at the partner's prices, flagged (credit control still applies);
* rejecting answers the partner as policy ``reject`` would -- our price on each line that
  differs -- and rejects the document (:mod:`gateway.pipeline.refusals`).
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from formats.model import Order
from gateway.auth.audit import audit
from gateway.credit.answers import answer_refusal
from gateway.partners import price_rule
from gateway.pipeline.price_check import price_differences, price_refusal
from gateway.pipeline.queue import hold_claim
from gateway.pipeline.refusals import Refusal
from gateway.pipeline.states import State
from gateway.pricing.service import pricing_for
from gateway.store.db import lock_for_write, session
from gateway.store.documents import move
from gateway.store.tables import Document, DocumentEvent, Partner


def hold_for_prices(s: Session, doc_id: int, order: Order, why: str, *, actor: str) -> None:
    """Put the worker's document in ``price_hold`` for ``why`` (the caller's transaction); nothing reserved or sent."""
    hold_claim(s, doc_id, actor)
    doc = s.get(Document, doc_id)
    assert doc is not None  # held just now
    doc.po_number = order.po_number
    doc.canonical = order.model_dump(mode="json")
    doc.error = f"price hold: {why}"
    doc.claimed_by = doc.claimed_at = None
    move(s, doc, State.PRICE_HOLD, actor=actor, reason=f"price hold: {why}")


def released_from_price_hold(s: Session, doc_ids: list[int]) -> set[int]:
    """The documents an operator released from ``price_hold``: their prices were accepted then (one query)."""
    if not doc_ids:
        return set()
    return set(s.exec(select(DocumentEvent.document_id).where(
        col(DocumentEvent.document_id).in_(doc_ids), col(DocumentEvent.from_state) == State.PRICE_HOLD.value,
        col(DocumentEvent.to_state) == State.QUEUED.value)))


class PriceHoldError(Exception):
    """An action that does not apply (no such document, not on price hold); ``status`` for HTTP."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def _held(s: Session, document_id: int) -> Document:
    """The held document, locked before it is read (on SQLite the write lock): two decisions at once act once."""
    lock_for_write(s)
    doc = s.get(Document, document_id, with_for_update=True)
    if doc is None:
        raise PriceHoldError(f"no document {document_id}", 404)
    if doc.state != State.PRICE_HOLD.value:
        raise PriceHoldError(f"document {document_id} is {doc.state}, not on price hold")
    return doc


def release_price_hold(engine: Engine, document_id: int, *, actor: str, note: str | None = None) -> Document:
    """Accept the partner's prices: queue the document again; the worker places it (module doc)."""
    with session(engine) as s:
        doc = _held(s, document_id)
        doc.error = None
        why = f"price hold released by {actor}" + (f": {note}" if note else "")
        move(s, doc, State.QUEUED, actor=actor, reason=why)
        audit(s, actor=actor, action="price.release", target=f"document:{document_id}", po_number=doc.po_number,
              note=note)
        s.commit()
        s.refresh(doc)
        return doc


def reject_price_hold(engine: Engine, document_id: int, *, actor: str, reason: str | None = None) -> Document:
    """Refuse the order: the partner gets our prices in a rejecting acknowledgment; the document is rejected."""
    with session(engine) as s:
        doc = _held(s, document_id)
        partner = s.get(Partner, doc.partner_id) if doc.partner_id else None
        if partner is None or doc.canonical is None:
            raise PriceHoldError(f"document {document_id} has no partner or no order to answer")
        order = Order.model_validate(doc.canonical)
        rule = price_rule(partner)
        differences = price_differences(pricing_for(engine), partner.customer_id, order, rule)
        refusal = price_refusal(differences, rule) if differences else Refusal("prices refused")
        why = f"{reason}; {refusal.reason}" if reason else refusal.reason
        answer = answer_refusal(s, partner, order, document_id=document_id, reason=why, actor=actor,
                                line_reasons=refusal.line_reasons, our_prices=refusal.our_prices)
        doc.error = f"price hold rejected by {actor}: {why}"
        answered = f"; answered by document {answer.id}" if answer is not None else ""
        move(s, doc, State.REJECTED, actor=actor, reason=f"{doc.error}{answered}")
        audit(s, actor=actor, action="price.reject", target=f"document:{document_id}", po_number=doc.po_number,
              reason=reason)
        s.commit()
        s.refresh(doc)
        return doc


__all__ = ["PriceHoldError", "hold_for_prices", "reject_price_hold", "release_price_hold", "released_from_price_hold"]
