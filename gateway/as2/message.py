"""AS2 messages (RFC 4130): a payload packed into signed, encrypted, compressed MIME over HTTP, and back.

Sending (:func:`pack`) applies the layers in the order RFC 5402 section 3 recommends, compress ->
sign -> encrypt, and returns the HTTP headers, body and the MIC the partner's MDN must return.
Receiving (:func:`read_envelope`, then :func:`unpack`) peels layers in whatever order and
combination the partner used (multipart/signed or opaque signed-data, enveloped or auth-enveloped,
compressed inside or outside the signature; binary or base64 bodies), verifies the signature against
the partner's certificates only, and computes the received-content MIC of RFC 4130 section 7.3.1:

- signed: over the signed MIME entity (its headers and content), exactly the bytes the signature
  covers (the canonical form a sender signs; binary content is not converted);
- encrypted, unsigned: over the decrypted MIME entity (headers and content);
- neither: over the payload alone, without MIME headers.

with the first digest of ``Disposition-Notification-Options: signed-receipt-micalg`` that we
support, else the signature's digest, else SHA-256.

Message ids are handled without their angle brackets (``abc@host``); headers written carry them.
Every failure is an :class:`~gateway.as2.errors.As2Error` carrying the MDN disposition and the
envelope read so far.

More information: https://www.rfc-editor.org/rfc/rfc4130 (AS2), https://www.rfc-editor.org/rfc/rfc5402
(compression), https://www.rfc-editor.org/rfc/rfc8551 (S/MIME 4.0).

The S/MIME layer that messages share with MDNs (signing, the MIC) is :mod:`gateway.as2.smime`,
re-exported here; the CMS structures are :mod:`gateway.as2.cms`.
"""

from __future__ import annotations

import base64
import email.utils
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography import x509

from gateway.as2 import cms
from gateway.as2.cms import PrivateKey
from gateway.as2.errors import As2Error, DecryptionFailed, InsufficientMessageSecurity, UnexpectedProcessingError
from gateway.as2.mime import (
    Entity,
    decode_body,
    encode_base64,
    is_canonical,
    lower_headers,
    parse_entity,
    quote_as2_name,
    render_entity,
    unquote_as2_name,
)
from gateway.as2.smime import MIC_NAMES, Signer, digest_name, mic_value, open_signed, pkcs7_entity, signed_entity

AS2_VERSION = "1.2"

_PKCS7_MIME = {"application/pkcs7-mime", "application/x-pkcs7-mime"}
_MAX_LAYERS = 8
_AS2_NAME = re.compile(r"[\x20-\x7e]{1,128}")


def make_message_id(as2_from: str) -> str:
    """A new globally unique message id (without angle brackets), naming our AS2 name's host part."""
    host = re.sub(r"[^A-Za-z0-9.-]", "", as2_from) or "b2bgw"
    return f"b2bgw-{int(time.time() * 1000)}-{secrets.token_hex(8)}@{host}"


def bare_message_id(value: str) -> str:
    """A Message-ID header value without its angle brackets and spaces."""
    return value.strip().removeprefix("<").removesuffix(">").strip()


@dataclass(frozen=True)
class MdnRequest:
    """The receipt a message asks for: none, synchronous (on the HTTP response) or asynchronous (to ``url``).

    ``signed_digests`` are the signed-receipt-micalg digests we support, in the requester's order
    (our names, e.g. ``("sha256",)``); empty means an unsigned MDN.
    """

    mode: Literal["sync", "async", "none"]
    url: str | None = None
    signed_digests: tuple[str, ...] = ()

    @property
    def signed(self) -> bool:
        """Whether a signed MDN is asked for."""
        return bool(self.signed_digests)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> MdnRequest:
        """The request in Disposition-Notification-To, -Options and Receipt-Delivery-Option (RFC 4130 7.3)."""
        lowered = lower_headers(headers)
        if not lowered.get("disposition-notification-to", "").strip():
            return cls(mode="none")
        url = lowered.get("receipt-delivery-option", "").strip() or None
        protocols: list[str] = []
        digests: list[str] = []
        for option in lowered.get("disposition-notification-options", "").split(";"):
            name, _, values = option.partition("=")
            items = [item.strip().lower() for item in values.split(",")]
            if name.strip().lower() == "signed-receipt-protocol":
                protocols.extend(items[1:])
            elif name.strip().lower() == "signed-receipt-micalg":
                digests.extend(found for item in items[1:] if (found := digest_name(item)))
        signed: tuple[str, ...] = ()
        if "pkcs7-signature" in protocols:
            signed = tuple(dict.fromkeys(digests)) or ("sha256",)
        return cls(mode="async" if url else "sync", url=url, signed_digests=signed)

    def to_headers(self, notify_to: str = "b2bgw") -> dict[str, str]:
        """The HTTP headers asking for this receipt (none for mode ``none``)."""
        if self.mode == "none":
            return {}
        headers = {"Disposition-Notification-To": self.url or notify_to}
        if self.signed_digests:
            micalgs = ", ".join(MIC_NAMES[digest] for digest in self.signed_digests)
            headers["Disposition-Notification-Options"] = (
                f"signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, {micalgs}"
            )
        if self.mode == "async":
            if not self.url:
                raise UnexpectedProcessingError("an asynchronous MDN request needs the URL to send it to")
            headers["Receipt-Delivery-Option"] = self.url
        return headers


