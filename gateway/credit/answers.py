"""The partner's answer to an order credit control stops: a rejecting acknowledgment naming why.

A refused order (policy ``block``) and a held order the operator rejects get the same answer: an
855 / OrderResponse with every line rejected and the reason, rendered the partner's way by
:func:`gateway.outbound.emit`. A held order gets no answer until the operator decides.
"""

from __future__ import annotations

from sqlmodel import Session

from formats.model import HeaderStatus, LineResponse, LineStatus, Order, OrderResponse
from formats.x12.envelope import Delimiters
from gateway.outbound import Outgoing, emit
from gateway.store.tables import Document, Partner, utcnow


def refusal(order: Order, reason: str) -> OrderResponse:
    """An acknowledgment rejecting every line of ``order`` for ``reason``."""
    return OrderResponse(
        po_number=order.po_number, po_date=order.order_date, response_date=utcnow().date(),
        status=HeaderStatus.REJECTED_WITH_DETAIL, buyer=order.buyer, seller=order.seller, ship_to=order.ship_to,
        currency=order.currency, notes=(reason,),
        lines=tuple(LineResponse(line_number=line.line_number, status=LineStatus.REJECTED, quantity=line.quantity,
                                 items=line.items, unit_price=line.unit_price, ordered_quantity=line.quantity,
                                 reason=reason) for line in order.lines),
    )


def answer_refusal(s: Session, partner: Partner, order: Order, *, document_id: int, reason: str, actor: str,
                   delimiters: Delimiters | None = None) -> Document | None:
    """Put the rejecting acknowledgment in the outbox (None when the partner wants none)."""
    return emit(s, partner, Outgoing.ORDER_RESPONSE, refusal(order, reason), parent_id=document_id, actor=actor,
                reason=f"refuses PO {order.po_number}: {reason}", po_number=order.po_number,
                inbound_delimiters=delimiters)


__all__ = ["answer_refusal", "refusal"]
