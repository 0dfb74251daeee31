"""The ``as2`` delivery channel: an outbox message packed, posted to the partner, and its MDN checked.

:class:`As2Transport` follows the transport contract (:mod:`gateway.delivery.transports`): the
worker calls it outside any transaction and sorts what it raises. Per attempt:

1. the payload is packed as the partner's AS2 options say (signed with our key, encrypted to its
   certificate, compressed, the MDN asked for) and the :class:`~gateway.as2.tables.As2Message`
   (direction ``out``, with the MIC we computed) is stored *before* it is posted; a later attempt
   of the same outbox message whose MDN never came posts the very same bytes under the same
   Message-ID (RFC 4130 section 7.3: a resend is the same message, the receiver repeats its MDN);
2. it is POSTed to the partner's URL within ``B2BGW_AS2_TIMEOUT_SECONDS``;
3. a synchronous MDN is read and verified, its MIC compared with ours: ``processed`` with the
   same MIC delivers; a negative disposition or another MIC is a :class:`PermanentFailure` (the
   dead letter shows it); no MDN, a timeout or a 5xx is a :class:`TransientFailure` (retried);
4. an asynchronous MDN is awaited: the delivery is done, the message row waits ``sent``; the MDN
   arrives at ``POST /as2`` (:func:`gateway.as2.receiving.receive_mdn`), and one that does not
   come within ``B2BGW_AS2_MDN_WAIT_HOURS`` sends the message again, up to the partner's
   attempts, then dead-letters it (:func:`resend_overdue`, a worker's housekeeping).
"""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from gateway.as2.certificates import partner_certificates
from gateway.as2.errors import As2Error
from gateway.as2.keys import KeyProblem, our_signer
from gateway.as2.mdn import ReadMdn, read_mdn
from gateway.as2.message import MdnRequest, pack
from gateway.as2.options import As2Options, as2_options
from gateway.as2.tables import As2Message
from gateway.config import Settings
from gateway.delivery.destinations import check_http_destination, redirect_failure
from gateway.delivery.failures import (
    FailureKind,
    PermanentFailure,
    TransientFailure,
    http_status_kind,
    max_attempts_for,
)
from gateway.delivery.outbox import MessageState
from gateway.delivery.tables import OutboxMessage
from gateway.delivery.transports import Message, Receipt
from gateway.observability.metrics import AS2_MESSAGES
from gateway.store.db import session
from gateway.store.tables import Partner, utcnow

if TYPE_CHECKING:
    from gateway.delivery.transports import TransportContext

log = logging.getLogger(__name__)


def same_mic(theirs: str | None, ours: str | None) -> bool:
    """Whether two MICs (``"base64, algorithm"``) are equal: the digest exactly, the algorithm's name loosely."""
    if not theirs or not ours:
        return False

    def parts(mic: str) -> tuple[str, str]:
        digest, _, algorithm = mic.partition(",")
        return digest.strip(), algorithm.strip().lower().replace("-", "")

    return parts(theirs) == parts(ours)


def record_mdn(s: Session, row: As2Message, read: ReadMdn, headers: dict[str, str], body: bytes, *,
               late: bool = False) -> str:
    """Keep a partner's MDN on our message and judge it: ``acknowledged`` or ``negative`` (with why).

    ``late`` (an asynchronous MDN): a negative one also marks the outbox message ``failed`` with
    the disposition, so the operator's dead letters show it like any refused delivery.
    """
    row.mdn_headers, row.mdn_raw, row.mdn_at = headers, body, utcnow()
    row.disposition = (read.disposition or "")[:500]
    if read.original_message_id and read.original_message_id.strip() != row.message_id.strip():
        row.state, row.error = "negative", f"the MDN is for {read.original_message_id}, not for {row.message_id}"
    elif not read.processed or read.error:
        row.state = "negative"
        row.error = f"the partner's MDN says {read.disposition}" + (f": {read.text.strip()[:500]}" if read.text else "")
    elif row.mic and not same_mic(read.mic, row.mic):
        row.state = "negative"
        row.error = f"the MDN's MIC {read.mic!r} is not the MIC of what we sent, {row.mic!r}"
    else:
        row.state, row.error = "acknowledged", None
    s.add(row)
    if late and row.state == "negative" and row.outbox_id is not None:
        s.execute(update(OutboxMessage).where(col(OutboxMessage.id) == row.outbox_id,
                                              col(OutboxMessage.state) == MessageState.DELIVERED.value)
                  .values(state=MessageState.FAILED.value, last_error=row.error, updated_at=utcnow()))
    return row.state