@dataclass(frozen=True)
class PackedMessage:
    """An AS2 message ready to POST: id (no brackets), HTTP headers, body, and the MIC to expect back."""

    message_id: str
    headers: dict[str, str]
    body: bytes
    mic: str


@dataclass(frozen=True)
class UnpackedMessage:
    """What an AS2 message carried and how it was protected; ``mic`` is what our MDN returns."""

    message_id: str
    as2_from: str
    as2_to: str
    payload: bytes
    content_type: str
    filename: str | None
    signed: bool
    signature_digest: str | None
    signer: x509.Certificate | None
    encrypted: bool
    compressed: bool
    mic: str | None
    mdn: MdnRequest


# --- sending ------------------------------------------------------------------------------------


def pack(
    payload: bytes,
    *,
    content_type: str,
    as2_from: str,
    as2_to: str,
    signer: Signer | None,
    encrypt_to: x509.Certificate | None,
    cipher: str = "aes256-cbc",
    compress: bool = False,
    mdn: MdnRequest,
    filename: str | None = None,
    subject: str = "EDI document",
    message_id: str | None = None,
    transfer_encoding: Literal["binary", "base64"] = "binary",
) -> PackedMessage:
    """``payload`` as an AS2 message: compressed, signed, encrypted as asked, with its HTTP headers.

    The payload part is sent binary, or base64 when signed and its line ends are not CRLF, so any
    verifier (including those that canonicalise before checking) sees the bytes we signed.
    ``transfer_encoding="base64"`` sends an encrypted or compressed HTTP body in base64 with
    ``Content-Transfer-Encoding: base64``, for partners that cannot read a binary body (libas2).
    """
    _check_as2_name(as2_from, "AS2-From")
    _check_as2_name(as2_to, "AS2-To")
    for label, value in (("Content-Type", content_type), ("Subject", subject), ("filename", filename or ""),
                         ("Message-ID", message_id or "")):
        if any(character in value for character in "\r\n\0") or (label == "filename" and '"' in value):
            raise UnexpectedProcessingError(f"the {label} {value[:40]!r} cannot go in a header")
    message_id = bare_message_id(message_id) if message_id else make_message_id(as2_from)
    payload_headers = [("Content-Type", content_type)]
    encode = signer is not None and not compress and not is_canonical(payload)
    payload_headers.append(("Content-Transfer-Encoding", "base64" if encode else "binary"))
    if filename:
        payload_headers.append(("Content-Disposition", f'attachment; filename="{filename}"'))
    entity = render_entity(payload_headers, encode_base64(payload) if encode else payload)
    mic_digest = (mdn.signed_digests[0] if mdn.signed_digests else None) or (signer.digest if signer else "sha256")
    mic = mic_value(payload, mic_digest)
    if compress:
        entity = pkcs7_entity(cms.compress(entity), "compressed-data", "smime.p7z", base64_body=signer is not None)
    if signer is not None:
        mic = mic_value(entity, mic_digest)
        entity = signed_entity(entity, signer)
    elif encrypt_to is not None:
        mic = mic_value(entity, mic_digest)
    if encrypt_to is not None:
        smime_type = "authEnveloped-data" if cipher.endswith("-gcm") else "enveloped-data"
        entity = pkcs7_entity(cms.encrypt(entity, encrypt_to, cipher=cipher), smime_type, "smime.p7m",
                              base64_body=False)
    outer = parse_entity(entity)
    headers = {
        "AS2-Version": AS2_VERSION,
        "AS2-From": quote_as2_name(as2_from),
        "AS2-To": quote_as2_name(as2_to),
        "Message-ID": f"<{message_id}>",
        "Subject": subject,
        "Date": email.utils.formatdate(usegmt=True),
        "MIME-Version": "1.0",
    }
    # HTTP is 8-bit clean: the outer entity's body goes as is, so no Content-Transfer-Encoding.
    headers.update((name, value) for name, value in outer.headers if name.lower() != "content-transfer-encoding")
    body = outer.body
    if transfer_encoding == "base64" and outer.content_type in _PKCS7_MIME:
        headers["Content-Transfer-Encoding"] = "base64"
        body = encode_base64(body)
    headers.update(mdn.to_headers(notify_to=as2_from))
    return PackedMessage(message_id=message_id, headers=headers, body=body, mic=mic)


