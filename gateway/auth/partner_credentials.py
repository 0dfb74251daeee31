"""A trading partner's own credentials for ``POST /edi/{partner}``: issued once, stored hashed, revocable.

Three kinds, each a :class:`~gateway.auth.tables.PartnerCredential` row:

* **password** - HTTP Basic, the user being the partner id. Stored as a salted scrypt hash
  (``scrypt$ln=15,r=8,p=1$<salt>$<hash>``, the parameters kept with the hash so they can be
  raised later without invalidating what is stored). A partner has one password at a time:
  setting a new one revokes the old. People choose passwords and partners' EDI teams paste
  them into many systems, so a slow KDF is what makes a leaked table expensive to use.
* **token** - ``Authorization: Bearer b2bgwp_<public id>_<secret>``, 256 random bits; the
  public id finds the row, the stored hash is the same HMAC-SHA256 the API tokens use
  (:func:`gateway.auth.tokens.hash_token`). With 256 random bits there is nothing to guess, so a
  fast keyed hash keeps every upload cheap. A partner may hold several (one per system that sends).
* **certificate** - a client certificate a TLS terminator in front verified and passed on
  (``B2BGW_CLIENT_CERT_HEADER``, believed only from ``B2BGW_TRUSTED_PROXIES``): its SHA-256
  fingerprint is the public id; there is no secret.

Every issue and revoke writes an audit entry in the caller's session; the caller commits both
together. The secret of a new password or token exists only in the :class:`IssuedCredential`
returned: it is shown once.

:func:`authenticate_partner` answers who is uploading. It never tells the caller whether the
partner exists (unknown partner and wrong password are both a 401, and cost the same scrypt
time); the precise :class:`Refusal` is kept for the metrics and the audit log.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from urllib.parse import unquote

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from gateway.as2 import keys
from gateway.auth.audit import audit
from gateway.auth.deps import bearer
from gateway.auth.tables import PartnerCredential
from gateway.auth.tokens import hash_token
from gateway.store.db import lock_for_write, session
from gateway.store.tables import Partner, utcnow

TOKEN_PREFIX = "b2bgwp"
"""Partner upload tokens read ``b2bgwp_...``; the API's own tokens ``b2bgw_...`` are refused on /edi."""

MIN_PASSWORD_LENGTH = 12
MAX_CREDENTIAL_LENGTH = 4096
"""An Authorization header or certificate longer than this is refused unread (scrypt is not fed megabytes)."""

SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P = 15, 8, 1
"""scrypt cost: N = 2**15, 32 MiB and about 0.1 s per verification on this project's machines."""
_SCRYPT_MAXMEM = 64 * 1024 * 1024
_DKLEN = 32

LAST_USED_EVERY = dt.timedelta(minutes=1)
"""``last_used_at`` is written at most this often per credential: an upload is not a write on a hot row."""


class Kind(StrEnum):
    """What a credential is (module docstring)."""

    PASSWORD = "password"
    TOKEN = "token"
    CERTIFICATE = "certificate"


class Refusal(StrEnum):
    """Why an upload was not authenticated: the ``reason`` label of ``b2bgw_auth_failures`` and the audit detail."""

    NO_CREDENTIAL = "no credential"
    MALFORMED = "malformed credential"
    UNKNOWN_PARTNER = "unknown partner"
    WRONG_USER = "wrong user"
    WRONG_PASSWORD = "wrong password"
    NO_PASSWORD = "no password set"
    UNKNOWN_TOKEN = "unknown token"
    REVOKED_TOKEN = "revoked token"
    OTHER_PARTNER = "credential of another partner"
    UNREADABLE_CERTIFICATE = "unreadable certificate"
    UNKNOWN_CERTIFICATE = "unknown certificate"
    REVOKED_CERTIFICATE = "revoked certificate"
    PARTNER_DISABLED = "partner disabled"


class CredentialError(ValueError):
    """A request that cannot be honoured: unknown partner, too short a password, unknown or revoked credential."""


