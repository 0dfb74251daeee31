"""Our SharedSecret goes into a cXML document only as it leaves: the ``cxml`` channel fills it in.

A document we send a cXML buyer (ConfirmationRequest, ShipNoticeRequest, InvoiceDetailRequest)
carries our own SharedSecret for that buyer in its ``Sender`` credential. It is stored
(``gw_document.raw``, the outbox payload) with ``[redacted]`` in its place
(:func:`gateway.punchout.outbound.render_for_buyer`), so neither the database, ``/api/documents``
nor ``/admin`` ever holds or shows it; this channel's transport reads the buyer's current secret
(``CxmlBuyer.our_secret``) when it delivers, writes it into a copy of the payload
(:func:`formats.cxml.redaction.fill_secret`) and hands that copy to the cXML transport
(:class:`gateway.punchout.transport.CxmlTransport`, which POSTs it and reads the buyer's Status).
A secret rotated while documents wait in the outbox goes out with them, the new one.

The transport replaces the plain one of the ``cxml`` channel when this module is imported
(:mod:`gateway.outbound` imports it, so every process that renders or delivers documents has it).
:func:`outbox_route` decides how a buyer's document is queued: a buyer routed to ``http`` goes by
``cxml`` instead (same POST, and the buyer's cXML Status is read); a buyer routed to a channel
that cannot fill the secret in (a file drop, AS2) gets its outbox payload with our secret written
in, the one place it is then kept (the document itself stays redacted).
A payload that still holds a secret in clear (stored before 0015, or written by hand) is sent as
it is. A payload with a marker for a buyer that has no secret configured any more is not sent:
that is a permanent failure the operator sees, rather than a document the buyer refuses.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine
from sqlmodel import Session

from formats.cxml.redaction import fill_secret
from gateway.delivery import Message, PermanentFailure, Receipt, Transport, register_transport
from gateway.delivery.transports import TransportContext
from gateway.punchout.tables import CxmlBuyer
from gateway.punchout.transport import CHANNEL, CxmlTransport


class SecretFillingTransport:
    """The ``cxml`` channel: our SharedSecret written into the payload at delivery, then ``inner`` delivers."""

    def __init__(self, engine: Engine, inner: Transport) -> None:
        self.engine = engine
        self.inner = inner

    def our_secret(self, partner_id: str | None) -> str | None:
        """Our SharedSecret towards the buyer ``partner_id`` (None: none configured, or not a cXML buyer)."""
        if partner_id is None:
            return None
        with Session(self.engine) as s:
            config = s.get(CxmlBuyer, partner_id)
            return config.our_secret if config is not None else None

    def deliver(self, message: Message) -> Receipt:
        """Fill in the secret (in a copy: the stored payload keeps its marker) and deliver."""
        secret = self.our_secret(message.partner_id)
        if secret is None and fill_secret(message.payload, "-") != message.payload:  # a marker, nothing for it
            raise PermanentFailure(f"message {message.id}: the document's SharedSecret is to be filled in, but "
                                   f"buyer {message.partner_id} has no SharedSecret of ours configured (our_secret)")
        return self.inner.deliver(dataclasses.replace(message, payload=fill_secret(message.payload, secret)))


def outbox_route(s: Session, partner_id: str, channel: str, payload: bytes) -> tuple[str, bytes]:
    """The (channel, payload) a cXML document for the buyer ``partner_id`` is queued with (see the module doc)."""
    if channel in (CHANNEL, "http"):
        return CHANNEL, payload
    config = s.get(CxmlBuyer, partner_id)
    return channel, fill_secret(payload, config.our_secret if config is not None else None)


def _factory(context: TransportContext) -> Transport:
    inner = CxmlTransport(context.timeout_seconds)
    return SecretFillingTransport(context.engine, inner) if context.engine is not None else inner


register_transport(CHANNEL, _factory)

__all__ = ["CHANNEL", "SecretFillingTransport", "outbox_route"]
