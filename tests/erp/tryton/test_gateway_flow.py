"""The gateway end to end on each adapter (``B2BGW_ERP=builtin``, then ``tryton`` on a live server), the same
scenarios: an X12 850 becomes a sale and an 855; the warehouse ships it and the gateway writes the 856;
accounting invoices and the gateway writes the 810; the ERP's credit limit refuses an order under the block
policy and a payment frees the credit; a cXML OrderRequest becomes a sale and a ConfirmationRequest.
The gateway's own database is a real one (SQLite, or a fresh PostgreSQL in CI's second run)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from erp.builtin import invoice_order, invoice_total, record_payment, ship_order
from erp.builtin.tables import ErpCustomer
from erp.tryton import TrytonErp
from formats.cxml import confirmation
from formats.model import LineStatus
from formats.x12 import poack855
from gateway.app import create_app
from gateway.credit.actions import set_policy
from gateway.credit.control import Policy
from gateway.demo import seed_demo
from gateway.pipeline.erp_events import poll_erp_events
from gateway.pipeline.states import State
from gateway.services import Services, build_services
from gateway.store.db import session
from tests.databases import migrated_database
from tests.erp.tryton import backoffice
from tests.erp.tryton.harness import TrytonServer
from tests.formats.x12.pyx12_harness import pyx12_problems
from tests.gateway.conftest import empty_database, make_settings
from tests.gateway.flow import AUTH, X12, docs, drain, post, sets_of
from tests.gateway.punchout.buyer_endpoint import demo_buyer_endpoint
from tests.gateway.punchout.cxml_requests import order as cxml_order


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with migrated_database(tmp_path_factory.mktemp("gw"), "b2bgw_tryton_test") as url:
        yield url


@dataclass
class Backend:
    """The ERP behind the gateway and what the seller's people do in it."""

    name: str
    services: Services
    ship: Callable[[str], object]
    invoice: Callable[[str], str]  # the invoice number
    pay: Callable[[str], object]
    credit_limit: Callable[[str, Decimal], AbstractContextManager[None]]


def _builtin_backend(services: Services) -> Backend:
    engine = services.engine

    @contextmanager
    def credit_limit(customer_id: str, limit: Decimal) -> Iterator[None]:
        with session(engine) as s:
            customer = s.get(ErpCustomer, customer_id)
            assert customer is not None
            customer.credit_limit = limit
            s.add(customer)
            s.commit()
        yield

    return Backend("builtin", services, lambda order_id: ship_order(engine, order_id),
                   lambda order_id: invoice_order(engine, order_id).invoice_number,
                   lambda number: record_payment(engine, number, invoice_total(engine, number)), credit_limit)


def _tryton_backend(services: Services) -> Backend:
    tryton = tryton_of(services)

    @contextmanager
    def credit_limit(customer_id: str, limit: Decimal) -> Iterator[None]:
        [party] = tryton.rpc.search_read("party.party", [("code", "=", customer_id)], ["credit_limit_amount"])
        tryton.rpc.model("party.party", "write", [party["id"]], {"credit_limit_amount": limit})
        try:
            yield
        finally:  # the Tryton database lives for the session
            tryton.rpc.model("party.party", "write", [party["id"]],
                             {"credit_limit_amount": party["credit_limit_amount"]})

    def invoice(order_id: str) -> str:
        [number] = backoffice.post_invoices(tryton, order_id)
        return number

    return Backend("tryton", services, lambda order_id: backoffice.ship(tryton, order_id), invoice,
                   lambda number: backoffice.pay(tryton, number), credit_limit)


@pytest.fixture(params=["builtin", "tryton"])
def backend(request: pytest.FixtureRequest, gateway_url: str) -> Iterator[Backend]:
    """The gateway on each adapter in turn: the built-in ERP, then a live Tryton server."""
    if request.param == "builtin":
        built = build_services(make_settings(gateway_url))
        empty_database(built.engine)
        seed_demo(built.engine)
        yield _builtin_backend(built)
    else:
        server: TrytonServer = request.getfixturevalue("tryton_server")
        if server.process is None:
            server.start()
        built = build_services(make_settings(gateway_url, erp="tryton", tryton_url=server.url,
                                             tryton_database=server.database, tryton_user=server.login,
                                             tryton_password=server.password, tryton_settle_seconds=0))
        empty_database(built.engine)
        seed_demo(built.engine, with_erp=False)  # partners only: the catalogue and customers are Tryton's
        yield _tryton_backend(built)
    built.close()


def poll_all(services: Services) -> None:
    while poll_erp_events(services.engine, services.erp, source=services.settings.erp, actor="test"):
        pass


def tryton_of(services: Services) -> TrytonErp:
    tryton = services.erp._inner  # type: ignore[attr-defined]  # the adapter inside the metrics wrapper
    assert isinstance(tryton, TrytonErp)
    return tryton


