"""Dependencies shared by the routes (``Annotated`` aliases, as in the FastAPI template)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Request, status

from gateway.services import Services


async def get_services(request: Request) -> Services:
    """The process's services, put on the app at start-up.

    ``async`` although it awaits nothing: FastAPI runs a plain ``def`` dependency in its thread
    pool, and a thread hand-off on every request costs more than the lookup itself.
    """
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def require_operator(request: Request, services: ServicesDep,
                     authorization: Annotated[str | None, Header()] = None) -> str:
    """Check an operator's bearer token in constant time; the operator's name for the history.

    ``B2BGW_OPERATOR_TOKEN`` and operator-role tokens made with ``b2bgw tokens create`` are both
    accepted (:func:`gateway.auth.tokens.authenticate` compares digests, never the text), behind
    the brute-force limits (:func:`gateway.auth.deps.authenticate_bearer`).
    """
    from gateway.api.client import client_address
    from gateway.auth.deps import authenticate_bearer
    from gateway.auth.tokens import Role

    scheme, _, token = (authorization or "").partition(" ")
    principal = (authenticate_bearer(services, token.strip(), client_address(request))
                 if scheme.lower() == "bearer" and token.strip() else None)
    if principal is None or principal.role is not Role.OPERATOR:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid operator bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal.name


OperatorDep = Annotated[str, Depends(require_operator)]


RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a stored row's id")]
"""A path id as the database can hold it: anything else is a 422, never a database error."""