# --- receiving ----------------------------------------------------------------------------------


def read_envelope(headers: Mapping[str, str]) -> tuple[str, str, str, MdnRequest]:
    """Message-ID (no brackets), AS2-From, AS2-To and the MDN request of a received message.

    Called first, to find the partner (and so the keys) before anything is decrypted.
    """
    lowered = lower_headers(headers)
    message_id = bare_message_id(lowered.get("message-id", ""))
    as2_from = unquote_as2_name(lowered.get("as2-from", ""))
    as2_to = unquote_as2_name(lowered.get("as2-to", ""))
    missing = [name for name, value in (("Message-ID", message_id), ("AS2-From", as2_from), ("AS2-To", as2_to))
               if not value]
    if missing:
        raise UnexpectedProcessingError(f"the AS2 message lacks the {', '.join(missing)} header(s)",
                                        message_id=message_id or None, as2_from=as2_from or None,
                                        as2_to=as2_to or None)
    for label, value in (("AS2-From", as2_from), ("AS2-To", as2_to)):
        if not _AS2_NAME.fullmatch(value):
            raise UnexpectedProcessingError(f"{label} {value[:40]!r} is not an AS2 name (1-128 printable ASCII)",
                                            message_id=message_id, as2_from=as2_from, as2_to=as2_to)
    if len(message_id) > 998 or not message_id.isprintable():
        raise UnexpectedProcessingError("the Message-ID is not printable or too long",
                                        as2_from=as2_from, as2_to=as2_to)
    try:
        mdn = MdnRequest.from_headers(headers)
    except As2Error as error:
        raise error.with_envelope(message_id, as2_from, as2_to) from None
    return message_id, as2_from, as2_to, mdn


def unpack(
    headers: Mapping[str, str],
    body: bytes,
    *,
    decrypt_with: Sequence[tuple[PrivateKey, x509.Certificate]],
    verify_with: Sequence[x509.Certificate],
    require_signature: bool = False,
    require_encryption: bool = False,
) -> UnpackedMessage:
    """The payload of a received AS2 message, its layers checked, and the MIC our MDN returns."""
    message_id, as2_from, as2_to, mdn = read_envelope(headers)
    try:
        return _unpack(headers, body, message_id, as2_from, as2_to, mdn, decrypt_with, verify_with,
                       require_signature, require_encryption)
    except As2Error as error:
        raise error.with_envelope(message_id, as2_from, as2_to) from None
    except Exception as exc:  # the boundary: nothing but As2Error leaves this module
        raise UnexpectedProcessingError(f"the message could not be read: {type(exc).__name__}: {exc}",
                                        message_id=message_id, as2_from=as2_from, as2_to=as2_to) from exc


