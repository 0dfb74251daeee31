"""The OCI entry's work: log the buyer in, store the call-up, open a session or answer a FUNCTION.

Every call-up is stored first as a document (standard ``oci``, type ``call-up`` or the FUNCTION
name) with its fields urlencoded and every password field masked, and ends ``accepted`` or
``rejected`` with the reason: a bad login, a missing or unsafe HOOK_URL or an unknown FUNCTION is
a :class:`~gateway.oci.callup.CallUpRefused` *and* a stored record, never a session.

A shopping call-up (no FUNCTION, or DETAIL) opens a punchout session like a cXML
PunchOutSetupRequest does (``gw_punchout_session``, the HOOK_URL as its return address, the OCI
parameters under ``extrinsics["oci"]``) and spends its token at once, because the browser is
already here: the answer sets the session cookie and goes to the same storefront. VALIDATE,
QUANTITYCHECK and BACKGROUND_SEARCH need no session: they answer NEW_ITEM fields on the spot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import Engine
from sqlmodel import Session

from erp.port import ErpPort
from formats.errors import FormatError
from formats.model import Money
from formats.oci import OciItem, parse, read_number, render
from gateway.auth.throttle import LOCKED, Attempt, locked_for, record_failure, record_success
from gateway.config import Settings
from gateway.oci.buyers import OciBuyer, claimed, oci_buyer, oci_buyers, password_matches
from gateway.oci.callup import FUNCTIONS, CallUp, CallUpRefused, read_callup
from gateway.oci.items import CartLine, cart_items, oci_item, quote_id, session_of_quote
from gateway.pipeline.states import State
from gateway.pricing.service import pricing_for
from gateway.punchout import sessions
from gateway.punchout.catalog import Catalog, Product, default_pricing
from gateway.punchout.secrets import new_token, token_hash
from gateway.punchout.tables import PunchoutSession
from gateway.quotes.carts import parse_reference, quoted_lines
from gateway.quotes.service import QuoteError
from gateway.store.db import session
from gateway.store.documents import create_document, move
from gateway.store.tables import utcnow

ACTOR = "oci"
MASK = "********"
SEARCH_LIMIT = 50
"""At most this many BACKGROUND_SEARCH results (SAP pages through them itself)."""


@dataclass(frozen=True)
class Entered:
    """What the entry answers: a storefront page to go to (with a session key), or NEW_ITEM fields."""

    buyer: OciBuyer
    callup: CallUp
    document_id: int
    browser_key: str | None = None
    redirect: str | None = None
    expires_at: dt.datetime | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    products: list[tuple[Product, OciItem]] = field(default_factory=list)

    @property
    def autosubmit(self) -> bool:
        """VALIDATE and QUANTITYCHECK send their answer straight back; a search result is read by SAP."""
        return self.callup.function in ("VALIDATE", "QUANTITYCHECK")


@dataclass(frozen=True)
class HookForm:
    """The cart form the browser posts to the HOOK_URL."""

    action: str
    fields: list[tuple[str, str]]
    charset: str
    target: str | None


def _masked(s: Session, fields: list[tuple[str, str]], buyer: OciBuyer | None) -> bytes:
    secret_fields = {b.password_field.upper() for b in ([buyer] if buyer else oci_buyers(s))} | {"PASSWORD"}
    return urlencode([(k, MASK if k.upper() in secret_fields else v) for k, v in fields]).encode()


def _refuse(engine: Engine, fields: list[tuple[str, str]], buyer: OciBuyer | None, doc_type: str,
            refusal: CallUpRefused) -> CallUpRefused:
    with session(engine) as s:
        create_document(s, raw=_masked(s, fields, buyer), direction="in", doc_type=doc_type, state=State.REJECTED,
                        actor=ACTOR, reason=refusal.text, standard="oci", error=refusal.text,
                        partner_id=buyer.partner_id if buyer else None)
        s.commit()
    return refusal


def refuse(engine: Engine, fields: list[tuple[str, str]], refusal: CallUpRefused) -> CallUpRefused:
    """Store a call-up refused before its buyer is known (too large), passwords masked; the refusal."""
    return _refuse(engine, fields, None, "call-up", refusal)


def _catalog(engine: Engine, erp: ErpPort, buyer: OciBuyer, skus: list[str] | None = None) -> Catalog:
    return Catalog(erp, engine, default_pricing(erp, engine), buyer.customer_id, skus=skus)


def _quantity(text: str | None) -> Decimal:
    try:
        value = read_number(text or "1") or Decimal(1)
    except FormatError:
        raise CallUpRefused(f"QUANTITY {text!r} is not a number.") from None
    if value <= 0:
        raise CallUpRefused(f"QUANTITY {text!r} must be more than zero.")
    return value


def login_failed() -> CallUpRefused:
    """The one refusal of a wrong user name, a wrong password and a locked-out login alike."""
    return CallUpRefused("The catalog login failed: the user name or password is wrong, or this buyer is not set "
                         "up for OCI. Check the catalog's call-up settings in your SAP system.", 401)


def enter(engine: Engine, erp: ErpPort, fields: list[tuple[str, str]], charset: str | None, *,
          settings: Settings, client: str, partner_id: str | None = None, now: dt.datetime | None = None) -> Entered:
    """Serve one call-up (see module doc); CallUpRefused, already stored, when it cannot be served.

    ``charset`` is the call-up's ``http_content_charset`` (None when it named none: the buyer's
    configured charset then). The login is brute-force limited on ``oci:<USERNAME>`` and on
    ``client`` (:mod:`gateway.auth.throttle`): while either is locked out, the right password too
    gets the wrong password's answer, unchecked and not stored.
    """
    named = dict(reversed(fields))
    function = next((v.strip().upper() for k, v in fields if k.upper() == "FUNCTION" and v.strip()), None)
    doc_type = function if function in FUNCTIONS else "call-up"  # an unknown FUNCTION is named in the error
    with session(engine) as s:
        buyer, username = claimed(s, named, partner_id)
    attempt = Attempt(channel="oci", credential=f"oci:{username}", client=client)
    if locked_for(engine, attempt, settings) is not None:
        record_failure(engine, attempt, settings, reason=LOCKED)
        raise login_failed()
    if not password_matches(buyer, named) or buyer is None:
        refusal = _refuse(engine, fields, None, doc_type, login_failed())
        record_failure(engine, attempt, settings, reason="unknown user" if buyer is None else "wrong password")
        raise refusal
    record_success(engine, attempt, settings)
    try:
        callup = read_callup(fields, hook_field=buyer.hook_field, default_version=buyer.version,
                             charset=charset or buyer.charset)
        if len(callup.hook_url) > 1000:
            raise CallUpRefused("The HOOK_URL is longer than 1000 characters.")
        return _serve(engine, erp, buyer, callup, fields, now or utcnow())
    except CallUpRefused as refusal:
        raise _refuse(engine, fields, buyer, doc_type, refusal) from None


def _serve(engine: Engine, erp: ErpPort, buyer: OciBuyer, callup: CallUp, fields: list[tuple[str, str]],
           now: dt.datetime) -> Entered:
    function = callup.function
    try:
        answer = _answer(engine, erp, buyer, callup, fields)
    except FormatError as exc:  # e.g. one of our units the buyer's unit table has no ISO code for
        raise CallUpRefused(f"The answer cannot be written as OCI: {exc}", 422) from None
    with session(engine) as s:
        doc = create_document(s, raw=_masked(s, fields, buyer), direction="in", doc_type=function or "call-up",
                              state=State.RECEIVED, actor=ACTOR, standard="oci", partner_id=buyer.partner_id)
        move(s, doc, State.TRANSLATING, actor=ACTOR, reason=f"OCI {callup.version} from {buyer.partner_id}")
        if function in (None, "DETAIL"):
            key, row = _open(s, buyer, callup, doc.id, now)
            product_page = f"/punchout/shop/product/{quote(callup.product_id or '', safe='')}"
            answer.update(browser_key=key, expires_at=row.expires_at,
                          redirect=product_page if function else "/punchout/shop")
        move(s, doc, State.ACCEPTED, actor=ACTOR, reason=f"{function or 'session'} answered")
        s.commit()
        return Entered(buyer=buyer, callup=callup, document_id=doc.id or 0, **answer)


def _answer(engine: Engine, erp: ErpPort, buyer: OciBuyer, callup: CallUp,
            fields: list[tuple[str, str]]) -> dict[str, Any]:
    """The NEW_ITEM fields (and search hits) a VALIDATE, QUANTITYCHECK or BACKGROUND_SEARCH answers."""
    if callup.function == "VALIDATE":
        quantity = _quantity(callup.quantity)
        catalog = _catalog(engine, erp, buyer, [callup.product_id or ""])
        product = catalog.get(callup.product_id or "")
        if product is None:
            raise CallUpRefused(f"PRODUCTID {callup.product_id!r} is not in the catalog.", 404)
        return {"fields": _fields([oci_item(buyer, catalog, product, quantity, version=callup.version)], callup)}
    if callup.function == "QUANTITYCHECK":
        return {"fields": _fields(_checked(engine, erp, buyer, callup, fields), callup)}
    if callup.function == "BACKGROUND_SEARCH":
        catalog = _catalog(engine, erp, buyer)
        hits = catalog.search(callup.search or "")[:SEARCH_LIMIT]
        items = [oci_item(buyer, catalog, p, Decimal(1), version=callup.version) for p in hits]
        return {"fields": _fields(items, callup), "products": list(zip(hits, items, strict=True))}
    return {}


def _fields(items: list[OciItem], callup: CallUp) -> list[tuple[str, str]]:
    return [*render(items, version=callup.version, charset=callup.charset), *callup.hidden]


def _checked(engine: Engine, erp: ErpPort, buyer: OciBuyer, callup: CallUp,
             fields: list[tuple[str, str]]) -> list[OciItem]:
    """QUANTITYCHECK: the items SAP sends back, each at our current price and availability for its quantity.

    An item from a sales quote (EXT_QUOTE_ID the quote number, EXT_QUOTE_ITEM its line) is checked
    at the quoted price while the quote can still be taken up, as the purchase order will be
    (:func:`gateway.quotes.carts.with_quoted_prices`); once it cannot, at the customer's price.
    """
    try:
        asked = parse(fields).items
    except FormatError as exc:
        raise CallUpRefused(f"QUANTITYCHECK needs the items to check as NEW_ITEM fields: {exc}") from None
    skus = [i.vendormat or i.ext_product_id or "" for i in asked]
    catalog = _catalog(engine, erp, buyer, skus)
    references = [_sales_quote_line(item) for item in asked]
    quoted = _quoted(engine, buyer, references)
    items = []
    for item, sku, reference in zip(asked, skus, references, strict=True):
        product = catalog.get(sku)
        if product is None:
            raise CallUpRefused(f"Item {item.index} ({sku or 'no VENDORMAT or EXT_PRODUCT_ID'}) is not in the catalog.",
                                404)
        line = int(item.ext_quote_item) if (item.ext_quote_item or "").isdigit() else None
        checked = oci_item(buyer, catalog, product, item.quantity or Decimal(1), quote=item.ext_quote_id, line=line,
                           version=callup.version, price=quoted.get(reference) if reference else None)
        items.append(checked)
    return items


def _sales_quote_line(item: OciItem) -> tuple[str, int] | None:
    """(quote number, line) when an item names a sales quote rather than one of our carts (``OCI-<session>``)."""
    if session_of_quote(item.ext_quote_id) is not None:
        return None
    return parse_reference(f"quote:{item.ext_quote_id or ''}:{item.ext_quote_item or ''}")


def _quoted(engine: Engine, buyer: OciBuyer,
            references: list[tuple[str, int] | None]) -> dict[tuple[str, int], Money]:
    """The quoted unit price of every sales quote line named, for quotes this buyer can still take up."""
    numbers = {ref[0] for ref in references if ref is not None}
    prices: dict[tuple[str, int], Money] = {}
    if not numbers:
        return prices
    today = pricing_for(engine).today()
    with session(engine) as s:
        for number in numbers:
            try:
                lines = quoted_lines(s, number, buyer.customer_id, today)
            except QuoteError:  # expired, declined, not this customer's: the customer's own price applies
                continue
            for line in lines:
                ref = parse_reference(line.reference)
                if ref is not None:
                    prices[ref] = line.unit_price
    return prices


def _open(s: Session, buyer: OciBuyer, callup: CallUp, document_id: int | None,
          now: dt.datetime) -> tuple[str, PunchoutSession]:
    """A storefront session for the call-up, its token spent at once; (browser key, session)."""
    token = new_token()
    oci = {"version": callup.version, "charset": callup.charset, "target": callup.target,
           "hidden": [list(pair) for pair in callup.hidden]}
    row = PunchoutSession(partner_id=buyer.partner_id, document_id=document_id, operation="create", buyer_cookie="",
                          browser_form_post=callup.hook_url, extrinsics={"oci": oci}, selected_sku=callup.product_id,
                          cart=[], token_hash=token_hash(token), token_expires_at=now + dt.timedelta(seconds=60),
                          expires_at=now + dt.timedelta(minutes=buyer.session_minutes))
    s.add(row)
    s.flush()
    row, key = sessions.start(s, token, now=now)
    return key, row


def is_oci(row: PunchoutSession) -> bool:
    """Whether a storefront session was opened by an OCI call-up."""
    return "oci" in (row.extrinsics or {})


def hook_form(engine: Engine, erp: ErpPort, row: PunchoutSession) -> HookForm:
    """The session's cart as the form to post to its HOOK_URL; the quoted prices kept on the session.

    A line opened from a sales quote keeps its quoted price and is quoted as that quote and line
    (:mod:`gateway.oci.items`); the session remembers both, so the PO can be matched back to it.

    :class:`~gateway.punchout.sessions.SessionProblem` when the buyer is gone, an item is no
    longer sold or a value cannot be written as OCI.
    """
    oci = dict(row.extrinsics.get("oci") or {})
    with session(engine) as s:
        buyer = oci_buyer(s, row.partner_id)
    if buyer is None:
        raise sessions.SessionProblem("The buyer of this session is no longer set up for OCI.")
    catalog = _catalog(engine, erp, buyer, [line["sku"] for line in row.cart])
    lines = []
    for (product, quantity, aux), entry in zip(sessions.cart_lines(row, catalog), row.cart, strict=True):
        if product is None:
            raise sessions.SessionProblem("An item in the cart is no longer sold: remove it from the cart.")
        sales_quote = parse_reference(aux)  # a line put in from a sales quote, at its quoted price
        lines.append(CartLine(product, quantity, sales_quote, sessions.cart_price(entry) if sales_quote else None))
    try:
        items = cart_items(buyer, catalog, lines, session_id=row.id, version=oci.get("version"))
        fields = render(items, version=oci.get("version") or buyer.version, charset=oci.get("charset") or "utf-8")
    except FormatError as exc:
        raise sessions.SessionProblem(f"The cart cannot be written as OCI: {exc}") from None
    oci["quoted"] = {str(n): {"sku": i.vendormat, "quantity": str(i.quantity), "price": str(i.price),
                              "currency": i.currency,
                              **({"quote": line.sales_quote[0], "quote_item": str(line.sales_quote[1]),
                                  "price": str(line.price.amount)} if line.sales_quote and line.price else {})}
                     for n, (i, line) in enumerate(zip(items, lines, strict=True), start=1)}
    oci["quote_id"] = quote_id(row.id)
    row.extrinsics = {**row.extrinsics, "oci": oci}
    hidden = [(str(k), str(v)) for k, v in oci.get("hidden") or []]
    return HookForm(action=row.browser_form_post, fields=[*fields, *hidden], charset=oci.get("charset") or "utf-8",
                    target=oci.get("target"))


__all__ = ["Entered", "HookForm", "enter", "hook_form", "is_oci", "refuse"]
