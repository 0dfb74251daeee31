"""cXML documents to a buyer: ConfirmationRequest, ShipNoticeRequest, InvoiceDetailRequest.

:func:`gateway.outbound.emit` calls :func:`render_for_buyer` for partners whose standard is
``cxml``: the Header comes from the buyer's configuration (us in From and Sender with our own
SharedSecret, the buyer in To), and the ``DocumentReference`` names the payloadID of the buyer's
OrderRequest, read back from the stored order document the new one descends from.

Our SharedSecret is written as ``[redacted]``: the document is stored (and queued in the outbox)
without it, and the ``cxml`` channel writes the buyer's current one in as it sends
(:mod:`gateway.punchout.delivery`).
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from formats.cxml import confirmation, envelope, invoice, ship_notice
from formats.cxml.redaction import MARKER
from formats.errors import MappingError
from formats.model import Canonical, Invoice, OrderResponse, ShipNotice
from gateway.punchout.buyers import routing_to
from gateway.punchout.sessions import new_payload_id
from gateway.punchout.tables import CxmlBuyer
from gateway.store.tables import Document, Partner, utcnow

CXML_TYPES = {"order-response": "ConfirmationRequest", "ship-notice": "ShipNoticeRequest",
              "invoice": "InvoiceDetailRequest"}
"""What we send a cXML buyer for each kind of outgoing document (``gateway.outbound.Outgoing`` values)."""


def order_payload_id(s: Session, parent_id: int | None) -> str | None:
    """The payloadID of the buyer's OrderRequest that ``parent_id`` is (or descends from)."""
    seen = 0
    while parent_id is not None and seen < 5:
        parent = s.get(Document, parent_id)
        if parent is None:
            return None
        if parent.standard == "cxml" and parent.direction == "in" and parent.doc_type == "OrderRequest":
            return envelope.parse(parent.raw).payload_id
        parent_id, seen = parent.parent_id, seen + 1
    return None


def render_for_buyer(s: Session, partner: Partner, doc_type: str, document: Canonical,
                     parent_id: int | None) -> bytes:
    """The cXML ``doc_type`` of ``document`` for the buyer ``partner`` (DTD-valid, from :mod:`formats.cxml`)."""
    config = s.get(CxmlBuyer, partner.id)
    if config is None:
        raise MappingError(f"partner {partner.id} speaks cXML but has no cXML buyer configuration")
    now = utcnow()
    routing = dataclasses.replace(routing_to(config), shared_secret=MARKER if config.our_secret else None)
    reference = order_payload_id(s, parent_id)
    if doc_type == "InvoiceDetailRequest" and isinstance(document, Invoice):
        return invoice.render(document, payload_id=new_payload_id(now), timestamp=now, routing=routing,
                              order_payload_id=reference)
    if reference is None:
        raise MappingError(f"a cXML {doc_type} must reference the buyer's OrderRequest, and none was found")
    if doc_type == "ConfirmationRequest" and isinstance(document, OrderResponse):
        return confirmation.render(document, order_payload_id=reference, payload_id=new_payload_id(now),
                                   timestamp=now, routing=routing)
    if doc_type == "ShipNoticeRequest" and isinstance(document, ShipNotice):
        return ship_notice.render(document, order_payload_id=reference, payload_id=new_payload_id(now),
                                  timestamp=now, routing=routing)
    raise MappingError(f"cXML {doc_type} cannot be written from a {type(document).__name__}")


__all__ = ["CXML_TYPES", "order_payload_id", "render_for_buyer"]
