"""CMS ``EnvelopedData`` and ``AuthEnvelopedData`` for AS2: content encrypted to a partner's RSA key, and back.

:func:`encrypt` writes ``EnvelopedData`` (AES-128/192/256-CBC, DES-EDE3-CBC) or, for GCM,
``AuthEnvelopedData`` (RFC 5083, AES-GCM per RFC 5084), the content key carried by RSA key
transport with PKCS#1 v1.5 or OAEP (RFC 4055). :func:`decrypt` opens either with the key pair whose
certificate the RecipientInfo names, and also reads the AES-GCM ``EnvelopedData`` that libas2 and
other WebCrypto-based senders write; :func:`encryption_cipher` names the cipher a partner used.

Its own module because decryption has its own rules to keep in one place: a key that does not unwrap
goes on as a random key (RFC 3218 2.3.2), so a wrong key and altered content get the same
``decryption-failed`` answer and the receiver is no padding oracle.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from asn1crypto import algos, cms, core
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway.as2.cms_common import PrivateKey, _asn1_certificate, _content_info, _describe_sid, _hash, _matches
from gateway.as2.errors import As2Error, DecryptionFailed, UnexpectedProcessingError

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

_GCM_TAG_LENGTH = 16


class GcmParameters(core.Sequence):
    """RFC 5084 ``GCMParameters`` (asn1crypto has no specification for the AES-GCM parameters)."""

    _fields = [
        ("aes_nonce", core.OctetString),
        ("aes_icvlen", core.Integer, {"default": 12}),
    ]


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


__all__ = [
    "CIPHERS",
    "GcmParameters",
    "decrypt",
    "encrypt",
    "encryption_cipher",
]
