"""AS2 receipts: Message Disposition Notifications (RFC 4130 section 7.4, RFC 3798), built and read.

An MDN is a ``multipart/report; report-type=disposition-notification`` with a human-readable
text part and a ``message/disposition-notification`` part whose fields say what happened to the
original message::

    Reporting-UA: b2b-gateway
    Original-Recipient: rfc822; B2BGW
    Final-Recipient: rfc822; B2BGW
    Original-Message-ID: <id@partner>
    Disposition: automatic-action/MDN-sent-automatically; processed/error: decryption-failed
    Received-Content-MIC: 5Rg1...=, sha-256

signed (multipart/signed around the report) when the sender asked for a signed receipt. The
error modifiers are RFC 4130 section 7.4.3's (see :mod:`gateway.as2.errors`).
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography import x509

from gateway.as2.errors import As2Error, InsufficientMessageSecurity, UnexpectedProcessingError
from gateway.as2.message import AS2_VERSION, bare_message_id, make_message_id
from gateway.as2.mime import (
    Entity,
    build_multipart,
    decode_body,
    lower_headers,
    new_boundary,
    parse_entity,
    quote_as2_name,
    render_entity,
    split_multipart,
)
from gateway.as2.smime import Signer, open_signed, signed_entity

REPORTING_UA = "b2b-gateway"
_AUTOMATIC = "automatic-action/MDN-sent-automatically"


@dataclass(frozen=True)
class PackedMdn:
    """An MDN ready to send (sync: as the HTTP response; async: POSTed): id without brackets, headers, body."""

    message_id: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class ReadMdn:
    """What a partner's MDN said about our message."""

    message_id: str | None
    original_message_id: str | None
    processed: bool
    disposition: str
    error: str | None
    mic: str | None
    signed: bool
    text: str


