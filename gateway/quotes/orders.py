"""An accepted quote placed in the ERP through the pipeline, at the quoted prices, credit-checked.

Accepting a quote queues a document of standard ``quote`` holding the canonical order built by
:func:`order_of`: one line per quoted line at its net unit price (the quoted amount over the
quantity, so the ERP charges what was quoted) and the header discount as an order allowance.
A worker runs :func:`process_quote_order`:

1. credit control for the quote's customer (:func:`gateway.credit.control.check_order`), keyed
   ``quote:NUMBER:REVISION``: a held order waits in ``credit_hold`` for an operator (the credit
   API releases it), a refused one is rejected with the reason;
2. the ERP push under the same key (a replay never makes a second ERP order);
3. in one transaction: the ERP order recorded on the document and the quote (``ordered``), the
   order's credit linked and its lines tracked to closing, and each line's price frozen at the
   quoted net price, naming the quote line (:mod:`gateway.quotes.snapshot`), so a later price-list
   change never reaches the order or its invoice.

A quote has no trading partner, so nothing is sent to one: the quote's state is the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import col, select

from erp.port import ErpPort
from formats.model import Allowance, ItemId, ItemIdKind, Money, Order, OrderLine, Quantity, Reference
from gateway.credit.control import Decision, check_order
from gateway.credit.intake import default_policy
from gateway.credit.ledger import order_placed
from gateway.pipeline.orders import Outcome
from gateway.pipeline.reading import DocumentRejected
from gateway.pipeline.states import State
from gateway.pricing.service import pricing_for
from gateway.quotes.snapshot import freeze_quoted_prices
from gateway.quotes.states import QuoteState, transition
from gateway.quotes.tables import Quote, QuoteEvent, QuoteLine
from gateway.quotes.totals import net_unit_price as unit_price_of
from gateway.store.db import session
from gateway.store.documents import move
from gateway.store.tables import Document


def net_unit_price(line: QuoteLine) -> Decimal:
    """The quoted amount per unit of ``line`` (:func:`gateway.quotes.totals.net_unit_price`)."""
    return unit_price_of(line.amount, line.quantity)


def order_key(quote: Quote) -> str:
    """The idempotency key of a quote's order (credit and ERP)."""
    return f"quote:{quote.number}:{quote.revision}"


def order_of(quote: Quote, lines: Sequence[QuoteLine]) -> Order:
    """The canonical order of an accepted quote, at the quoted prices."""
    allowances = ()
    if quote.header_discount:
        allowances = (Allowance(is_charge=False, amount=Money(amount=quote.header_discount, currency=quote.currency),
                                description=f"quote {quote.number} header discount"),)
    return Order(
        po_number=quote.number, revision=str(quote.revision), currency=quote.currency, allowances=allowances,
        references=(Reference(qualifier="quote", value=f"{quote.number}/{quote.revision}"),),
        lines=tuple(OrderLine(line_number=str(line.line_number), description=line.description,
                              items=(ItemId(kind=ItemIdKind.SELLER, value=line.sku),),
                              quantity=Quantity(value=line.quantity, unit=line.unit),
                              unit_price=Money(amount=net_unit_price(line), currency=quote.currency))
                    for line in lines),
    )


def process_quote_order(engine: Engine, erp: ErpPort, doc_id: int, actor: str) -> Outcome:
    """Place an accepted quote's order (module doc); raises ErpUnavailable to be retried."""
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        quote = s.exec(select(Quote).where(Quote.order_document_id == doc_id)).first()
    if doc is None or quote is None or doc.canonical is None:
        raise DocumentRejected(f"document {doc_id} is not the order of an accepted quote")
    order = Order.model_validate(doc.canonical)
    key = order_key(quote)
    check = check_order(engine, erp, customer_id=quote.customer_id, order=order, order_key=key, document_id=doc_id,
                        actor=actor, default_policy=default_policy())
    if check.decision in (Decision.HOLD, Decision.BLOCK):
        state = State.CREDIT_HOLD if check.decision is Decision.HOLD else State.REJECTED
        with session(engine) as s:
            doc = s.get(Document, doc_id)
            assert doc is not None
            doc.claimed_by = doc.claimed_at = None
            doc.error = None if state is State.CREDIT_HOLD else f"credit: {check.reason}"
            move(s, doc, state, actor=actor, reason=f"credit: {check.reason}")
            # the quote stays accepted; its history says why no order followed (yet)
            s.add(QuoteEvent(quote_id=quote.id or 0, from_state=quote.state, to_state=quote.state, actor=actor,
                             changes={"credit": check.decision.value, "reason": check.reason}))
            s.commit()
        return Outcome(state, check.reason)

    pushed = erp.push_order(order, customer_id=quote.customer_id, idempotency_key=key)
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        quote = s.get(Quote, quote.id, with_for_update=True)
        assert doc is not None and quote is not None
        order_placed(s, order_key=key, customer_id=quote.customer_id, order=order, pushed=pushed, actor=actor)
        lines = s.exec(select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(col(QuoteLine.line_number)))
        freeze_quoted_prices(s, document_id=doc_id, quote=quote, lines=lines.all(), order=order,
                             erp_order_id=pushed.erp_order_id, on=pricing_for(engine).today())
        doc.erp_order_id = pushed.erp_order_id
        doc.error = None
        doc.claimed_by = doc.claimed_at = None
        how = "created" if pushed.created else "found"
        reason = f"ERP order {pushed.erp_order_id} ({how}) for quote {quote.number} rev {quote.revision}"
        move(s, doc, State.PROCESSED, actor=actor, reason=reason)
        if quote.state == QuoteState.ACCEPTED.value:
            quote.erp_order_id = pushed.erp_order_id
            s.add(transition(quote, QuoteState.ORDERED, actor=actor, erp_order_id=pushed.erp_order_id,
                             credit=check.decision.value))
            s.add(quote)
        s.commit()
    return Outcome(State.PROCESSED, reason, pushed.erp_order_id)


__all__ = ["net_unit_price", "order_key", "order_of", "process_quote_order"]
