"""FastAPI dependencies of token auth: ``require_role(...)`` gives a route its :class:`Principal`.

Routes say who may call them (``PrincipalDep = Annotated[Principal, Depends(require_role(...))]``);
401 means no valid token, 403 a valid token of the wrong role. The lookup is a blocking database
read, so the dependency is a plain function that FastAPI runs in its thread pool.

Every bearer token presented is throttled (:mod:`gateway.auth.throttle`): wrong ones are counted
on ``token:<public id>`` (the visible part of our ``b2bgw_<public id>_<secret>`` tokens) and on the
client address; anything not in that format (the installation's ``B2BGW_OPERATOR_TOKEN``, the ERP
webhook token, junk) is ``token:unknown``, counted on the client address only, since locking that
name would lock the operator out for everyone. While locked, even a right token gets the same 401
as a wrong one, unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Header, HTTPException, Request, status

from gateway.api.client import client_address
from gateway.api.deps import ServicesDep
from gateway.auth.throttle import LOCKED, Attempt, locked_for, record_failure, record_success
from gateway.auth.tokens import Principal, Role, authenticate
from gateway.services import Services

T = TypeVar("T")

OUR_TOKEN = re.compile(r"b2bgw_([0-9a-f]{12})_.")
"""Our tokens' shape: the public id names the credential a guess was at."""


def bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def token_attempt(token: str, client: str) -> Attempt:
    """The throttle's view of presenting ``token`` from ``client`` (module docstring)."""
    match = OUR_TOKEN.match(token)
    if match is None:
        return Attempt(channel="token", credential="token:unknown", client=client, lock_credential=False)
    return Attempt(channel="token", credential=f"token:{match.group(1)}", client=client)


def throttled(services: Services, attempt: Attempt, check: Callable[[], T | None], *,
              reason: str = "bad_token") -> T | None:
    """``check()``'s answer unless ``attempt`` is locked out (then None, unchecked); failures and successes counted.

    Call it outside any write transaction (it writes its own on a failure).
    """
    engine, settings = services.engine, services.settings
    if locked_for(engine, attempt, settings) is not None:
        record_failure(engine, attempt, settings, reason=LOCKED)
        return None
    answer = check()
    if answer is None:
        record_failure(engine, attempt, settings, reason=reason)
    else:
        record_success(engine, attempt, settings)
    return answer


def authenticate_bearer(services: Services, token: str, client: str) -> Principal | None:
    """:func:`gateway.auth.tokens.authenticate` behind the brute-force limits."""
    return throttled(services, token_attempt(token, client), lambda: authenticate(
        services.engine, token, operator_token=services.settings.operator_token))


def require_role(*roles: Role) -> Callable[..., Principal]:
    """A dependency that admits a valid token of one of ``roles`` (an operator is always admitted)."""
    allowed = frozenset(roles) | {Role.OPERATOR}

    def dependency(request: Request, services: ServicesDep,
                   authorization: Annotated[str | None, Header()] = None) -> Principal:
        token = bearer(authorization)
        principal = authenticate_bearer(services, token, client_address(request)) if token else None
        if principal is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})
        if principal.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"a {principal.role.value} token may not do this; needs "
                                f"{' or '.join(sorted(r.value for r in allowed))}")
        return principal

    return dependency


def require_operator(request: Request, services: ServicesDep,
                     authorization: Annotated[str | None, Header()] = None) -> str:
    """Check an operator's bearer token in constant time; the operator's name for the history.

    ``B2BGW_OPERATOR_TOKEN`` and operator-role tokens made with ``b2bgw tokens create`` are both
    accepted (:func:`gateway.auth.tokens.authenticate` compares digests, never the text), behind
    the brute-force limits (:func:`authenticate_bearer`).
    """
    token = bearer(authorization)
    principal = authenticate_bearer(services, token, client_address(request)) if token else None
    if principal is None or principal.role is not Role.OPERATOR:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid operator bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal.name


OperatorDep = Annotated[str, Depends(require_operator)]

__all__ = ["OUR_TOKEN", "OperatorDep", "authenticate_bearer", "bearer", "require_operator", "require_role", "throttled",
           "token_attempt"]
