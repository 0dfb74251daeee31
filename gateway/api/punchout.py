"""The punchout storefront: ``GET /punchout/start/{token}`` and the pages under ``/punchout/shop``.

Server-rendered HTML (Jinja2 templates in ``gateway/punchout/templates``), plain forms, no script
but the one line that submits the cart back to the buyer (allowed by a per-answer nonce). Every
page carries the storefront's Content-Security-Policy with the buyer's ``frame_ancestors``
(:mod:`gateway.api.security_headers`); the transfer page's ``form-action`` is the session's
return address alone, which is checked again before the cart goes there
(:func:`gateway.punchout.sessions.return_address`). The browser is tied to its session by
an HttpOnly cookie holding a random key set when the single-use StartPage token is spent; every
page reads the catalogue at the buyer's prices (:class:`~gateway.punchout.catalog.Catalog`).
An unknown, spent or expired link or session gets a page that says so, with status 410 (or 404).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from formats.model import Money
from gateway.api.client import is_https
from gateway.api.deps import ServicesDep
from gateway.api.security_headers import frame_ancestors, new_nonce, storefront_policy, with_policy
from gateway.oci import pages as oci_pages
from gateway.pricing.service import pricing_for
from gateway.punchout import sessions
from gateway.punchout.buyers import buyer_of
from gateway.punchout.catalog import Catalog, Product, default_pricing
from gateway.punchout.return_url import form_action_source
from gateway.punchout.sessions import SessionProblem
from gateway.punchout.tables import PunchoutSession
from gateway.quotes.carts import cart_entries, quoted_lines
from gateway.quotes.service import QuoteError
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner, utcnow

router = APIRouter(tags=["punchout"], include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(str(files("gateway.punchout").joinpath("templates")))))

COOKIE = "b2bgw_punchout"
SessionCookie = Annotated[str | None, Cookie(alias=COOKIE)]


def money(value: Money) -> str:
    """A price as the page shows it: amount and currency."""
    return f"{value.amount:,.2f} {value.currency}" if value.amount == value.amount.quantize(Decimal("0.01")) \
        else f"{value.amount:,} {value.currency}"


def availability(product: Product) -> str:
    """In stock with the quantity, or backordered with the lead time when known."""
    lead = f"; ships in {product.lead_time_days} days" if product.lead_time_days is not None else ""
    if product.in_stock:
        return f"In stock ({product.available.normalize():f} available){lead}"
    return f"Backordered{lead}"


templates.env.globals.update(money=money, availability=availability)


def _problem(request: Request, problem: SessionProblem, status: int = 410) -> HTMLResponse:
    return templates.TemplateResponse(request, "message.html", {"heading": "Punchout session", "message": str(problem)},
                                      status_code=status)


def _catalog(services: Services, row: PunchoutSession) -> Catalog:
    with session(services.engine) as s:
        partner = s.get(Partner, row.partner_id)  # a cXML or an OCI buyer
    customer = partner.customer_id if partner else ""
    return Catalog(services.erp, services.engine, default_pricing(services.erp, services.engine), customer)


def _load(services: Services, key: str | None) -> tuple[PunchoutSession, dict[str, Any], tuple[str, ...]]:
    """The browser's session, what every page shows about it, and the origins its buyer lets frame the pages."""
    with session(services.engine) as s:
        row = sessions.current(s, key)
        partner = s.get(Partner, row.partner_id)
    context = {"cart_count": len(row.cart), "search": True, "read_only": row.operation == "inspect",
               "buyer_name": partner.name if partner else row.partner_id,
               "user_email": row.extrinsics.get("UserEmail")}
    return row, context, frame_ancestors(partner.settings if partner else None)


@router.get("/punchout/start/{token}")
async def start(token: str, request: Request, services: ServicesDep) -> Response:
    """Spend the StartPage token, set the session cookie, go to the catalogue (or the selected item)."""

    def spend() -> tuple[PunchoutSession, str]:
        with session(services.engine) as s:
            row, key = sessions.start(s, token)
            s.commit()
            return row, key

    try:
        row, key = await run_in_threadpool(spend)
    except SessionProblem as problem:
        return _problem(request, problem)
    target = f"/punchout/shop/product/{row.selected_sku}" if row.selected_sku else "/punchout/shop"
    if row.operation in ("edit", "inspect"):
        target = "/punchout/shop/cart"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, key, int((row.expires_at - utcnow()).total_seconds()))
    return response


