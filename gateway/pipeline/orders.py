"""Processing an inbound purchase order: translate, place it in the ERP once, acknowledge it.

The steps are arranged so that a crash between any two of them, followed by taking the document
up again, gives the same end state with no second ERP order and no second 855:

1. translate the stored set (pure, repeatable);
2. claim the order's idempotency key ``partner:PO:revision`` in ``gw_order_link`` (a unique
   key): if another document already owns it, this one is a duplicate and stops there;
3. credit control (:mod:`gateway.credit.intake`): the order's credit is reserved, or the order
   is held for an operator, or refused with a rejecting acknowledgment (idempotent per key);
   then push to the ERP with that key (the port is idempotent on it: a second push returns the
   first order);
4. in one transaction: render the 855 with freshly allocated control numbers into the outbox
   (unless this document already has one), freeze our price of every line
   (:mod:`gateway.pricing.snapshot`), record the ERP order on the link and the document, and
   mark the document processed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from erp.port import ErpPort
from formats.model import Order, OrderPurpose
from gateway.credit.intake import credit_gate
from gateway.credit.ledger import order_placed
from gateway.oci.orders import with_cart_prices
from gateway.outbound import Outgoing, document_type, emit
from gateway.partners import with_our_items
from gateway.pipeline.queue import hold_claim
from gateway.pipeline.reading import DocumentRejected, document_and_partner, read_stored
from gateway.pipeline.states import State
from gateway.pricing.service import pricing_for
from gateway.pricing.snapshot import freeze_prices, rounding_of
from gateway.quotes.carts import customer_price, quoted_prices, with_quoted_prices
from gateway.store.db import session
from gateway.store.documents import children, move
from gateway.store.tables import Document, OrderLink

log = logging.getLogger(__name__)


GAVE_UP = frozenset({State.REJECTED.value, State.DEAD.value})


@dataclass(frozen=True)
class Outcome:
    """How processing a document ended, for logs and tests."""

    state: State
    reason: str
    erp_order_id: str | None = None


def idempotency_key(partner_id: str, order: Order) -> str:
    """The key under which an order exists at most once: partner, PO number, revision."""
    return f"{partner_id}:{order.po_number}:{order.revision or ''}"


def _claim_key(engine: Engine, doc_id: int, partner_id: str, key: str, po_number: str) -> OrderLink:
    """Own ``key`` for this document, or find who owns it."""
    with session(engine) as s:
        link = s.exec(select(OrderLink).where(OrderLink.idempotency_key == key)).first()
        if link is not None:
            owner = s.get(Document, link.document_id)
            if link.erp_order_id is None and owner is not None and owner.state in GAVE_UP:
                link.document_id = doc_id  # the earlier document never placed it: this one may
                s.add(link)
                s.commit()
            return link
        link = OrderLink(idempotency_key=key, partner_id=partner_id, po_number=po_number, document_id=doc_id)
        s.add(link)
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            existing = s.exec(select(OrderLink).where(OrderLink.idempotency_key == key)).one()
            return existing
        return link


def process_purchase_order(engine: Engine, erp: ErpPort, doc_id: int, *, actor: str) -> Outcome:
    """Run an 850 document through steps 1-4 (module doc); raises ErpUnavailable to be retried."""
    doc, partner = document_and_partner(engine, doc_id)

    read = read_stored(doc, partner)
    if not isinstance(read.document, Order):
        raise DocumentRejected(f"{doc.standard} {doc.doc_type} is not a purchase order")
    order = with_our_items(partner, read.document)
    with session(engine) as s:
        order = with_cart_prices(s, partner, order)  # lines quoting an OCI cart get its SKUs and prices
        pricing = pricing_for(engine)
        order = with_quoted_prices(s, partner.customer_id, order, pricing.today(),  # lines quoting a sales quote
                                   lambda line: customer_price(pricing, partner.customer_id, line))
    if order.purpose not in (OrderPurpose.ORIGINAL, OrderPurpose.CONFIRMATION, OrderPurpose.DUPLICATE):
        raise DocumentRejected(
            f"an order with purpose {order.purpose.value} is not placed as a new order; send changes as a change "
            "document (X12 860, UBL OrderChange / OrderCancellation)"
        )
    key = idempotency_key(partner.id, order)
    link = _claim_key(engine, doc_id, partner.id, key, order.po_number)
    if link.document_id != doc_id:
        with session(engine) as s:
            doc = s.get(Document, doc_id)
            assert doc is not None
            doc.erp_order_id = link.erp_order_id
            doc.canonical = order.model_dump(mode="json")
            reason = f"PO {order.po_number} was already ordered by document {link.document_id}"
            move(s, doc, State.DUPLICATE, actor=actor, reason=reason)
            s.commit()
        return Outcome(State.DUPLICATE, reason, link.erp_order_id)

    stopped = credit_gate(engine, erp, doc_id=doc_id, partner=partner, order=order, order_key=key, actor=actor,
                          delimiters=read.delimiters)
    if stopped is not None:  # held for an operator, or refused with a rejecting acknowledgment
        return Outcome(stopped.state, stopped.reason)

    pushed = erp.push_order(order, customer_id=partner.customer_id, idempotency_key=key)

    with session(engine) as s:
        hold_claim(s, doc_id, actor)  # still ours, and locked until this step commits (one 855, ever)
        doc = s.get(Document, doc_id)
        link = s.exec(select(OrderLink).where(OrderLink.idempotency_key == key)).one()
        assert doc is not None
        if not children(s, doc_id, document_type(partner, Outgoing.ORDER_RESPONSE, pushed.response)):
            emit(s, partner, Outgoing.ORDER_RESPONSE, pushed.response, parent_id=doc_id, actor=actor,
                 reason=f"acknowledges PO {order.po_number} ({pushed.response.status.value})",
                 po_number=order.po_number, erp_order_id=pushed.erp_order_id,
                 inbound_delimiters=read.delimiters)
        order_placed(s, order_key=key, customer_id=partner.customer_id, order=order, pushed=pushed, actor=actor)
        freeze_prices(s, pricing_for(engine), document_id=doc_id, customer_id=partner.customer_id, order=order,
                      erp_order_id=pushed.erp_order_id, rounding=rounding_of(partner.settings),
                      fixed=quoted_prices(order))  # frozen now; lines naming a sales quote at its price
        link.erp_order_id = pushed.erp_order_id
        doc.erp_order_id = pushed.erp_order_id
        doc.po_number = order.po_number
        doc.canonical = order.model_dump(mode="json")
        doc.error = None
        doc.claimed_by = doc.claimed_at = None
        reason = f"ERP order {pushed.erp_order_id} ({'created' if pushed.created else 'found'})"
        move(s, doc, State.PROCESSED, actor=actor, reason=reason)
        s.add(link)
        s.commit()
    log.info("document %s: %s", doc_id, reason, extra={"document_id": doc_id, "partner": partner.id})
    return Outcome(State.PROCESSED, reason, pushed.erp_order_id)
