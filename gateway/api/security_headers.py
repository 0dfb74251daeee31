"""Security headers on every answer: a Content-Security-Policy by kind of page, and the headers around it.

Every HTTP answer gets ``X-Content-Type-Options: nosniff``, a ``Referrer-Policy``, a
``Content-Security-Policy`` and, when the request came over TLS (directly, or from a trusted
proxy that said so: :func:`gateway.api.client.is_https`), ``Strict-Transport-Security``. What
the policy allows depends on who reads the page:

==============  =====================================  ===========================================
kind (paths)    policy                                 why
==============  =====================================  ===========================================
api (the rest:  ``default-src 'none'``, nothing may     JSON, cXML, X12, metrics: never a page,
/api, /cxml,    frame it                                so nothing in them may load or run
/healthz ...)
admin (/admin,  ``default-src 'self'``, no script,     the operator's pages: forms to ourselves,
/sandbox)       inline ``<style>``, forms to 'self',   styles inline; framing them would allow
                ``frame-ancestors 'none'``             clickjacking a signed-in operator
storefront      no script, forms to 'self',            buyers' procurement systems open it in a
(/punchout/,    ``frame-ancestors`` from the buyer's   window or an iframe: the buyer's setting
/oci)           ``frame_ancestors`` setting            ``frame_ancestors`` lists who may frame it
docs (/docs)    Swagger UI from cdn.jsdelivr.net,      the API's page; its one inline script is
                its inline script by hash              allowed by its SHA-256, nothing else
==============  =====================================  ===========================================

The storefront's routes know the buyer and set their own policy with :func:`storefront_policy`
(the buyer's frame ancestors; on the transfer pages also a per-answer script nonce for the one
line that submits the cart, and ``form-action`` narrowed to the session's return address);
this middleware only fills in the kind's default where a route set none, so a storefront page
without a session (a "link expired" page) can be framed by nobody.

``Referrer-Policy`` is ``no-referrer`` for the API and the docs, ``same-origin`` for the
operator's pages (``no-referrer`` would make the browser send ``Origin: null`` with their own
form posts) and ``strict-origin-when-cross-origin`` for the storefront: the buyer's procurement
system receives the cart POST with our origin in ``Origin`` and ``Referer`` (some check it; with
``no-referrer`` it would read ``null``) but never a path, so no search words or session links.
``X-Frame-Options: DENY`` (for browsers without ``frame-ancestors``) goes on every answer but
the storefront's, which buyers may frame.

The middleware is pure ASGI (it rewrites the ``http.response.start`` message and passes the
body through, so streamed answers stay streamed) and wraps the whole application, outside
Starlette's error middleware, so that a 500 carries the headers too. It reads the scheme when
the answer starts, after :class:`~gateway.api.client.ForwardedHeaders` has applied the
trusted proxies' ``X-Forwarded-Proto``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.client import is_https
from gateway.onboarding.settings import frame_origin
from gateway.services import Services

CSP = "Content-Security-Policy"

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
ADMIN_POLICY = ("default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DOCS_CDN = "https://cdn.jsdelivr.net"
"""Where FastAPI's Swagger UI page loads its script and style from."""

REFERRER = {"api": "no-referrer", "docs": "no-referrer", "admin": "same-origin",
            "storefront": "strict-origin-when-cross-origin"}
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def page_kind(path: str) -> str:
    """Which policy a path's answers get: ``admin``, ``storefront``, ``docs`` or ``api`` (see the module doc)."""
    if path == "/admin" or path.startswith(("/admin/", "/sandbox")):
        return "admin"
    if path.startswith("/punchout/") or path == "/oci":
        return "storefront"
    if path == "/docs":
        return "docs"
    return "api"


def new_nonce() -> str:
    """A script nonce for one answer (128 random bits)."""
    return secrets.token_urlsafe(16)


