"""The buyer sandbox: act as any configured buyer's procurement system against this gateway.

A seller onboarding a buyer (or showing the gateway) plays the procurement system here: the
sandbox writes a real PunchOutSetupRequest with the buyer's credentials (the SharedSecret is typed
in, never stored), hands it to the same code that answers ``POST /cxml``, receives the cart at its
own BrowserFormPost URL, turns the cart into an OrderRequest, and keeps what the gateway then sends
to the buyer's order URL when that URL is the sandbox's inbox (the demo buyer's is). The inbox
takes only what carries our SharedSecret for such a buyer, as the buyer's own system would.

Everything the sandbox receives is stored as a document (standard ``cxml``, file name
``sandbox``), so the operator's document list shows the whole exchange; never with a
SharedSecret in it (:func:`formats.cxml.redaction.redact_secrets`).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlmodel import col, select

from erp.port import ErpPort
from formats.cxml import Credential, Routing, envelope, order_request, punchout
from formats.cxml.common import default_units, serialize, sub
from formats.cxml.envelope import request_document
from formats.cxml.items import item_element
from formats.cxml.redaction import redact_secrets
from formats.errors import FormatError
from formats.model import Address, Order, OrderLine, Party, PartyRole
from formats.xml import parse_xml
from gateway.auth.tokens import same_secret
from gateway.pipeline.states import State
from gateway.punchout.requests import Answer, handle
from gateway.punchout.sessions import new_payload_id
from gateway.punchout.tables import CxmlBuyer
from gateway.store.db import session
from gateway.store.documents import create_document, move
from gateway.store.tables import Document, DocumentEvent, Partner, utcnow

SANDBOX = "sandbox"
SANDBOX_ADDRESS = Address(lines=("1 Sandbox Way",), city="Springfield", region="IL", postal_code="62701", country="US")


@dataclass(frozen=True)
class SandboxBuyer:
    """A configured buyer as the sandbox lists it."""

    partner_id: str
    name: str
    from_credential: str


def buyers(engine: Engine) -> list[SandboxBuyer]:
    """Every configured cXML buyer."""
    with session(engine) as s:
        rows = s.exec(select(CxmlBuyer, Partner).where(CxmlBuyer.partner_id == Partner.id)
                      .order_by(col(CxmlBuyer.partner_id))).all()
    return [SandboxBuyer(b.partner_id, p.name, f"{b.from_domain}/{b.from_identity}") for b, p in rows]


def _routing(engine: Engine, partner_id: str, secret: str) -> Routing:
    with session(engine) as s:
        config = s.get(CxmlBuyer, partner_id)
    if config is None:
        raise ValueError(f"no cXML buyer {partner_id!r}")
    buyer = Credential(config.from_domain, config.from_identity)
    sender = Credential(config.from_domain, config.sender_identity) if config.sender_identity else buyer
    return Routing(from_=[buyer], to=[Credential(config.to_domain, config.to_identity)], sender=sender,
                   user_agent="b2b-gateway sandbox", shared_secret=secret)


def setup_request(engine: Engine, partner_id: str, secret: str, *, return_url: str, operation: str = "create",
                  email: str = "", lines: tuple[OrderLine, ...] = ()) -> tuple[bytes, str]:
    """(the PunchOutSetupRequest, its BuyerCookie) the sandbox sends as ``partner_id``."""
    cookie = f"sandbox-{secrets.token_hex(8)}"
    now = utcnow()
    root, request = request_document(new_payload_id(now), now, _routing(engine, partner_id, secret))
    setup = sub(request, "PunchOutSetupRequest", operation=operation)
    sub(setup, "BuyerCookie", cookie)
    if email:
        sub(setup, "Extrinsic", email, name="UserEmail")
    sub(sub(setup, "BrowserFormPost"), "URL", return_url)
    units = default_units()
    for line in lines:
        item_element(setup, line, units, "ItemOut")
    return serialize(root), cookie


def send(engine: Engine, erp: ErpPort, raw: bytes, *, base_url: str, max_bytes: int) -> Answer:
    """Hand a request to the ``/cxml`` code, exactly as if it had been posted there."""
    return handle(engine, erp, raw, base_url=base_url, max_bytes=max_bytes, actor=SANDBOX)


def _store(engine: Engine, raw: bytes, doc_type: str, *, partner_id: str | None, po_number: str | None = None,
           error: str | None = None) -> int:
    with session(engine) as s:
        doc = create_document(s, raw=raw, direction="in", doc_type=doc_type, state=State.RECEIVED, actor=SANDBOX,
                              reason=f"received by the sandbox ({len(raw)} bytes)", standard="cxml",
                              partner_id=partner_id, filename=SANDBOX, po_number=po_number, error=error)
        move(s, doc, State.TRANSLATING, actor=SANDBOX, reason="read")
        move(s, doc, State.REJECTED if error else State.ACCEPTED, actor=SANDBOX, reason=error or "kept")
        s.commit()
        return doc.id or 0


def receive_cart(engine: Engine, form: dict[str, str], partner_id: str | None) -> tuple[int, str | None]:
    """Store the cart posted to the sandbox's BrowserFormPost URL; (document id, error or None).

    A cart never carries a SharedSecret; should one come with it anyway, it is not stored.
    """
    if "cxml-base64" in form:
        try:
            raw = base64.b64decode(form["cxml-base64"], validate=True)
        except ValueError:
            return _store(engine, form["cxml-base64"].encode(), "PunchOutOrderMessage", partner_id=partner_id,
                          error="the cxml-base64 field is not base64"), "the cxml-base64 field is not base64"
    else:
        raw = form.get("cxml-urlencoded", "").encode()
    raw = redact_secrets(raw)
    try:
        punchout.parse_order_message(raw)
    except FormatError as exc:
        return _store(engine, raw, "PunchOutOrderMessage", partner_id=partner_id, error=str(exc)), str(exc)
    return _store(engine, raw, "PunchOutOrderMessage", partner_id=partner_id), None


@dataclass(frozen=True)
class InboxAnswer:
    """What ``POST /sandbox/inbox`` answers: the HTTP status, the cXML Response, the stored document (if kept)."""

    status: int
    body: bytes
    document_id: int | None = None


def _is_sandbox_inbox(partner: Partner) -> bool:
    """Whether the buyer's documents are delivered to the sandbox's inbox (its order URL is ``.../sandbox/inbox``)."""
    delivery = partner.settings.get("delivery") or {}
    destination = str(delivery.get("destination", "")) if isinstance(delivery, dict) else ""
    return urlsplit(destination).path.rstrip("/").endswith("/sandbox/inbox")


def inbox_buyer(engine: Engine, head: envelope.Envelope) -> str | None:
    """The sandbox buyer a document is addressed to, when its Sender carries our SharedSecret for that buyer.

    That is what a buyer's own system checks of what we post to it; a buyer whose order URL is
    not the sandbox's inbox never counts, whatever the document says.
    """
    secret = head.shared_secret
    if not secret:
        return None
    to = {(c.domain.lower(), c.identity) for c in head.to}
    with session(engine) as s:
        rows = s.exec(select(CxmlBuyer, Partner).where(CxmlBuyer.partner_id == Partner.id,
                                                       col(CxmlBuyer.from_identity).in_([i for _, i in to]))).all()
    for config, partner in rows:
        if ((config.from_domain.lower(), config.from_identity) in to and config.our_secret
                and _is_sandbox_inbox(partner) and same_secret(secret, config.our_secret)):
            return config.partner_id
    return None


def receive_inbox(engine: Engine, raw: bytes, max_bytes: int) -> InboxAnswer:
    """What the gateway posts to a buyer whose order URL is the sandbox: kept if it authenticates (see above).

    Anything else (not cXML, too large, not to a sandbox buyer, not our SharedSecret for it) is
    refused and not stored: the inbox is on the internet, and only the gateway may fill it. What
    is stored has the SharedSecret redacted.
    """
    now = utcnow()

    def answer(code: int, text: str, document_id: int | None = None) -> InboxAnswer:
        return InboxAnswer(code, envelope.response(code, text, payload_id=new_payload_id(now), timestamp=now),
                           document_id)

    if len(raw) > max_bytes:
        return answer(413, f"larger than {max_bytes} bytes")
    try:
        root = envelope.cxml_root(parse_xml(raw, max_bytes=max_bytes, what="cXML document"))
        head = envelope.parse(root)
    except FormatError as exc:
        return answer(400, str(exc))
    partner_id = inbox_buyer(engine, head)
    if partner_id is None:
        return answer(401, "not from the gateway: unknown buyer, or not our SharedSecret for it")
    reference = next(root.iter("OrderReference"), None)
    order_id = reference.get("orderID") if reference is not None else None
    if order_id is None:
        order_id = next((e.get("orderID") for e in root.iter("OrderIDInfo")), None)
    doc_id = _store(engine, redact_secrets(raw, verdict="matched"), head.document_type, partner_id=partner_id,
                    po_number=order_id)
    return answer(200, "OK", doc_id)


def stored(engine: Engine, doc_id: int) -> Document | None:
    """A stored document."""
    with session(engine) as s:
        return s.get(Document, doc_id)


def order_from_cart(engine: Engine, erp: ErpPort, cart_id: int, *, secret: str, po_number: str, base_url: str,
                    max_bytes: int) -> tuple[bytes, Answer]:
    """Send the stored cart ``cart_id`` on as an OrderRequest; (the request, the gateway's answer)."""
    cart = stored(engine, cart_id)
    if cart is None or cart.doc_type != "PunchOutOrderMessage" or cart.partner_id is None:
        raise ValueError(f"document {cart_id} is not a cart the sandbox received")
    message = punchout.parse_order_message(cart.raw)
    buyer = Party(role=PartyRole.BILL_TO, name="Sandbox buyer", address=SANDBOX_ADDRESS)
    order = Order(po_number=po_number, order_date=dt.date.today(), currency=message.header.currency,
                  bill_to=buyer, ship_to=buyer.model_copy(update={"role": PartyRole.SHIP_TO}),
                  lines=message.lines)
    now = utcnow()
    raw = order_request.render(order, payload_id=new_payload_id(now), timestamp=now,
                               routing=_routing(engine, cart.partner_id, secret))
    return raw, send(engine, erp, raw, base_url=base_url, max_bytes=max_bytes)


def cart_lines(engine: Engine, cart_id: int) -> tuple[OrderLine, ...]:
    """The lines of a stored cart (to edit or inspect it again)."""
    cart = stored(engine, cart_id)
    return punchout.parse_order_message(cart.raw).lines if cart is not None else ()


def progress(engine: Engine, erp: ErpPort, order_doc_id: int) -> dict[str, Any]:
    """What became of an OrderRequest the sandbox sent: its state, the ERP order, what the buyer received.

    Empty for any other document.
    """
    with session(engine) as s:
        doc = s.get(Document, order_doc_id)
        first = s.exec(select(DocumentEvent).where(DocumentEvent.document_id == order_doc_id)
                       .order_by(col(DocumentEvent.id))).first()
        if doc is None or doc.doc_type != "OrderRequest" or first is None or first.actor != SANDBOX:
            return {}  # only orders the sandbox sent: the page is open to anyone who may use the sandbox
        sent = s.exec(select(Document).where(Document.parent_id == order_doc_id, Document.direction == "out")
                      .order_by(col(Document.id))).all()
        inbox = s.exec(select(Document).where(Document.filename == SANDBOX, Document.direction == "in",
                                              Document.po_number == doc.po_number,
                                              col(Document.doc_type).in_(["ConfirmationRequest", "ShipNoticeRequest",
                                                                          "InvoiceDetailRequest"]))
                       .order_by(col(Document.id))).all()
    erp_order = erp.get_order(doc.erp_order_id) if doc.erp_order_id else None
    return {"doc": doc, "sent": list(sent), "inbox": list(inbox), "erp_order": erp_order,
            "lines": [(ln.line_number, ln.item_id(ln.items[0].kind) if ln.items else "", ln.quantity.value)
                      for ln in (erp_order.order.lines if erp_order else ())],
            "total": sum((ln.extended_amount().amount for ln in erp_order.order.lines  # type: ignore[union-attr]
                          if ln.extended_amount() is not None), Decimal(0)) if erp_order else None}


__all__ = ["SANDBOX", "Answer", "InboxAnswer", "SandboxBuyer", "buyers", "cart_lines", "inbox_buyer",
           "order_from_cart", "progress", "receive_cart", "receive_inbox", "send", "setup_request", "stored"]
