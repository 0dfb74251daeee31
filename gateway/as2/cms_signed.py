"""CMS ``SignedData`` (RFC 5652 section 5) for AS2: detached signatures made and checked, opaque ones read.

:func:`sign_detached` writes the signature a multipart/signed entity carries (RFC 5751 3.5.3), with
the signed attributes content-type, signing-time and message-digest, for RSA PKCS#1 v1.5, RSA-PSS
and ECDSA keys over SHA-1, SHA-256, SHA-384 or SHA-512. :func:`verify_detached` checks such a
signature and :func:`verify_attached` reads the opaque form (``smime-type=signed-data``) some
partners send; both return a :class:`VerifiedSignature`.

Its own module because this is where trust is decided: a signer is accepted only from the partner's
certificates (never from those embedded in the signature), valid now and at its signing time, with
the content's digest equal to the signed message-digest and the signature verifying, and those
checks read best together, apart from encryption and compression.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import constant_time
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding

from gateway.as2.cms_common import (
    HASHES,
    PrivateKey,
    _asn1_certificate,
    _content_info,
    _describe_sid,
    _hash,
    _matches,
    digest_of,
)
from gateway.as2.errors import As2Error, AuthenticationFailed, IntegrityCheckFailed, UnexpectedProcessingError


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that verified: its digest (our name, e.g. ``"sha256"``) and who signed."""

    digest: str
    signer: x509.Certificate
    signing_time: dt.datetime | None = None


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


def _find_certificate(identifier: Any, certificates: Sequence[x509.Certificate]) -> x509.Certificate | None:
    for certificate in certificates:
        if _matches(identifier, _asn1_certificate(certificate)):
            return certificate
    return None


__all__ = [
    "VerifiedSignature",
    "sign_detached",
    "verify_attached",
    "verify_detached",
]
