"""Processing a buyer's change to an order it placed: X12 860, UBL OrderChange / OrderCancellation.

The change names the buyer's PO number; the order link says which ERP order that PO became. A
change replaces the order's lines in the ERP (which re-reserves stock and answers a new
acknowledgment, sent to the partner as its 855 / OrderResponse); a cancellation cancels it. The
ERP refuses either once anything has shipped, and the document is rejected with that reason for
the operator and the partner to see.

Replaying a change is safe: the ERP applies the same changed order idempotently, and the
acknowledgment is written only if this document has none yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import col, select

from erp.port import ErpPort
from formats.model import Order, OrderChange, OrderPurpose, OrderResponse
from gateway.credit.ledger import order_changed
from gateway.outbound import Outgoing, document_type, emit
from gateway.partners import with_our_items
from gateway.pipeline.orders import Outcome
from gateway.pipeline.queue import hold_claim
from gateway.pipeline.reading import DocumentRejected, document_and_partner, read_stored
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import children, move
from gateway.store.tables import Document, OrderLink

log = logging.getLogger(__name__)


def as_change(document: object) -> OrderChange:
    """A change document in canonical form; an Order with purpose cancel/change counts as one."""
    if isinstance(document, OrderChange):
        return document
    if isinstance(document, Order) and document.purpose in (OrderPurpose.CANCEL, OrderPurpose.CHANGE,
                                                            OrderPurpose.REPLACE):
        return OrderChange(po_number=document.po_number, revision=document.revision, purpose=document.purpose,
                           change_date=document.order_date, order=document)
    raise DocumentRejected("the document is not an order change or cancellation")


def _placed_order(engine: Engine, partner_id: str, po_number: str) -> OrderLink:
    with session(engine) as s:
        link = s.exec(select(OrderLink).where(
            OrderLink.partner_id == partner_id, OrderLink.po_number == po_number,
            col(OrderLink.erp_order_id).is_not(None)).order_by(col(OrderLink.id))).first()
    if link is None:
        raise DocumentRejected(f"PO {po_number} was never placed through the gateway: there is no order to change")
    return link


CancelAnswer = Callable[[OrderChange, str], OrderResponse]
"""What to answer a cancellation with, given the change and the cancelled ERP order (cXML: a ConfirmationRequest)."""


def process_order_change(engine: Engine, erp: ErpPort, doc_id: int, *, actor: str,
                         cancel_answer: CancelAnswer | None = None) -> Outcome:
    """Apply a change or cancellation to the ERP order it names; ErpRejected once shipped.

    A change is answered with the ERP's new acknowledgment. A cancellation is answered only when
    ``cancel_answer`` is given (cXML buyers expect a ConfirmationRequest; X12 and UBL partners get
    none), in the same transaction that marks the document processed, so it is written once, ever.
    """
    doc, partner = document_and_partner(engine, doc_id)
    read = read_stored(doc, partner)
    change = as_change(read.document)
    change = change.model_copy(update={"order": with_our_items(partner, change.order)})
    link = _placed_order(engine, partner.id, change.po_number)
    erp_order_id = link.erp_order_id or ""
    response: OrderResponse | None = None
    if change.purpose is OrderPurpose.CANCEL:
        erp.cancel_order(erp_order_id, reason=f"cancelled by the buyer ({doc.standard} {doc.doc_type} {doc_id})")
        reason = f"ERP order {erp_order_id} cancelled"
    else:
        pushed = erp.change_order(erp_order_id, change.order,
                                  reason=f"changed by the buyer ({doc.standard} {doc.doc_type} {doc_id})")
        response = pushed.response
        reason = f"ERP order {erp_order_id} changed ({response.status.value})"

    with session(engine) as s:
        hold_claim(s, doc_id, actor)  # still ours, and locked until this step commits (one answer, ever)
        doc = s.get(Document, doc_id)
        assert doc is not None
        answer, what = response, "change"
        if answer is None and cancel_answer is not None:
            answer, what = cancel_answer(change, erp_order_id), "cancellation"
        if answer is not None and not children(s, doc_id, document_type(partner, Outgoing.ORDER_RESPONSE, answer)):
            emit(s, partner, Outgoing.ORDER_RESPONSE, answer, parent_id=doc_id, actor=actor,
                 reason=f"acknowledges the {what} of PO {change.po_number} ({answer.status.value})",
                 po_number=change.po_number, erp_order_id=erp_order_id, inbound_delimiters=read.delimiters)
        if response is not None:  # the order's lines and its credit follow the change
            order_changed(s, erp_order_id=erp_order_id, order=change.order, response=response, actor=actor)
        doc.po_number = change.po_number
        doc.erp_order_id = erp_order_id
        doc.canonical = change.model_dump(mode="json")
        doc.error = None
        doc.claimed_by = doc.claimed_at = None
        move(s, doc, State.PROCESSED, actor=actor, reason=reason)
        s.commit()
    log.info("document %s: %s", doc_id, reason, extra={"document_id": doc_id, "partner": partner.id})
    return Outcome(State.PROCESSED, reason, erp_order_id)


__all__ = ["CancelAnswer", "as_change", "process_order_change"]
