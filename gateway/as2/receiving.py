"""Receiving at ``POST /as2``: a partner's AS2 message into the intake, answered with its MDN.

Every request ends in a stored :class:`~gateway.as2.tables.As2Message` and an answer that says
what happened, never a 500 for what the partner sent:

1. the envelope (AS2-From, AS2-To, Message-ID) is read; a missing header is a 400 naming it;
2. AS2-From must name a partner (``gw_partner.as2_id``) that is not disabled, and AS2-To must be
   our name toward it; else an MDN ``authentication-failed`` (a 403 when no synchronous MDN was
   asked for: we never post a receipt to a URL given by a stranger);
3. the row is inserted (flushed) before anything is read, in the one transaction that ends
   with the outcome: the unique ``(direction, as2_from, message_id)`` makes a resend (or two
   copies racing) find the first, whose MDN is repeated, with no second document;
4. the message is decrypted with our key pairs, its signature verified with the partner's
   certificates, decompressed, as the partner's AS2 options require
   (:mod:`gateway.as2.message`); a failure is an MDN with its RFC 4130 disposition;
5. the payload is stored as an inbound document in the same transaction as the MDN (``processed``,
   with the MIC of what we received), which is answered; the document is then read by the same
   intake as every other channel (:func:`gateway.intake.files.read_received`, actor
   ``as2:<partner>``: split, validated, acknowledged with a 997/999, queued) once the answer is
   sent, or by the workers' stranded-file sweep if the process stops first.

Why the MDN does not wait for the EDI intake, and says ``processed`` even for a file the intake
will reject: RFC 4130 section 7.4 makes the MDN a receipt of the *transport* (the message arrived
intact, from whom it claims, and was stored for the application). Its error modifiers are about
decryption, signature, integrity and the message's security, not the content: an X12 syntax
error is answered by the 997/999 the intake makes, a business refusal by an 855. A partner
system reading ``processed/error`` resends the same bytes, which would be refused the same way;
and a receipt that waited for the reading of a large interchange would cost the partner's
connection most of its time. Only a failure to store the message at all (the database down) is a
503, after which the partner resends.

An MDN posted to ``/as2`` is the asynchronous receipt of one of *our* messages
(:func:`receive_mdn`): matched by Original-Message-ID, verified, its MIC compared, recorded.
"""

from __future__ import annotations

import logging
import urllib.parse
import uuid
from collections.abc import Mapping

from cryptography import x509
from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from formats.detect import detect
from gateway.as2.answers import As2Answer, refuse_too_large, store_failed, stored_headers, text_answer
from gateway.as2.certificates import expired_certificates, partner_certificates
from gateway.as2.errors import As2Error, AuthenticationFailed, UnexpectedProcessingError
from gateway.as2.keys import KeyProblem, PrivateKey, our_as2_ids, our_key_pair, our_key_pairs
from gateway.as2.mdn import PackedMdn, build_mdn, is_mdn
from gateway.as2.message import MdnRequest, read_envelope, unpack
from gateway.as2.options import As2Options, as2_options
from gateway.as2.receipts import receive_mdn
from gateway.as2.smime import Signer
from gateway.as2.tables import As2Message
from gateway.config import Settings
from gateway.delivery.outbox import delivery_route, enqueue
from gateway.intake.failures import column_text
from gateway.intake.files import read_received
from gateway.observability.logs import document_context
from gateway.observability.metrics import AS2_MESSAGES, DOCUMENTS_RECEIVED
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import create_document
from gateway.store.tables import Partner, utcnow

log = logging.getLogger(__name__)

SIGNING_DIGESTS = {"sha256": "sha256", "sha-256": "sha256", "sha384": "sha384", "sha-384": "sha384",
                   "sha512": "sha512", "sha-512": "sha512", "sha1": "sha1", "sha-1": "sha1"}
"""Digests a partner may ask its signed MDN to use (Disposition-Notification-Options), by their names."""

MDN_CHANNEL = "as2-mdn"
"""The outbox channel carrying asynchronous MDNs (an HTTP POST to the Receipt-Delivery-Option URL)."""


