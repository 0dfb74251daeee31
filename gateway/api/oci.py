"""``GET|POST /oci``: the catalog URL an SAP buyer's system calls up (see :mod:`gateway.oci.service`).

The route reads the query string and the urlencoded body (up to :data:`MAX_BYTES`), decodes them
in the call-up's ``http_content_charset``, and answers: a shopping call-up (or ``FUNCTION=DETAIL``)
a redirect into the storefront with the session cookie set; VALIDATE and QUANTITYCHECK a page
that posts the item straight back to the HOOK_URL; BACKGROUND_SEARCH the result list as
NEW_ITEM fields; a refused call-up a page that says why (401 bad login, 400 the rest).

The sandbox's SAP side lives here too: ``/sandbox/oci`` (the call-up forms), its HOOK_URL
``/sandbox/oci/hook/{partner}``, the received cart and the PO sent after it; like the rest of the
sandbox they answer 404 when ``B2BGW_SANDBOX`` is false and need the operator's sign-in or the
sandbox token when it is on (:mod:`gateway.api.sandbox_access`); the HOOK_URL is posted by the
same browser, from the storefront on the same site, so its SameSite=Strict cookie goes along.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from formats.errors import FormatError
from gateway.api.bodies import read_limited
from gateway.api.client import client_address
from gateway.api.cxml import public_url
from gateway.api.deps import ServicesDep
from gateway.api.punchout import set_session_cookie
from gateway.api.sandbox_access import sandbox_on, sandbox_user
from gateway.oci import pages, service
from gateway.oci import sandbox as oci_sandbox
from gateway.oci.callup import CallUpRefused, decode_fields
from gateway.oci.demo import DEMO_OCI_BUYER, DEMO_PASSWORD
from gateway.store.tables import utcnow

router = APIRouter(tags=["oci"])

MAX_BYTES = 1_000_000
"""A call-up is a login form (QUANTITYCHECK adds a cart): a megabyte is far more than any needs."""


OCI_RESPONSES: dict[int | str, dict[str, object]] = {200: {"content": {"text/html": {}}},
                                                    303: {"description": "into the storefront"}}


@router.get("/oci", response_class=Response, responses=OCI_RESPONSES, operation_id="oci_call_up_get")
@router.post("/oci", response_class=Response, responses=OCI_RESPONSES, operation_id="oci_call_up_post")
async def oci(request: Request, services: ServicesDep) -> Response:
    """Serve an OCI call-up: log in, store it, open the storefront or answer its FUNCTION."""
    body, too_large = await read_limited(request, MAX_BYTES) if request.method == "POST" else (b"", False)
    fields, charset = decode_fields(request.scope.get("query_string", b""), body)
    if too_large:
        refusal = CallUpRefused("The call-up is larger than a catalog call-up can be.", 413)
        await run_in_threadpool(service.refuse, services.engine, fields, refusal)
        return pages.refused(refusal, charset=charset or "utf-8")
    try:
        entered = await run_in_threadpool(functools.partial(
            service.enter, services.engine, services.erp, fields, charset, settings=services.settings,
            client=client_address(request)))
    except CallUpRefused as refusal:
        return pages.refused(refusal, charset=charset or "utf-8")
    if entered.redirect is None:
        return pages.answer(entered)
    response = RedirectResponse(entered.redirect, status_code=303)
    seconds = int(((entered.expires_at or utcnow()) - utcnow()).total_seconds())
    set_session_cookie(response, request, entered.browser_key or "", seconds)  # works inside SRM's frame too
    return response


# --------------------------------------------------------------------------------------------
# The sandbox as SAP SRM (see gateway.oci.sandbox)
# --------------------------------------------------------------------------------------------

sandbox_pages = Jinja2Templates(directory=[str(Path(str(files(package).joinpath("templates"))))
                                           for package in ("gateway.oci", "gateway.punchout")])
SANDBOX = [Depends(sandbox_on), Depends(sandbox_user)]


@router.get("/sandbox/oci", response_class=HTMLResponse, include_in_schema=False,
             dependencies=SANDBOX)
async def sandbox_index(request: Request, services: ServicesDep) -> Response:
    """The call-up form of every OCI buyer, as SRM would show it."""
    buyers = await run_in_threadpool(oci_sandbox.buyers, services.engine)
    return sandbox_pages.TemplateResponse(request, "sandbox/oci.html", {
        "buyers": buyers, "base": public_url(request, services.settings.public_url),
        "demo_buyer": DEMO_OCI_BUYER if services.settings.demo else None, "demo_password": DEMO_PASSWORD})


@router.post("/sandbox/oci/hook/{partner_id}", include_in_schema=False,
             dependencies=SANDBOX)
async def sandbox_hook(partner_id: str, request: Request, services: ServicesDep) -> Response:
    """The sandbox's HOOK_URL: keep the cart as posted, then show it."""
    body, _ = await read_limited(request, MAX_BYTES)  # kept as received, cut at the limit
    doc_id = await run_in_threadpool(oci_sandbox.receive, services.engine, partner_id, body)
    return RedirectResponse(f"/sandbox/oci/carts/{doc_id}", status_code=303)


@router.get("/sandbox/oci/carts/{doc_id}", response_class=HTMLResponse, include_in_schema=False,
             dependencies=SANDBOX)
async def sandbox_cart(doc_id: int, request: Request, services: ServicesDep) -> Response:
    """A received OCI cart: its items, every field as posted, and the order to send."""
    found = await run_in_threadpool(oci_sandbox.received, services.engine, doc_id)
    if found is None:
        return sandbox_pages.TemplateResponse(request, "sandbox/oci.html", {
            "buyers": [], "error": f"document {doc_id} is not an OCI cart the sandbox received"}, status_code=404)
    return sandbox_pages.TemplateResponse(request, "sandbox/oci_cart.html", {"found": found, "error": found.error})


@router.post("/sandbox/oci/carts/{doc_id}/order", response_class=HTMLResponse, include_in_schema=False,
             dependencies=SANDBOX)
async def sandbox_order(doc_id: int, request: Request, services: ServicesDep, po_number: Annotated[str, Form()],
                        secret: Annotated[str, Form()] = "") -> Response:
    """Send the cart's purchase order through the buyer's channel; then follow it."""
    base = public_url(request, services.settings.public_url)
    try:
        _channel, order_doc, error = await run_in_threadpool(
            functools.partial(oci_sandbox.send_order, services.engine, services.erp, doc_id, po_number=po_number,
                              secret=secret, base_url=base, max_bytes=services.settings.cxml_max_bytes))
    except (ValueError, FormatError) as exc:
        error, order_doc = str(exc), None
    if error or order_doc is None:
        found = await run_in_threadpool(oci_sandbox.received, services.engine, doc_id)
        return sandbox_pages.TemplateResponse(request, "sandbox/oci_cart.html", {
            "found": found, "error": f"The order was not accepted: {error}"}, status_code=400)
    return RedirectResponse(f"/sandbox/orders/{order_doc}", status_code=303)
