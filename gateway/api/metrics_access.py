"""Who may read ``/metrics``, ``/docs`` and ``/openapi.json``: anyone, or the ``B2BGW_METRICS_TOKEN`` holder.

Metrics name partners and document counts, and the API description lists every route: fine on a
private network, not on the internet. With ``B2BGW_METRICS_TOKEN`` set, these need either that
token or an operator's token, as ``Authorization: Bearer <token>`` (what Prometheus's
``authorization`` sends) or as the password of HTTP Basic, any user name (what a browser asks
for on ``/docs`` and then sends again for ``/openapi.json`` by itself). Anything else is a 401
with a ``WWW-Authenticate`` challenge for both. Unset, they stay open as before.

The metrics token is compared by digest in constant time; every presentation goes through the
brute-force limits of bearer tokens (:func:`gateway.auth.deps.throttled`).
"""

from __future__ import annotations

import base64
import binascii

from fastapi import HTTPException, Request, status

from gateway.api.client import client_address
from gateway.api.deps import ServicesDep
from gateway.auth.deps import throttled, token_attempt
from gateway.auth.tokens import Role, authenticate, same_secret

CHALLENGE = 'Basic realm="b2b-gateway metrics", Bearer realm="b2b-gateway metrics"'
METRICS_READER = "metrics"
"""Who read, when it was the metrics token (an operator token reads as its own name)."""


def presented_token(authorization: str | None) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or the password of ``Basic`` (any user), or None."""
    scheme, _, value = (authorization or "").partition(" ")
    value = value.strip()
    if not value:
        return None
    if scheme.lower() == "bearer":
        return value
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def require_metrics_reader(request: Request, services: ServicesDep) -> str | None:
    """Nothing to check when ``B2BGW_METRICS_TOKEN`` is unset; else the reader's name, or a 401 (module doc)."""
    expected = services.settings.metrics_token
    if not expected:
        return None
    token = presented_token(request.headers.get("authorization"))

    def check() -> str | None:
        if token is None:
            return None
        if same_secret(token, expected):
            return METRICS_READER
        principal = authenticate(services.engine, token, operator_token=services.settings.operator_token)
        return principal.name if principal is not None and principal.role is Role.OPERATOR else None

    reader = throttled(services, token_attempt(token, client_address(request)), check) if token else None
    if reader is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "B2BGW_METRICS_TOKEN (or an operator token) is required",
                            headers={"WWW-Authenticate": CHALLENGE})
    return reader


__all__ = ["CHALLENGE", "METRICS_READER", "presented_token", "require_metrics_reader"]
