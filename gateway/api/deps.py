"""Dependencies shared by the routes (``Annotated`` aliases, as in the FastAPI template)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from gateway.services import Services


async def get_services(request: Request) -> Services:
    """The process's services, put on the app at start-up.

    ``async`` although it awaits nothing: FastAPI runs a plain ``def`` dependency in its thread
    pool, and a thread hand-off on every request costs more than the lookup itself.
    """
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a stored row's id")]
"""A path id as the database can hold it: anything else is a 422, never a database error."""