@dataclass(frozen=True)
class IssuedCredential:
    """A new credential: the stored row and, for a password or token, the secret, which exists only here."""

    row: PartnerCredential
    secret: str | None


@dataclass(frozen=True)
class PartnerAuthentication:
    """Who is uploading: ``ok`` with the credential used, or why not (``reason``, never shown to the caller).

    A refusal with a valid credential of a disabled partner is a 403 (it is the partner, who may
    not send now); every other refusal a 401 that does not say which check failed.
    """

    ok: bool
    method: str | None
    credential_id: int | None
    reason: str

    @property
    def status_code(self) -> int:
        """200 admitted, 403 a disabled partner's valid credential, 401 anything else."""
        if self.ok:
            return 200
        return 403 if self.reason == Refusal.PARTNER_DISABLED else 401

    def actor(self, partner_id: str, channel: str = "http") -> str:
        """How the history names this upload: ``http:acme:token#3``."""
        return f"{channel}:{partner_id}:{self.method}#{self.credential_id}"


def _refused(reason: Refusal, method: str | None = None, credential_id: int | None = None) -> PartnerAuthentication:
    return PartnerAuthentication(ok=False, method=method, credential_id=credential_id, reason=reason.value)


# --- storing secrets -------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """The stored form of a password: ``scrypt$ln=15,r=8,p=1$<salt>$<hash>`` (base64url, 16-byte salt)."""
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(password.encode(), salt=salt, n=2 ** SCRYPT_LOG_N, r=SCRYPT_R, p=SCRYPT_P,
                             maxmem=_SCRYPT_MAXMEM, dklen=_DKLEN)
    return f"scrypt$ln={SCRYPT_LOG_N},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(derived)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` (:func:`hash_password`) was made from; constant-time compare.

    The cost parameters are read from ``stored``, so hashes made with older parameters still verify.
    A malformed stored value verifies nothing.
    """
    try:
        scheme, params, salt_text, hash_text = stored.split("$")
        values = dict(item.split("=", 1) for item in params.split(","))
        log_n, r, p = int(values["ln"]), int(values["r"]), int(values["p"])
        salt, expected = _unb64(salt_text), _unb64(hash_text)
    except (ValueError, KeyError, binascii.Error):
        return False
    if scheme != "scrypt" or not 1 <= log_n <= 20 or not 1 <= r <= 32 or not 1 <= p <= 16:
        return False
    derived = hashlib.scrypt(password.encode(), salt=salt, n=2 ** log_n, r=r, p=p,
                             maxmem=max(_SCRYPT_MAXMEM, 256 * r * 2 ** log_n), dklen=len(expected))
    return hmac.compare_digest(derived, expected)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when there is no password to verify, so "no such partner" costs what "wrong password" does.

    Made on first use, not at import: every process that imports this module (the CLI) would pay for it.
    """
    return hash_password(secrets.token_urlsafe(16))


class VerificationCache:
    """Recent successful password verifications, so that a partner's every upload is not 0.1 s of scrypt.

    A partner sending a file a second would otherwise spend a core on hashing. The cache holds,
    for at most ``ttl`` seconds and ``size`` entries, the fact that a secret matched a stored
    hash: the key is an HMAC (under a random key of this process) of the partner, the credential
    row, its stored hash and the presented secret, never the secret itself. It only saves the
    scrypt computation: the credential row is read from the database on every upload and must
    still be live, so a revoked or replaced password (in this process or another) is refused at
    once whatever the cache holds. :meth:`forget` drops a credential's entries when it changes
    here all the same, so nothing about a revoked credential lingers in memory.
    """

    def __init__(self, *, size: int = 1024, ttl: float = 60.0) -> None:
        self.size, self.ttl = size, ttl
        self._key = secrets.token_bytes(32)
        self._entries: OrderedDict[bytes, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, partner_id: str, credential: PartnerCredential, secret: str) -> bytes:
        message = "\0".join((partner_id, str(credential.id), credential.secret_hash or "", secret)).encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def known(self, partner_id: str, credential: PartnerCredential, secret: str) -> bool:
        """Whether this secret was verified against this very row less than ``ttl`` seconds ago."""
        key = self._digest(partner_id, credential, secret)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False
            if entry[0] < time.monotonic():
                del self._entries[key]
                return False
            return True

    def remember(self, partner_id: str, credential: PartnerCredential, secret: str) -> None:
        """Note a successful verification (the oldest entry goes when the cache is full)."""
        key = self._digest(partner_id, credential, secret)
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, credential.id or 0)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, credential_id: int | None = None) -> None:
        """Drop the entries of one credential (None: all of them)."""
        with self._lock:
            if credential_id is None:
                self._entries.clear()
                return
            for key in [k for k, (_, cid) in self._entries.items() if cid == credential_id]:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


