"""``/healthz`` (alive, queue at a glance), ``/readyz`` (database reachable, schema current), ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gateway.api.deps import ServicesDep
from gateway.observability.metrics import REGISTRY
from gateway.store.db import head_revision, schema_revision, session
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


@router.get("/readyz")
def readyz(services: ServicesDep) -> JSONResponse:
    """200 when the database answers and its schema is at the newest migration; 503 says which is not."""
    try:
        current = schema_revision(services.engine)
    except SQLAlchemyError as exc:
        return JSONResponse({"status": "unavailable", "error": str(exc).splitlines()[0]}, status_code=503)
    expected = head_revision()
    if current != expected:
        return JSONResponse({"status": "migrations pending", "database": current, "code": expected},
                            status_code=503)
    return JSONResponse({"status": "ready", "schema": current})


@router.get("/metrics")
def metrics() -> Response:
    """Prometheus text format: documents, processing and ERP latency, queue depth, dead letters."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
