"""``POST /cxml``: the one URL a buyer's procurement system is given.

The route only reads the body (stopping at the size limit) and hands it to
:func:`gateway.punchout.requests.handle`, which stores, authenticates, dispatches and answers;
setup and profile requests go through the application's
:class:`~gateway.punchout.batching.SetupBatcher` instead, which does the same for the requests
that arrive together in one commit. The
answer is always a cXML Response; the HTTP status is 200 for 2xx cXML codes and the cXML code
itself (400, 401, 406, 409, 500) otherwise, so both the XML and the HTTP layer tell the truth.

It is served by :data:`route`, a plain ASGI route that :func:`gateway.app.create_app` puts ahead
of the application's routers. ``/cxml`` takes raw XML and needs nothing FastAPI adds to a route
(dependency injection, request validation, a JSON answer), while reaching a route through the
routers costs more CPU than the rest of the HTTP exchange: in ``bench/punchout.py`` a bare
``async`` FastAPI route costs the server about 0.25 ms a request, the same answer from a plain
route about 0.06 ms, and the event loop's share of a setup went from about 0.5 ms to 0.2 ms.
The FastAPI route below stays, answering through the same :func:`answer`, so the OpenAPI
document describes ``/cxml`` and an application built from the routers alone still serves it.
"""

from __future__ import annotations

import logging
import threading

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from formats.cxml import envelope
from gateway.api.bodies import read_limited
from gateway.api.client import client_address
from gateway.api.errors import is_transient, retry_after
from gateway.punchout.batching import SetupBatcher
from gateway.punchout.requests import handle
from gateway.punchout.sessions import new_payload_id
from gateway.services import Services
from gateway.store.tables import utcnow

log = logging.getLogger(__name__)

router = APIRouter(tags=["cxml"])

CXML_MEDIA_TYPE = "text/xml; charset=utf-8"


def public_url(request: Request, configured: str | None) -> str:
    """The gateway's base URL for links we hand out: the setting, else the URL this request came to."""
    return (configured or str(request.base_url)).rstrip("/")


_BATCHER_LOCK = threading.Lock()


def setup_batcher(app: FastAPI, services: Services) -> SetupBatcher:
    """The application's setup batcher, made on first use (its thread starts and stops with the traffic)."""
    batcher: SetupBatcher | None = getattr(app.state, "cxml_setup_batcher", None)
    if batcher is None:
        with _BATCHER_LOCK:
            batcher = getattr(app.state, "cxml_setup_batcher", None)
            if batcher is None:
                batcher = app.state.cxml_setup_batcher = SetupBatcher(services.engine, services.erp,
                                                                      services.settings)
    return batcher


TEMPORARY_ERROR = 560
"""cXML's Temporary Server Error: the buyer's system sends the request again later."""


async def answer(request: Request) -> Response:
    """The cXML Response to a request to ``/cxml``; a busy database answers 503 with cXML Status 560.

    Procurement systems read the cXML Status of whatever comes back, so a gateway too busy to
    store a request (no database connection free in time, SQLite's write lock not had, a
    PostgreSQL server restarting) answers in cXML too, with ``Retry-After``; the transaction cut
    short stored nothing, and a resend's payloadID is recognised. Other database errors are not
    load and go on to the application's 500.
    """
    try:
        return await _answer(request)
    except (PoolTimeout, OperationalError) as exc:
        if isinstance(exc, OperationalError) and not is_transient(exc):
            raise
        seconds = retry_after(request)
        log.warning("cXML request answered 560 (database busy): %s", str(exc).splitlines()[0])
        text = f"the gateway is busy for a moment and stored nothing; send the request again after {seconds} s"
        body = envelope.response(TEMPORARY_ERROR, payload_id=new_payload_id(), timestamp=utcnow(), detail=text)
        return Response(body, status_code=503, media_type=CXML_MEDIA_TYPE, headers={"Retry-After": str(seconds)})


async def _answer(request: Request) -> Response:
    services: Services = request.app.state.services
    limit = services.settings.cxml_max_bytes
    body, _ = await read_limited(request, limit)  # handle() refuses what is over the limit, and keeps it
    base_url = public_url(request, services.settings.public_url)
    client = client_address(request)  # counted by the limits on guessing (gateway.auth.throttle)
    batched = setup_batcher(request.app, services).submit(body, base_url=base_url, max_bytes=limit, client=client)
    answered = await batched if batched is not None else None
    if answered is None:  # not a setup: stored and answered on its own
        answered = await run_in_threadpool(handle, services.engine, services.erp, body, base_url=base_url,
                                           max_bytes=limit, settings=services.settings, client=client)
    status = 200 if answered.code < 300 else answered.code
    headers = {"X-Document-Id": str(answered.document_id)} if answered.document_id else None
    return Response(answered.body, status_code=status, media_type=CXML_MEDIA_TYPE, headers=headers)


@router.post("/cxml", response_class=Response, responses={200: {"content": {"text/xml": {}}}})
async def cxml(request: Request) -> Response:
    """Answer a cXML request (ProfileRequest, PunchOutSetupRequest, OrderRequest) with a cXML Response."""
    return await answer(request)


class _Plain:
    """:func:`answer` as an ASGI application (an instance, so Starlette does not wrap it as a request handler)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await answer(Request(scope, receive))
        await response(scope, receive, send)


route = Route("/cxml", _Plain(), methods=["POST"], include_in_schema=False)
"""``POST /cxml`` as a plain ASGI route, for :func:`gateway.app.create_app` to put ahead of the routers."""
