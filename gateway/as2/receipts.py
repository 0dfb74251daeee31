"""Asynchronous MDNs for *our* messages, posted to ``POST /as2`` by partners.

The MDN names the message it answers (Original-Message-ID); it is verified with the partner's
certificates (signed when the partner's options ask), its MIC compared with the one we computed
when sending, and recorded on that message (:func:`gateway.as2.sending.record_mdn`): a negative
one fails the outbox message, so the operator sees it with the dead letters.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine
from sqlmodel import select

from gateway.as2.answers import As2Answer, store_failed, stored_headers, text_answer
from gateway.as2.certificates import partner_certificates
from gateway.as2.errors import As2Error
from gateway.as2.mdn import read_mdn
from gateway.as2.options import As2Options, as2_options
from gateway.as2.sending import record_mdn
from gateway.as2.tables import As2Message
from gateway.config import Settings
from gateway.observability.metrics import AS2_MESSAGES
from gateway.store.db import session
from gateway.store.tables import Partner


def receive_mdn(engine: Engine, settings: Settings, headers: Mapping[str, str], body: bytes) -> As2Answer:
    """An asynchronous MDN for one of our messages: verified, its MIC compared, recorded on that message."""
    lower = {k.lower(): v for k, v in headers.items()}
    as2_from = (lower.get("as2-from") or "").strip().strip('"')
    with session(engine) as s:
        partner = s.exec(select(Partner).where(Partner.as2_id == as2_from)).first() if as2_from else None
        if partner is None:
            row_id = store_failed(engine, headers, body, f"an MDN from unknown AS2-From {as2_from!r}",
                                   as2_from=as2_from, as2_to=lower.get("as2-to"))
            return text_answer(403, f"unknown AS2-From {as2_from!r}", row_id, "refused")
        try:
            options = as2_options(partner.settings)
        except ValueError:
            options = As2Options()
        certificates = partner_certificates(s, partner.id, "signing")
    try:
        read = read_mdn(headers, body, verify_with=certificates, require_signature=options.mdn_signed)
    except As2Error as exc:
        row_id = store_failed(engine, headers, body, exc, partner_id=partner.id, as2_from=as2_from,
                               as2_to=lower.get("as2-to"))
        AS2_MESSAGES.labels("in", "mdn-refused").inc()
        return text_answer(400, f"MDN not accepted: {exc.message}", row_id, "mdn-refused")
    with session(engine) as s:
        ours = s.exec(select(As2Message).where(As2Message.direction == "out",
                                               As2Message.message_id == read.original_message_id)).first()
        if ours is None or ours.partner_id != partner.id:
            row_id = store_failed(engine, headers, body, f"an MDN for {read.original_message_id}, which we did not "
                                   f"send to {partner.id}", partner_id=partner.id, as2_from=as2_from)
            return text_answer(404, f"no message {read.original_message_id} of ours to {as2_from}", row_id,
                                "mdn-unknown")
        state = record_mdn(s, ours, read, dict(stored_headers(headers)), body, late=True)
        s.commit()
        row_id = ours.id
    AS2_MESSAGES.labels("out", state).inc()
    return text_answer(200, f"MDN for {read.original_message_id} recorded: {state}", row_id, state)


__all__ = ["receive_mdn"]
