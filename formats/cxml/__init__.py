"""cXML 1.2 documents <-> the canonical model: pure functions, no I/O.

One module per message type, each with ``parse`` and ``render``; :data:`CXML_DOCUMENTS` maps the
element inside ``Request`` / ``Message`` to its reader, and :func:`parse` dispatches by it,
returning the :class:`~formats.cxml.envelope.Envelope` (payloadID, credentials) with the document.

=========================  =========================  ===========================================
element                    module                     document
=========================  =========================  ===========================================
OrderRequest               :mod:`.order_request`      :class:`~formats.model.Order`
PunchOutSetupRequest       :mod:`.punchout`           :class:`.punchout.PunchOutSetupRequest`
PunchOutOrderMessage       :mod:`.punchout`           :class:`.punchout.PunchOutOrderMessage`
ConfirmationRequest        :mod:`.confirmation`       :class:`~formats.model.OrderResponse`
ShipNoticeRequest          :mod:`.ship_notice`        :class:`~formats.model.ShipNotice`
InvoiceDetailRequest       :mod:`.invoice`            :class:`~formats.model.Invoice`
=========================  =========================  ===========================================

Other requests (ProfileRequest, StatusUpdateRequest ...) and Responses parse to their envelope
with ``document`` None, so the ``/cxml`` endpoint can still answer them.

Documents we write name the DTD they are valid against in their DOCTYPE: cXML.dtd and
Fulfill.dtd 1.2.063, InvoiceDetail.dtd 1.2.037 (the versions in the corpus).

More information: cXML User's Guide and DTDs, http://xml.cxml.org/current/cXMLUsersGuide.pdf.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from formats.codes.units import UnitMap
from formats.cxml import confirmation, envelope, invoice, order_request, punchout, ship_notice
from formats.cxml.envelope import Credential, Envelope, Routing, Status, payload_id, response
from formats.cxml.punchout import CartHeader, PunchOutOrderMessage, PunchOutSetupRequest
from formats.model import Invoice, Order, OrderResponse, ShipNotice

CxmlPayload = Order | OrderResponse | ShipNotice | Invoice | PunchOutSetupRequest | PunchOutOrderMessage
"""Everything a cXML document reads into."""

Reader = Callable[..., CxmlPayload]

CXML_DOCUMENTS: dict[str, Reader] = {
    "OrderRequest": order_request.parse,
    "PunchOutSetupRequest": punchout.parse_setup_request,
    "PunchOutOrderMessage": punchout.parse_order_message,
    "ConfirmationRequest": confirmation.parse,
    "ShipNoticeRequest": ship_notice.parse,
    "InvoiceDetailRequest": invoice.parse,
}
"""The element inside Request / Message -> the function that reads the document."""


@dataclass(frozen=True)
class CxmlDocument:
    """A parsed cXML document: its envelope, and the document when we read that type (else None)."""

    envelope: Envelope
    document: CxmlPayload | None


def parse(raw: bytes | etree._Element, *, units: UnitMap | None = None) -> CxmlDocument:
    """Read any cXML document: the envelope, and the document dispatched by its element name."""
    root = envelope.cxml_root(raw)
    head = envelope.parse(root)
    reader = CXML_DOCUMENTS.get(head.document_type)
    return CxmlDocument(head, reader(root, units=units) if reader is not None else None)


__all__ = [
    "CXML_DOCUMENTS",
    "CartHeader",
    "Credential",
    "CxmlDocument",
    "CxmlPayload",
    "Envelope",
    "PunchOutOrderMessage",
    "PunchOutSetupRequest",
    "Routing",
    "Status",
    "confirmation",
    "envelope",
    "invoice",
    "order_request",
    "parse",
    "payload_id",
    "punchout",
    "response",
    "ship_notice",
]