def set_session_cookie(response: Response, request: Request, key: str, seconds: int) -> None:
    """Tie the browser to its session: the cookie that works in a window and in a buyer's frame alike.

    Over HTTPS it is ``SameSite=None; Secure; Partitioned``: a procurement system that shows the
    storefront in an iframe is another site, where a Lax cookie is never set and an unpartitioned
    one is a third-party cookie that browsers block more and more; a partitioned (CHIPS) cookie
    is kept for that one top-level site, which is all a session needs. Over plain HTTP (a
    developer's machine) it is ``Lax``, and the storefront works in a window only.
    """
    secure = is_https(request)
    response.set_cookie(COOKIE, key, httponly=True, path="/punchout", secure=secure,
                        samesite="none" if secure else "lax", max_age=max(seconds, 0))
    if secure:  # Starlette writes Partitioned on Python 3.14 only: the attribute added by hand
        name, value = response.raw_headers[-1]
        response.raw_headers[-1] = (name, value + b"; Partitioned")


PageBuilder = Callable[[PunchoutSession, Catalog], tuple[str, dict[str, Any], int]]
"""(session, catalogue) -> (template, what it shows, HTTP status)."""


async def _page(request: Request, services: Services, key: str | None, build: PageBuilder) -> Response:
    """A storefront page of the browser's session: a clear page instead when there is no valid session."""
    try:
        row, context, ancestors = await run_in_threadpool(_load, services, key)
    except SessionProblem as problem:
        return _problem(request, problem)
    catalog = await run_in_threadpool(_catalog, services, row)
    template, shown, status = build(row, catalog)
    policy = storefront_policy(ancestors)
    charset = str((row.extrinsics.get("oci") or {}).get("charset") or "utf-8")
    if charset.lower().replace("_", "-") in ("utf-8", "utf8"):
        return with_policy(templates.TemplateResponse(request, template, {**context, **shown}, status_code=status),
                           policy)
    # An OCI buyer asked for its http_content_charset: the page in it, with character references for
    # what it lacks; the forms still post UTF-8 (accept-charset), which is what we read.
    text = templates.get_template(template).render({"request": request, **context, **shown, "page_charset": charset})
    return with_policy(Response(text.encode(charset, errors="xmlcharrefreplace"), status_code=status,
                                media_type=f"text/html; charset={charset}"), policy)


@router.get("/punchout/shop", response_class=HTMLResponse)
async def home(request: Request, services: ServicesDep, key: SessionCookie = None) -> Response:
    """The categories."""
    return await _page(request, services, key, lambda _row, catalog: (
        "home.html", {"categories": catalog.categories()}, 200))


@router.get("/punchout/shop/category/{name}", response_class=HTMLResponse)
async def category(name: str, request: Request, services: ServicesDep, key: SessionCookie = None) -> Response:
    """The items of one category."""
    return await _page(request, services, key, lambda _row, catalog: (
        "products.html", {"heading": name, "products": catalog.in_category(name)}, 200))


@router.get("/punchout/shop/search", response_class=HTMLResponse)
async def search(request: Request, services: ServicesDep, q: str = "", key: SessionCookie = None) -> Response:
    """Items matching every word of ``q``."""
    return await _page(request, services, key, lambda _row, catalog: (
        "products.html", {"heading": f"Search: {q}", "query": q, "products": catalog.search(q)}, 200))


@router.get("/punchout/shop/product/{sku}", response_class=HTMLResponse)
async def product(sku: str, request: Request, services: ServicesDep, key: SessionCookie = None) -> Response:
    """One item."""

    def build(_row: PunchoutSession, catalog: Catalog) -> tuple[str, dict[str, Any], int]:
        found = catalog.get(sku)
        if found is None:
            return "message.html", {"heading": "Not found", "message": f"Item {sku} is not in the catalogue."}, 404
        return "product.html", {"p": found}, 200

    return await _page(request, services, key, build)


def _cart_context(row: PunchoutSession, catalog: Catalog) -> dict[str, Any]:
    lines = []
    total = Decimal(0)
    currency = "USD"
    for (found, quantity, _aux), stored in zip(sessions.cart_lines(row, catalog), row.cart, strict=True):
        price = (sessions.cart_price(stored) or catalog.unit_price(found, quantity)) if found else None
        amount = (price.amount * quantity).quantize(Decimal("0.01")) if price else None
        if found is not None and amount is not None:
            total += amount
            currency = found.price.currency
        lines.append({"product": found, "sku": stored["sku"], "quantity": f"{quantity.normalize():f}", "price": price,
                      "amount": f"{amount:,.2f} {currency}" if amount is not None else ""})
    return {"lines": lines, "total": f"{total:,.2f} {currency}"}


