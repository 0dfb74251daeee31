"""``/healthz`` (alive, queue at a glance), ``/readyz`` (database reachable, schema current), ``/metrics``.

Both health answers list the workers by their heartbeats (:mod:`gateway.pipeline.heartbeats`,
every process's workers, read from the database) and answer 503 when processing has stalled:
due work waiting longer than ``stall_seconds`` with no worker alive. Each costs a handful of
small reads: the document counts, the heartbeat rows, the queue's head.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gateway.api.deps import ServicesDep
from gateway.api.metrics_access import require_metrics_reader
from gateway.observability.metrics import REGISTRY
from gateway.pipeline.heartbeats import processing_health
from gateway.store.db import head_revision, schema_revision, session
from gateway.store.documents import count_by_state

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(services: ServicesDep) -> JSONResponse:
    """200 with document counts by state and the workers when the database answers; 503 when not, or stalled."""
    try:
        with session(services.engine) as s:
            s.execute(text("SELECT 1"))
            counts = count_by_state(s)
            processing = processing_health(s, services.settings)
    except SQLAlchemyError as exc:
        return JSONResponse({"status": "unavailable", "error": str(exc).splitlines()[0]}, status_code=503)
    return JSONResponse({"status": "stalled" if processing.stalled else "ok", "documents": counts,
                         **processing.as_json()}, status_code=503 if processing.stalled else 200)


@router.get("/readyz")
def readyz(services: ServicesDep) -> JSONResponse:
    """200 when the database answers, its schema is the newest and processing goes on; 503 says which is not."""
    try:
        current = schema_revision(services.engine)
    except SQLAlchemyError as exc:
        return JSONResponse({"status": "unavailable", "error": str(exc).splitlines()[0]}, status_code=503)
    expected = head_revision()
    if current != expected:
        return JSONResponse({"status": "migrations pending", "database": current, "code": expected},
                            status_code=503)
    try:
        with session(services.engine) as s:
            processing = processing_health(s, services.settings)
    except SQLAlchemyError as exc:
        return JSONResponse({"status": "unavailable", "error": str(exc).splitlines()[0]}, status_code=503)
    return JSONResponse({"status": "stalled" if processing.stalled else "ready", "schema": current,
                         **processing.as_json()}, status_code=503 if processing.stalled else 200)


@router.get("/metrics", dependencies=[Depends(require_metrics_reader)])
def metrics() -> Response:
    """Prometheus text format: documents, processing and ERP latency, queue depth, dead letters.

    Behind ``B2BGW_METRICS_TOKEN`` when it is set (:mod:`gateway.api.metrics_access`).
    """
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
