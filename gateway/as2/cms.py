"""CMS (RFC 5652) for AS2: detached signatures, enveloped and auth-enveloped data, compressed data.

What S/MIME (RFC 5751/8551) puts inside its MIME parts, as DER:

- ``SignedData`` detached, with signed attributes (content-type, signing-time, message-digest):
  :func:`sign_detached`, :func:`verify_detached`. RSA PKCS#1 v1.5, RSA-PSS and ECDSA signers;
  SHA-1, SHA-256, SHA-384, SHA-512.
- ``EnvelopedData`` (AES-128/192/256-CBC, DES-EDE3-CBC) and ``AuthEnvelopedData`` (RFC 5083, AES-GCM
  per RFC 5084) with RSA key transport (PKCS#1 v1.5 or OAEP): :func:`encrypt`, :func:`decrypt`.
- ``CompressedData`` (RFC 3274, zlib), which RFC 5402 brings to AS2: :func:`compress`,
  :func:`decompress`.

``asn1crypto`` reads and writes the structures; every primitive (RSA, ECDSA, AES, AES-GCM, 3DES,
padding, digests) is ``cryptography``'s. ``cryptography``'s own PKCS7 builders are not used because
they lack SHA-1 signatures, signature verification, AES-GCM and compressed data, and one code path
for every algorithm is easier to trust than two.

Failures raise :class:`gateway.as2.errors.As2Error` with the RFC 4130 disposition to answer.

The code is one module per content type, each with its own checks: :mod:`gateway.as2.cms_signed`,
:mod:`gateway.as2.cms_enveloped`, :mod:`gateway.as2.cms_compressed`, and what they share (digests,
key types, reading DER/PEM/base64, naming certificates) in :mod:`gateway.as2.cms_common`. This module
re-exports their public names, so callers write ``cms.encrypt(...)`` and need not know the layout.
"""

from __future__ import annotations

from gateway.as2.cms_common import HASHES, PrivateKey, PublicKey, digest_of
from gateway.as2.cms_compressed import MAX_DECOMPRESSED, compress, decompress
from gateway.as2.cms_enveloped import CIPHERS, decrypt, encrypt, encryption_cipher

# GcmParameters is not in __all__ but was importable from here before the split, so it stays so.
from gateway.as2.cms_enveloped import GcmParameters as GcmParameters
from gateway.as2.cms_signed import VerifiedSignature, sign_detached, verify_attached, verify_detached

__all__ = [
    "CIPHERS",
    "HASHES",
    "MAX_DECOMPRESSED",
    "PrivateKey",
    "PublicKey",
    "VerifiedSignature",
    "compress",
    "decompress",
    "decrypt",
    "digest_of",
    "encrypt",
    "encryption_cipher",
    "sign_detached",
    "verify_attached",
    "verify_detached",
]