VERIFIED = VerificationCache()
"""This process's cache of recent password verifications (:class:`VerificationCache`)."""


# --- issuing and revoking --------------------------------------------------------------------------------------


def _partner(s: Session, partner_id: str) -> Partner:
    partner = s.get(Partner, partner_id)
    if partner is None:
        raise CredentialError(f"no partner {partner_id!r}")
    return partner


def _store(s: Session, row: PartnerCredential, *, actor: str, action: str, **details: object) -> PartnerCredential:
    s.add(row)
    s.flush()
    audit(s, actor=actor, action=action, target=f"partner:{row.partner_id}", credential=row.id, kind=row.kind,
          label=row.label, **details)
    return row


def set_password(s: Session, partner_id: str, *, actor: str, password: str | None = None) -> IssuedCredential:
    """Give the partner a new HTTP Basic password (revoking its current one); a strong random one when None.

    A chosen password shorter than 12 characters is refused. The caller commits.
    """
    _partner(s, partner_id)
    if password is None:
        password = secrets.token_urlsafe(18)
    elif len(password) < MIN_PASSWORD_LENGTH:
        raise CredentialError(f"a partner password needs at least {MIN_PASSWORD_LENGTH} characters "
                              f"(this one has {len(password)}); leave it out to have a strong one generated")
    elif len(password) > MAX_CREDENTIAL_LENGTH // 2:
        raise CredentialError(f"a partner password has at most {MAX_CREDENTIAL_LENGTH // 2} characters")
    return IssuedCredential(row=store_password_hash(s, partner_id, hash_password(password), actor=actor),
                            secret=password)


def store_password_hash(s: Session, partner_id: str, password_hash: str, *, actor: str,
                        label: str = "HTTP Basic password") -> PartnerCredential:
    """:func:`set_password` from a hash already made (:func:`hash_password`): revokes the current password.

    For the demo, whose published passwords are hashed once per process rather than on every seeding.
    """
    _partner(s, partner_id)
    for old in _live(s, partner_id, Kind.PASSWORD):
        _revoke(s, old, actor=actor, why="replaced by a new password")
    row = PartnerCredential(partner_id=partner_id, kind=Kind.PASSWORD.value, secret_hash=password_hash,
                            label=label[:120], created_by=actor)
    return _store(s, row, actor=actor, action="partner.password_set")


def issue_token(s: Session, partner_id: str, *, actor: str, label: str = "") -> IssuedCredential:
    """Give the partner a new bearer token ``b2bgwp_<public id>_<secret>`` (256 random bits); the caller commits."""
    _partner(s, partner_id)
    public_id = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{public_id}_{secrets.token_urlsafe(32)}"
    row = PartnerCredential(partner_id=partner_id, kind=Kind.TOKEN.value, public_id=public_id,
                            secret_hash=hash_token(token), label=label[:120], created_by=actor)
    return IssuedCredential(row=_store(s, row, actor=actor, action="partner.token_issue", public_id=public_id),
                            secret=token)


