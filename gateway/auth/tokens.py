"""API tokens with roles: created once and shown once, stored hashed, checked in constant time, revocable.

A token reads ``b2bgw_<public id>_<secret>``: 12 hex characters that name the row, then 32
random bytes (256 bits, URL-safe base64). Only ``HMAC-SHA256(token)`` is stored. A slow password
KDF would add nothing here: with 256 random bits there is nothing to guess, and a fast keyed hash
keeps every API call cheap. Comparison is :func:`hmac.compare_digest`, so timing says nothing
about how much of a guess was right.

Roles:

* ``operator`` runs the gateway: documents, replays, credit holds, tokens;
* ``manager`` sees every customer's quotes and credit and approves discounts over the threshold;
* ``sales_rep`` sees only the customers listed on the token;
* ``integration`` is for a machine (one per ERP webhook): no customer data, no quotes.

The installation's ``B2BGW_OPERATOR_TOKEN`` keeps working: it is an operator token that lives in
the environment rather than the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import col, select

from gateway.auth.audit import audit
from gateway.auth.tables import ApiToken
from gateway.store.db import lock_for_write, session
from gateway.store.tables import utcnow

TOKEN_PREFIX = "b2bgw"
_HASH_KEY = b"b2b-gateway api token v1"


class Role(StrEnum):
    """What a token may do (module docstring)."""

    OPERATOR = "operator"
    MANAGER = "manager"
    SALES_REP = "sales_rep"
    INTEGRATION = "integration"


SEES_EVERY_CUSTOMER = frozenset({Role.OPERATOR, Role.MANAGER})


class TokenError(ValueError):
    """A token request that cannot be honoured (unknown role, unknown token, already revoked)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a name for the history, a role, and the customers a sales rep works for."""

    name: str
    role: Role
    customers: frozenset[str] = field(default_factory=frozenset)
    token_id: int | None = None

    def sees_customer(self, customer_id: str) -> bool:
        """Managers and operators see every customer; a sales rep only those on the token."""
        return self.role in SEES_EVERY_CUSTOMER or customer_id in self.customers


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the stored row and the secret text, which exists only in this object."""

    row: ApiToken
    token: str


def hash_token(token: str) -> str:
    """The stored form of a token: HMAC-SHA256, hex."""
    return hmac.new(_HASH_KEY, token.encode(), hashlib.sha256).hexdigest()


def parse_role(value: str) -> Role:
    """The role named ``value``; TokenError naming the roles there are."""
    try:
        return Role(value.strip().lower().replace("-", "_"))
    except ValueError:
        raise TokenError(f"unknown role {value!r}; roles: {', '.join(r.value for r in Role)}") from None


def create_token(engine: Engine, *, role: Role, name: str | None = None, customers: Iterable[str] = (),
                 actor: str) -> IssuedToken:
    """Make a token, store its hash, audit it; the secret is in the answer and nowhere else."""
    public_id = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{public_id}_{secrets.token_urlsafe(32)}"
    customer_list = sorted({c.strip() for c in customers if c.strip()})
    if role is Role.SALES_REP and not customer_list:
        raise TokenError("a sales_rep token needs the customers the rep works for (--customers)")
    row = ApiToken(public_id=public_id, token_hash=hash_token(token), name=name or f"{role.value}-{public_id}",
                   role=role.value, customers=customer_list, created_by=actor)
    with session(engine) as s:
        s.add(row)
        s.flush()
        audit(s, actor=actor, action="token.create", target=f"token:{row.id}", role=role.value, name=row.name,
              customers=customer_list)
        s.commit()
    return IssuedToken(row=row, token=token)


def list_tokens(engine: Engine, *, include_revoked: bool = False) -> Sequence[ApiToken]:
    """Tokens oldest first (never their secrets, which are not stored)."""
    with session(engine) as s:
        query = select(ApiToken).order_by(col(ApiToken.id))
        if not include_revoked:
            query = query.where(col(ApiToken.revoked_at).is_(None))
        return s.exec(query).all()


def revoke_token(engine: Engine, token_id: int, *, actor: str) -> ApiToken:
    """Revoke a token at once (the next request with it is refused); audited."""
    with session(engine) as s:
        lock_for_write(s)  # SQLite has no row locks: two revocations at once must not both find it live
        row = s.get(ApiToken, token_id, with_for_update=True)
        if row is None:
            raise TokenError(f"no token {token_id}")
        if row.revoked_at is not None:
            raise TokenError(f"token {token_id} was already revoked on {row.revoked_at:%Y-%m-%d %H:%M} UTC")
        row.revoked_at = utcnow()
        row.revoked_by = actor
        s.add(row)
        audit(s, actor=actor, action="token.revoke", target=f"token:{token_id}", name=row.name, role=row.role)
        s.commit()
        return row


def _public_id(token: str) -> str | None:
    prefix, sep, rest = token.partition("_")
    public_id, sep2, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or not sep or not sep2 or not public_id or not secret:
        return None
    return public_id


def same_secret(given: str, expected: str) -> bool:
    """``given == expected`` for a secret kept in the settings: SHA-256 digests compared in constant time.

    Comparing digests, not the texts, keeps the time independent of both lengths too.
    """
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest())


def authenticate(engine: Engine, token: str, *, operator_token: str | None = None) -> Principal | None:
    """The principal ``token`` stands for, or None (unknown, revoked, malformed).

    The installation's operator token is compared first, by digest, in constant time.
    """
    if operator_token and same_secret(token, operator_token):
        return Principal(name="operator", role=Role.OPERATOR)
    public_id = _public_id(token)
    if public_id is None:
        return None
    with session(engine) as s:
        row = s.exec(select(ApiToken).where(ApiToken.public_id == public_id)).first()
    expected = row.token_hash if row is not None else hash_token("")
    if not hmac.compare_digest(hash_token(token), expected) or row is None or row.revoked_at is not None:
        return None
    return Principal(name=row.name, role=Role(row.role), customers=frozenset(row.customers), token_id=row.id)


__all__ = [
    "SEES_EVERY_CUSTOMER",
    "IssuedToken",
    "Principal",
    "Role",
    "TokenError",
    "authenticate",
    "create_token",
    "hash_token",
    "list_tokens",
    "parse_role",
    "revoke_token",
    "same_secret",
]
