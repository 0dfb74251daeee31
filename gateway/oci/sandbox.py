"""The sandbox as SAP SRM: call up the catalog as an OCI buyer, receive the cart, send the matching PO.

The sandbox page renders the call-up form an SRM system would (the buyer's login fields, a
HOOK_URL pointing back at the sandbox with an SAP-style query, OCI_VERSION, the charset, SAP
GUI's ``~`` fields) and the browser posts it to ``/oci``, exactly as from SRM. The cart arrives
at ``POST /sandbox/oci/hook/{partner}``; it is stored as it came (standard ``oci``, type
``NEW_ITEM cart``, file name ``sandbox``), read with :func:`formats.oci.parse` like any catalog's
cart, and shown field by field. "Send the order" turns it into the buyer's PO on its configured
channel: a cXML OrderRequest handed to the ``/cxml`` code, or a UBL Order received as a file;
each line names our SKU (VENDORMAT) and the cart (``OCI-<session>/<line>``), the way SAP quotes
EXT_QUOTE_ID back; a UBL line carries no price, so the ERP order gets the cart's from the gateway.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import parse_qsl

from sqlalchemy import Engine

from erp.port import ErpPort
from formats.cxml import Credential, Routing, order_request
from formats.errors import FormatError
from formats.model import ItemId, ItemIdKind, Order, OrderLine, Party, PartyRole, Reference
from formats.oci import OciCart, parse, to_lines
from formats.ubl import order as ubl_order
from gateway.intake.files import receive_file
from gateway.oci.buyers import OciBuyer, oci_buyer, oci_buyers
from gateway.pipeline.states import State
from gateway.punchout.sandbox import SANDBOX, SANDBOX_ADDRESS, send
from gateway.punchout.sessions import new_payload_id
from gateway.punchout.tables import CxmlBuyer
from gateway.store.db import session
from gateway.store.documents import create_document, move
from gateway.store.tables import Document, utcnow

CART = "NEW_ITEM cart"


def buyers(engine: Engine) -> list[OciBuyer]:
    """The OCI buyers the sandbox can play."""
    with session(engine) as s:
        return oci_buyers(s)


def _fields(raw: bytes) -> tuple[list[tuple[str, str]], str]:
    """The posted form's fields and charset: UTF-8 when it is, else Latin-1 (what a non-UTF-8 buyer's page posts)."""
    text = raw.decode("latin-1")
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict"), "utf-8"
    except UnicodeDecodeError:
        return parse_qsl(text, keep_blank_values=True, encoding="latin-1"), "latin-1"


def receive(engine: Engine, partner_id: str, raw: bytes) -> int:
    """Store a cart posted to the sandbox's HOOK_URL (its error too, if it is not an OCI cart); its id."""
    fields, charset = _fields(raw)
    error = None
    try:
        parse(fields)
    except FormatError as exc:
        error = str(exc)
    with session(engine) as s:
        known = oci_buyer(s, partner_id) is not None
        doc = create_document(s, raw=raw, direction="in", doc_type=CART, state=State.RECEIVED, actor=SANDBOX,
                              reason=f"received by the sandbox ({len(raw)} bytes, {charset})", standard="oci",
                              partner_id=partner_id if known else None, filename=SANDBOX, error=error)
        move(s, doc, State.TRANSLATING, actor=SANDBOX, reason="read")
        move(s, doc, State.REJECTED if error else State.ACCEPTED, actor=SANDBOX, reason=error or "kept")
        s.commit()
        return doc.id or 0


@dataclass(frozen=True)
class ReceivedCart:
    """A cart the sandbox received: every field as posted, the cart read from them, its lines or error."""

    doc: Document
    fields: list[tuple[str, str]]
    cart: OciCart | None
    lines: tuple[OrderLine, ...]
    error: str | None
    buyer: OciBuyer | None


def received(engine: Engine, doc_id: int) -> ReceivedCart | None:
    """A stored sandbox cart, read again (None when ``doc_id`` is not one)."""
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        buyer = oci_buyer(s, doc.partner_id) if doc is not None and doc.partner_id else None
    if doc is None or doc.doc_type != CART or doc.filename != SANDBOX:
        return None
    fields, _charset = _fields(doc.raw)
    cart, lines, error = None, (), doc.error
    try:
        cart = parse(fields)
        lines = to_lines(cart, buyer.unit_map() if buyer else None)
    except FormatError as exc:
        error = str(exc)
    return ReceivedCart(doc, fields, cart, lines, error, buyer)


