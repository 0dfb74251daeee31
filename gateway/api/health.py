"""``/healthz``: whether the process can reach its database, and the queue at a glance."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gateway.api.deps import ServicesDep
from gateway.store.db import session
from gateway.store.documents import count_by_state

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(services: ServicesDep) -> JSONResponse:
    """200 with document counts by state when the database answers, 503 otherwise."""
    try:
        with session(services.engine) as s:
            s.execute(text("SELECT 1"))
            counts = count_by_state(s)
    except SQLAlchemyError as exc:
        return JSONResponse({"status": "unavailable", "error": str(exc).splitlines()[0]}, status_code=503)
    return JSONResponse({"status": "ok", "documents": counts})