def frame_ancestors(settings: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The origins a buyer's settings let frame the storefront (``frame_ancestors``); bad entries are skipped.

    The setting is checked when written (:class:`gateway.onboarding.settings.PartnerSettings`);
    checking again here keeps a hand-edited row from writing anything but origins into the header.
    """
    found: list[str] = []
    for entry in (settings or {}).get("frame_ancestors") or ():
        try:
            found.append(frame_origin(str(entry)))
        except ValueError:
            continue
    return tuple(found)


def storefront_policy(ancestors: Iterable[str] = (), *, nonce: str | None = None,
                      form_action: Sequence[str] | None = None) -> str:
    """The storefront's policy: framed by ``ancestors`` only, a script only with ``nonce``, forms to ``form_action``.

    ``form_action`` None means our own pages (``'self'``); the transfer pages pass the return
    address's source (:func:`gateway.punchout.return_url.form_action_source`) and nothing else.
    """
    framing = " ".join(ancestors) or "'none'"
    script = f"'nonce-{nonce}'" if nonce else "'none'"
    action = " ".join(form_action) if form_action else "'self'"
    return (f"default-src 'none'; script-src {script}; style-src 'unsafe-inline'; img-src 'self'; "
            f"base-uri 'none'; form-action {action}; frame-ancestors {framing}")


def with_policy(response: Response, policy: str) -> Response:
    """``response`` with ``policy`` as its Content-Security-Policy (the middleware then keeps it)."""
    response.headers[CSP] = policy
    return response


def docs_policy(script_hashes: Iterable[str]) -> str:
    """/docs: Swagger UI's script and style from its CDN, its inline scripts by hash, the API description from us."""
    hashes = " ".join(f"'sha256-{digest}'" for digest in script_hashes)
    return (f"default-src 'none'; script-src {DOCS_CDN} {hashes}; style-src {DOCS_CDN} 'unsafe-inline'; "
            f"img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; base-uri 'none'; "
            f"form-action 'none'; frame-ancestors 'none'")


def script_hashes(body: bytes) -> list[str]:
    """The base64 SHA-256 of each inline ``<script>`` of ``body``, as CSP hash sources take it."""
    return [base64.b64encode(hashlib.sha256(script).digest()).decode("ascii")
            for script in INLINE_SCRIPT.findall(body)]


def _header(name: str, value: str) -> tuple[bytes, bytes]:
    return name.lower().encode("latin-1"), value.encode("latin-1")


class SecurityHeaders:
    """ASGI middleware: the headers of the module doc on every HTTP answer, defaults only where a route set none."""

    def __init__(self, app: ASGIApp, *, hsts_seconds: int) -> None:
        self.app = app
        self.hsts = _header("Strict-Transport-Security", f"max-age={hsts_seconds}") if hsts_seconds > 0 else None
        common = [_header("X-Content-Type-Options", "nosniff")]
        deny = _header("X-Frame-Options", "DENY")
        self.defaults: dict[str, list[tuple[bytes, bytes]]] = {
            "api": [*common, deny, _header(CSP, API_POLICY)],
            "admin": [*common, deny, _header(CSP, ADMIN_POLICY)],
            "storefront": [*common, _header(CSP, storefront_policy())],
            "docs": [*common, deny],  # its policy hashes the page's script: see _docs
        }
        self.referrer = {kind: _header("Referrer-Policy", value) for kind, value in REFERRER.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the answer's start; pass everything else through untouched."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = page_kind(scope.get("path", ""))
        if kind == "docs":
            await self._docs(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = self._start(message, scope, kind)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _start(self, message: Message, scope: Scope, kind: str, extra: Sequence[tuple[bytes, bytes]] = ()) -> Message:
        headers = list(message.get("headers") or [])
        present = {name.lower() for name, _ in headers}
        wanted = [*self.defaults[kind], *extra, self.referrer[kind]]
        if self.hsts is not None and is_https(HTTPConnection(scope)):
            wanted.append(self.hsts)
        headers.extend(header for header in wanted if header[0] not in present)
        return {**message, "headers": headers}

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """/docs is one small page: hold it whole to allow exactly its inline scripts by their hashes."""
        start: Message | None = None
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                policy = _header(CSP, docs_policy(script_hashes(bytes(body))))
                if start is None:
                    raise RuntimeError("an ASGI answer's body came before its start")
                await send(self._start(start, scope, "docs", [policy]))
                await send({"type": "http.response.body", "body": bytes(body)})
                return
            await send(message)

        await self.app(scope, receive, hold)


def install_security_headers(app: FastAPI, services: Services) -> None:
    """Wrap the whole application (error answers included) in :class:`SecurityHeaders`.

    ``add_middleware`` would put it inside Starlette's ``ServerErrorMiddleware``, whose 500
    answers would then go out without the headers; so it wraps the stack Starlette builds.
    """
    build = app.build_middleware_stack
    hsts_seconds = services.settings.hsts_seconds

    def build_wrapped() -> ASGIApp:
        return SecurityHeaders(build(), hsts_seconds=hsts_seconds)

    app.build_middleware_stack = build_wrapped  # type: ignore[method-assign]


__all__ = ["ADMIN_POLICY", "API_POLICY", "CSP", "SecurityHeaders", "docs_policy", "frame_ancestors",
           "install_security_headers", "new_nonce", "page_kind", "script_hashes", "storefront_policy",
           "with_policy"]
