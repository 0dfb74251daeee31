"""The ``cxml`` delivery channel: POST a document to a buyer and read the buyer's cXML Response.

Registered with the outbox's transport registry (:func:`gateway.delivery.register_transport`) when
the punchout package is imported. A cXML buyer's partner row routes its documents here
(``settings["delivery"] = {"channel": "cxml", "destination": URL}``, written by
:func:`gateway.punchout.buyers.add_buyer`), so ConfirmationRequest, ShipNoticeRequest and
InvoiceDetailRequest leave through the transactional outbox with its retries and attempt history.

Unlike plain ``http``, the answer that counts is the ``Status`` inside the buyer's cXML Response
(buyers answer HTTP 200 with ``<Status code="400">`` as often as not): 2xx delivered; 4xx a
permanent failure carrying the buyer's text; 5xx, no answer, or an answer that is not cXML a
transient one, retried with backoff. The POST never follows a redirect (a 3xx is a permanent
failure naming where it pointed): what we send carries our SharedSecret for the buyer.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from formats.cxml import envelope
from formats.errors import FormatError
from gateway.delivery import Message, PermanentFailure, Receipt, TransientFailure, register_transport
from gateway.delivery.destinations import post
from gateway.delivery.transports import TransportContext

CHANNEL = "cxml"


class CxmlTransport:
    """POST text/xml to the buyer's URL; the buyer's cXML Status decides (see module doc)."""

    def __init__(self, timeout_seconds: float = 30.0) -> None:
        self.timeout_seconds = timeout_seconds

    def deliver(self, message: Message) -> Receipt:
        """One POST, then the buyer's Response read for its Status."""
        request = urllib.request.Request(message.destination, data=message.payload, method="POST", headers={
            "Content-Type": "text/xml; charset=utf-8", "User-Agent": "b2b-gateway", **message.headers})
        try:
            with post(request, self.timeout_seconds) as answer:  # http(s) only, never a redirect: it carries our secret
                status, body = answer.status, answer.read(65536)
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read(65536)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TransientFailure(f"{message.destination} not reachable: {getattr(exc, 'reason', exc)}") from exc
        try:
            head = envelope.parse(body)
        except FormatError as exc:
            raise TransientFailure(f"HTTP {status} from {message.destination} without a cXML Response: {exc}") from exc
        if head.status is None:
            raise TransientFailure(f"HTTP {status} from {message.destination}: a cXML document without a Status")
        said = f"cXML {head.status.code} {head.status.text}{': ' + head.status.detail if head.status.detail else ''}"
        if 200 <= head.status.code < 300:
            return Receipt(said, {"status": head.status.code, "text": head.status.text,
                                  "payload_id": head.payload_id})
        if 400 <= head.status.code < 500:
            raise PermanentFailure(f"the buyer refused it: {said}")
        raise TransientFailure(f"the buyer answered {said}")


def _factory(context: TransportContext) -> CxmlTransport:
    return CxmlTransport(context.timeout_seconds)


register_transport(CHANNEL, _factory)

__all__ = ["CHANNEL", "CxmlTransport"]