def post_850(client: TestClient) -> str:
    """Post the basic 850 under a PO number of its own (the Tryton database lives for the session); the PO."""
    po = f"ACME-PO-{uuid.uuid4().hex[:6].upper()}"
    control = b"%09d" % (uuid.uuid4().int % 10**9)  # a new interchange, or the gateway answers a duplicate
    raw = (X12 / "850-4010-basic.x12").read_bytes().replace(b"ACME-PO-1001", po.encode())
    raw = raw.replace(b"000001001", control)
    answer = post(client, "", raw=raw)
    assert answer.status_code == 202, answer.text
    return po


def available(client: TestClient, customer_id: str) -> Decimal:
    answer = client.get(f"/api/customers/{customer_id}/credit", headers=AUTH)
    assert answer.status_code == 200, answer.text
    return Decimal(answer.json()["available"])


def test_850_to_sale_855_then_856_and_810(backend: Backend) -> None:
    services = backend.services
    poll_all(services)  # events of earlier tests' sales: recorded and skipped (not the gateway's orders)
    with TestClient(create_app(services, workers=0)) as client:
        post_850(client)
        assert drain(services) == 1
    [po] = docs(services, doc_type="850")
    assert po.state == State.PROCESSED.value and po.erp_order_id
    sale = services.erp.get_order(po.erp_order_id)
    assert sale is not None and sale.order.po_number == po.po_number and sale.customer_id == "ACME"

    [ack855] = docs(services, doc_type="855")
    response = poack855.parse(sets_of(ack855.raw)[0])
    assert response.po_number == po.po_number
    assert {line.status for line in response.lines} == {LineStatus.ACCEPTED}
    assert pyx12_problems(ack855.raw) == []

    backend.ship(po.erp_order_id)
    poll_all(services)
    [asn] = docs(services, doc_type="856")
    assert asn.parent_id is not None and pyx12_problems(asn.raw) == []
    assert po.po_number is not None and po.po_number.encode() in asn.raw

    backend.invoice(po.erp_order_id)
    poll_all(services)
    [invoice] = docs(services, doc_type="810")
    assert pyx12_problems(invoice.raw) == []
    assert po.po_number.encode() in invoice.raw
    assert len(docs(services, doc_type="856")) == 1  # invoicing did not make the shipment an event again


def test_credit_refusal_on_the_erp_limit_and_payment_releases_credit(backend: Backend) -> None:
    services = backend.services
    poll_all(services)
    set_policy(services.engine, "ACME", Policy.BLOCK, actor="test")
    with TestClient(create_app(services, workers=0)) as client:
        balance = services.erp.get_credit("ACME").balance.amount
        with backend.credit_limit("ACME", balance + Decimal(400)):  # the 850 is worth 438.98
            refused_po = post_850(client)
            drain(services)
            [refused] = docs(services, doc_type="850")
            assert refused.state == State.REJECTED.value and "available credit" in (refused.error or "")
            assert services.erp.find_order(f"acme:{refused_po}:") is None  # nothing reached the ERP

        with backend.credit_limit("ACME", balance + Decimal(1000)):
            before = available(client, "ACME")
            post_850(client)
            drain(services)
            placed = docs(services, doc_type="850", state=State.PROCESSED.value)[0]
            assert available(client, "ACME") < before  # reserved while open
            backend.ship(placed.erp_order_id or "")
            number = backend.invoice(placed.erp_order_id or "")
            poll_all(services)
            backend.pay(number)
            poll_all(services)
            assert available(client, "ACME") == before  # paid: the credit is free again


def test_cxml_order_request_becomes_a_sale_and_a_confirmation(backend: Backend) -> None:
    services = backend.services
    po = f"PO-{uuid.uuid4().hex[:6].upper()}"
    with demo_buyer_endpoint(services.engine, 200) as endpoint:
        with TestClient(create_app(services, workers=0)) as client:
            answer = client.post("/cxml", content=cxml_order(po, [("DEMO-1001", "10", "1.29"),
                                                                  ("DEMO-1049", "2", "12.99")]))
            assert answer.status_code == 200 and b'code="201"' in answer.content, answer.text
            drain(services)
        [placed] = docs(services, doc_type="OrderRequest")
        assert placed.state == State.PROCESSED.value and placed.erp_order_id
        sale = services.erp.get_order(placed.erp_order_id)
        assert sale is not None and sale.customer_id == "ACME" and sale.order.po_number == po
        [sent] = endpoint.of_type("ConfirmationRequest")
    confirmed = confirmation.parse(sent)
    statuses = {line.line_number: line.status for line in confirmed.lines}
    assert confirmed.po_number == po
    assert statuses == {"1": LineStatus.ACCEPTED, "2": LineStatus.BACKORDERED}


def test_cancelling_in_the_erp_releases_the_credit(backend: Backend) -> None:
    services = backend.services
    poll_all(services)
    with TestClient(create_app(services, workers=0)) as client:
        before = available(client, "ACME")
        post_850(client)
        drain(services)
        [placed] = docs(services, doc_type="850", state=State.PROCESSED.value)
        assert available(client, "ACME") < before
        cancelled = services.erp.cancel_order(placed.erp_order_id or "", reason="buyer called")
        assert cancelled.state.value == "cancelled"
        poll_all(services)
        assert available(client, "ACME") == before
