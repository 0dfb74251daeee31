"""Sign-in for the operator pages: a server-side session (:mod:`gateway.admin.sessions`) named by a cookie.

The cookie holds a random session key, never the operator token: sign-out, the idle and absolute
expiry, and revoking the token each end the session on the server, whatever the browser kept.
The cookie is HttpOnly and SameSite=Strict (Secure when the client came over HTTPS, directly or
through a trusted proxy) and valid for the whole site, since the buyer sandbox (``/sandbox``)
asks for the same sign-in. Every form carries a CSRF token derived from the session key, so
another site can neither read nor use it, and it dies with the session.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request
from fastapi.responses import Response

from gateway.admin import sessions
from gateway.api.client import is_https
from gateway.auth.tokens import Principal
from gateway.services import Services

COOKIE = "b2bgw_admin"
COOKIE_PATH = "/"  # /admin and /sandbox


def signed_in(request: Request, services: Services) -> Principal | None:
    """The operator of the request's session, or None (no cookie, unknown, ended, token revoked or changed)."""
    return sessions.find(services.engine, request.cookies.get(COOKIE, ""), services.settings)


def give_cookie(request: Request, answer: Response, key: str, services: Services) -> None:
    """Put the session key in the answer's cookie (a browser cookie, the session's end is the server's)."""
    answer.set_cookie(COOKIE, key, max_age=int(services.settings.admin_session_hours * 3600), httponly=True,
                      samesite="strict", secure=is_https(request), path=COOKIE_PATH)


def clear_cookie(request: Request, answer: Response) -> None:
    """Tell the browser to forget the session cookie (and the token cookie of /admin before sessions)."""
    for path in (COOKIE_PATH, "/admin"):
        answer.delete_cookie(COOKIE, path=path, httponly=True, samesite="strict", secure=is_https(request))


def csrf_token(request: Request) -> str:
    """The form token of this session: an HMAC keyed by the session key, so only a page we served can know it."""
    key = request.cookies.get(COOKIE, "")
    return hmac.new(key.encode(), b"b2bgw admin form", hashlib.sha256).hexdigest()


def csrf_ok(request: Request, given: str) -> bool:
    """Whether ``given`` is this session's form token (constant-time comparison)."""
    return bool(request.cookies.get(COOKIE)) and hmac.compare_digest(csrf_token(request), given)


__all__ = ["COOKIE", "COOKIE_PATH", "clear_cookie", "csrf_ok", "csrf_token", "give_cookie", "signed_in"]
