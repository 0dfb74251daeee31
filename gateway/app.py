"""The FastAPI application: routes, and the in-process workers of ``b2bgw serve``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway.admin import as2 as admin_as2
from gateway.admin import partners as admin_partners
from gateway.admin import routes as admin_routes
from gateway.api import as2 as as2_routes
from gateway.api import (
    credit,
    cxml,
    delivery,
    docs,
    documents,
    edi,
    erp_actions,
    health,
    prices,
    punchout,
    quotes,
    sandbox,
)
from gateway.api import oci as oci_routes
from gateway.api import partners as partner_routes
from gateway.api.client import ForwardedHeaders
from gateway.api.errors import install_error_handlers
from gateway.api.limits import UploadGate, UploadLimits
from gateway.api.security_headers import install_security_headers
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
    app = FastAPI(title="b2b-gateway", summary="B2B punchout and EDI gateway", lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)  # served by gateway.api.docs
    app.state.services = services
    app.state.upload_gate = UploadGate(UploadLimits.from_settings(services.settings))
    install_error_handlers(app)
    app.include_router(edi.router)
    app.include_router(documents.router)
    app.include_router(delivery.router)
    app.include_router(erp_actions.router)
    app.include_router(health.router)
    app.include_router(prices.router)
    app.include_router(credit.router)
    app.include_router(quotes.router)
    app.include_router(cxml.router)
    app.include_router(punchout.router)
    app.include_router(oci_routes.router)
    app.include_router(sandbox.router)
    app.include_router(admin_routes.router)
    app.include_router(admin_partners.router)
    app.include_router(partner_routes.router)
    app.include_router(as2_routes.router)
    app.include_router(admin_as2.router)
    app.include_router(docs.router)
    app.router.routes.insert(0, cxml.route)  # ahead of the routers: see gateway.api.cxml
    install_security_headers(app, services)
    app.add_middleware(ForwardedHeaders, trusted_proxies=services.settings.trusted_proxies)  # outermost
    return app
