"""Business refusals of an order after its positive syntax acknowledgment: always answered.

A purchase order that passed syntax was answered with a positive 997/999 (or a cXML 200); when
the business then refuses it -- a unit no table or partner override maps, a purpose we do not
place as a new order, a price outside the partner's tolerance with policy ``reject``, or the
ERP's own refusal (its credit check, a price precision it cannot take, an unknown customer) --
the partner must hear it, or it believes the order is on its way. :func:`refuse` does, in the
one transaction that also ends the document:

* the rejecting acknowledgment goes into the outbox the partner's way
  (:func:`gateway.credit.answers.answer_refusal`: an X12 855 ``BAK02 RD`` with ``ACK*IR`` per
  line, a UBL OrderResponse rejected line by line, a cXML ConfirmationRequest ``type="reject"``),
  unless the partner's ``expects`` says it wants none;
* whatever credit the order reserved is released (:func:`gateway.credit.ledger.release_refused`),
  so it stops counting in the customer's open orders;
* the document is ``rejected`` with the reason as its error; the operator sees it, and the
  answer as its child, in ``/admin``.

An ERP that cannot be reached (:class:`~erp.port.ErpUnavailable`) is not a refusal: that order
is retried by the worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext

from sqlmodel import Session

from formats.model import Money, Order
from formats.x12 import po850
from formats.x12.envelope import Delimiters
from gateway.credit.answers import answer_refusal
from gateway.credit.ledger import release_refused
from gateway.pipeline.queue import hold_claim
from gateway.pipeline.states import State
from gateway.store.documents import move
from gateway.store.tables import Document, Partner


@dataclass(frozen=True)
class Refusal:
    """Why an order is refused: the reason for the order, what is wrong with particular lines, our prices."""

    reason: str
    line_reasons: Mapping[str, str] = field(default_factory=dict)
    our_prices: Mapping[str, Money] = field(default_factory=dict)


class OrderRefused(Exception):
    """A business rule refused the order (raised by a rule, answered by :func:`refuse`)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


def unit_refusal(order: Order) -> Refusal | None:
    """The refusal of an order with a line in a unit nobody mapped (after the partner's overrides); None if none.

    Reading carried the code as received (lenient in, :func:`formats.x12.po850.unmapped_units`);
    placing an order in a unit we do not understand would be guessing the quantity, so it is
    refused here, naming each line and its code.
    """
    lines = po850.unmapped_units(order)
    if not lines:
        return None
    reasons = {line.line_number: f"unit of measure {line.quantity.unit!r} is not in the X12 355 unit table and "
                                 "no partner unit override maps it" for line in lines}
    return Refusal("; ".join(f"line {number}: {why}" for number, why in reasons.items()), reasons)


MAX_LINE_AMOUNT = Decimal(10) ** 15
"""The largest line amount we value (quantity times unit price): fifteen integer digits.

X12 lets PO102 and PO104 have 15 and 17 digits, so an order valid by syntax may be worth more
than money arithmetic (28 significant digits, cents kept) or any ERP carries; such an order is
a partner's mistake to answer, not an error to retry.
"""


def amount_refusal(order: Order) -> Refusal | None:
    """The refusal of an order with a priced line worth more than :data:`MAX_LINE_AMOUNT`; None if none."""
    reasons = {}
    for line in order.lines:
        if line.unit_price is None:
            continue
        basis = line.price_basis.quantity or Decimal(1)
        with localcontext() as exact:  # the product of two valid values: never an error of its own
            exact.prec, exact.traps[InvalidOperation] = 80, False
            amount = abs(line.quantity.value * line.unit_price.amount / basis)
        if not amount.is_finite() or amount >= MAX_LINE_AMOUNT:
            reasons[line.line_number] = (f"quantity {line.quantity.value} at {line.unit_price.amount} is worth "
                                         f"more than the {MAX_LINE_AMOUNT:,} a line may be")
    if not reasons:
        return None
    return Refusal("; ".join(f"line {number}: {why}" for number, why in reasons.items()), reasons)


@dataclass(frozen=True)
class Refused:
    """How :func:`refuse` ended a document: the reason recorded, and the answer written (None: not wanted)."""

    reason: str
    answer_id: int | None


def refuse(s: Session, *, doc_id: int, partner: Partner, order: Order, order_key: str, refusal: Refusal,
           actor: str, delimiters: Delimiters | None = None) -> Refused:
    """Answer, release and reject in the caller's transaction (module doc); the caller commits.

    The claim is held first (:func:`~gateway.pipeline.queue.hold_claim`), so a worker whose lease
    was taken over cannot answer the order a second time.
    """
    hold_claim(s, doc_id, actor)
    doc = s.get(Document, doc_id)
    assert doc is not None  # held just now
    answer = answer_refusal(s, partner, order, document_id=doc_id, reason=refusal.reason, actor=actor,
                            delimiters=delimiters, line_reasons=refusal.line_reasons, our_prices=refusal.our_prices)
    released = release_refused(s, order_key, actor=actor, reason=refusal.reason)
    doc.po_number = order.po_number
    doc.canonical = order.model_dump(mode="json")
    doc.error = f"refused: {refusal.reason}"
    doc.claimed_by = doc.claimed_at = None
    answered = f"; answered by document {answer.id}" if answer is not None else "; the partner expects no answer"
    credit = f"; credit {released} released" if released else ""
    move(s, doc, State.REJECTED, actor=actor, reason=f"refused: {refusal.reason}{answered}{credit}")
    return Refused(refusal.reason, answer.id if answer is not None else None)


__all__ = ["OrderRefused", "Refusal", "Refused", "refuse", "unit_refusal"]