def order_of(found: ReceivedCart, po_number: str, *, with_prices: bool) -> Order:
    """The PO SAP would send after this cart: our SKUs, the quote and line, quantities, and prices if asked.

    cXML requires a UnitPrice on every line, so a cXML PO carries the cart's; a UBL Order may
    leave it out, and then the gateway fills it from the cart (:mod:`gateway.oci.orders`).
    """
    if found.cart is None or not found.lines:
        raise ValueError(f"document {found.doc.id} holds no OCI cart to order from: {found.error}")
    lines = []
    for item, line in zip(found.cart.items, found.lines, strict=True):
        sku = item.vendormat or item.ext_product_id
        if not sku:
            raise ValueError(f"item {item.index} of the cart names no VENDORMAT or EXT_PRODUCT_ID")
        quote = f"{item.ext_quote_id}/{item.ext_quote_item}" if item.ext_quote_id and item.ext_quote_item else None
        ids = [ItemId(kind=ItemIdKind.SELLER, value=sku)]
        if quote:
            ids.append(ItemId(kind=ItemIdKind.SELLER_AUX, value=quote))
        references = tuple(Reference(qualifier=name, value=value) for name, value in
                           (("EXT_QUOTE_ID", item.ext_quote_id), ("EXT_QUOTE_ITEM", item.ext_quote_item)) if value)
        lines.append(OrderLine(line_number=str(len(lines) + 1), items=tuple(ids), description=line.description,
                               quantity=line.quantity, unit_price=line.unit_price if with_prices else None,
                               price_basis=line.price_basis, references=references))
    quote_ids = sorted({i.ext_quote_id for i in found.cart.items if i.ext_quote_id})
    bill_to = Party(role=PartyRole.BILL_TO, name="Sandbox SAP buyer", address=SANDBOX_ADDRESS)
    return Order(po_number=po_number, order_date=dt.date.today(), currency=found.cart.items[0].currency,
                 bill_to=bill_to, ship_to=bill_to.model_copy(update={"role": PartyRole.SHIP_TO}),
                 references=tuple(Reference(qualifier="PR", value=q) for q in quote_ids), lines=tuple(lines))


def send_order(engine: Engine, erp: ErpPort, doc_id: int, *, po_number: str, secret: str, base_url: str,
               max_bytes: int) -> tuple[str, int | None, str | None]:
    """Send the cart's PO on the buyer's channel; (channel, the stored order document, an error or None)."""
    found = received(engine, doc_id)
    if found is None or found.buyer is None:
        raise ValueError(f"document {doc_id} is not a cart the sandbox received for an OCI buyer")
    channel = found.buyer.order_channel
    order = order_of(found, po_number, with_prices=channel == "cxml")
    if channel == "cxml":
        with session(engine) as s:
            config = s.get(CxmlBuyer, found.buyer.partner_id)
        if config is None:
            raise ValueError(f"buyer {found.buyer.partner_id} orders by cXML but has no cXML buyer configuration")
        buyer = Credential(config.from_domain, config.from_identity)
        now = utcnow()
        routing = Routing(from_=[buyer], to=[Credential(config.to_domain, config.to_identity)], sender=buyer,
                          user_agent="b2b-gateway sandbox (SAP SRM)", shared_secret=secret)
        raw = order_request.render(order, payload_id=new_payload_id(now), timestamp=now, routing=routing)
        answer = send(engine, erp, raw, base_url=base_url, max_bytes=max_bytes)
        return channel, answer.document_id, None if answer.code < 300 else f"{answer.code} {answer.text}"
    if channel == "ubl":
        result = receive_file(engine, partner_id=found.buyer.partner_id, raw=ubl_order.render(order),
                              filename=f"{SANDBOX}-{po_number}.xml", actor=SANDBOX)
        order_doc = result.documents[0] if result.documents else result.document_id
        return channel, order_doc, result.error
    raise ValueError(f"the sandbox sends cXML and UBL orders; buyer {found.buyer.partner_id} orders by {channel}")


__all__ = ["CART", "ReceivedCart", "buyers", "order_of", "receive", "received", "send_order"]
