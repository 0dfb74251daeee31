"""cXML in the pipeline: OrderRequest new / update / delete to the ERP.

An OrderRequest queued by ``/cxml`` is a canonical :class:`~formats.model.Order` whose purpose
says what to do: ``new`` is placed like any purchase order (:mod:`gateway.pipeline.orders`, keyed
on buyer + orderID + orderVersion, so a resend never makes a second ERP order), ``update`` and
``delete`` change or cancel the order placed earlier (:mod:`gateway.pipeline.changes`; the ERP
refuses once anything has shipped). Every one of them is answered with a ConfirmationRequest:
``new`` and ``update`` with the ERP's acknowledgment line by line, ``delete`` with
:func:`deletion_confirmation`.

The documents for cXML buyers (ConfirmationRequest, ShipNoticeRequest, InvoiceDetailRequest)
are written by :func:`gateway.outbound.emit` and leave through the outbox on the ``cxml``
channel (:mod:`gateway.punchout.transport`), which reads the buyer's own cXML Response.
"""

from __future__ import annotations

from sqlalchemy import Engine

import gateway.punchout  # noqa: F401  (registers the "cxml" delivery channel in every worker)
from erp.port import ErpPort
from formats.dates import order_time
from formats.model import HeaderStatus, OrderChange, OrderPurpose, OrderResponse
from gateway.pipeline.changes import process_order_change
from gateway.pipeline.orders import Outcome, process_purchase_order
from gateway.pipeline.reading import document_and_partner, read_stored
from gateway.store.tables import utcnow


def deletion_confirmation(change: OrderChange, erp_order_id: str) -> OrderResponse:
    """The ConfirmationRequest of an OrderRequest ``type="delete"`` applied: the whole order rejected, and why.

    cXML has no confirmation type for a cancelled order: ConfirmationHeader ``type`` is one of
    accept, allDetail, detail, backordered, except, reject, requestToPay, replace (Fulfill.dtd
    1.2.063), and a confirmation can itself never be deleted. ``reject`` is the one that says
    the order as a whole will not be supplied; the DTD's notes give it no ConfirmationItem ("no
    further (line item) detail is provided beyond the reason described in the Comments element"),
    so the answer has no lines and its Comments say it was deleted at the buyer's request.
    """
    return OrderResponse(
        po_number=change.po_number, po_date=change.order.order_date, po_time=order_time(change.order),
        response_number=erp_order_id or None,
        response_date=utcnow().date(), status=HeaderStatus.REJECTED, currency=change.order.currency,
        notes=(f"Order {change.po_number} was deleted at the buyer's request (OrderRequest type=\"delete\"): "
               f"our order {erp_order_id} is cancelled and nothing of it will be shipped or invoiced.",))


def process_order_request(engine: Engine, erp: ErpPort, doc_id: int, actor: str) -> Outcome:
    """Place (new), change (update) or cancel (delete) the ERP order of a cXML OrderRequest."""
    doc, partner = document_and_partner(engine, doc_id)
    order = read_stored(doc, partner).document
    purpose = getattr(order, "purpose", None)
    if purpose in (OrderPurpose.CHANGE, OrderPurpose.CANCEL, OrderPurpose.REPLACE):
        return process_order_change(engine, erp, doc_id, actor=actor, cancel_answer=deletion_confirmation)
    return process_purchase_order(engine, erp, doc_id, actor=actor)


__all__ = ["deletion_confirmation", "process_order_request"]
