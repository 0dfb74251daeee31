"""``/sandbox``: the buyer sandbox pages (see :mod:`gateway.punchout.sandbox` for what they do).

Off (404) unless ``B2BGW_SANDBOX``; every page then needs the operator's sign-in or the sandbox
token (:mod:`gateway.api.sandbox_access`; ``/sandbox/enter`` takes the token). ``POST
/sandbox/return/{partner_id}`` is the BrowserFormPost URL of the sandbox's sessions, posted by
the same browser, and ``POST /sandbox/inbox`` the order URL of buyers played from here (the demo
buyer's): what the gateway posts there, with our SharedSecret for that buyer, is kept and shown
on the order's page. No page shows a SharedSecret, not even the one just typed into the form.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from formats.cxml import punchout
from formats.cxml.redaction import redact_secrets
from formats.errors import FormatError
from gateway.api.bodies import read_limited
from gateway.api.cxml import CXML_MEDIA_TYPE, public_url
from gateway.api.deps import ServicesDep
from gateway.api.punchout import templates
from gateway.api.sandbox_access import check_token, give_cookie, sandbox_on, sandbox_user
from gateway.punchout import sandbox

router = APIRouter(tags=["sandbox"], include_in_schema=False, dependencies=[Depends(sandbox_on)])
USER = [Depends(sandbox_user)]
"""Every sandbox route but the entrance and the inbox: a signed-in operator or the sandbox token."""


def shown(raw: bytes) -> str:
    """A document as a sandbox page shows it: SharedSecrets redacted, whoever typed them."""
    return redact_secrets(raw).decode("utf-8", "replace")


@router.get("/sandbox", response_class=HTMLResponse, dependencies=USER)
async def index(request: Request, services: ServicesDep) -> Response:
    """Pick a buyer and start a punchout."""
    buyers = await run_in_threadpool(sandbox.buyers, services.engine)
    return templates.TemplateResponse(request, "sandbox/index.html", {"buyers": buyers, "demo": services.settings.demo})


@router.get("/sandbox/enter", response_class=HTMLResponse)
async def enter_form(request: Request, next: str = "/sandbox") -> Response:
    """The form to type the sandbox token into (an operator signs in at /admin instead)."""
    return templates.TemplateResponse(request, "sandbox/enter.html", {"next": next, "error": None})


@router.post("/sandbox/enter", response_class=HTMLResponse)
def enter(request: Request, services: ServicesDep, token: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/sandbox") -> Response:
    """Check the sandbox token; the browser gets the sandbox cookie and goes where it was going."""
    if not check_token(request, services, token.strip()):
        return templates.TemplateResponse(request, "sandbox/enter.html", {
            "next": next, "error": "That is not the sandbox token."}, status_code=401)
    target = next if next.startswith("/sandbox") and "\\" not in next else "/sandbox"
    answer = RedirectResponse(target, status_code=303)
    give_cookie(request, answer, services)
    return answer


@router.post("/sandbox/setup", response_class=HTMLResponse, dependencies=USER)
async def setup(request: Request, services: ServicesDep, buyer: Annotated[str, Form()],
                secret: Annotated[str, Form()], operation: Annotated[str, Form()] = "create",
                email: Annotated[str, Form()] = "", cart: Annotated[int | None, Form()] = None) -> Response:
    """Send a PunchOutSetupRequest (create, or edit / inspect of a received cart) and show the answer."""
    base = public_url(request, services.settings.public_url)

    def run() -> tuple[bytes, sandbox.Answer]:
        lines = sandbox.cart_lines(services.engine, cart) if cart is not None else ()
        raw, _cookie = sandbox.setup_request(services.engine, buyer, secret, operation=operation, email=email,
                                             return_url=f"{base}/sandbox/return/{buyer}", lines=lines)
        return raw, sandbox.send(services.engine, services.erp, raw, base_url=base,
                                 max_bytes=services.settings.cxml_max_bytes)

    try:
        raw, answer = await run_in_threadpool(run)
    except (ValueError, FormatError) as exc:
        buyers = await run_in_threadpool(sandbox.buyers, services.engine)
        return templates.TemplateResponse(request, "sandbox/index.html", {
            "buyers": buyers, "error": str(exc), "demo": services.settings.demo}, status_code=400)
    start = None
    if answer.code == 200:
        from lxml import etree

        start = etree.fromstring(answer.body).findtext("Response/PunchOutSetupResponse/StartPage/URL")
    return templates.TemplateResponse(request, "sandbox/exchange.html", {
        "heading": f"PunchOutSetupRequest ({operation})", "answer": answer, "start_page": start,
        "sent_request": shown(raw), "response": shown(answer.body)},
        status_code=200 if answer.code < 300 else 400)


@router.post("/sandbox/return/{partner_id}", dependencies=USER)
async def receive(partner_id: str, request: Request, services: ServicesDep) -> Response:
    """The BrowserFormPost URL: keep the cart, then show it."""
    form = await request.form()
    fields = {k: str(v) for k, v in form.items() if k in ("cxml-urlencoded", "cxml-base64")}
    doc_id, _error = await run_in_threadpool(sandbox.receive_cart, services.engine, fields, partner_id)
    return RedirectResponse(f"/sandbox/carts/{doc_id}", status_code=303)


@router.get("/sandbox/carts/{doc_id}", response_class=HTMLResponse, dependencies=USER)
async def cart(doc_id: int, request: Request, services: ServicesDep) -> Response:
    """A received cart: its lines, the raw PunchOutOrderMessage, and what to do next."""
    doc = await run_in_threadpool(sandbox.stored, services.engine, doc_id)
    if doc is None or doc.filename != sandbox.SANDBOX or doc.doc_type != "PunchOutOrderMessage":
        return templates.TemplateResponse(request, "sandbox/index.html", {
            "buyers": [], "error": f"document {doc_id} is not a cart the sandbox received"}, status_code=404)
    message = None
    error = doc.error
    if error is None:
        try:
            message = punchout.parse_order_message(doc.raw)
        except FormatError as exc:
            error = str(exc)
    return templates.TemplateResponse(request, "sandbox/cart.html", {
        "cart": doc, "message": message, "error": error, "raw": shown(doc.raw)})


@router.post("/sandbox/carts/{doc_id}/order", response_class=HTMLResponse, dependencies=USER)
async def order(doc_id: int, request: Request, services: ServicesDep, secret: Annotated[str, Form()],
                po_number: Annotated[str, Form()]) -> Response:
    """Send the cart on as an OrderRequest; then follow the order."""
    base = public_url(request, services.settings.public_url)
    try:
        raw, answer = await run_in_threadpool(sandbox.order_from_cart, services.engine, services.erp, doc_id,
                                              secret=secret, po_number=po_number, base_url=base,
                                              max_bytes=services.settings.cxml_max_bytes)
    except (ValueError, FormatError) as exc:
        return templates.TemplateResponse(request, "sandbox/index.html", {"buyers": [], "error": str(exc)},
                                          status_code=400)
    if answer.code >= 300:
        return templates.TemplateResponse(request, "sandbox/exchange.html", {
            "heading": "OrderRequest", "answer": answer, "sent_request": shown(raw),
            "response": shown(answer.body)}, status_code=400)
    return RedirectResponse(f"/sandbox/orders/{answer.document_id}", status_code=303)


@router.get("/sandbox/orders/{doc_id}", response_class=HTMLResponse, dependencies=USER)
async def follow(doc_id: int, request: Request, services: ServicesDep) -> Response:
    """An order sent from the sandbox: its state, the ERP order, what the buyer received (refreshes itself)."""
    found = await run_in_threadpool(sandbox.progress, services.engine, services.erp, doc_id)
    if not found:
        return templates.TemplateResponse(request, "sandbox/index.html", {
            "buyers": [], "error": f"there is no document {doc_id}"}, status_code=404)
    done = any(d.doc_type == "ConfirmationRequest" for d in found["inbox"])
    return templates.TemplateResponse(request, "sandbox/order.html", {
        **found, "received": [(d, shown(d.raw)) for d in found["inbox"]], "refresh": None if done else 2})


@router.post("/sandbox/inbox")
async def inbox(request: Request, services: ServicesDep) -> Response:
    """The order URL of buyers played from the sandbox: keep what the gateway sends them, answer a cXML Response.

    Only a document carrying our SharedSecret for a sandbox buyer is kept (see
    :func:`gateway.punchout.sandbox.receive_inbox`); anything else is refused and not stored.
    """
    limit = services.settings.cxml_max_bytes
    body, _too_large = await read_limited(request, limit)  # past the limit: refused as too large
    received = await run_in_threadpool(sandbox.receive_inbox, services.engine, body, limit)
    return Response(received.body, status_code=received.status, media_type=CXML_MEDIA_TYPE)
