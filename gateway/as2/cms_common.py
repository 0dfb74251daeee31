"""What the CMS content types share: our digest names, key types, reading DER, naming certificates.

Signed, enveloped and compressed data each have their own module (:mod:`gateway.as2.cms_signed`,
:mod:`gateway.as2.cms_enveloped`, :mod:`gateway.as2.cms_compressed`, all re-exported by
:mod:`gateway.as2.cms`). What more than one of them needs lives here, once, so that none of them
imports another: the digest table and :func:`digest_of`, the private and public key types, reading a
``ContentInfo`` from DER, PEM or base64 (fully parsed, so malformed input fails with the caller's
disposition), and matching a ``SignerIdentifier`` / ``RecipientIdentifier`` to a certificate. The
underscored helpers are private to those modules.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.as2.errors import As2Error, UnexpectedProcessingError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

#: Our digest names (gateway.as2.options.Digest) -> cryptography hash classes.
HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def digest_of(content: bytes, digest: str) -> bytes:
    """The ``digest`` hash of ``content`` (our digest names)."""
    try:
        algorithm = HASHES[digest]()
    except KeyError:
        raise UnexpectedProcessingError(f"unsupported digest {digest!r}; supported: {', '.join(HASHES)}") from None
    hasher = hashes.Hash(algorithm)
    hasher.update(content)
    return hasher.finalize()


_WHITESPACE = b" \t\r\n\v\f"
_PEM = re.compile(rb"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END [A-Z0-9 ]+-----", re.S)


def _content_info(data: bytes, what: str, error: type[As2Error]) -> cms.ContentInfo:
    """A CMS ContentInfo from DER, PEM or base64 bytes, fully parsed so malformed input fails here."""
    der = data
    if not data.startswith(b"\x30"):
        match = _PEM.search(data)
        text = match.group(1) if match else data
        try:
            der = base64.b64decode(text.translate(None, _WHITESPACE), validate=True)
        except (binascii.Error, ValueError):
            raise error(f"the {what} is neither DER nor base64 ({len(data)} bytes starting {data[:16]!r})") from None
    try:
        info = cms.ContentInfo.load(der, strict=True)
        info["content"]  # parses the outer structure; inner fields fail in the callers' wrappers
    except Exception as exc:
        raise error(f"the {what} is not a valid CMS structure ({len(der)} bytes): {type(exc).__name__}: {exc}") \
            from exc
    return info


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def _matches(identifier: Any, certificate: asn1_x509.Certificate) -> bool:
    """Whether a SignerIdentifier / RecipientIdentifier names ``certificate``."""
    if identifier.name == "issuer_and_serial_number":
        chosen = identifier.chosen
        if chosen["serial_number"].native != certificate.serial_number:
            return False
        return chosen["issuer"].dump() == certificate.issuer.dump() or chosen["issuer"] == certificate.issuer
    if identifier.name == "subject_key_identifier":
        return bool(certificate.key_identifier is not None and identifier.chosen.native == certificate.key_identifier)
    return False


def _describe_sid(identifier: Any) -> str:
    if identifier.name == "issuer_and_serial_number":
        chosen = identifier.chosen
        return (f"the certificate issued by {chosen['issuer'].human_friendly} "
                f"with serial {chosen['serial_number'].native:x}")
    return f"the certificate with subject key identifier {identifier.chosen.native.hex()}"


def _hash(name: str) -> hashes.HashAlgorithm:
    try:
        return HASHES[name]()
    except KeyError:
        raise UnexpectedProcessingError(f"unsupported digest {name!r}") from None


__all__ = [
    "HASHES",
    "PrivateKey",
    "PublicKey",
    "digest_of",
]
