"""Server-side sessions of the /admin pages: a random key in the cookie, the server's record of what it may do.

Signing in with an operator token opens a session (:class:`~gateway.auth.tables.AdminSession`)
and gives the browser a random 256-bit key; only the key's SHA-256 is stored
(:func:`gateway.punchout.secrets.token_hash`, as for storefront session keys), and the token is
never in the cookie nor in any column (``credential_hash`` is a SHA-256 of it, used only to
notice a changed ``B2BGW_OPERATOR_TOKEN``). A stolen database therefore opens nothing, and a
stolen cookie opens nothing once its session ended. A session ends:

* at sign-out (:func:`revoke`);
* when unused for ``B2BGW_ADMIN_SESSION_IDLE_MINUTES``, and ``B2BGW_ADMIN_SESSION_HOURS`` after
  it began whatever happens;
* when the API token it was opened with is revoked, or no longer an operator's;
* for ``B2BGW_OPERATOR_TOKEN``, when the setting changed or was removed.

The last two are checked on every request (:func:`find`), in the same query that finds the
session, so a revocation made anywhere (``b2bgw tokens revoke``, another server) holds at once.
``last_seen_at`` is written at most once a minute (:data:`TOUCH_SECONDS`): a page view is a read.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from sqlalchemy import Engine, delete, update
from sqlmodel import col, select

from gateway.auth.tables import AdminSession, ApiToken
from gateway.auth.tokens import Principal, Role
from gateway.config import Settings
from gateway.punchout.secrets import token_hash
from gateway.store.db import session
from gateway.store.tables import aware, utcnow

KEY_BYTES = 32
"""256 random bits in the cookie: nothing to guess."""
TOUCH_SECONDS = 60.0
"""``last_seen_at`` is rewritten only when older than this (or than half the idle expiry, if that is shorter)."""
ENV_OPERATOR = "operator"
"""The name the audit log gives whoever signs in with ``B2BGW_OPERATOR_TOKEN``."""


def open_session(engine: Engine, principal: Principal, token: str, *, client: str, settings: Settings) -> str:
    """Record a sign-in of ``principal`` (an operator) with ``token``; the key for the cookie.

    Sessions past their absolute end are deleted on the way: they can never be used again.
    """
    if principal.role is not Role.OPERATOR:
        raise ValueError("only an operator signs in to the /admin pages")
    key = secrets.token_urlsafe(KEY_BYTES)
    now = utcnow()
    with session(engine) as s:
        s.execute(delete(AdminSession).where(col(AdminSession.expires_at) < now))
        s.add(AdminSession(key_hash=token_hash(key), actor=principal.name, token_id=principal.token_id,
                           credential_hash=token_hash(token), client=client[:64], created_at=now, last_seen_at=now,
                           expires_at=now + dt.timedelta(hours=settings.admin_session_hours)))
        s.commit()
    return key


def _principal(row: AdminSession, token: ApiToken | None, settings: Settings) -> Principal | None:
    """Who the session stands for, if what it was opened with still holds (module docstring)."""
    if row.token_id is None:
        current = settings.operator_token
        if not current or not hmac.compare_digest(token_hash(current), row.credential_hash):
            return None  # B2BGW_OPERATOR_TOKEN changed or was removed
        return Principal(name=ENV_OPERATOR, role=Role.OPERATOR)
    if token is None or token.revoked_at is not None or token.role != Role.OPERATOR.value:
        return None
    return Principal(name=token.name, role=Role.OPERATOR, customers=frozenset(token.customers), token_id=token.id)


def find(engine: Engine, key: str, settings: Settings) -> Principal | None:
    """The operator whose live session ``key`` is, or None; marks it used (at most once a minute)."""
    if not key:
        return None
    now = utcnow()
    with session(engine) as s:
        found = s.exec(select(AdminSession, ApiToken)
                       .outerjoin(ApiToken, col(ApiToken.id) == col(AdminSession.token_id))
                       .where(AdminSession.key_hash == token_hash(key))).first()
        if found is None:
            return None
        row, token = found
        idle = dt.timedelta(minutes=settings.admin_session_idle_minutes)
        unused = now - aware(row.last_seen_at)
        if row.revoked_at is not None or aware(row.expires_at) <= now or unused >= idle:
            return None
        principal = _principal(row, token, settings)
        if principal is not None and unused.total_seconds() > min(TOUCH_SECONDS, idle.total_seconds() / 2):
            s.execute(update(AdminSession).where(col(AdminSession.id) == row.id).values(last_seen_at=now))
            s.commit()
        return principal


def revoke(engine: Engine, key: str) -> AdminSession | None:
    """End the session of ``key`` (sign-out); the row, kept until it would have expired, or None."""
    with session(engine) as s:
        row = s.exec(select(AdminSession).where(AdminSession.key_hash == token_hash(key))).first()
        if row is None:
            return None
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            s.add(row)
            s.commit()
            s.refresh(row)
        return row


__all__ = ["ENV_OPERATOR", "KEY_BYTES", "TOUCH_SECONDS", "find", "open_session", "revoke"]
