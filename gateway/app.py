"""The FastAPI application: routes, and the in-process workers of ``b2bgw serve``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway.api import documents, edi, erp_actions, health
from gateway.observability.metrics import register_queue_collector
from gateway.pipeline.worker import start_in_threads
from gateway.services import Services


def create_app(services: Services, *, workers: int = 0) -> FastAPI:
    """The application over ``services``; ``workers`` background worker threads run beside it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop, threads = start_in_threads(services.engine, services.erp, services.settings, workers)
        try:
            yield
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)

    register_queue_collector(services.engine)
    app = FastAPI(title="b2b-gateway", summary="B2B punchout and EDI gateway", lifespan=lifespan)
    app.state.services = services
    app.include_router(edi.router)
    app.include_router(documents.router)
    app.include_router(erp_actions.router)
    app.include_router(health.router)
    return app