def http_post(url: str, headers: dict[str, str], body: bytes, timeout: float) -> tuple[int, dict[str, str], bytes]:
    """One POST with the AS2 headers as written; the answer, or a classified failure.

    ``http.client`` rather than ``urllib``, which recases header names (``As2-from``): HTTP says
    they are case-insensitive, but AS2 servers exist that read ``AS2-From`` only as written.
    ``http.client`` never follows a redirect; a 3xx is a permanent failure naming its
    ``Location`` (:mod:`gateway.delivery.destinations`).
    """
    check_http_destination(url, what="AS2 destination")
    parts = urllib.parse.urlsplit(url)
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(parts.hostname, parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers={"User-Agent": "b2b-gateway AS2", **headers})
        answer = connection.getresponse()
        status, answer_headers, answer_body = answer.status, dict(answer.getheaders()), answer.read()
    except (OSError, http.client.HTTPException) as exc:
        raise TransientFailure(f"{url} not reachable: {exc}") from exc
    finally:
        connection.close()
    if 300 <= status < 400:  # never followed: the message goes to the partner's configured URL only
        location = next((value for name, value in answer_headers.items() if name.lower() == "location"), None)
        raise redirect_failure(status, location, url)
    if status >= 300:
        error = f"HTTP {status} from {url}: {answer_body[:300].decode('utf-8', 'replace')}"
        if http_status_kind(status) is FailureKind.TRANSIENT:
            raise TransientFailure(error)
        raise PermanentFailure(error)
    return status, answer_headers, answer_body


