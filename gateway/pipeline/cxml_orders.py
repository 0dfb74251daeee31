"""cXML in the pipeline: OrderRequest new / update / delete to the ERP.

An OrderRequest queued by ``/cxml`` is a canonical :class:`~formats.model.Order` whose purpose
says what to do: ``new`` is placed like any purchase order (:mod:`gateway.pipeline.orders`, keyed
on buyer + orderID + orderVersion, so a resend never makes a second ERP order), ``update`` and
``delete`` change or cancel the order placed earlier (:mod:`gateway.pipeline.changes`; the ERP
refuses once anything has shipped). Either way the ERP's answer becomes a ConfirmationRequest.

The documents for cXML buyers (ConfirmationRequest, ShipNoticeRequest, InvoiceDetailRequest)
are written by :func:`gateway.outbound.emit` and leave through the outbox on the ``cxml``
channel (:mod:`gateway.punchout.transport`), which reads the buyer's own cXML Response.
"""

from __future__ import annotations

from sqlalchemy import Engine

import gateway.punchout  # noqa: F401  (registers the "cxml" delivery channel in every worker)
from erp.port import ErpPort
from formats.model import OrderPurpose
from gateway.pipeline.changes import process_order_change
from gateway.pipeline.orders import Outcome, process_purchase_order
from gateway.pipeline.reading import document_and_partner, read_stored


def process_order_request(engine: Engine, erp: ErpPort, doc_id: int, actor: str) -> Outcome:
    """Place (new), change (update) or cancel (delete) the ERP order of a cXML OrderRequest."""
    doc, partner = document_and_partner(engine, doc_id)
    order = read_stored(doc, partner).document
    purpose = getattr(order, "purpose", None)
    if purpose in (OrderPurpose.CHANGE, OrderPurpose.CANCEL, OrderPurpose.REPLACE):
        return process_order_change(engine, erp, doc_id, actor=actor)
    return process_purchase_order(engine, erp, doc_id, actor=actor)


__all__ = ["process_order_request"]
