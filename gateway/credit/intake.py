"""The credit gate of order intake: called by :mod:`gateway.pipeline.orders` before the ERP push.

Accepted (and flagged) orders go on to the ERP. A held order moves to ``credit_hold`` and waits
for an operator (:mod:`gateway.credit.actions`); a refused one is rejected with a rejecting
acknowledgment to the partner. In both cases the document records why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from formats.model import Order
from formats.x12.envelope import Delimiters
from gateway.config import get_settings
from gateway.credit.answers import answer_refusal
from gateway.credit.control import Appraisal, CreditCheck, Decision, Policy, decide, parse_policy
from gateway.pipeline.queue import hold_claim
from gateway.pipeline.states import State
from gateway.store.documents import move
from gateway.store.tables import Document, Partner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stopped:
    """An order credit control did not let through: the state its document is in now, and why."""

    state: State
    reason: str
    check: CreditCheck


def default_policy() -> Policy:
    """The installation's policy for customers without their own (``B2BGW_CREDIT_POLICY``)."""
    return parse_policy(get_settings().credit_policy)


def gate(s: Session, appraisal: Appraisal, *, doc_id: int, partner: Partner, order: Order, order_key: str,
         actor: str, delimiters: Delimiters | None = None) -> Stopped | None:
    """Decide the order's credit inside the caller's transaction; None when it may go to the ERP.

    The ERP's side (position, the order's value) is read beforehand (:func:`~gateway.credit.control.appraise`), so the
    customer's credit lock is held for database work only. The decision and what it does to the
    document (held, or refused with a rejecting acknowledgment) commit together.
    """
    check = decide(s, appraisal.position, appraisal.amount, customer_id=partner.customer_id, order_key=order_key,
                   po_number=order.po_number, document_id=doc_id, actor=actor, default_policy=default_policy(),
                   mismatch=appraisal.mismatch)
    extra = {"document_id": doc_id, "partner": partner.id}
    if check.decision is Decision.ACCEPT:
        return None
    if check.decision is Decision.FLAG:
        log.warning("document %s: credit %s", doc_id, check.reason, extra=extra)
        return None
    hold_claim(s, doc_id, actor)  # the processor holds it; one refusal or hold, ever
    doc = s.get(Document, doc_id)
    assert doc is not None
    doc.po_number = order.po_number
    doc.canonical = order.model_dump(mode="json")
    doc.claimed_by = doc.claimed_at = None
    if check.decision is Decision.HOLD:
        state = State.CREDIT_HOLD
        doc.error = None
    else:
        state = State.REJECTED
        doc.error = f"credit: {check.reason}"
        answer_refusal(s, partner, order, document_id=doc_id, reason="credit limit exceeded", actor=actor,
                       delimiters=delimiters)
    move(s, doc, state, actor=actor, reason=f"credit: {check.reason}")
    log.warning("document %s: %s (credit: %s)", doc_id, state.value, check.reason, extra=extra)
    return Stopped(state, check.reason, check)


__all__ = ["Stopped", "default_policy", "gate"]
