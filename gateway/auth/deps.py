"""FastAPI dependencies of token auth: ``require_role(...)`` gives a route its :class:`Principal`.

Routes say who may call them (``PrincipalDep = Annotated[Principal, Depends(require_role(...))]``);
401 means no valid token, 403 a valid token of the wrong role. The lookup is a blocking database
read, so the dependency is a plain function that FastAPI runs in its thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Header, HTTPException, status

from gateway.api.deps import ServicesDep
from gateway.auth.tokens import Principal, Role, authenticate


def bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def require_role(*roles: Role) -> Callable[..., Principal]:
    """A dependency that admits a valid token of one of ``roles`` (an operator is always admitted)."""
    allowed = frozenset(roles) | {Role.OPERATOR}

    def dependency(services: ServicesDep, authorization: Annotated[str | None, Header()] = None) -> Principal:
        token = bearer(authorization)
        principal = (authenticate(services.engine, token, operator_token=services.settings.operator_token)
                     if token else None)
        if principal is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})
        if principal.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"a {principal.role.value} token may not do this; needs "
                                f"{' or '.join(sorted(r.value for r in allowed))}")
        return principal

    return dependency


__all__ = ["bearer", "require_role"]