def build_mdn(
    *,
    original_message_id: str,
    as2_from: str,
    as2_to: str,
    error: str | None,
    mic: str | None,
    text: str,
    signer: Signer | None,
) -> PackedMdn:
    """The MDN we (``as2_from``) send ``as2_to`` about their message: processed, or processed/error: ``error``."""
    original = bare_message_id(original_message_id)
    for label, value in (("Original-Message-ID", original), ("AS2-From", as2_from), ("AS2-To", as2_to),
                         ("Received-Content-MIC", mic or ""), ("error", error or "")):
        if not value.isprintable():
            raise UnexpectedProcessingError(f"the MDN's {label} {value[:40]!r} is not printable")
    disposition = f"{_AUTOMATIC}; processed" + (f"/error: {error}" if error else "")
    fields = [
        ("Reporting-UA", REPORTING_UA),
        ("Original-Recipient", f"rfc822; {as2_from}"),
        ("Final-Recipient", f"rfc822; {as2_from}"),
        ("Original-Message-ID", f"<{original}>"),
        ("Disposition", disposition),
    ]
    if mic:
        fields.append(("Received-Content-MIC", mic))
    notification = b"".join(f"{name}: {value}\r\n".encode("ascii") for name, value in fields)
    text_part = render_entity([
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Transfer-Encoding", "8bit"),
    ], (text.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n").encode("utf-8"))
    notification_part = render_entity([
        ("Content-Type", "message/disposition-notification"),
        ("Content-Transfer-Encoding", "7bit"),
    ], notification)
    boundary = new_boundary()
    entity = render_entity([
        ("Content-Type", f'multipart/report; report-type=disposition-notification; boundary="{boundary}"'),
    ], build_multipart([text_part, notification_part], boundary))
    if signer is not None:
        entity = signed_entity(entity, signer)
    outer = parse_entity(entity)
    message_id = make_message_id(as2_from)
    headers = {
        "AS2-Version": AS2_VERSION,
        "AS2-From": quote_as2_name(as2_from),
        "AS2-To": quote_as2_name(as2_to),
        "Message-ID": f"<{message_id}>",
        "Subject": "Message Disposition Notification",
        "Date": email.utils.formatdate(usegmt=True),
        "MIME-Version": "1.0",
    }
    headers.update(outer.headers)
    return PackedMdn(message_id=message_id, headers=headers, body=outer.body)


def is_mdn(headers: Mapping[str, str], body: bytes) -> bool:
    """Whether a POST is an MDN (multipart/report, or multipart/signed around one), not a message."""
    try:
        entity = _outer(headers, body)
        if entity.content_type == "multipart/report":
            return True
        if entity.content_type != "multipart/signed":
            return False
        boundary = entity.param("boundary")
        if not boundary:
            return False
        parts = split_multipart(entity.body, boundary)
        return bool(parts) and parse_entity(parts[0]).content_type == "multipart/report"
    except As2Error:
        return False


def read_mdn(
    headers: Mapping[str, str],
    body: bytes,
    *,
    verify_with: Sequence[x509.Certificate],
    require_signature: bool = False,
) -> ReadMdn:
    """A partner's MDN, its signature verified against ``verify_with`` (As2Error when it does not verify)."""
    message_id = bare_message_id(lower_headers(headers).get("message-id", "")) or None
    try:
        return _read_mdn(headers, body, message_id, verify_with, require_signature)
    except As2Error as failure:
        raise failure.with_envelope(message_id, None, None) from None
    except Exception as exc:  # the boundary: nothing but As2Error leaves this module
        raise UnexpectedProcessingError(f"the MDN could not be read: {type(exc).__name__}: {exc}",
                                        message_id=message_id) from exc


def _read_mdn(
    headers: Mapping[str, str],
    body: bytes,
    message_id: str | None,
    verify_with: Sequence[x509.Certificate],
    require_signature: bool,
) -> ReadMdn:
    entity = _outer(headers, body)
    signed = False
    if entity.content_type == "multipart/signed":
        content, _verified = open_signed(entity, verify_with)
        entity = parse_entity(content)
        signed = True
    elif require_signature:
        raise InsufficientMessageSecurity(
            f"a signed MDN was required and this one is an unsigned {entity.content_type}"
        )
    if entity.content_type != "multipart/report":
        raise UnexpectedProcessingError(f"an MDN is a multipart/report, this is {entity.content_type}")
    boundary = entity.param("boundary")
    if not boundary:
        raise UnexpectedProcessingError("the multipart/report has no boundary parameter")
    text_parts: list[str] = []
    fields: dict[str, str] | None = None
    for raw_part in split_multipart(entity.body, boundary):
        part = parse_entity(raw_part)
        if part.content_type == "message/disposition-notification" and fields is None:
            fields = {name.lower(): value for name, value in parse_entity(decode_body(part)).headers}
        elif part.content_type.startswith("text/"):
            text_parts.append(decode_body(part).decode(part.param("charset") or "utf-8", errors="replace"))
    if fields is None:
        raise UnexpectedProcessingError("the multipart/report has no message/disposition-notification part")
    disposition = fields.get("disposition", "")
    if not disposition:
        raise UnexpectedProcessingError("the disposition notification has no Disposition field")
    processed, error = _disposition(disposition)
    original = fields.get("original-message-id")
    return ReadMdn(
        message_id=message_id,
        original_message_id=bare_message_id(original) if original else None,
        processed=processed,
        disposition=disposition,
        error=error,
        mic=fields.get("received-content-mic"),
        signed=signed,
        text="\n".join(text.replace("\r\n", "\n").strip() for text in text_parts),
    )


def _disposition(value: str) -> tuple[bool, str | None]:
    """(processed without error, the error/failure modifier) of a Disposition field (RFC 3798 3.2.6).

    ``automatic-action/MDN-sent-automatically; processed/warning: x`` is processed; ``processed/error: x``,
    ``failed/failure: x`` and anything but ``processed`` is not.
    """
    _mode, _, rest = value.partition(";")
    kind, _, modifier = rest.strip().partition("/")
    kind = kind.strip().lower()
    modifier_kind, _, modifier_text = modifier.partition(":")
    modifier_kind = modifier_kind.strip().lower()
    if modifier_kind in ("error", "failure", "failed"):
        return False, modifier_text.strip() or modifier_kind
    if kind != "processed":
        return False, modifier_text.strip() or kind or "no disposition type"
    return True, None


def _outer(headers: Mapping[str, str], body: bytes) -> Entity:
    lowered = lower_headers(headers)
    content_type = lowered.get("content-type")
    if not content_type:
        raise UnexpectedProcessingError("no Content-Type header")
    outer = [("Content-Type", content_type)]
    if "content-transfer-encoding" in lowered:
        outer.append(("Content-Transfer-Encoding", lowered["content-transfer-encoding"]))
    return Entity(headers=tuple(outer), body=body, raw=body)


__all__ = ["REPORTING_UA", "PackedMdn", "ReadMdn", "build_mdn", "is_mdn", "read_mdn"]