def certificate_fingerprint(certificate: bytes | str) -> str:
    """The SHA-256 fingerprint (lower-case hex) of a certificate in PEM or DER; CredentialError if unreadable.

    Read and named as every certificate of the gateway is (:mod:`gateway.as2.keys`), so the
    fingerprint on a partner's credential is the one pages and ``b2bgw as2 certs`` show.
    """
    data = certificate.encode() if isinstance(certificate, str) else certificate
    try:
        return keys.fingerprint(keys.read_certificate(data))
    except keys.KeyProblem as exc:
        raise CredentialError(f"not a readable client certificate: {exc}") from None


def normalize_fingerprint(fingerprint: str) -> str:
    """A SHA-256 fingerprint as stored: 64 lower-case hex digits (``AB:CD:...`` and ``sha256:`` accepted)."""
    text = fingerprint.strip().lower().removeprefix("sha256:").removeprefix("sha256=").replace(":", "")
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise CredentialError(f"{fingerprint[:100]!r} is not a SHA-256 fingerprint (64 hex digits, colons allowed)")
    return text


def add_certificate(s: Session, partner_id: str, *, actor: str, pem: bytes | None = None,
                    fingerprint: str | None = None, label: str = "") -> IssuedCredential:
    """Admit a client certificate (PEM/DER ``pem``, or its SHA-256 ``fingerprint``) as the partner's; caller commits.

    A fingerprint belongs to one partner; a revoked one stays revoked (add the partner's new
    certificate instead).
    """
    _partner(s, partner_id)
    if (pem is None) == (fingerprint is None):
        raise CredentialError("give the certificate (PEM or DER) or its SHA-256 fingerprint, one of the two")
    public_id = certificate_fingerprint(pem) if pem is not None else normalize_fingerprint(fingerprint or "")
    existing = s.exec(select(PartnerCredential).where(PartnerCredential.public_id == public_id)).first()
    if existing is not None:
        if existing.partner_id != partner_id:
            raise CredentialError(f"certificate {public_id} is already partner {existing.partner_id}'s "
                                  f"(credential {existing.id})")
        if existing.revoked_at is not None:
            raise CredentialError(f"certificate {public_id} was revoked on {existing.revoked_at:%Y-%m-%d %H:%M} UTC "
                                  "and stays revoked; add the partner's new certificate")
        raise CredentialError(f"certificate {public_id} is already partner {partner_id}'s (credential {existing.id})")
    row = PartnerCredential(partner_id=partner_id, kind=Kind.CERTIFICATE.value, public_id=public_id,
                            label=label[:120], created_by=actor)
    return IssuedCredential(row=_store(s, row, actor=actor, action="partner.certificate_add", fingerprint=public_id),
                            secret=None)


def _revoke(s: Session, row: PartnerCredential, *, actor: str, why: str = "") -> PartnerCredential:
    row.revoked_at = utcnow()
    row.revoked_by = actor[:120]
    s.add(row)
    audit(s, actor=actor, action="partner.credential_revoke", target=f"partner:{row.partner_id}",
          credential=row.id, kind=row.kind, label=row.label, **({"why": why} if why else {}))
    VERIFIED.forget(row.id)
    return row