def read_payload(engine: Engine, answer: As2Answer) -> None:
    """Read the payload an answer stored (the intake of its standard: split, validate, acknowledge, queue).

    Called after the MDN has gone out (a background task of the route). A process that stops
    before it leaves the file ``received``, which the workers' stranded-file sweep reads.
    """
    if answer.read_document is not None:
        with document_context(answer.read_document):
            read_received(engine, answer.read_document, actor=answer.actor)


def receive(engine: Engine, settings: Settings, headers: Mapping[str, str], body: bytes, *,
            read_now: bool = True) -> As2Answer:
    """Take one POST /as2 (a message, or an asynchronous MDN for one of ours) and answer it.

    The payload is stored with the MDN; with ``read_now`` it is also read before returning,
    otherwise the caller calls :func:`read_payload` once the answer is sent (the route does).
    """
    answer = _receive(engine, settings, headers, body)
    if read_now:
        read_payload(engine, answer)
    return answer


def _receive(engine: Engine, settings: Settings, headers: Mapping[str, str], body: bytes) -> As2Answer:
    try:
        if is_mdn(headers, body):
            return receive_mdn(engine, settings, headers, body)
    except As2Error:
        pass  # not readable as an MDN: read as a message below, which says what is wrong
    try:
        message_id, as2_from, as2_to, mdn = read_envelope(headers)
    except As2Error as exc:
        row_id = store_failed(engine, headers, body, exc, message_id=exc.message_id, as2_from=exc.as2_from,
                               as2_to=exc.as2_to)
        AS2_MESSAGES.labels("in", "refused").inc()
        return text_answer(400, f"not an AS2 message: {exc.message}", row_id, "refused")
    return _Receipt(engine, settings, headers, body, message_id, as2_from, as2_to, mdn).run()


def _valid_now(certificate: x509.Certificate) -> bool:
    now = utcnow()
    return certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc


class _Receipt:
    """One message being received (the steps of the module docstring)."""

    def __init__(self, engine: Engine, settings: Settings, headers: Mapping[str, str], body: bytes,
                 message_id: str, as2_from: str, as2_to: str, mdn: MdnRequest) -> None:
        self.engine, self.settings, self.headers, self.body = engine, settings, headers, body
        self.message_id, self.as2_from, self.as2_to, self.mdn = message_id, as2_from, as2_to, mdn
        self.partner: Partner | None = None
        self.options = As2Options()
        self._pair: tuple[PrivateKey, x509.Certificate] | None = None  # ours, to sign the MDN, once loaded

    # -- steps -------------------------------------------------------------------------------

    def run(self) -> As2Answer:
        """One transaction from the claim of the Message-ID to the stored payload and its MDN.

        The row is inserted (flushed) first: a second copy of the message, racing this one or
        sent later, stops on the unique key (PostgreSQL makes it wait for this transaction, SQLite
        for its write lock) and is answered the MDN this one commits. If the process stops
        before the commit, nothing of the message is kept and no MDN went out: the partner
        resends, as it does for any message without a receipt.
        """
        with session(self.engine) as s:
            refusal = self._identify(s)
            if refusal is None:
                return self._claim_and_read(s)
        return self._refuse(refusal)  # after the session: its read must not hold SQLite's lock while we write

    def _claim_and_read(self, s: Session) -> As2Answer:
        """Flush the message row (the claim of its Message-ID), then read it; a resend gets the first's MDN."""
        row = self._new_row()
        s.add(row)
        try:
            s.flush()
        except IntegrityError:
            s.rollback()
            first = s.exec(select(As2Message).where(As2Message.direction == "in",
                                                    As2Message.as2_from == self.as2_from[:128],
                                                    As2Message.message_id == self.message_id[:998])).one()
            taken = self._repeat(s, first)
            if isinstance(taken, As2Answer):
                return taken
            row = taken
        return self._read(s, row)

    def _identify(self, s: Session) -> As2Error | None:
        """The partner named by AS2-From, and whether it may send to the AS2-To it names."""
        self.partner = s.exec(select(Partner).where(Partner.as2_id == self.as2_from)).first()
        if self.partner is not None:
            s.expunge(self.partner)  # read once; a rollback on a resend's unique key must not expire it
        if self.partner is None:
            return AuthenticationFailed(f"unknown AS2-From {self.as2_from!r}: no partner has this AS2 name")
        try:
            self.options = as2_options(self.partner.settings)
        except ValueError as exc:
            return UnexpectedProcessingError(f"partner {self.partner.id}'s AS2 settings are not valid: {exc}")
        if self.partner.disabled_at is not None:
            return AuthenticationFailed(f"partner {self.partner.id} ({self.as2_from}) is disabled"
                                        + (f": {self.partner.disabled_reason}" if self.partner.disabled_reason else ""))
        expected = self.options.our_id or self.settings.as2_id
        if self.as2_to != expected:
            ours = our_as2_ids(s) | {self.settings.as2_id}
            known = " (one of our names, but not the one agreed with this partner)" if self.as2_to in ours else ""
            return AuthenticationFailed(f"AS2-To {self.as2_to!r} is not our AS2 name toward {self.as2_from!r}, "
                                        f"{expected!r}{known}")
        return None

    def _refuse(self, error: As2Error) -> As2Answer:
        """A sender we do not accept: a synchronous MDN when one was asked for, else 403; stored either way."""
        partner_id = self.partner.id if self.partner is not None else None
        row_id = store_failed(self.engine, self.headers, self.body, error, partner_id=partner_id,
                               message_id=self.message_id, as2_from=self.as2_from, as2_to=self.as2_to)
        AS2_MESSAGES.labels("in", error.disposition).inc()
        log.warning("AS2 message %s from %r refused: %s", self.message_id, self.as2_from, error)
        if self.mdn.mode != "sync":
            return text_answer(403, f"refused: {error}", row_id, error.disposition)
        packed = self._mdn(error.disposition, None, f"The message {self.message_id} was refused: {error.message}")
        with session(self.engine) as s:
            row = s.get(As2Message, row_id)
            assert row is not None
            self._keep_mdn(row, packed, f"processed/error: {error.disposition}")
            s.add(row)
            s.commit()
        return As2Answer(200, dict(packed.headers), packed.body, row_id, None, error.disposition)

    def _new_row(self) -> As2Message:
        assert self.partner is not None
        return As2Message(direction="in", message_id=self.message_id[:998], as2_from=self.as2_from[:128],
                          as2_to=self.as2_to[:128], partner_id=self.partner.id, state="received",
                          headers=stored_headers(self.headers), raw=self.body, mdn_mode=self.mdn.mode,
                          mdn_url=(self.mdn.url or None) and (self.mdn.url or "")[:1000])

    def _repeat(self, s: Session, first: As2Message) -> As2Message | As2Answer:
        """The original's MDN again (RFC 4130 section 7.4.1: duplicates get the same answer, no second document).

        Except when the original failed (nothing was made of it): the resend is read afresh under
        the same row, since a partner that fixed its certificate resends the same message.
        """
        if first.state == "failed":  # nothing came of it: a resend (the partner fixed its side) is read afresh
            retried = s.execute(update(As2Message).where(col(As2Message.id) == first.id,
                                                         col(As2Message.state) == "failed")
                                .values(state="received", raw=self.body, headers=stored_headers(self.headers),
                                        error=None, disposition=None, mdn_raw=None, mdn_headers={}, mdn_at=None,
                                        mdn_mode=self.mdn.mode, mdn_url=self.mdn.url, created_at=utcnow()))
            s.commit()
            if retried.rowcount == 1:  # type: ignore[attr-defined]
                s.refresh(first)
                log.info("AS2 message %s from %s: sent again after it failed; read again", self.message_id,
                         self.as2_from)
                return first
        AS2_MESSAGES.labels("in", "duplicate").inc()
        log.info("AS2 message %s from %s received again: its MDN repeated", self.message_id, self.as2_from)
        note = f"a resend of message {first.id} ({first.state})"
        if first.mdn_raw is None or self.mdn.mode == "none":
            return text_answer(200, f"{note}; no MDN", first.id, "duplicate")
        if self.mdn.mode == "async" and self.mdn.url:
            self._queue_mdn(s, first, PackedMdn(message_id="", headers=dict(first.mdn_headers), body=first.mdn_raw),
                            url=self.mdn.url, key=f"as2-mdn:{first.id}:repeat:{uuid.uuid4().hex[:12]}")
            s.commit()
            return text_answer(200, f"{note}; its MDN is sent again to {self.mdn.url}", first.id, "duplicate")
        return As2Answer(200, {str(k): str(v) for k, v in first.mdn_headers.items()}, first.mdn_raw, first.id,
                         first.document_id, "duplicate")

    def _read(self, s: Session, row: As2Message) -> As2Answer:
        """Decrypt, verify, decompress; store the payload for the intake; keep and answer the MDN; commit."""
        assert self.partner is not None
        partner = self.partner
        try:
            decrypt_with = our_key_pairs(s, self.as2_to, self.settings.key_passphrase)
        except KeyProblem as exc:
            decrypt_with = []
            log.error("AS2: our key pairs for %s cannot be loaded: %s", self.as2_to, exc)
        verify_with = partner_certificates(s, partner.id, "signing")
        if self.mdn.signed_digests and self.mdn.mode != "none":
            self._pair = next((pair for pair in decrypt_with if _valid_now(pair[1])), None)
        try:
            unpacked = unpack(self.headers, self.body, decrypt_with=decrypt_with, verify_with=verify_with,
                              require_signature=self.options.require_signature,
                              require_encryption=self.options.require_encryption)
        except As2Error as exc:
            if exc.disposition == "authentication-failed" and (
                    expired := expired_certificates(s, partner.id, "signing")):
                exc.message += (f" (the certificate of {partner.id} we hold expired on "
                                f"{expired[0].not_after:%Y-%m-%d}: import its new one with "
                                f"`b2bgw as2 import-cert {partner.id} FILE`)")
            return self._failed(s, row, exc)
        except Exception as exc:  # a bug some bytes reach is this message's outcome, never a 500
            log.exception("AS2 message %s: unpacking failed unexpectedly", self.message_id)
            return self._failed(s, row, UnexpectedProcessingError(
                f"the message could not be read ({type(exc).__name__})"))
        security = ", ".join(word for word, on in (("signed", unpacked.signed), ("encrypted", unpacked.encrypted),
                                                   ("compressed", unpacked.compressed)) if on) or "in clear"
        actor = f"as2:{partner.id}"
        # the payload stored and the MDN kept (and queued) in the transaction that claimed the message
        doc = create_document(s, raw=unpacked.payload, direction="in", doc_type="interchange",
                              state=State.RECEIVED, actor=actor, partner_id=partner.id,
                              reason=f"received {len(unpacked.payload)} bytes in AS2 message {self.message_id}",
                              filename=column_text(unpacked.filename, 255))
        document_id = doc.id or 0
        text = (f"The AS2 message {self.message_id} from {self.as2_from} ({security}, {len(unpacked.payload)} "
                f"bytes) was received and stored as document {document_id} for the EDI intake, which answers "
                "its content (997/999).")
        stored = row
        stored.document_id = document_id
        stored.signed, stored.encrypted = unpacked.signed, unpacked.encrypted
        stored.compressed = unpacked.compressed
        stored.mic = unpacked.mic
        stored.state = "processed"
        answer = self._answer(s, stored, None, text)
        s.commit()
        DOCUMENTS_RECEIVED.labels(partner.id, detect(unpacked.payload[:4096]).value).inc()
        AS2_MESSAGES.labels("in", "processed").inc()
        log.info("AS2 message %s from %s stored as document %s", self.message_id, self.as2_from, document_id,
                 extra={"document_id": document_id, "partner": partner.id})
        return As2Answer(answer.status, answer.headers, answer.body, row.id, document_id, "processed",
                         read_document=document_id, actor=actor)

    def _failed(self, s: Session, row: As2Message, error: As2Error) -> As2Answer:
        """The message could not be read: kept ``failed``, answered with the MDN of its disposition."""
        row.state, row.error = "failed", error.message
        answer = self._answer(s, row, error.disposition,
                              f"The AS2 message {self.message_id} from {self.as2_from} could not be processed: "
                              f"{error.message}")
        s.commit()
        AS2_MESSAGES.labels("in", error.disposition).inc()
        log.warning("AS2 message %s from %s failed: %s", self.message_id, self.as2_from, error,
                    extra={"partner": row.partner_id})
        return As2Answer(answer.status, answer.headers, answer.body, row.id, None, error.disposition)

    # -- MDNs --------------------------------------------------------------------------------

    def _signer(self) -> Signer | None:
        """Our signer when the partner asked for a signed MDN in a digest we know (else the MDN goes unsigned)."""
        digests = [SIGNING_DIGESTS[d.lower()] for d in self.mdn.signed_digests if d.lower() in SIGNING_DIGESTS]
        if not self.mdn.signed_digests:
            return None
        if self._pair is not None:
            return Signer(*self._pair, digest=(digests or ["sha256"])[0])
        with session(self.engine) as s:
            try:
                key, certificate = our_key_pair(s, self.as2_to if self.as2_to in our_as2_ids(s) else
                                                self.settings.as2_id, self.settings.key_passphrase)
            except KeyProblem as exc:
                log.error("AS2: the MDN for %s goes unsigned: %s", self.message_id, exc)
                return None
        return Signer(key, certificate, digest=(digests or ["sha256"])[0])

    def _mdn(self, error: str | None, mic: str | None, text: str) -> PackedMdn:
        return build_mdn(original_message_id=self.message_id, as2_from=self.as2_to, as2_to=self.as2_from,
                         error=error, mic=mic, text=text, signer=self._signer())

    @staticmethod
    def _keep_mdn(row: As2Message, packed: PackedMdn, disposition: str) -> None:
        row.mdn_headers, row.mdn_raw = dict(packed.headers), packed.body
        row.disposition, row.mdn_at = disposition[:500], utcnow()

    def _answer(self, s: Session, row: As2Message, error: str | None, text: str) -> As2Answer:
        """Build, keep and deliver the MDN the partner asked for (in the answer, or queued to its URL)."""
        if self.mdn.mode == "none":
            row.disposition = "processed" if error is None else f"processed/error: {error}"
            s.add(row)
            return text_answer(200 if error is None else 400, text, row.id, error or "processed")
        packed = self._mdn(error, row.mic if error is None else None, text)
        self._keep_mdn(row, packed, "processed" if error is None else f"processed/error: {error}")
        s.add(row)
        if self.mdn.mode == "async":
            url = self.mdn.url or ""
            why_not = self._why_not_post(url, authenticated=error is None and row.signed)
            if why_not is None:
                self._queue_mdn(s, row, packed, url=url, key=f"as2-mdn:{row.id}")
                return text_answer(200, f"received; the MDN goes to {url}", row.id, error or "processed")
            log.warning("AS2 message %s: the MDN is answered at once, not posted to %r: %s", self.message_id, url,
                        why_not)
        return As2Answer(200, dict(packed.headers), packed.body, row.id, row.document_id, error or "processed")

    def _why_not_post(self, url: str, *, authenticated: bool) -> str | None:
        """Why an asynchronous MDN is not posted to ``url`` (then it goes in the HTTP answer); None: it is.

        A receipt is posted wherever a message whose signature verified asks. A message that did
        not authenticate (unsigned, or failed) could come from anyone naming the partner: its
        receipt is posted only to the host of the partner's own AS2 URL, so a forged request
        cannot make the gateway POST to an address of its choosing.
        """
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "not an HTTP URL"
        if authenticated:
            return None
        route = delivery_route(self.partner) if self.partner is not None else None
        known = urllib.parse.urlsplit(str(route["destination"])).hostname if route else None
        if known and known == parts.hostname:
            return None
        return "the message did not authenticate and the URL is not on the partner's AS2 host"

    def _queue_mdn(self, s: Session, row: As2Message, packed: PackedMdn, *, url: str, key: str) -> None:
        """The asynchronous MDN into the outbox: delivered and retried like any other message."""
        headers = {str(k): str(v) for k, v in packed.headers.items()}
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "multipart/report")
        # the full Content-Type (its boundary is longer than the outbox column) travels in the headers
        enqueue(s, channel=MDN_CHANNEL, destination=url[:500], kind="as2.mdn", idempotency_key=key[:200],
                payload=packed.body, content_type=content_type.split(";")[0][:100], headers=headers,
                partner_id=row.partner_id)


__all__ = ["MDN_CHANNEL", "As2Answer", "read_payload", "receive", "receive_mdn", "refuse_too_large",
           "stored_headers"]
