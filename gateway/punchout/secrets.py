"""SharedSecrets and punchout tokens: stored only as hashes, compared in constant time.

A buyer's SharedSecret is stored as ``pbkdf2_sha256$ITERATIONS$SALT$HASH`` (salted, slow to
guess from a stolen table), and a presented secret is checked with :func:`hmac.compare_digest`.
Checking costs a few milliseconds of PBKDF2; a procurement system sends the same secret with every
request, so a successful check is remembered (keyed by a SHA-256 of stored hash and secret, never
the secret itself) and the next request with the same pair costs one SHA-256.

StartPage tokens and browser session keys are random 256-bit values; only their SHA-256 is
stored, so the database never holds anything that opens a session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 60_000
_VERIFIED_LIMIT = 1024
_verified: set[bytes] = set()
_lock = threading.Lock()


def hash_secret(secret: str, *, iterations: int = ITERATIONS, salt: str | None = None) -> str:
    """The storable hash of a SharedSecret."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), iterations).hex()
    return f"{ALGORITHM}${iterations}${salt}${digest}"


def verify_secret(presented: str | None, stored: str) -> bool:
    """Whether ``presented`` is the secret ``stored`` was made from (constant-time comparison)."""
    if presented is None:
        return False
    key = hashlib.sha256(stored.encode() + b"\0" + presented.encode()).digest()
    if key in _verified:
        return True
    try:
        algorithm, iterations, salt, expected = stored.split("$")
        rounds = int(iterations)
    except ValueError:
        return False
    if algorithm != ALGORITHM:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", presented.encode(), salt.encode(), rounds).hex()
    ok = hmac.compare_digest(digest.encode(), expected.encode())
    if ok:
        with _lock:
            if len(_verified) >= _VERIFIED_LIMIT:
                _verified.clear()
            _verified.add(key)
    return ok


def new_token() -> str:
    """A fresh random token for a URL or a cookie (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


__all__ = ["hash_secret", "new_token", "token_hash", "verify_secret"]