def _unpack(
    headers: Mapping[str, str],
    body: bytes,
    message_id: str,
    as2_from: str,
    as2_to: str,
    mdn: MdnRequest,
    decrypt_with: Sequence[tuple[PrivateKey, x509.Certificate]],
    verify_with: Sequence[x509.Certificate],
    require_signature: bool,
    require_encryption: bool,
) -> UnpackedMessage:
    lowered = lower_headers(headers)
    if "content-type" not in lowered:
        raise UnexpectedProcessingError("the AS2 message has no Content-Type header")
    if not body:
        raise UnexpectedProcessingError("the AS2 message body is empty")
    outer_headers = [(name, lowered[name]) for name in ("content-type", "content-transfer-encoding",
                                                         "content-disposition") if name in lowered]
    entity = Entity(headers=tuple(outer_headers), body=body, raw=body)
    encrypted = compressed = False
    verified: cms.VerifiedSignature | None = None
    mic_source: bytes | None = None
    for _layer in range(_MAX_LAYERS):
        kind = entity.content_type
        if kind in _PKCS7_MIME:
            data = decode_body(entity)
            content_kind = _cms_kind(data, entity.param("smime-type"))
            if content_kind in ("enveloped_data", "authenticated_enveloped_data"):
                inner = cms.decrypt(data, decrypt_with)
                encrypted = True
                if verified is None:
                    mic_source = inner
                try:
                    entity = parse_entity(inner)
                except UnexpectedProcessingError as exc:  # CBC without integrity: a wrong key decrypts to noise
                    raise DecryptionFailed(f"the decrypted content is not a MIME entity ({exc.message}): "
                                           "the key is wrong or the content was altered") from None
                continue
            elif content_kind == "compressed_data":
                inner = cms.decompress(data)
                compressed = True
            elif content_kind == "signed_data":  # opaque signing (RFC 5751 3.5.2), not AS2's usual multipart
                if verified is not None:
                    raise UnexpectedProcessingError("the message is signed twice")
                inner, verified = cms.verify_attached(data, verify_with)
                mic_source = inner
            else:
                raise UnexpectedProcessingError(f"unsupported S/MIME content {content_kind} "
                                                f"(smime-type={entity.param('smime-type')})")
            entity = parse_entity(inner)
        elif kind == "multipart/signed":
            if verified is not None:
                raise UnexpectedProcessingError("the message is signed twice")
            content, verified = open_signed(entity, verify_with)
            mic_source = content
            entity = parse_entity(content)
        else:
            break
    else:
        raise UnexpectedProcessingError(f"the message nests more than {_MAX_LAYERS} S/MIME layers")
    if require_encryption and not encrypted:
        raise InsufficientMessageSecurity("the partner agreement requires encryption and the message came in clear")
    if require_signature and verified is None:
        raise InsufficientMessageSecurity("the partner agreement requires a signature and the message is unsigned")
    payload = decode_body(entity)
    mic_digest = (mdn.signed_digests[0] if mdn.signed_digests else None) or (verified.digest if verified else "sha256")
    return UnpackedMessage(
        message_id=message_id,
        as2_from=as2_from,
        as2_to=as2_to,
        payload=payload,
        content_type=entity.header("Content-Type") or "text/plain",
        filename=entity.param("filename", header="Content-Disposition") or entity.param("name"),
        signed=verified is not None,
        signature_digest=verified.digest if verified else None,
        signer=verified.signer if verified else None,
        encrypted=encrypted,
        compressed=compressed,
        mic=mic_value(mic_source if mic_source is not None else payload, mic_digest),
        mdn=mdn,
    )


def _cms_kind(data: bytes, smime_type: str | None) -> str:
    """The CMS content type of an application/pkcs7-mime body (read from the DER, not trusted from smime-type)."""
    from asn1crypto import cms as asn1_cms  # local: only the outer OID is read here

    try:
        der = data if data.startswith(b"\x30") else base64.b64decode(data.translate(None, b" \t\r\n"), validate=True)
        return str(asn1_cms.ContentInfo.load(der)["content_type"].native)
    except Exception:
        hint = (smime_type or "").lower()
        if "compressed" in hint:
            return "compressed_data"
        if "enveloped" in hint:
            return "enveloped_data"
        raise UnexpectedProcessingError(
            f"the application/pkcs7-mime body ({len(data)} bytes) is not a CMS structure and smime-type "
            f"{smime_type!r} does not say what it is"
        ) from None


def _check_as2_name(name: str, label: str) -> None:
    if not _AS2_NAME.fullmatch(name):
        raise UnexpectedProcessingError(f"{label} {name[:40]!r} is not an AS2 name (1-128 printable ASCII)")


__all__ = [
    "AS2_VERSION",
    "MIC_NAMES",
    "MdnRequest",
    "PackedMessage",
    "Signer",
    "UnpackedMessage",
    "bare_message_id",
    "digest_name",
    "make_message_id",
    "mic_value",
    "open_signed",
    "pack",
    "pkcs7_entity",
    "read_envelope",
    "signed_entity",
    "unpack",
]
