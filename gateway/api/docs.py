"""``/openapi.json`` and ``/docs``: the API's description and its Swagger page.

Both are behind ``B2BGW_METRICS_TOKEN`` when it is set (:mod:`gateway.api.metrics_access`): a
browser asks for it as a password on ``/docs`` and sends it again for ``/openapi.json``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from gateway.api.metrics_access import require_metrics_reader

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_metrics_reader)])


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    """The OpenAPI document of every route in the schema."""
    return JSONResponse(request.app.openapi())


@router.get("/docs", response_class=HTMLResponse)
async def docs(request: Request) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} - API")


__all__ = ["router"]
