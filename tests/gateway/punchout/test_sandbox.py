"""The buyer sandbox through HTTP: setup, shop, cart received, order sent, inbox kept.

The sandbox is on here (``B2BGW_SANDBOX=true``) and the client signed in as the operator; what
the sandbox refuses to others is in ``tests/security/test_sandbox_and_sessions.py``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from formats.cxml import confirmation
from formats.cxml.redaction import fill_secret
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.punchout.demo import DEMO_SECRET
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document
from tests.formats.cxml.conftest import DtdValidator
from tests.gateway.admin_session import sandbox_services, sign_in

OUR_SECRET = "seller-secret-for-contoso"  # what the gateway presents to the demo buyer (gateway.punchout.demo)


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    with sandbox_services(database_url) as built:
        yield built


@pytest.fixture(autouse=True)
def _signed_in(client: TestClient) -> None:
    sign_in(client)


def transfer_form(client: TestClient) -> tuple[str, dict[str, str]]:
    page = client.post("/punchout/shop/transfer").text
    action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    name, value = re.search(r'name="([^"]+)" value="([^"]*)"', page).groups()  # type: ignore[union-attr]
    return action, {name: html.unescape(value)}


def test_sandbox_from_setup_to_confirmation(client: TestClient, services: Services,
                                            dtd_validate: DtdValidator) -> None:
    index = client.get("/sandbox")
    assert index.status_code == 200 and "Contoso Procurement" in index.text

    wrong = client.post("/sandbox/setup", data={"buyer": "contoso", "secret": "nope"})
    assert wrong.status_code == 400 and 'id="status">401 ' in wrong.text and "nope" not in wrong.text

    setup = client.post("/sandbox/setup", data={"buyer": "contoso", "secret": DEMO_SECRET, "email": "pat@x.test"})
    assert setup.status_code == 200 and "200 OK" in setup.text
    assert "&lt;SharedSecret&gt;[redacted]&lt;/SharedSecret&gt;" in setup.text and DEMO_SECRET not in setup.text
    start = html.unescape(re.search(r'id="start-page" href="([^"]+)"', setup.text).group(1))  # type: ignore[union-attr]
    assert client.get(start.replace("http://testserver", "")).status_code == 200
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1001", "quantity": "2", "mode": "add"})
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1039", "quantity": "1", "mode": "add"})
    action, fields = transfer_form(client)
    assert action == "http://testserver/sandbox/return/contoso"
    received = client.post(action.replace("http://testserver", ""), data=fields)
    assert received.status_code == 200 and "Cart received" in received.text
    assert "DEMO-1001" in received.text and "DEMO-1039" in received.text and "PunchOutOrderMessage" in received.text
    cart_id = int(re.search(r"/sandbox/carts/(\d+)/order", received.text).group(1))  # type: ignore[union-attr]

    ordered = client.post(f"/sandbox/carts/{cart_id}/order", data={"secret": DEMO_SECRET, "po_number": "SBX-1"})
    assert ordered.status_code == 200 and "Order SBX-1" in ordered.text and "queued" in ordered.text
    Worker(services.engine, services.erp, services.settings, worker_id="test").drain()
    order_id = int(re.search(r"OrderRequest document (\d+)", ordered.text).group(1))  # type: ignore[union-attr]
    page = client.get(f"/sandbox/orders/{order_id}")
    assert "ERP order <span id=\"erp-order\">SO-" in page.text and "ConfirmationRequest" in page.text

    with session(services.engine) as s:
        [sent] = s.exec(select(Document).where(Document.doc_type == "ConfirmationRequest")).all()
    dtd_validate(sent.raw)
    posted = fill_secret(sent.raw, OUR_SECRET)  # what the outbox posts to the demo buyer (stored redacted)
    assert OUR_SECRET.encode() in posted
    inbox = client.post("/sandbox/inbox", content=posted)
    assert inbox.status_code == 200 and b'code="200"' in inbox.content
    page = client.get(f"/sandbox/orders/{order_id}")
    assert 'http-equiv="refresh"' not in page.text and "ConfirmationRequest (document" in page.text
    assert OUR_SECRET not in page.text and "&lt;SharedSecret&gt;[redacted" in page.text
    assert confirmation.parse(sent.raw).po_number == "SBX-1"
    with session(services.engine) as s:
        kept = s.exec(select(Document).where(Document.filename == "sandbox")).all()
    assert {d.doc_type for d in kept} == {"PunchOutOrderMessage", "ConfirmationRequest"}
    assert all(d.state == State.ACCEPTED.value for d in kept)
    assert not any(OUR_SECRET.encode() in d.raw or DEMO_SECRET.encode() in d.raw for d in kept)
    assert b"<SharedSecret>[redacted: matched]</SharedSecret>" in kept[-1].raw  # kept: one was there, and right


def test_sandbox_keeps_a_broken_cart_with_its_error(client: TestClient, services: Services) -> None:
    answer = client.post("/sandbox/return/contoso", data={"cxml-urlencoded": "<cXML><Message/></cXML>"})
    assert answer.status_code == 200 and 'role="alert"' in answer.text
    with session(services.engine) as s:
        [kept] = s.exec(select(Document).where(Document.filename == "sandbox")).all()
    assert kept.state == State.REJECTED.value and kept.error


def test_sandbox_shows_only_its_own_orders_and_can_be_turned_off(client: TestClient, services: Services) -> None:
    from gateway.app import create_app
    from tests.gateway.conftest import make_settings
    from tests.gateway.punchout.cxml_requests import order

    placed = client.post("/cxml", content=order("PO-NOT-SANDBOX", [("DEMO-1001", "1", "1.29")]))
    doc_id = int(placed.headers["x-document-id"])
    assert client.get(f"/sandbox/orders/{doc_id}").status_code == 404  # a real buyer's order stays private
    off = Services(make_settings(services.settings.database_url), services.engine, services.erp)  # off by default
    with TestClient(create_app(off)) as closed:
        assert closed.get("/sandbox").status_code == 404
        assert closed.post("/sandbox/inbox", content=b"<cXML/>").status_code == 404
