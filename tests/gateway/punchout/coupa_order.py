"""The corpus's Coupa OrderRequest and a buyer configured with its credentials, for the order tests.

The order is ``officeluv/order_request.xml`` (orderID 3309, two lines ``product:1861`` x 1 and
``product:4884`` x 9, 91.71 USD). Its ``update`` and ``delete`` are the same document with the
OrderRequestHeader type changed and a payloadID of their own. The buyer buys as the demo customer
ACME; its procurement system is a loopback server (:mod:`.buyer_endpoint`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from fastapi.testclient import TestClient
from lxml import etree
from sqlmodel import select

from erp.builtin.catalog import add_product, set_stock
from formats.cxml import envelope
from gateway.pipeline.worker import Worker
from gateway.punchout.buyers import add_buyer
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, Partner
from tests.conftest import corpus_path

BUYER = "officeluv-coupa"
SAMPLE_PAYLOAD_ID = "1585687161.003309@stg1565utl2.int.coupahost.com"


def sample(kind: str = "new", *, quantity: str | None = None) -> bytes:
    """The corpus's Coupa OrderRequest; another ``kind`` (update, delete) gets its own payloadID."""
    raw = corpus_path("cxml", "samples", "officeluv", "order_request.xml").read_bytes()
    if kind == "new":
        return raw
    raw = raw.replace(b'type="new"', f'type="{kind}"'.encode(), 1)
    raw = raw.replace(SAMPLE_PAYLOAD_ID.encode(), f"{uuid.uuid4().hex}@tests".encode(), 1)
    if quantity is not None:
        raw = raw.replace(b'<ItemOut quantity="9"', f'<ItemOut quantity="{quantity}"'.encode(), 1)
    return raw


def use_buyer(services: Services, url: str, *, synchronous: bool) -> None:
    """The sample's buyer, its documents delivered to ``url``, and the sample's two items in the ERP."""
    with session(services.engine) as s:
        buyer = add_buyer(s, partner_id=BUYER, name="OfficeLuv via Coupa", customer_id="ACME",
                          from_domain="NetworkID", from_identity="kasdflkjasdf", sender_identity="DAN_Coupa",
                          to_domain="alksjflkasjdfasdf", to_identity="development@officeluv.com",
                          shared_secret="alsdkfjalksdjflaksjdfklj", order_url=url)
        partner = s.get(Partner, buyer.id)
        assert partner is not None
        partner.settings = {**partner.settings, "synchronous_orders": synchronous}
        s.add(partner)
        s.commit()
    for sku, name, price in (("product:1861", "Yogurt Whips, Key Lime Pie, 4oz Cup", "8.10"),
                             ("product:4884", "Zingerman's Cheese Spreads Pimento Cheese", "9.29")):
        add_product(services.engine, sku=sku, name=name, list_price=Decimal(price))
        set_stock(services.engine, sku, "MAIN", Decimal(100))


def send(client: TestClient, raw: bytes) -> tuple[int, str, int]:
    """POST to /cxml: (cXML status code, its text, the stored document's id)."""
    answer = client.post("/cxml", content=raw, headers={"Content-Type": "text/xml"})
    head = envelope.parse(answer.content)
    assert head.status is not None
    assert answer.status_code == (200 if head.status.code < 300 else head.status.code)
    return head.status.code, head.status.text, int(answer.headers["x-document-id"])


def stored(services: Services, doc_id: int) -> Document:
    with session(services.engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        return doc


def confirmations(services: Services) -> list[Document]:
    """Every ConfirmationRequest we wrote, oldest first."""
    with session(services.engine) as s:
        return list(s.exec(select(Document).where(Document.doc_type == "ConfirmationRequest")
                           .order_by(Document.id)).all())


def drain(services: Services) -> int:
    return Worker(services.engine, services.erp, services.settings, worker_id="test-worker").drain()


def references(raw: bytes) -> str:
    """The payloadID a ConfirmationRequest's DocumentReference names."""
    reference = etree.fromstring(raw).find(".//OrderReference/DocumentReference")
    assert reference is not None
    return reference.get("payloadID") or ""
