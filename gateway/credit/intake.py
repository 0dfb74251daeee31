"""The credit gate of order intake: called by :mod:`gateway.pipeline.orders` before the ERP push.

Accepted (and flagged) orders go on to the ERP. A held order moves to ``credit_hold`` and waits
for an operator (:mod:`gateway.credit.actions`); a refused one is rejected with a rejecting
acknowledgment to the partner. In both cases the document records why.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from formats.model import Order
from formats.x12.envelope import Delimiters
from gateway.config import get_settings
from gateway.credit.answers import answer_refusal
from gateway.credit.control import Appraisal, CreditCheck, CreditQuestion, Decision, Policy, decide_all, parse_policy
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


@dataclass(frozen=True)
class AtTheGate:
    """An order at the credit gate: its appraisal, its document and partner (for the effect of a hold or refusal)."""

    appraisal: Appraisal
    doc_id: int
    partner: Partner
    order: Order
    order_key: str
    delimiters: Delimiters | None = None


def gate(s: Session, orders: Sequence[AtTheGate], *, actor: str) -> list[Stopped | None]:
    """Decide the orders' credit inside the caller's transaction; for each, None when it may go to the ERP.

    The ERP's side (position, the order's value) is read beforehand (:func:`~gateway.credit.control.appraise`), so the
    customers' credit locks are held for database work only. The decisions and what they do to
    the documents (held, or refused with a rejecting acknowledgment) commit together.
    """
    checks = decide_all(s, [CreditQuestion(o.appraisal, o.partner.customer_id, o.order_key, o.order.po_number, o.doc_id)
                            for o in orders], actor=actor, default_policy=default_policy())
    return [_effect(s, o, check, actor) for o, check in zip(orders, checks, strict=True)]


def _effect(s: Session, at: AtTheGate, check: CreditCheck, actor: str) -> Stopped | None:
    """What the decision does to the order's document; None when the order goes on."""
    extra = {"document_id": at.doc_id, "partner": at.partner.id}
    if check.decision is Decision.ACCEPT:
        return None
    if check.decision is Decision.FLAG:
        log.warning("document %s: credit %s", at.doc_id, check.reason, extra=extra)
        return None
    hold_claim(s, at.doc_id, actor)  # the processor holds it; one refusal or hold, ever
    doc = s.get(Document, at.doc_id)
    assert doc is not None
    doc.po_number = at.order.po_number
    doc.canonical = at.order.model_dump(mode="json")
    doc.claimed_by = doc.claimed_at = None
    if check.decision is Decision.HOLD:
        state = State.CREDIT_HOLD
        doc.error = None
    else:
        state = State.REJECTED
        doc.error = f"credit: {check.reason}"
        answer_refusal(s, at.partner, at.order, document_id=at.doc_id, reason="credit limit exceeded", actor=actor,
                       delimiters=at.delimiters)
    move(s, doc, state, actor=actor, reason=f"credit: {check.reason}")
    log.warning("document %s: %s (credit: %s)", at.doc_id, state.value, check.reason, extra=extra)
    return Stopped(state, check.reason, check)


__all__ = ["AtTheGate", "Stopped", "default_policy", "gate"]