@router.get("/punchout/shop/cart", response_class=HTMLResponse)
async def cart(request: Request, services: ServicesDep, key: SessionCookie = None) -> Response:
    """The cart with quantities, prices and availability."""
    return await _page(request, services, key, lambda row, catalog: ("cart.html", _cart_context(row, catalog), 200))


@router.post("/punchout/shop/cart")
async def change_cart(request: Request, services: ServicesDep, sku: Annotated[str, Form()],
                      quantity: Annotated[str, Form()] = "1", mode: Annotated[str, Form()] = "add",
                      key: SessionCookie = None) -> Response:
    """Add to the cart, or set a line's quantity (0 removes it); then show the cart."""
    try:
        amount = Decimal(quantity.strip() or "0")
    except InvalidOperation:
        amount = Decimal(-1)

    def apply() -> None:
        with session(services.engine) as s:
            row = sessions.current(s, key)
            if amount < 0 or not amount.is_finite():
                raise SessionProblem(f"{quantity!r} is not a quantity.")
            if amount > 0 and mode == "add":
                catalog = Catalog(services.erp, services.engine, default_pricing(services.erp, services.engine),
                                  "", skus=[sku])
                if catalog.get(sku) is None:
                    raise SessionProblem(f"Item {sku} is not in the catalogue.")
            sessions.set_quantity(row, sku, amount, add=mode == "add")
            s.add(row)
            s.commit()

    try:
        await run_in_threadpool(apply)
    except SessionProblem as problem:
        return _problem(request, problem, status=400)
    return RedirectResponse("/punchout/shop/cart", status_code=303)


@router.post("/punchout/shop/quote")
async def open_quote(request: Request, services: ServicesDep, number: Annotated[str, Form()],
                     key: SessionCookie = None) -> Response:
    """Put a sent quote's lines in the cart at the quoted prices (they replace lines of the same items)."""
    def apply() -> None:
        with session(services.engine) as s:
            row = sessions.current(s, key)
            if row.operation == "inspect":
                raise SessionProblem("This cart is open for inspection only; it cannot be changed.")
            partner = s.get(Partner, row.partner_id)
            try:
                lines = quoted_lines(s, number.strip(), partner.customer_id if partner else "",
                                     pricing_for(services.engine, services.settings).today())
            except QuoteError as refused:
                raise SessionProblem(f"The quote cannot be opened: {refused}.") from refused
            skus = {line.sku for line in lines}
            row.cart = [entry for entry in row.cart if entry["sku"] not in skus] + cart_entries(lines)
            s.add(row)
            s.commit()

    try:
        await run_in_threadpool(apply)
    except SessionProblem as problem:
        return _problem(request, problem, status=409)
    return RedirectResponse("/punchout/shop/cart", status_code=303)


@router.post("/punchout/shop/transfer", response_class=HTMLResponse)
async def transfer(request: Request, services: ServicesDep, key: SessionCookie = None) -> Response:
    """The cart as a PunchOutOrderMessage, posted by the browser to the buyer's BrowserFormPost URL.

    The page's one script (the form's submit) runs by this answer's nonce, and its form may post
    to the session's return address only. A session whose address is not http(s) (stored before
    that was checked) gets a page saying so, 400, and the cart stays here.
    An OCI session's cart goes back as NEW_ITEM fields to its HOOK_URL instead (:mod:`gateway.oci.pages`).
    """
    oci_answer = await oci_pages.transfer(services, key)
    if oci_answer is not None:
        return oci_answer

    def build() -> tuple[str, str, str, tuple[str, ...]]:
        with session(services.engine) as s:
            row = sessions.current(s, key)
            action = sessions.return_address(row)
            buyer = buyer_of(s, row.partner_id)
            if buyer is None:
                raise SessionProblem("The buyer of this session is no longer configured.")
            catalog = _catalog(services, row)
            message = sessions.order_message(row, buyer.config, catalog)
            field = buyer.config.form_post_field
            ancestors = frame_ancestors(buyer.partner.settings)  # read before the commit expires the rows
            row.transferred_at = utcnow()
            s.add(row)
            s.commit()
            return action, field, sessions.form_value(message, field), ancestors

    try:
        action, field, value, ancestors = await run_in_threadpool(build)
    except SessionProblem as problem:
        return _problem(request, problem, status=400)
    nonce = new_nonce()
    page = templates.TemplateResponse(request, "transfer.html",
                                      {"action": action, "field": field, "value": value, "nonce": nonce})
    return with_policy(page, storefront_policy(ancestors, nonce=nonce, form_action=[form_action_source(action)]))
