"""Tables of API access: tokens (stored hashed) and the audit log of operator actions.

A token's secret is never stored; neither is a trading partner's password or upload token
(:class:`PartnerCredential`, :mod:`gateway.auth.partner_credentials`). What is kept is a token's
public id (the part before the secret, used to find the row) and an HMAC-SHA256 of the whole
token; the token itself is shown once, when it is created. The audit log is append-only: token
changes, credit-hold decisions, quote approvals and other operator actions each write one row
saying who did what to what.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.store.tables import utcnow


class ApiToken(SQLModel, table=True):
    """One API token: its role, the customers it may see, and whether it was revoked."""

    __tablename__ = "gw_api_token"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=32, unique=True, description="the token's visible prefix")
    token_hash: str = Field(max_length=64, description="HMAC-SHA256 of the whole token, hex")
    name: str = Field(max_length=120)
    role: str = Field(max_length=24)
    customers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                                 description="ERP customers a sales rep works for (empty: none)")
    created_by: str = Field(max_length=120)
    created_at: dt.datetime = Field(default_factory=utcnow)
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = Field(default=None, max_length=120)


class AuditEntry(SQLModel, table=True):
    """One operator action: who, when, what, on what, with the details that matter."""

    __tablename__ = "gw_audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=120)
    action: str = Field(max_length=48, index=True)
    target: str = Field(max_length=120, description="what was acted on, e.g. token:3, hold:12, quote:Q-7")
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PartnerCredential(SQLModel, table=True):
    """One credential a trading partner presents on ``POST /edi/{partner}``: never its secret in clear.

    ``kind`` is ``password`` (HTTP Basic, user = the partner id; ``secret_hash`` is a salted
    scrypt hash), ``token`` (``Authorization: Bearer``; ``public_id`` finds the row, ``secret_hash``
    is an HMAC-SHA256 of the whole token) or ``certificate`` (the SHA-256 fingerprint of the
    client certificate a TLS terminator in front passes on, in ``public_id``; no secret).
    """

    __tablename__ = "gw_partner_credential"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: str = Field(foreign_key="gw_partner.id", index=True, max_length=64)
    kind: str = Field(max_length=16, description="password, token or certificate")
    public_id: str | None = Field(default=None, max_length=128, unique=True,
                                  description="a token's visible prefix, or a certificate's SHA-256 fingerprint")
    secret_hash: str | None = Field(default=None, max_length=255)
    label: str = Field(default="", max_length=120)
    created_by: str = Field(max_length=120)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = Field(default=None, max_length=120)


class AdminSession(SQLModel, table=True):
    """One operator's sign-in to the /admin pages: the server's record of a random cookie, never the token.

    The cookie holds a random session key; only its SHA-256 (``key_hash``) is stored. The session
    ends when unused for ``B2BGW_ADMIN_SESSION_IDLE_MINUTES`` (``last_seen_at``), at ``expires_at``
    whatever happens, at sign-out (``revoked_at``), and when the token it was opened with is revoked
    (``token_id``) or, for ``B2BGW_OPERATOR_TOKEN``, changed (``credential_hash`` no longer matches).
    """

    __tablename__ = "gw_admin_session"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True, description="SHA-256 of the cookie's session key, hex")
    actor: str = Field(max_length=120, description="who signed in, as the audit log names them")
    token_id: int | None = Field(default=None, foreign_key="gw_api_token.id", index=True,
                                 description="the API token signed in with; null for B2BGW_OPERATOR_TOKEN")
    credential_hash: str = Field(max_length=64, description="SHA-256 of the token signed in with, hex")
    client: str = Field(default="", max_length=64, description="the address that signed in")
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_seen_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None


class AuthThrottle(SQLModel, table=True):
    """Failed sign-ins counted per credential and per client address, and the lockout they earned.

    ``scope`` says what ``key`` names: ``credential`` (``cxml:contoso``, ``oci:srm-demo``,
    ``token:3f2a...``, ``admin``, ``edi:acme``) or ``client`` (an address). Shared by every process
    on the database, so a lockout holds behind a load balancer too.
    """

    __tablename__ = "gw_auth_throttle"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_gw_auth_throttle_scope_key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16)
    key: str = Field(max_length=200)
    failures: int = 0
    first_failure_at: dt.datetime = Field(default_factory=utcnow)
    last_failure_at: dt.datetime = Field(default_factory=utcnow)
    locked_until: dt.datetime | None = Field(default=None, index=True)
