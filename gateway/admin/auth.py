"""Sign-in for the operator pages: the operator's token in an HttpOnly cookie, checked on every request.

Keeping the token itself (not a server-side session) keeps ``serve`` stateless across hosts and
makes revocation immediate: a revoked token stops working on the next page. The cookie is
HttpOnly and SameSite=Strict (Secure when the request came over HTTPS), and every form carries a
CSRF token derived from the sign-in token, so another site can neither read nor use it.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from gateway.auth.tokens import Principal, Role, authenticate
from gateway.services import Services

COOKIE = "b2bgw_admin"
MAX_AGE_SECONDS = 8 * 3600  # one working day; the token itself may live longer


def signed_in(request: Request, services: Services) -> Principal | None:
    """The operator the request's cookie stands for, or None (no cookie, unknown, revoked, not an operator)."""
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    principal = authenticate(services.engine, token, operator_token=services.settings.operator_token)
    return principal if principal is not None and principal.role is Role.OPERATOR else None


def csrf_token(request: Request) -> str:
    """The form token of this sign-in: an HMAC of the cookie, so only a page we served can know it."""
    cookie = request.cookies.get(COOKIE, "")
    return hmac.new(cookie.encode(), b"b2bgw admin form", hashlib.sha256).hexdigest()


def csrf_ok(request: Request, given: str) -> bool:
    """Whether ``given`` is this sign-in's form token (constant-time comparison)."""
    return bool(request.cookies.get(COOKIE)) and hmac.compare_digest(csrf_token(request), given)


__all__ = ["COOKIE", "MAX_AGE_SECONDS", "csrf_ok", "csrf_token", "signed_in"]
