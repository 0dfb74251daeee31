"""S/MIME entities and MICs shared by AS2 messages and MDNs (RFC 5751/8551, RFC 4130 section 7.3.1).

A message (:mod:`gateway.as2.message`) and a signed receipt (:mod:`gateway.as2.mdn`) are signed the
same way, as multipart/signed with a detached CMS signature, and name their digests with the same
micalg names. This module is that common layer, which both use: the :class:`Signer`,
:func:`signed_entity` and :func:`open_signed`, :func:`pkcs7_entity`, and the MIC as
Received-Content-MIC writes it (:func:`mic_value`, :data:`MIC_NAMES`, :func:`digest_name`).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from gateway.as2 import cms
from gateway.as2.cms import PrivateKey
from gateway.as2.errors import IntegrityCheckFailed, UnexpectedProcessingError
from gateway.as2.mime import (
    Entity,
    build_multipart,
    canonicalize,
    decode_body,
    encode_base64,
    new_boundary,
    parse_entity,
    render_entity,
    split_multipart,
)

#: Our digest names -> the names written in micalg and Received-Content-MIC (RFC 5751 / RFC 4130).
MIC_NAMES: dict[str, str] = {"sha1": "sha1", "sha256": "sha-256", "sha384": "sha-384", "sha512": "sha-512"}

_PKCS7_SIGNATURE = {"application/pkcs7-signature", "application/x-pkcs7-signature"}


def digest_name(value: str) -> str | None:
    """Our digest name for a micalg/MIC algorithm name (``sha-256``, ``SHA256``, ``sha1``), None if unsupported."""
    normalized = value.strip().strip('"').lower().replace("-", "").replace("_", "")
    return normalized if normalized in MIC_NAMES else None


def mic_value(content: bytes, digest: str) -> str:
    """``"<base64 digest>, <algorithm>"`` as Received-Content-MIC writes it."""
    return f"{base64.b64encode(cms.digest_of(content, digest)).decode('ascii')}, {MIC_NAMES[digest]}"


@dataclass(frozen=True)
class Signer:
    """Who signs: our private key, its certificate, and the digest to sign with."""

    key: PrivateKey
    certificate: x509.Certificate
    digest: str = "sha256"



def signed_entity(content: bytes, signer: Signer) -> bytes:
    """``content`` (an entity's bytes) as a multipart/signed entity (RFC 5751 3.5.3) with a detached signature."""
    signature = cms.sign_detached(content, signer.key, signer.certificate, digest=signer.digest)
    signature_part = render_entity([
        ("Content-Type", 'application/pkcs7-signature; name="smime.p7s"'),
        ("Content-Transfer-Encoding", "base64"),
        ("Content-Disposition", 'attachment; filename="smime.p7s"'),
    ], encode_base64(signature))
    boundary = new_boundary()
    return render_entity([
        ("Content-Type", f'multipart/signed; protocol="application/pkcs7-signature"; '
                         f'micalg={MIC_NAMES[signer.digest]}; boundary="{boundary}"'),
    ], build_multipart([content, signature_part], boundary))


def open_signed(entity: Entity, verify_with: Sequence[x509.Certificate]) -> tuple[bytes, cms.VerifiedSignature]:
    """The signed content of a multipart/signed entity (bytes as received) and its verified signature.

    The content is checked as received, then in canonical CRLF form (a sender may sign the canonical
    form and transmit LF line ends).
    """
    boundary = entity.param("boundary")
    if not boundary:
        raise UnexpectedProcessingError("multipart/signed without a boundary parameter")
    parts = split_multipart(entity.body, boundary)
    if len(parts) != 2:
        raise UnexpectedProcessingError(
            f"multipart/signed has {len(parts)} part(s), expected the content and the signature"
        )
    content, signature_part = parts
    signature_entity = parse_entity(signature_part)
    if signature_entity.content_type not in _PKCS7_SIGNATURE:
        raise UnexpectedProcessingError(f"the second part of multipart/signed is {signature_entity.content_type}, "
                                        "not application/pkcs7-signature")
    signature = decode_body(signature_entity)
    try:
        return content, cms.verify_detached(content, signature, verify_with)
    except IntegrityCheckFailed:
        canonical = canonicalize(content)
        if canonical == content:
            raise
        return canonical, cms.verify_detached(canonical, signature, verify_with)


def pkcs7_entity(der: bytes, smime_type: str, name: str, *, base64_body: bool) -> bytes:
    """An application/pkcs7-mime entity holding ``der``."""
    return render_entity([
        ("Content-Type", f'application/pkcs7-mime; smime-type={smime_type}; name="{name}"'),
        ("Content-Transfer-Encoding", "base64" if base64_body else "binary"),
        ("Content-Disposition", f'attachment; filename="{name}"'),
    ], encode_base64(der) if base64_body else der)


__all__ = [
    "MIC_NAMES",
    "Signer",
    "digest_name",
    "mic_value",
    "open_signed",
    "pkcs7_entity",
    "signed_entity",
]