def revoke_credential(s: Session, credential_id: int, *, actor: str) -> PartnerCredential:
    """Revoke a credential at once (the next upload with it is refused); audited, the caller commits."""
    lock_for_write(s)  # SQLite has no row locks: two revocations at once must not both find it live
    # populate_existing: the caller may have loaded the row before the lock (the admin page checks its partner)
    row = s.get(PartnerCredential, credential_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise CredentialError(f"no partner credential {credential_id}")
    if row.revoked_at is not None:
        raise CredentialError(f"credential {credential_id} was already revoked on "
                              f"{row.revoked_at:%Y-%m-%d %H:%M} UTC")
    return _revoke(s, row, actor=actor)


def _live(s: Session, partner_id: str, kind: Kind) -> list[PartnerCredential]:
    return list(s.exec(select(PartnerCredential).where(
        PartnerCredential.partner_id == partner_id, PartnerCredential.kind == kind.value,
        col(PartnerCredential.revoked_at).is_(None)).order_by(col(PartnerCredential.id))).all())


def credentials_of(s: Session, partner_id: str, *, include_revoked: bool = False) -> list[PartnerCredential]:
    """The partner's credentials, oldest first (no secrets: they are not stored); CredentialError if no partner."""
    _partner(s, partner_id)
    query = select(PartnerCredential).where(PartnerCredential.partner_id == partner_id)
    if not include_revoked:
        query = query.where(col(PartnerCredential.revoked_at).is_(None))
    return list(s.exec(query.order_by(col(PartnerCredential.id))).all())


# --- authenticating an upload ----------------------------------------------------------------------------------


def _basic(value: str) -> tuple[str, str] | None:
    """User and password of an ``Authorization: Basic`` value, or None."""
    scheme, _, encoded = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _token_public_id(token: str) -> str | None:
    prefix, sep, rest = token.partition("_")
    public_id, sep2, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or not sep or not sep2 or not public_id or not secret:
        return None
    return public_id


def _check_password(s: Session, partner: Partner | None, partner_id: str, user: str,
                    password: str) -> PartnerAuthentication:
    rows = _live(s, partner_id, Kind.PASSWORD) if partner is not None else []
    right_user = hmac.compare_digest(user.encode(), partner_id.encode())
    for row in rows:
        if VERIFIED.known(partner_id, row, password) or verify_password(password, row.secret_hash or ""):
            if not right_user:
                break
            VERIFIED.remember(partner_id, row, password)
            return PartnerAuthentication(ok=True, method=Kind.PASSWORD.value, credential_id=row.id, reason="")
    if not rows:
        verify_password(password, _dummy_hash())  # the same time as a wrong password
    reason = (Refusal.UNKNOWN_PARTNER if partner is None else Refusal.WRONG_USER if not right_user
              else Refusal.NO_PASSWORD if not rows else Refusal.WRONG_PASSWORD)
    return _refused(reason, Kind.PASSWORD.value)


def _check_token(s: Session, partner: Partner | None, partner_id: str, token: str) -> PartnerAuthentication:
    public_id = _token_public_id(token)
    if public_id is None:
        return _refused(Refusal.MALFORMED, Kind.TOKEN.value)
    row = s.exec(select(PartnerCredential).where(PartnerCredential.public_id == public_id,
                                                 PartnerCredential.kind == Kind.TOKEN.value)).first()
    expected = row.secret_hash if row is not None and row.secret_hash else hash_token("")
    if not hmac.compare_digest(hash_token(token), expected) or row is None:
        return _refused(Refusal.UNKNOWN_PARTNER if partner is None else Refusal.UNKNOWN_TOKEN, Kind.TOKEN.value)
    if row.partner_id != partner_id:
        return _refused(Refusal.OTHER_PARTNER, Kind.TOKEN.value, row.id)
    if row.revoked_at is not None:
        return _refused(Refusal.REVOKED_TOKEN, Kind.TOKEN.value, row.id)
    return PartnerAuthentication(ok=True, method=Kind.TOKEN.value, credential_id=row.id, reason="")


def _check_certificate(s: Session, partner: Partner | None, partner_id: str,
                       certificate: str) -> PartnerAuthentication:
    text = unquote(certificate).strip()
    try:  # URL-encoded PEM (nginx), or bare base64 DER as some terminators pass it
        fingerprint = certificate_fingerprint(text if "-----BEGIN" in text else base64.b64decode(text, validate=True))
    except (CredentialError, binascii.Error):
        return _refused(Refusal.UNREADABLE_CERTIFICATE, Kind.CERTIFICATE.value)
    row = s.exec(select(PartnerCredential).where(PartnerCredential.public_id == fingerprint,
                                                 PartnerCredential.kind == Kind.CERTIFICATE.value)).first()
    if row is None:
        return _refused(Refusal.UNKNOWN_PARTNER if partner is None else Refusal.UNKNOWN_CERTIFICATE,
                        Kind.CERTIFICATE.value)
    if row.partner_id != partner_id:
        return _refused(Refusal.OTHER_PARTNER, Kind.CERTIFICATE.value, row.id)
    if row.revoked_at is not None:
        return _refused(Refusal.REVOKED_CERTIFICATE, Kind.CERTIFICATE.value, row.id)
    return PartnerAuthentication(ok=True, method=Kind.CERTIFICATE.value, credential_id=row.id, reason="")


def authenticate_partner(engine: Engine, partner_id: str, *, authorization: str | None,
                         client_certificate: str | None) -> PartnerAuthentication:
    """Whether the request's credential is ``partner_id``'s own (see :class:`PartnerAuthentication`).

    ``authorization`` is the ``Authorization`` header (Basic with the partner id as user, or
    ``Bearer b2bgwp_...``); when present it decides. Otherwise ``client_certificate`` (the
    URL-encoded PEM a trusted TLS terminator passed; the caller has already checked the request
    came from one) does. A valid credential of a disabled partner is refused with reason
    ``partner disabled``. A success updates the credential's ``last_used_at`` at most once a minute.
    """
    if authorization is not None and not authorization.strip():
        authorization = None
    if not authorization and not client_certificate:
        return _refused(Refusal.NO_CREDENTIAL)
    with session(engine) as s:
        partner = s.get(Partner, partner_id)
        if authorization:
            token = bearer(authorization) if len(authorization) <= MAX_CREDENTIAL_LENGTH else None
            basic = _basic(authorization) if token is None and len(authorization) <= MAX_CREDENTIAL_LENGTH else None
            if token is not None:
                result = _check_token(s, partner, partner_id, token)
            elif basic is not None:
                result = _check_password(s, partner, partner_id, *basic)
            else:
                result = _refused(Refusal.MALFORMED)
        elif len(client_certificate or "") > 4 * MAX_CREDENTIAL_LENGTH:
            result = _refused(Refusal.UNREADABLE_CERTIFICATE, Kind.CERTIFICATE.value)
        else:
            result = _check_certificate(s, partner, partner_id, client_certificate or "")
        if not result.ok:
            return result
        if partner is not None and partner.disabled_at is not None:
            return _refused(Refusal.PARTNER_DISABLED, result.method, result.credential_id)
        _note_use(s, result.credential_id)
    return result


def _note_use(s: Session, credential_id: int | None) -> None:
    """Set ``last_used_at`` unless it was set within the last minute (one write a minute, not one per upload).

    The row was read by the check just made, so most uploads decide this without a statement;
    the guarded UPDATE keeps two processes from both writing within the minute.
    """
    row = s.get(PartnerCredential, credential_id) if credential_id is not None else None
    now = utcnow()
    last = row.last_used_at if row is not None else None
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)  # SQLite gives naive UTC back
    if row is None or (last is not None and last > now - LAST_USED_EVERY):
        return
    s.execute(update(PartnerCredential).where(
        col(PartnerCredential.id) == credential_id,
        col(PartnerCredential.last_used_at).is_(None) | (col(PartnerCredential.last_used_at) < now - LAST_USED_EVERY),
    ).values(last_used_at=now))
    s.commit()


__all__ = [
    "MIN_PASSWORD_LENGTH",
    "TOKEN_PREFIX",
    "VERIFIED",
    "CredentialError",
    "IssuedCredential",
    "Kind",
    "PartnerAuthentication",
    "Refusal",
    "VerificationCache",
    "add_certificate",
    "authenticate_partner",
    "certificate_fingerprint",
    "credentials_of",
    "hash_password",
    "issue_token",
    "normalize_fingerprint",
    "revoke_credential",
    "set_password",
    "store_password_hash",
    "verify_password",
]
