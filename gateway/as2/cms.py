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
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import constant_time, hashes
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.as2.errors import (
    As2Error,
    AuthenticationFailed,
    DecompressionFailed,
    DecryptionFailed,
    IntegrityCheckFailed,
    UnexpectedProcessingError,
)

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

#: Our digest names (gateway.as2.options.Digest) -> cryptography hash classes.
HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

#: Our cipher names (gateway.as2.options.Cipher) -> (asn1crypto algorithm name, key bytes).
CIPHERS: dict[str, tuple[str, int]] = {
    "aes128-cbc": ("aes128_cbc", 16),
    "aes192-cbc": ("aes192_cbc", 24),
    "aes256-cbc": ("aes256_cbc", 32),
    "des-ede3-cbc": ("tripledes_3key", 24),
    "aes128-gcm": ("aes128_gcm", 16),
    "aes192-gcm": ("aes192_gcm", 24),
    "aes256-gcm": ("aes256_gcm", 32),
}
_CIPHER_NAMES = {algorithm: name for name, (algorithm, _size) in CIPHERS.items()}

#: The largest content :func:`decompress` produces: a small message must not inflate into gigabytes.
MAX_DECOMPRESSED = 256 * 1024 * 1024

_GCM_TAG_LENGTH = 16


class GcmParameters(core.Sequence):
    """RFC 5084 ``GCMParameters`` (asn1crypto has no specification for the AES-GCM parameters)."""

    _fields = [
        ("aes_nonce", core.OctetString),
        ("aes_icvlen", core.Integer, {"default": 12}),
    ]


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that verified: its digest (our name, e.g. ``"sha256"``) and who signed."""

    digest: str
    signer: x509.Certificate
    signing_time: dt.datetime | None = None


# --- signatures ---------------------------------------------------------------------------------


def digest_of(content: bytes, digest: str) -> bytes:
    """The ``digest`` hash of ``content`` (our digest names)."""
    try:
        algorithm = HASHES[digest]()
    except KeyError:
        raise UnexpectedProcessingError(f"unsupported digest {digest!r}; supported: {', '.join(HASHES)}") from None
    hasher = hashes.Hash(algorithm)
    hasher.update(content)
    return hasher.finalize()


def sign_detached(
    content: bytes,
    key: PrivateKey,
    certificate: x509.Certificate,
    *,
    digest: str = "sha256",
    rsa_pss: bool = False,
    signing_time: dt.datetime | None = None,
) -> bytes:
    """A detached CMS SignedData (DER) over exactly ``content``, with the signer's certificate.

    The signed attributes are content-type, signing-time and message-digest; they are written in
    DER order (a SET OF is sorted), because verifiers such as OpenSSL re-encode them before checking.
    """
    if digest not in HASHES:
        raise UnexpectedProcessingError(f"cannot sign with digest {digest!r}; supported: {', '.join(HASHES)}")
    hash_algorithm = HASHES[digest]()
    when = (signing_time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    attributes = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": when})]}),
        cms.CMSAttribute({"type": "message_digest", "values": [digest_of(content, digest)]}),
    ]
    signed_attrs = cms.CMSAttributes(sorted(attributes, key=lambda attribute: attribute.dump()))
    to_sign = signed_attrs.dump()
    if isinstance(key, rsa.RSAPrivateKey):
        if rsa_pss:
            pss = rsa_padding.PSS(mgf=rsa_padding.MGF1(hash_algorithm), salt_length=hash_algorithm.digest_size)
            signature = key.sign(to_sign, pss, hash_algorithm)
            signature_algorithm = algos.SignedDigestAlgorithm({
                "algorithm": "rsassa_pss",
                "parameters": algos.RSASSAPSSParams({
                    "hash_algorithm": {"algorithm": digest},
                    "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": digest}},
                    "salt_length": hash_algorithm.digest_size,
                }),
            })
        else:
            signature = key.sign(to_sign, rsa_padding.PKCS1v15(), hash_algorithm)
            signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"})
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(to_sign, ec.ECDSA(hash_algorithm))
        signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": f"{digest}_ecdsa"})
    else:
        raise UnexpectedProcessingError(f"cannot sign with a {type(key).__name__}; RSA and EC keys are supported")
    signer_certificate = _asn1_certificate(certificate)
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": signer_certificate.issuer,
            "serial_number": signer_certificate.serial_number,
        }}),
        "digest_algorithm": {"algorithm": digest},
        "signed_attrs": signed_attrs,
        "signature_algorithm": signature_algorithm,
        "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": digest}],
        "encap_content_info": {"content_type": "data"},
        "certificates": [signer_certificate],
        "signer_infos": [signer_info],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def verify_detached(
    content: bytes,
    signature: bytes,
    certificates: Sequence[x509.Certificate],
    *,
    now: dt.datetime | None = None,
) -> VerifiedSignature:
    """Check a detached CMS signature over ``content`` against the partner's ``certificates``.

    Only a signer among ``certificates`` is accepted (certificates embedded in the signature are
    read for the error message, never trusted). The signer's certificate must be valid now and at
    the signing time it signed.
    """
    try:
        return _verify_detached(content, signature, certificates, now or dt.datetime.now(dt.UTC))
    except As2Error:
        raise
    except Exception as exc:  # asn1crypto parses lazily: a malformed field surfaces here
        raise AuthenticationFailed(f"the signature could not be read: {type(exc).__name__}: {exc}") from exc


def verify_attached(
    signed: bytes, certificates: Sequence[x509.Certificate], *, now: dt.datetime | None = None
) -> tuple[bytes, VerifiedSignature]:
    """The content of an opaque CMS SignedData (``smime-type=signed-data``) and its verified signature.

    RFC 4130 asks for multipart/signed, but RFC 5751 allows the opaque form and some partners send it;
    the checks are those of :func:`verify_detached`.
    """
    try:
        info = _content_info(signed, "signed data", AuthenticationFailed)
        content = info["content"]["encap_content_info"]["content"].native if \
            info["content_type"].native == "signed_data" else None
        if not isinstance(content, bytes):
            raise AuthenticationFailed("the signed data carries no content (detached signatures are multipart/signed)")
        return content, _verify_detached(content, signed, certificates, now or dt.datetime.now(dt.UTC))
    except As2Error:
        raise
    except Exception as exc:
        raise AuthenticationFailed(f"the signed data could not be read: {type(exc).__name__}: {exc}") from exc


def _verify_detached(
    content: bytes, signature: bytes, certificates: Sequence[x509.Certificate], now: dt.datetime
) -> VerifiedSignature:
    info = _content_info(signature, "signature", AuthenticationFailed)
    if info["content_type"].native != "signed_data":
        raise AuthenticationFailed(f"the signature is a CMS {info['content_type'].native}, not signed-data")
    signed_data = info["content"]
    signer_infos = list(signed_data["signer_infos"])
    if not signer_infos:
        raise AuthenticationFailed("the signature has no signer")
    signer_info = signer_infos[0]
    sid = signer_info["sid"]
    signer = _find_certificate(sid, certificates)
    if signer is None:
        embedded = [
            candidate.chosen for candidate in (signed_data["certificates"] or [])
            if candidate.name == "certificate"
        ]
        named = next((c for c in embedded if _matches(sid, c)), None)
        who = named.subject.human_friendly if named is not None else _describe_sid(sid)
        raise AuthenticationFailed(
            f"signed by {who}, which is not among the {len(certificates)} certificate(s) we hold for this partner"
        )
    digest = signer_info["digest_algorithm"]["algorithm"].native
    if digest not in HASHES:
        raise AuthenticationFailed(f"signed with digest {digest!r}; we accept {', '.join(HASHES)}")
    _check_validity(signer, now, "now")
    signed_attrs = signer_info["signed_attrs"]
    signing_time: dt.datetime | None = None
    if signed_attrs.native is not None:
        values = {attribute["type"].native: attribute["values"] for attribute in signed_attrs}
        if "message_digest" not in values:
            raise AuthenticationFailed("the signed attributes lack the message-digest")
        expected = values["message_digest"][0].native
        if not constant_time.bytes_eq(expected, digest_of(content, digest)):
            raise IntegrityCheckFailed(
                f"the content's {digest} digest differs from the message-digest it was signed with: "
                "the content was altered after signing"
            )
        if "signing_time" in values:
            signing_time = values["signing_time"][0].native
            if signing_time is not None:
                _check_validity(signer, signing_time, "at its signing time")
        signed_bytes = b"\x31" + signed_attrs.dump()[1:]  # the attributes are signed as a SET, not [0]
    else:
        signed_bytes = content
    _check_signature(signer, signer_info, digest, signer_info["signature"].native, signed_bytes)
    return VerifiedSignature(digest=digest, signer=signer, signing_time=signing_time)


def _check_signature(
    signer: x509.Certificate, signer_info: cms.SignerInfo, digest: str, signature: bytes, data: bytes
) -> None:
    algorithm = signer_info["signature_algorithm"]
    kind = algorithm.signature_algo
    public_key = signer.public_key()
    hash_algorithm = HASHES[digest]()
    try:
        if kind == "rsassa_pkcs1v15" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, rsa_padding.PKCS1v15(), hash_algorithm)
        elif kind == "rsassa_pss" and isinstance(public_key, rsa.RSAPublicKey):
            parameters = algorithm["parameters"]
            pss_hash = _hash(parameters["hash_algorithm"]["algorithm"].native)
            mgf_hash = _hash(parameters["mask_gen_algorithm"]["parameters"]["algorithm"].native)
            pss = rsa_padding.PSS(mgf=rsa_padding.MGF1(mgf_hash), salt_length=parameters["salt_length"].native)
            public_key.verify(signature, data, pss, pss_hash)
        elif kind == "ecdsa" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
        else:
            raise AuthenticationFailed(
                f"signature algorithm {algorithm['algorithm'].native} does not fit the signer's "
                f"{type(public_key).__name__.lstrip('_')}"
            )
    except InvalidSignature:
        raise AuthenticationFailed(
            f"the signature of {signer.subject.rfc4514_string()} does not verify: "
            "signed by another key or altered"
        ) from None


def _check_validity(certificate: x509.Certificate, when: dt.datetime, label: str) -> None:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    subject = certificate.subject.rfc4514_string()
    if when > certificate.not_valid_after_utc:
        raise AuthenticationFailed(
            f"the signer's certificate {subject} expired on {certificate.not_valid_after_utc:%Y-%m-%d %H:%M:%S} UTC "
            f"(checked {label})"
        )
    if when < certificate.not_valid_before_utc:
        raise AuthenticationFailed(
            f"the signer's certificate {subject} is not valid before "
            f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M:%S} UTC (checked {label})"
        )


# --- encryption ---------------------------------------------------------------------------------


def encrypt(content: bytes, recipient: x509.Certificate, *, cipher: str = "aes256-cbc", oaep: bool = False) -> bytes:
    """``content`` encrypted to ``recipient``'s RSA key: DER EnvelopedData, or AuthEnvelopedData for GCM.

    The content key travels with RSA PKCS#1 v1.5 (what AS2 partners expect) or, when ``oaep``,
    RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 4055 parameters).
    """
    if cipher not in CIPHERS:
        raise UnexpectedProcessingError(f"unsupported cipher {cipher!r}; supported: {', '.join(CIPHERS)}")
    algorithm, key_size = CIPHERS[cipher]
    public_key = recipient.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise UnexpectedProcessingError("encryption needs the recipient's RSA certificate")
    content_key = os.urandom(key_size)
    if oaep:
        encrypted_key = public_key.encrypt(content_key, _oaep(hashes.SHA256(), hashes.SHA256()))
        key_algorithm = {"algorithm": "rsaes_oaep", "parameters": algos.RSAESOAEPParams({
            "hash_algorithm": {"algorithm": "sha256"},
            "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
        })}
    else:
        encrypted_key = public_key.encrypt(content_key, rsa_padding.PKCS1v15())
        key_algorithm = {"algorithm": "rsaes_pkcs1v15"}
    certificate = _asn1_certificate(recipient)
    recipient_info = cms.RecipientInfo({"ktri": {
        "version": "v0",
        "rid": {"issuer_and_serial_number": {
            "issuer": certificate.issuer, "serial_number": certificate.serial_number,
        }},
        "key_encryption_algorithm": key_algorithm,
        "encrypted_key": encrypted_key,
    }})
    if cipher.endswith("-gcm"):
        nonce = os.urandom(12)
        sealed = AESGCM(content_key).encrypt(nonce, content, None)
        ciphertext, tag = sealed[:-_GCM_TAG_LENGTH], sealed[-_GCM_TAG_LENGTH:]
        envelope = cms.AuthEnvelopedData({
            "version": "v0",
            "recipient_infos": [recipient_info],
            "auth_encrypted_content_info": {
                "content_type": "data",
                "content_encryption_algorithm": {
                    "algorithm": algorithm,
                    "parameters": GcmParameters({"aes_nonce": nonce, "aes_icvlen": _GCM_TAG_LENGTH}),
                },
                "encrypted_content": ciphertext,
            },
            "mac": tag,
        })
        return cms.ContentInfo({"content_type": "authenticated_enveloped_data", "content": envelope}).dump()
    iv = os.urandom(8 if algorithm == "tripledes_3key" else 16)
    padder = symmetric_padding.PKCS7(64 if algorithm == "tripledes_3key" else 128).padder()
    encryptor = Cipher(_block_cipher(algorithm, content_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(content) + padder.finalize()) + encryptor.finalize()
    enveloped = cms.EnvelopedData({
        "version": "v0",
        "recipient_infos": [recipient_info],
        "encrypted_content_info": {
            "content_type": "data",
            "content_encryption_algorithm": {"algorithm": algorithm, "parameters": iv},
            "encrypted_content": ciphertext,
        },
    })
    return cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump()


def decrypt(data: bytes, key_pairs: Sequence[tuple[PrivateKey, x509.Certificate]]) -> bytes:
    """The content of a CMS EnvelopedData or AuthEnvelopedData (DER, PEM or base64) for one of our keys.

    The key used is the one whose certificate the RecipientInfo names (issuer and serial, or subject
    key identifier); anything that fails is ``decryption-failed`` saying what.
    """
    try:
        return _decrypt(data, key_pairs)
    except As2Error:
        raise
    except Exception as exc:  # asn1crypto parses lazily: a malformed field surfaces here
        raise DecryptionFailed(f"the encrypted content could not be read: {type(exc).__name__}: {exc}") from exc


def encryption_cipher(data: bytes) -> str | None:
    """Our name of the content cipher of an EnvelopedData/AuthEnvelopedData, None when unknown."""
    try:
        info = _content_info(data, "encrypted content", DecryptionFailed)
        envelope = info["content"]
        field = "auth_encrypted_content_info" if info["content_type"].native == "authenticated_enveloped_data" \
            else "encrypted_content_info"
        return _CIPHER_NAMES.get(envelope[field]["content_encryption_algorithm"]["algorithm"].native)
    except Exception:  # informational only
        return None


def _decrypt(data: bytes, key_pairs: Sequence[tuple[PrivateKey, x509.Certificate]]) -> bytes:
    info = _content_info(data, "encrypted content", DecryptionFailed)
    kind = info["content_type"].native
    if kind == "enveloped_data":
        envelope = info["content"]
        content_info = envelope["encrypted_content_info"]
    elif kind == "authenticated_enveloped_data":
        envelope = info["content"]
        content_info = envelope["auth_encrypted_content_info"]
    else:
        raise DecryptionFailed(f"expected CMS enveloped-data or auth-enveloped-data, got {kind}")
    algorithm = content_info["content_encryption_algorithm"]["algorithm"].native
    ciphertext = content_info["encrypted_content"].native
    if ciphertext is None:
        raise DecryptionFailed("the enveloped data carries no encrypted content (detached content is not supported)")
    if algorithm not in _CIPHER_NAMES:
        raise DecryptionFailed(f"unsupported content cipher {algorithm}; supported: {', '.join(CIPHERS)}")
    key_size = CIPHERS[_CIPHER_NAMES[algorithm]][1]
    content_key = _content_key(envelope["recipient_infos"], key_pairs)
    if content_key is None or len(content_key) != key_size:
        # RFC 3218 2.3.2: a key that does not unwrap goes on as a random key, so the answer (an MDN
        # saying decryption-failed) is the same as for altered content and is no padding oracle.
        content_key = os.urandom(key_size)
    if algorithm.endswith("_gcm"):
        nonce, tag_length = _gcm_parameters(content_info["content_encryption_algorithm"]["parameters"].dump())
        if kind == "authenticated_enveloped_data":
            tag = envelope["mac"].native
            auth_attrs = envelope["auth_attrs"]
            aad = b"\x31" + auth_attrs.dump()[1:] if auth_attrs.native is not None else b""
        else:
            # Not RFC 5084 (which puts AES-GCM in AuthEnvelopedData), but what libas2 and other WebCrypto
            # based senders write: EnvelopedData whose encrypted content ends with the tag.
            ciphertext, tag, aad = ciphertext[:-tag_length], ciphertext[-tag_length:], b""
        if not 12 <= len(tag) == tag_length <= 16:
            raise DecryptionFailed(f"the GCM tag has {len(tag)} bytes, the parameters say {tag_length}")
        decryptor = Cipher(algorithms.AES(content_key),
                           modes.GCM(nonce, tag, min_tag_length=len(tag))).decryptor()
        decryptor.authenticate_additional_data(aad)
        try:
            return decryptor.update(ciphertext) + decryptor.finalize()
        except InvalidTag:
            raise DecryptionFailed("the AES-GCM tag does not verify: the content was altered or the key is wrong") \
                from None
    iv = content_info["content_encryption_algorithm"]["parameters"].native
    block_bits = 64 if algorithm == "tripledes_3key" else 128
    if not isinstance(iv, bytes) or len(iv) * 8 != block_bits:
        raise DecryptionFailed(f"the {algorithm} initialisation vector is missing or of the wrong size")
    if len(ciphertext) % (block_bits // 8):
        raise DecryptionFailed(f"the {algorithm} ciphertext is not a whole number of blocks: truncated?")
    decryptor = Cipher(_block_cipher(algorithm, content_key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = symmetric_padding.PKCS7(block_bits).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise DecryptionFailed(f"the {algorithm} padding is wrong: the key is wrong or the content altered") from None


def _gcm_parameters(der: bytes) -> tuple[bytes, int]:
    """Nonce and tag length of AES-GCM: RFC 5084 GCMParameters, or a bare OCTET STRING nonce (libas2), tag 16."""
    if der[:1] == b"\x04":
        return core.OctetString.load(der).native, _GCM_TAG_LENGTH
    parameters = GcmParameters.load(der)
    return parameters["aes_nonce"].native, parameters["aes_icvlen"].native


def _content_key(
    recipient_infos: Any, key_pairs: Sequence[tuple[PrivateKey, x509.Certificate]]
) -> bytes | None:
    """The content key our key unwraps from the RecipientInfo naming our certificate (None: it does not unwrap)."""
    named: list[str] = []
    for recipient_info in recipient_infos:
        if recipient_info.name != "ktri":
            named.append(f"a {recipient_info.name} recipient (only RSA key transport is supported)")
            continue
        ktri = recipient_info.chosen
        rid = ktri["rid"]
        for key, certificate in key_pairs:
            if not _matches(rid, _asn1_certificate(certificate)):
                continue
            if not isinstance(key, rsa.RSAPrivateKey):
                raise DecryptionFailed("the recipient certificate's key is not an RSA key")
            algorithm = ktri["key_encryption_algorithm"]
            name = algorithm["algorithm"].native
            if name == "rsaes_pkcs1v15":
                scheme: rsa_padding.AsymmetricPadding = rsa_padding.PKCS1v15()
            elif name == "rsaes_oaep":
                parameters = algorithm["parameters"]
                scheme = _oaep(
                    _hash(parameters["hash_algorithm"]["algorithm"].native),
                    _hash(parameters["mask_gen_algorithm"]["parameters"]["algorithm"].native),
                )
            else:
                raise DecryptionFailed(f"unsupported key transport {name}")
            try:
                return key.decrypt(ktri["encrypted_key"].native, scheme)
            except ValueError:
                return None  # see _decrypt: no distinct answer for a key that does not unwrap
        named.append(_describe_sid(rid))
    raise DecryptionFailed(
        f"encrypted for {'; '.join(named) or 'no recipient'}, which is none of our "
        f"{len(key_pairs)} certificate(s)"
    )


def _oaep(hash_algorithm: hashes.HashAlgorithm, mgf_hash: hashes.HashAlgorithm) -> rsa_padding.OAEP:
    return rsa_padding.OAEP(mgf=rsa_padding.MGF1(mgf_hash), algorithm=hash_algorithm, label=None)


def _block_cipher(algorithm: str, key: bytes) -> Any:
    return TripleDES(key) if algorithm == "tripledes_3key" else algorithms.AES(key)


# --- compression --------------------------------------------------------------------------------


def compress(content: bytes) -> bytes:
    """``content`` as a DER CMS CompressedData (zlib), the RFC 5402 compression of AS2."""
    compressed = cms.CompressedData({
        "version": "v0",
        "compression_algorithm": {"algorithm": "zlib"},
        "encap_content_info": {"content_type": "data", "content": zlib.compress(content)},
    })
    return cms.ContentInfo({"content_type": "compressed_data", "content": compressed}).dump()


def decompress(data: bytes, *, max_size: int = MAX_DECOMPRESSED) -> bytes:
    """The content of a CMS CompressedData (DER, PEM or base64), at most ``max_size`` bytes."""
    try:
        info = _content_info(data, "compressed content", DecompressionFailed)
        if info["content_type"].native != "compressed_data":
            raise DecompressionFailed(f"expected CMS compressed-data, got {info['content_type'].native}")
        compressed = info["content"]
        algorithm = compressed["compression_algorithm"]["algorithm"].native
        if algorithm != "zlib":
            raise DecompressionFailed(f"unsupported compression {algorithm}; only zlib is defined")
        packed = compressed["encap_content_info"]["content"].native
        if not isinstance(packed, bytes):
            raise DecompressionFailed("the compressed data carries no content")
        inflater = zlib.decompressobj()
        content = inflater.decompress(packed, max_size)
        if inflater.unconsumed_tail:
            raise DecompressionFailed(f"the compressed content inflates beyond {max_size} bytes")
        if not inflater.eof:
            raise DecompressionFailed("the zlib stream ends early: truncated")
        return content
    except As2Error:
        raise
    except zlib.error as exc:
        raise DecompressionFailed(f"the zlib stream is corrupt: {exc}") from exc
    except Exception as exc:
        raise DecompressionFailed(f"the compressed content could not be read: {type(exc).__name__}: {exc}") from exc


# --- shared -------------------------------------------------------------------------------------

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


def _find_certificate(identifier: Any, certificates: Sequence[x509.Certificate]) -> x509.Certificate | None:
    for certificate in certificates:
        if _matches(identifier, _asn1_certificate(certificate)):
            return certificate
    return None


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