class MdnTransport:
    """The ``as2-mdn`` channel: an asynchronous MDN POSTed to the partner's Receipt-Delivery-Option URL."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds

    def deliver(self, message: Message) -> Receipt:
        """POST the MDN (its headers as queued, Content-Type with its boundary among them)."""
        headers = {"Content-Type": message.content_type, **message.headers}
        status, _headers, body = http_post(message.destination, headers, message.payload, self.timeout_seconds)
        return Receipt(f"MDN posted: HTTP {status}", {"status": status, "body": body[:500].decode("utf-8", "replace")})


@dataclass(frozen=True)
class _Prepared:
    row_id: int
    message_id: str
    headers: dict[str, str]
    body: bytes
    mdn_mode: str
    verify_with: list  # type: ignore[type-arg]  # x509 certificates
    options: As2Options


class As2Transport:
    """Posts outbox messages to partners over AS2 (the module docstring)."""

    def __init__(self, engine: Engine | None, settings: Settings | None, *, mdn: str | None = None) -> None:
        self.engine = engine
        self.settings = settings or Settings()
        self.mdn = mdn  # the partner check asks a synchronous MDN whatever the partner's setting

    def deliver(self, message: Message) -> Receipt:
        """Pack (or take the stored message of a resend), post, read the MDN."""
        if self.engine is None:
            raise PermanentFailure("the as2 channel needs the database (TransportContext.engine)")
        prepared = self._prepare(message)
        status, headers, body = self._post(message.destination, prepared)
        return self._conclude(prepared, status, headers, body)

    def _prepare(self, message: Message) -> _Prepared:
        assert self.engine is not None
        with session(self.engine) as s:
            partner = s.get(Partner, message.partner_id) if message.partner_id else None
            if partner is None:
                raise PermanentFailure(f"AS2 message {message.id} names no known partner ({message.partner_id!r})")
            if not partner.as2_id:
                raise PermanentFailure(f"partner {partner.id} has no AS2 name: set it (b2bgw partners set "
                                       f"{partner.id} --as2-id NAME)")
            try:
                options = as2_options(partner.settings)
            except ValidationError as exc:
                raise PermanentFailure(f"partner {partner.id}'s AS2 settings are not valid: {exc}") from None
            if self.mdn is not None:
                options = options.model_copy(update={"mdn": self.mdn, "mdn_signed": True})
            verify_with = partner_certificates(s, partner.id, "signing")
            again = s.exec(select(As2Message).where(As2Message.direction == "out", As2Message.outbox_id == message.id,
                                                    As2Message.state == "sent")
                           .order_by(col(As2Message.id).desc())).first()
            if again is not None:  # no MDN came for it: the same message again
                return _Prepared(again.id or 0, again.message_id, dict(again.headers), again.raw, again.mdn_mode,
                                 verify_with, options)
            row = self._pack(s, message, partner, options)
            s.commit()
            return _Prepared(row.id or 0, row.message_id, dict(row.headers), row.raw, row.mdn_mode, verify_with,
                             options)

    def _pack(self, s: Session, message: Message, partner: Partner, options: As2Options) -> As2Message:
        our_id = options.our_id or self.settings.as2_id
        try:
            signer = (our_signer(s, our_id, self.settings.key_passphrase, digest=options.sign)
                      if options.sign else None)
        except KeyProblem as exc:
            raise PermanentFailure(f"we cannot sign for {our_id}: {exc}") from None
        encrypt_to = None
        if options.encrypt:
            certificates = partner_certificates(s, partner.id, "encryption")
            if not certificates:
                raise PermanentFailure(f"no valid encryption certificate of partner {partner.id}: import it with "
                                       f"`b2bgw as2 import-cert {partner.id} FILE`")
            encrypt_to = certificates[0]
        url = None
        if options.mdn == "async":
            if not self.settings.public_url:
                raise PermanentFailure("an asynchronous MDN needs our public URL (B2BGW_PUBLIC_URL) for the partner "
                                       "to post it to")
            url = self.settings.public_url.rstrip("/") + "/as2"
        digests = (options.sign or "sha256",) if options.mdn_signed else ()
        request = MdnRequest(mode=options.mdn, url=url, signed_digests=digests) if options.mdn != "none" \
            else MdnRequest(mode="none")
        packed = pack(message.payload, content_type=message.content_type, as2_from=our_id, as2_to=partner.as2_id or "",
                      signer=signer, encrypt_to=encrypt_to, cipher=options.encrypt or "aes256-cbc",
                      compress=options.compress, mdn=request, filename=message.headers.get("filename"),
                      transfer_encoding=options.transfer_encoding)
        extra = {k: v for k, v in message.headers.items() if k.lower() != "filename"}
        row = As2Message(direction="out", message_id=packed.message_id, as2_from=our_id, as2_to=partner.as2_id or "",
                         partner_id=partner.id, document_id=message.document_id,
                         outbox_id=message.id if message.id > 0 else None, state="sent",
                         headers={**extra, **packed.headers}, raw=packed.body, signed=signer is not None,
                         encrypted=encrypt_to is not None, compressed=options.compress, mic=packed.mic,
                         mdn_mode=options.mdn, mdn_url=url)
        s.add(row)
        s.flush()
        return row

    def _post(self, url: str, prepared: _Prepared) -> tuple[int, dict[str, str], bytes]:
        try:
            return http_post(url, prepared.headers, prepared.body, self.settings.as2_timeout_seconds)
        except TransientFailure as exc:
            self._note(prepared, "sent", str(exc))
            raise
        except PermanentFailure as exc:
            self._note(prepared, "failed", str(exc))
            raise

    def _note(self, prepared: _Prepared, state: str, error: str) -> None:
        assert self.engine is not None
        with session(self.engine) as s:
            s.execute(update(As2Message).where(col(As2Message.id) == prepared.row_id)
                      .values(state=state, error=error[:2000]))
            s.commit()
        AS2_MESSAGES.labels("out", "failed" if state == "failed" else "retry").inc()

    def _conclude(self, prepared: _Prepared, status: int, headers: dict[str, str], body: bytes) -> Receipt:
        assert self.engine is not None
        if prepared.mdn_mode == "none":
            AS2_MESSAGES.labels("out", "sent").inc()
            return Receipt(f"AS2 {prepared.message_id} sent (HTTP {status}, no MDN asked)",
                           {"status": status, "as2_message_id": prepared.message_id})
        if prepared.mdn_mode == "async":
            AS2_MESSAGES.labels("out", "sent").inc()
            return Receipt(f"AS2 {prepared.message_id} sent (HTTP {status}), awaiting its MDN",
                           {"status": status, "as2_message_id": prepared.message_id, "mdn": "awaited"})
        if not body.strip():
            error = f"HTTP {status} without the synchronous MDN we asked for"
            self._note(prepared, "sent", error)
            raise TransientFailure(error)
        try:
            read = read_mdn(headers, body, verify_with=prepared.verify_with,
                            require_signature=prepared.options.mdn_signed)
        except As2Error as exc:
            with session(self.engine) as s:
                row = s.get(As2Message, prepared.row_id)
                assert row is not None
                row.mdn_headers, row.mdn_raw, row.mdn_at = headers, body, utcnow()
                row.state, row.error = "negative", f"the MDN could not be accepted: {exc.message}"
                s.add(row)
                s.commit()
            AS2_MESSAGES.labels("out", exc.disposition).inc()
            raise PermanentFailure(f"AS2 {prepared.message_id}: the MDN could not be accepted: {exc}") from None
        with session(self.engine) as s:
            row = s.get(As2Message, prepared.row_id)
            assert row is not None
            state = record_mdn(s, row, read, headers, body)
            error = row.error
            s.commit()
        AS2_MESSAGES.labels("out", state).inc()
        if state != "acknowledged":
            raise PermanentFailure(f"AS2 {prepared.message_id}: {error}")
        return Receipt(f"AS2 {prepared.message_id}: MDN processed, MIC matches",
                       {"status": status, "as2_message_id": prepared.message_id, "disposition": read.disposition,
                        "mic": read.mic})


def resend_overdue(engine: Engine, settings: Settings, *, now: dt.datetime | None = None) -> list[int]:
    """Messages whose asynchronous MDN did not come in time: sent again, or dead after the partner's attempts.

    Run at every worker's housekeeping; the conditional update (only a still ``delivered`` outbox
    message moves) makes two workers running it at once act once. Returns the outbox ids moved.
    """
    cutoff = (now or utcnow()) - dt.timedelta(hours=settings.as2_mdn_wait_hours)
    moved: list[int] = []
    with session(engine) as s:
        overdue = s.exec(select(As2Message, OutboxMessage)
                         .join(OutboxMessage, col(As2Message.outbox_id) == col(OutboxMessage.id))
                         .where(As2Message.direction == "out", As2Message.state == "sent",
                                As2Message.mdn_mode == "async",
                                OutboxMessage.state == MessageState.DELIVERED.value,
                                col(OutboxMessage.delivered_at) < cutoff).limit(200)).all()
        for row, outbox in overdue:
            partner = s.get(Partner, outbox.partner_id) if outbox.partner_id else None
            cap = outbox.max_attempts or max_attempts_for(partner.settings if partner else None, settings.max_attempts)
            hours = f"{settings.as2_mdn_wait_hours:g}"
            if outbox.attempts >= cap:
                error = f"no MDN for AS2 {row.message_id} within {hours} h of each of {outbox.attempts} sendings"
                values = {"state": MessageState.DEAD.value, "last_error": error}
                row.state, row.error = "failed", error
            else:
                error = f"no MDN for AS2 {row.message_id} within {hours} h: sent again"
                values = {"state": MessageState.RETRY.value, "last_error": error, "next_attempt_at": None}
                row.error = error
            done = s.execute(update(OutboxMessage).where(col(OutboxMessage.id) == outbox.id,
                                                         col(OutboxMessage.state) == MessageState.DELIVERED.value)
                             .values(updated_at=utcnow(), **values))
            if done.rowcount == 1:  # type: ignore[attr-defined]
                s.add(row)
                moved.append(outbox.id or 0)
                log.warning("AS2 outbox message %s: %s", outbox.id, error, extra={"partner": outbox.partner_id})
        s.commit()
    return moved


def as2_transport(context: TransportContext) -> As2Transport:
    """The ``as2`` channel's transport for one worker (the table in :mod:`gateway.delivery.transports`)."""
    return As2Transport(context.engine, context.settings)


def mdn_transport(context: TransportContext) -> MdnTransport:
    """The ``as2-mdn`` channel's transport for one worker."""
    return MdnTransport((context.settings or Settings()).as2_timeout_seconds)


__all__ = ["As2Transport", "MdnTransport", "as2_transport", "http_post", "mdn_transport", "record_mdn",
           "resend_overdue", "same_mic"]
