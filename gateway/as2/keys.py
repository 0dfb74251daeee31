"""Our AS2 key pairs: made, imported, stored encrypted, and loaded for signing and decrypting.

A key pair is an :class:`~gateway.as2.tables.As2Identity` row: the private key as PKCS#8 PEM,
encrypted with ``B2BGW_KEY_PASSPHRASE`` when it is set (``BestAvailableEncryption``), and the
self-signed (or CA-issued, when imported) certificate partners verify our signatures with and
encrypt to. Several unretired pairs of one AS2 name may exist during a rollover: the newest
signs, all of them decrypt, so a partner still encrypting to the old certificate keeps working.

Nothing here logs or returns a private key as text except :func:`private_key_pem` writing it to
the database. A decrypted key is kept in memory per process (keyed by the certificate's
fingerprint and the stored text): decrypting PKCS#8 costs a key derivation on every load, which
would otherwise be paid on every message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID
from sqlmodel import Session, col, select

from gateway.as2.smime import Signer
from gateway.as2.tables import As2Identity
from gateway.store.tables import utcnow

KeyType = Literal["rsa2048", "rsa3072", "ec"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
KeyPair = tuple[PrivateKey, x509.Certificate]


class KeyProblem(Exception):
    """A key or certificate that cannot be used, with the reason (never the key itself)."""


class NoKeyPair(KeyProblem):
    """We have no usable key pair for an AS2 name (run ``b2bgw as2 keygen``)."""


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, hex: how certificates are named on pages and in the CLI."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def not_after(certificate: x509.Certificate) -> dt.datetime:
    """The end of validity (UTC, aware like every timestamp in the database)."""
    return certificate.not_valid_after_utc


def not_before(certificate: x509.Certificate) -> dt.datetime:
    """The start of validity (UTC)."""
    return certificate.not_valid_before_utc


def generate_key_pair(as2_id: str, *, days: int = 730, key_type: KeyType = "rsa2048",
                      now: dt.datetime | None = None) -> KeyPair:
    """A new private key and a self-signed certificate for ``as2_id`` (CN = the AS2 name).

    The certificate may sign and encrypt (digitalSignature, keyEncipherment): AS2 uses one pair
    for both, and partners usually expect that.
    """
    key: PrivateKey
    if key_type == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072 if key_type == "rsa3072" else 2048)
    start = (now or utcnow()) - dt.timedelta(minutes=5)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, as2_id),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "b2b-gateway AS2")])
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                     key_encipherment=key_type != "ec", data_encipherment=False,
                                     key_agreement=key_type == "ec", key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def read_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER; :class:`KeyProblem` saying what the file is instead."""
    text = data.lstrip()
    try:
        if text.startswith(b"-----BEGIN"):
            if b"PRIVATE KEY-----" in text and b"CERTIFICATE-----" not in text:
                raise KeyProblem("this is a private key, not a certificate")
            return x509.load_pem_x509_certificate(text)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise KeyProblem(f"not an X.509 certificate in PEM or DER ({exc})") from None


def read_private_key(data: bytes, passphrase: bytes | None = None) -> PrivateKey:
    """A private key from PEM or DER (PKCS#8 or traditional), decrypted with ``passphrase`` when it is encrypted."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key: PrivateKeyTypes = serialization.load_pem_private_key(data.lstrip(), passphrase)
        else:
            key = serialization.load_der_private_key(data, passphrase)
    except TypeError as exc:  # encrypted without a passphrase, or a passphrase for a clear key
        raise KeyProblem(f"the private key's passphrase: {exc}") from None
    except ValueError:
        raise KeyProblem("not a private key in PEM or DER, or the passphrase is wrong") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyProblem(f"a {type(key).__name__} cannot be used for AS2 (RSA or EC keys only)")
    return key


def _matches(key: PrivateKey, certificate: x509.Certificate) -> bool:
    raw = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(*raw) == certificate.public_key().public_bytes(*raw)


def private_key_pem(key: PrivateKey, passphrase: str | None) -> str:
    """The key as PKCS#8 PEM for the database: encrypted when an installation passphrase is set."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


def store_key_pair(s: Session, as2_id: str, key: PrivateKey, certificate: x509.Certificate, *,
                   passphrase: str | None) -> As2Identity:
    """Add the pair to the caller's transaction; the pair already stored (same certificate) is returned as is."""
    if not _matches(key, certificate):
        raise KeyProblem("the private key does not belong to the certificate (their public keys differ)")
    print_ = fingerprint(certificate)
    existing = s.exec(select(As2Identity).where(As2Identity.fingerprint == print_)).first()
    if existing is not None:
        if existing.as2_id != as2_id:
            raise KeyProblem(f"this certificate is already the key pair of AS2 name {existing.as2_id!r}")
        return existing
    row = As2Identity(as2_id=as2_id, private_key_pem=private_key_pem(key, passphrase),
                      certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
                      subject=certificate.subject.rfc4514_string()[:500], fingerprint=print_,
                      not_before=not_before(certificate), not_after=not_after(certificate))
    s.add(row)
    return row


