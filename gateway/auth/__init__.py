"""API access: tokens with roles (stored hashed, shown once), the ``require_role`` dependency, the audit log."""

from __future__ import annotations

from gateway.auth.audit import audit, audit_trail
from gateway.auth.tokens import (
    IssuedToken,
    Principal,
    Role,
    TokenError,
    authenticate,
    create_token,
    list_tokens,
    parse_role,
    revoke_token,
)

__all__ = [
    "IssuedToken",
    "Principal",
    "Role",
    "TokenError",
    "audit",
    "audit_trail",
    "authenticate",
    "create_token",
    "list_tokens",
    "parse_role",
    "revoke_token",
]
