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

from sqlalchemy import JSON, Column
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
