"""Dependencies shared by the routes (``Annotated`` aliases, as in the FastAPI template)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from gateway.services import Services


def get_services(request: Request) -> Services:
    """The process's services, put on the app at start-up."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def require_operator(services: ServicesDep, authorization: Annotated[str | None, Header()] = None) -> str:
    """Check the operator's bearer token in constant time; the operator's name for the history.

    Only the token's SHA-256 is compared, so comparing takes the same time whatever the input.
    """
    expected = services.settings.operator_token
    if not expected:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the operator API is off: set B2BGW_OPERATOR_TOKEN")
    scheme, _, token = (authorization or "").partition(" ")
    given = hashlib.sha256(token.strip().encode()).digest()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given, hashlib.sha256(expected.encode()).digest()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid operator bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    return "operator"


OperatorDep = Annotated[str, Depends(require_operator)]