@dataclass(frozen=True)
class _Loaded:
    key: PrivateKey
    certificate: x509.Certificate


_cache: dict[tuple[str, str], _Loaded] = {}
_cache_lock = threading.Lock()


def load_identity(row: As2Identity, passphrase: str | None) -> KeyPair:
    """The row's key and certificate, decrypted once per process (see the module docstring)."""
    cache_key = (row.fingerprint, hashlib.sha256(row.private_key_pem.encode()).hexdigest())
    with _cache_lock:
        loaded = _cache.get(cache_key)
    if loaded is None:
        encrypted = "ENCRYPTED" in row.private_key_pem.split("\n", 1)[0]
        if encrypted and not passphrase:
            raise KeyProblem(f"our AS2 key {row.fingerprint[:16]} is encrypted and B2BGW_KEY_PASSPHRASE is not set")
        key = read_private_key(row.private_key_pem.encode(), passphrase.encode() if encrypted and passphrase else None)
        loaded = _Loaded(key, x509.load_pem_x509_certificate(row.certificate_pem.encode()))
        with _cache_lock:
            _cache[cache_key] = loaded
    return loaded.key, loaded.certificate


def identities(s: Session, as2_id: str | None = None, *, include_retired: bool = False) -> list[As2Identity]:
    """Our key pairs (of one AS2 name), the last stored first: the newest one valid signs."""
    query = select(As2Identity)
    if as2_id is not None:
        query = query.where(As2Identity.as2_id == as2_id)
    if not include_retired:
        query = query.where(col(As2Identity.retired_at).is_(None))
    return list(s.exec(query.order_by(col(As2Identity.id).desc())).all())


def our_key_pairs(s: Session, as2_id: str, passphrase: str | None = None) -> list[KeyPair]:
    """Every unretired pair of ``as2_id`` (expired ones too: a late message may still be encrypted to them)."""
    return [load_identity(row, passphrase) for row in identities(s, as2_id)]


def our_key_pair(s: Session, as2_id: str, passphrase: str | None = None, *,
                 now: dt.datetime | None = None) -> KeyPair:
    """The pair that signs for ``as2_id``: the newest one valid now; :class:`NoKeyPair` when there is none."""
    moment = now or utcnow()
    rows = identities(s, as2_id)
    valid = [row for row in rows if row.not_before <= moment <= row.not_after]
    if not valid:
        why = (f"every certificate of {as2_id!r} has expired (the last on {max(r.not_after for r in rows):%Y-%m-%d})"
               if rows else f"no AS2 key pair for {as2_id!r}")
        raise NoKeyPair(f"{why}: run `b2bgw as2 keygen --as2-id {as2_id}` or `b2bgw as2 import-key`")
    return load_identity(valid[0], passphrase)


def our_signer(s: Session, as2_id: str, passphrase: str | None = None, *, digest: str = "sha256") -> Signer:
    """A :class:`gateway.as2.message.Signer` with our current key pair for ``as2_id``."""
    key, certificate = our_key_pair(s, as2_id, passphrase)
    return Signer(key, certificate, digest=digest)


def our_certificate(s: Session, as2_id: str) -> x509.Certificate:
    """The certificate partners need from us (the newest valid one)."""
    moment = utcnow()
    rows = [row for row in identities(s, as2_id) if row.not_before <= moment <= row.not_after] or identities(s, as2_id)
    if not rows:
        raise NoKeyPair(f"no AS2 key pair for {as2_id!r}: run `b2bgw as2 keygen --as2-id {as2_id}`")
    return x509.load_pem_x509_certificate(rows[0].certificate_pem.encode())


def our_as2_ids(s: Session) -> set[str]:
    """Every AS2 name we hold an unretired key pair for."""
    return set(s.exec(select(As2Identity.as2_id).where(col(As2Identity.retired_at).is_(None))).all())


__all__ = [
    "KeyPair",
    "KeyProblem",
    "KeyType",
    "NoKeyPair",
    "PrivateKey",
    "fingerprint",
    "generate_key_pair",
    "identities",
    "load_identity",
    "not_after",
    "not_before",
    "our_as2_ids",
    "our_certificate",
    "our_key_pair",
    "our_key_pairs",
    "our_signer",
    "private_key_pem",
    "read_certificate",
    "read_private_key",
    "store_key_pair",
]
