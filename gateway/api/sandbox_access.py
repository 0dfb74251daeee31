"""Who may use the buyer sandbox: nobody unless ``B2BGW_SANDBOX``, then a signed-in operator or the sandbox token.

The sandbox acts as any configured buyer and shows what it exchanged: carts at contract prices,
orders, what the gateway sent the buyer. So even when it is on (``serve --demo``, or
``B2BGW_SANDBOX=true`` for onboarding), every page needs one of:

* the operator's /admin sign-in (the session cookie, :mod:`gateway.admin.auth`);
* ``B2BGW_SANDBOX_TOKEN``, for whoever onboards buyers without an operator account: as
  ``Authorization: Bearer`` (scripts), or typed once at ``/sandbox/enter``, which gives the
  browser the ``b2bgw_sandbox`` cookie. The cookie holds an HMAC of the token, not the token, and
  stops working when the token changes. Wrong tokens are counted like every other credential
  (:mod:`gateway.auth.throttle`, channel ``sandbox``); comparisons are constant-time.

Without either, a page (GET) redirects to the sign-in and comes back after, anything else is 401.
Both cookies are SameSite=Strict: the storefront posting a cart back to the sandbox's
BrowserFormPost URL or HOOK_URL is the same site (one origin), so they go with it, while a post
from another site carries neither. ``POST /sandbox/inbox`` is the one exception: the gateway
itself posts there, and it authenticates as a buyer's system would, by our SharedSecret in the
document's Sender (:func:`gateway.punchout.sandbox.receive_inbox`).
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import Response

from gateway.admin.auth import signed_in
from gateway.api.client import client_address, is_https
from gateway.api.deps import ServicesDep
from gateway.auth.deps import bearer, throttled
from gateway.auth.throttle import Attempt
from gateway.auth.tokens import same_secret
from gateway.services import Services

COOKIE = "b2bgw_sandbox"
COOKIE_PATH = "/sandbox"
TOKEN_USER = "sandbox token"
"""Who the audit trail and logs name when the sandbox token, not an operator, was used."""


def sandbox_on(services: ServicesDep) -> None:
    """404 for every sandbox page when ``B2BGW_SANDBOX`` is false."""
    if not services.settings.sandbox:
        raise HTTPException(404, "the buyer sandbox is off (B2BGW_SANDBOX=false)")


def cookie_value(token: str) -> str:
    """What the ``b2bgw_sandbox`` cookie holds for ``token``: an HMAC of it, never the token itself."""
    return hmac.new(token.encode(), b"b2bgw sandbox cookie v1", hashlib.sha256).hexdigest()


def check_token(request: Request, services: Services, presented: str) -> bool:
    """Whether ``presented`` is ``B2BGW_SANDBOX_TOKEN``; wrong ones counted, none checked during a lockout."""
    # Only the address is counted: one "sandbox" counter would let anyone lock the sandbox for everyone.
    attempt = Attempt(channel="sandbox", credential="sandbox", client=client_address(request), lock_credential=False)
    token = services.settings.sandbox_token
    return throttled(services, attempt, lambda: TOKEN_USER if token and same_secret(presented, token) else None,
                     reason="bad_secret") is not None


def sandbox_user(request: Request, services: ServicesDep) -> str:
    """Who uses the sandbox (an operator's name, or :data:`TOKEN_USER`); else the sign-in (pages) or 401."""
    operator = signed_in(request, services)
    if operator is not None:
        return operator.name
    token = services.settings.sandbox_token
    cookie = request.cookies.get(COOKIE)
    if token and cookie and same_secret(cookie, cookie_value(token)):
        return TOKEN_USER
    presented = bearer(request.headers.get("authorization"))
    if presented is not None and check_token(request, services, presented):
        return TOKEN_USER
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, "sign in first", headers={"Location": f"/admin/login?next={quote(target)}"})
    raise HTTPException(401, "the sandbox needs the operator's sign-in or the sandbox token",
                        headers={"WWW-Authenticate": 'Bearer realm="sandbox"'})


def give_cookie(request: Request, answer: Response, services: Services) -> None:
    """The ``b2bgw_sandbox`` cookie for the configured token (HttpOnly, SameSite=Strict, for /sandbox only)."""
    answer.set_cookie(COOKIE, cookie_value(services.settings.sandbox_token or ""), httponly=True, samesite="strict",
                      secure=is_https(request), path=COOKIE_PATH,
                      max_age=int(services.settings.admin_session_hours * 3600))


__all__ = ["COOKIE", "COOKIE_PATH", "TOKEN_USER", "check_token", "cookie_value", "give_cookie", "sandbox_on",
           "sandbox_user"]
