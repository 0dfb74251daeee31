"""The partner's answer to an order credit control stops: a rejecting acknowledgment naming why.

A refused order (policy ``block``), a held order the operator rejects and an order refused for a
business reason after its positive syntax acknowledgment (:mod:`gateway.pipeline.refusals`) get
the same answer: an 855 / OrderResponse with every line rejected and the reason (a cXML buyer:
a ConfirmationRequest ``type="reject"`` with the reasons in its comments), rendered the partner's
way by :func:`gateway.outbound.emit`. A held order gets no answer until the operator decides.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from formats.dates import order_time
from formats.model import HeaderStatus, LineResponse, LineStatus, Money, Order, OrderLine, OrderResponse
from formats.x12.envelope import Delimiters
from gateway.outbound import Outgoing, emit
from gateway.partners import partner_standard
from gateway.store.tables import Document, Partner, utcnow

UNIT_AS_SENT = "PO103"
"""The extension under which an 850 line keeps a unit no map knew (:func:`formats.x12.po850.unmapped_units`)."""


def refusal(order: Order, reason: str, *, line_reasons: Mapping[str, str] | None = None,
            our_prices: Mapping[str, Money] | None = None) -> OrderResponse:
    """An acknowledgment rejecting ``order`` for ``reason``: every line rejected (X12 BAK02 RD, ACK01 IR).

    ``line_reasons`` names what is wrong with particular lines (the others are rejected with the
    order's reason); a line in ``our_prices`` is answered as a price change at our price (ACK01
    IP, the price in PO104 / the UBL line's Price), the order as a whole still not taken.
    """
    line_reasons = line_reasons or {}
    our_prices = our_prices or {}

    def answer(line: OrderLine) -> LineResponse:
        price = our_prices.get(line.line_number)
        return LineResponse(
            line_number=line.line_number, status=LineStatus.PRICE_CHANGED if price else LineStatus.REJECTED,
            quantity=line.quantity, items=line.items, unit_price=price or line.unit_price,
            ordered_quantity=line.quantity, reason=line_reasons.get(line.line_number, reason),
            extensions=tuple(e for e in line.extensions if e.name == UNIT_AS_SENT))

    return OrderResponse(
        po_number=order.po_number, po_date=order.order_date, po_time=order_time(order), response_date=utcnow().date(),
        status=HeaderStatus.REJECTED_WITH_DETAIL, buyer=order.buyer, seller=order.seller, ship_to=order.ship_to,
        currency=order.currency, notes=(reason,), lines=tuple(answer(line) for line in order.lines),
    )


def whole_refusal(response: OrderResponse) -> OrderResponse:
    """``response`` as a refusal without line detail (cXML ConfirmationRequest ``type="reject"``).

    cXML's ``reject`` carries no ConfirmationItem (Fulfill.dtd: "no further (line item) detail is
    provided beyond the reason described in the Comments element"), so the lines' reasons join
    the header's comments.
    """
    details = [f"line {line.line_number}: {line.reason}" for line in response.lines
               if line.reason and line.reason not in response.notes]
    return response.model_copy(update={"status": HeaderStatus.REJECTED, "lines": (),
                                       "notes": (*response.notes, *details)})


def answer_refusal(s: Session, partner: Partner, order: Order, *, document_id: int, reason: str, actor: str,
                   delimiters: Delimiters | None = None, line_reasons: Mapping[str, str] | None = None,
                   our_prices: Mapping[str, Money] | None = None) -> Document | None:
    """Put the rejecting acknowledgment in the outbox, the partner's way (None when the partner wants none)."""
    response = refusal(order, reason, line_reasons=line_reasons, our_prices=our_prices)
    if partner_standard(partner) == "cxml":
        response = whole_refusal(response)
    return emit(s, partner, Outgoing.ORDER_RESPONSE, response, parent_id=document_id, actor=actor,
                reason=f"refuses PO {order.po_number}: {reason}", po_number=order.po_number,
                inbound_delimiters=delimiters)


__all__ = ["answer_refusal", "refusal", "whole_refusal"]
