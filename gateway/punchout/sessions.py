"""Punchout sessions: opened by a PunchOutSetupRequest, entered once by token, shopped, transferred.

Life of a session::

    PunchOutSetupRequest --open()--> token issued (single use, expires in minutes)
    GET /punchout/start/{token} --start()--> token spent, browser key set as a cookie
    storefront pages --current()--> the session of the cookie, until it expires
    "Transfer cart" --transfer()--> PunchOutOrderMessage posted by the browser to BrowserFormPost

The BrowserFormPost URL must be an absolute http(s) address (:mod:`gateway.punchout.return_url`),
checked when the session opens and again at transfer (:func:`return_address`), since the
transfer page posts the cart there from our origin.

The StartPage URL carries only the token; neither the token nor the browser key is stored in
clear (see :mod:`gateway.punchout.secrets`). An edit or inspect session starts with the cart the
buyer sent back as ItemOut lines; an inspect session is read-only and transfers with
``operationAllowed="inspect"``.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import socket
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from formats.cxml import CartHeader, PunchOutSetupRequest, payload_id, punchout
from formats.cxml.items import DETAIL  # ManufacturerName, LeadTime ... travel as ItemDetail extensions
from formats.model import Extension, ItemId, ItemIdKind, Money, OrderLine, Quantity
from gateway.punchout.buyers import Buyer, routing_to
from gateway.punchout.catalog import Catalog, Product
from gateway.punchout.errors import CxmlRefusal
from gateway.punchout.return_url import refusal, return_url_problem
from gateway.punchout.secrets import new_token, token_hash
from gateway.punchout.tables import CxmlBuyer, PunchoutSession
from gateway.store.tables import utcnow

TOKEN_SECONDS = 300
"""How long a StartPage URL can be used (once)."""


class SessionProblem(Exception):
    """The browser cannot be let into (or stay in) a session: the page says this text."""


def open_session(s: Session, buyer: Buyer, setup: PunchOutSetupRequest, *, document_id: int | None,
                 now: dt.datetime | None = None, token_seconds: int = TOKEN_SECONDS) -> tuple[PunchoutSession, str]:
    """Store a new session for ``setup``; (the session, the StartPage token to put in the URL)."""
    values, token = session_values(buyer, setup, document_id=document_id, now=now, token_seconds=token_seconds)
    row = PunchoutSession(**values)
    s.add(row)
    s.flush()
    return row, token


FORM_POST_LENGTH = 1000
"""The longest BrowserFormPost URL a session keeps (its column); a longer one is refused 400."""
SKU_LENGTH = 64
"""The longest SupplierPartID of a SelectedItem a session keeps (its column, and our item numbers')."""


def session_values(buyer: Buyer, setup: PunchOutSetupRequest, *, document_id: int | None,
                   now: dt.datetime | None = None,
                   token_seconds: int = TOKEN_SECONDS) -> tuple[dict[str, Any], str]:
    """The columns of a new session for ``setup`` and its StartPage token; CxmlRefusal when it cannot open.

    Apart from :func:`open_session` so that a batch of setups can insert its sessions in one
    statement (:mod:`gateway.punchout.batching`).
    """
    if setup.operation not in ("create", "edit", "inspect"):
        raise CxmlRefusal(406, f"PunchOutSetupRequest operation {setup.operation!r} is not supported "
                               "(create, edit, inspect)")
    if not setup.browser_form_post:
        raise CxmlRefusal(400, "the PunchOutSetupRequest has no BrowserFormPost URL to return the cart to")
    if len(setup.browser_form_post) > FORM_POST_LENGTH:
        raise CxmlRefusal(400, f"the BrowserFormPost URL is {len(setup.browser_form_post):,} characters long, "
                               f"more than the {FORM_POST_LENGTH:,} a session keeps")
    problem = return_url_problem(setup.browser_form_post)
    if problem is not None:  # javascript:, data:, relative ...: the transfer page would run or show it
        raise CxmlRefusal(400, f"BrowserFormPost URL {shown(setup.browser_form_post)} is refused: "
                               f"{refusal(problem)}")
    moment = now or utcnow()
    cart: list[dict[str, Any]] = []
    if setup.operation in ("edit", "inspect"):
        for line in setup.items:
            sku = line.item_id(ItemIdKind.SELLER)
            if sku is None:
                raise CxmlRefusal(400, f"ItemOut {line.line_number} of the {setup.operation} cart has no "
                                       "SupplierPartID")
            cart.append({"sku": sku, "quantity": str(line.quantity.value),
                         "aux": line.item_id(ItemIdKind.SELLER_AUX)})
    selected = next((i.value for i in setup.selected_item if i.kind == ItemIdKind.SELLER), None)
    if selected is not None and len(selected) > SKU_LENGTH:
        raise CxmlRefusal(400, f"the SelectedItem's SupplierPartID is {len(selected):,} characters long, more than "
                               f"the {SKU_LENGTH} of any item we sell")
    token = new_token()
    values: dict[str, Any] = {
        "partner_id": buyer.id, "document_id": document_id, "operation": setup.operation,
        "buyer_cookie": setup.buyer_cookie, "browser_form_post": setup.browser_form_post,
        "extrinsics": dict(setup.extrinsics), "contacts": [c.model_dump(mode="json") for c in setup.contacts],
        "ship_to": setup.ship_to.model_dump(mode="json") if setup.ship_to else None,
        "selected_sku": selected, "cart": cart, "token_hash": token_hash(token),
        "token_expires_at": _later(moment, token_seconds),
        "expires_at": _later(moment, buyer.config.session_minutes * 60), "created_at": moment}
    return values, token


def shown(url: str, limit: int = 60) -> str:
    """``url`` quoted for a refusal's text, cut at ``limit`` characters (a data: URL can be long)."""
    return repr(url if len(url) <= limit else url[:limit] + "...")


@lru_cache(maxsize=16)
def _later(moment: dt.datetime, seconds: int) -> dt.datetime:
    """``moment`` plus ``seconds``, one object for the sessions a batch opens at one moment.

    :func:`erp.rows.insert_rows` then converts each expiry of the batch once, not once a row.
    """
    return moment + dt.timedelta(seconds=seconds)


def start(s: Session, token: str, now: dt.datetime | None = None) -> tuple[PunchoutSession, str]:
    """Spend a StartPage token; (the session, a new browser key for the cookie). SessionProblem if not valid."""
    moment = now or utcnow()
    row = s.exec(select(PunchoutSession).where(PunchoutSession.token_hash == token_hash(token))
                 .with_for_update()).first()
    if row is None:
        raise SessionProblem("This punchout link is not valid. Start again from your procurement system.")
    if row.token_used_at is not None:
        raise SessionProblem("This punchout link has already been used. Links work once: start again from "
                             "your procurement system.")
    if row.token_expires_at < moment:
        raise SessionProblem("This punchout link has expired. Start again from your procurement system.")
    key = new_token()
    spent = s.execute(update(PunchoutSession)
                      .where(col(PunchoutSession.id) == row.id, col(PunchoutSession.token_used_at).is_(None))
                      .values(token_used_at=moment, browser_key_hash=token_hash(key)))
    if spent.rowcount != 1:  # type: ignore[attr-defined]  # another request spent it first
        raise SessionProblem("This punchout link has already been used. Links work once: start again from "
                             "your procurement system.")
    s.refresh(row)
    return row, key


def current(s: Session, browser_key: str | None, now: dt.datetime | None = None) -> PunchoutSession:
    """The session of the browser's cookie; SessionProblem when there is none or it expired."""
    if not browser_key:
        raise SessionProblem("There is no punchout session in this browser. Start from your procurement system.")
    row = s.exec(select(PunchoutSession).where(PunchoutSession.browser_key_hash == token_hash(browser_key))).first()
    if row is None:
        raise SessionProblem("This punchout session is not known. Start again from your procurement system.")
    if row.expires_at < (now or utcnow()):
        raise SessionProblem("This punchout session has expired. Start again from your procurement system.")
    return row


def set_quantity(row: PunchoutSession, sku: str, quantity: Decimal, *, add: bool = False) -> None:
    """Put ``quantity`` of ``sku`` in the cart (added to what is there with ``add``); 0 removes it."""
    if row.operation == "inspect":
        raise SessionProblem("This cart is open for inspection only; it cannot be changed.")
    if quantity < 0:
        raise SessionProblem("A quantity cannot be negative.")
    cart = [dict(line) for line in row.cart]
    line = next((ln for ln in cart if ln["sku"] == sku), None)
    if line is None:
        if quantity > 0:
            cart.append({"sku": sku, "quantity": str(quantity), "aux": None})
    else:
        new = Decimal(line["quantity"]) + quantity if add else quantity
        if new > 0 and new != Decimal(line["quantity"]) and line.get("price") is not None:
            line.update(aux=None, price=None, currency=None)  # another quantity than quoted: list prices again
        if new > 0:
            line["quantity"] = str(new)
        else:
            cart.remove(line)
    row.cart = cart  # a new list, so the JSON column is written


def return_address(row: PunchoutSession, *, sapevent: bool = False) -> str:
    """The address the cart goes back to; SessionProblem when it is not one a browser may post to.

    Checked again at transfer for the sessions stored before the rule of :func:`session_values`
    (and OCI's) existed: a ``javascript:`` address there would run on our origin.
    """
    problem = return_url_problem(row.browser_form_post, sapevent=sapevent)
    if problem is not None:
        raise SessionProblem(f"The cart cannot be sent back: the return address your procurement system gave "
                             f"this session ({problem}) is not an address a cart can be posted to. "
                             "Start again from your procurement system.")
    return row.browser_form_post


def cart_lines(row: PunchoutSession, catalog: Catalog) -> list[tuple[Product | None, Decimal, str | None]]:
    """(product or None when no longer sold, quantity, auxiliary id) for each cart line."""
    return [(catalog.get(line["sku"]), Decimal(line["quantity"]), line.get("aux")) for line in row.cart]


def cart_price(entry: dict[str, Any]) -> Money | None:
    """The price a cart line was put in at (a quote's), or None: priced from the lists then."""
    if entry.get("price") is None:
        return None
    return Money(amount=Decimal(entry["price"]), currency=entry["currency"])


def order_lines(row: PunchoutSession, catalog: Catalog) -> list[OrderLine]:
    """The cart as canonical lines with this buyer's prices; SessionProblem for an item no longer sold."""
    lines = []
    for number, (product, quantity, aux) in enumerate(cart_lines(row, catalog), start=1):
        if product is None:
            raise SessionProblem(f"Item {row.cart[number - 1]['sku']} is no longer sold: remove it from the cart.")
        items = [ItemId(kind=ItemIdKind.SELLER, value=product.sku),
                 ItemId(kind=ItemIdKind.SELLER_AUX, value=aux or f"punchout-{row.id}")]
        if product.manufacturer_part_id:
            items.append(ItemId(kind=ItemIdKind.MANUFACTURER, value=product.manufacturer_part_id))
        extensions = []
        if product.manufacturer_name:
            extensions.append(Extension(source=DETAIL, name="ManufacturerName", value=product.manufacturer_name))
        if product.lead_time_days is not None:
            extensions.append(Extension(source=DETAIL, name="LeadTime", value=str(product.lead_time_days)))
        lines.append(OrderLine(line_number=str(number), items=tuple(items), description=product.description,
                               quantity=Quantity(value=quantity, unit=product.unit),
                               unit_price=cart_price(row.cart[number - 1]) or catalog.unit_price(product, quantity),
                               classification=product.unspsc, extensions=tuple(extensions)))
    return lines


def new_payload_id(now: dt.datetime | None = None) -> str:
    """A payloadID for a document we write now (the spec's datetime.process.random@host)."""
    return payload_id(now or utcnow(), secrets.token_hex(8), socket.gethostname() or "b2bgw", process="gw")


def order_message(row: PunchoutSession, config: CxmlBuyer, catalog: Catalog, *, currency: str | None = None,
                  now: dt.datetime | None = None) -> bytes:
    """The PunchOutOrderMessage of the session's cart (DTD-valid, BuyerCookie echoed exactly)."""
    lines = order_lines(row, catalog)
    cart_currency = currency or (lines[0].unit_price.currency if lines and lines[0].unit_price else "USD")
    allowed = "inspect" if row.operation == "inspect" else "edit"
    header = CartHeader(buyer_cookie=row.buyer_cookie, currency=cart_currency, operation_allowed=allowed)
    moment = now or utcnow()
    return punchout.render_order_message(header, lines, payload_id=new_payload_id(moment), timestamp=moment,
                                         routing=routing_to(config, with_secret=False))


def form_value(message: bytes, field: str) -> str:
    """The value of the hidden form field the cart travels in: the XML itself, or base64 of it."""
    if field == "cxml-base64":
        return base64.b64encode(message).decode("ascii")
    return message.decode("utf-8")


__all__ = ["SessionProblem", "cart_lines", "current", "form_value", "new_payload_id",
           "open_session", "order_lines", "order_message", "return_address", "session_values", "set_quantity",
           "shown", "start"]
