"""Credit control on the order path end to end: X12 850 over HTTP, worker, ERP, 855 out, holds decided over the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from erp.builtin.catalog import invoice_order, invoice_total, record_payment, ship_order
from formats import ubl
from formats.model import HeaderStatus, LineStatus, OrderResponse
from formats.x12 import poack855
from gateway.auth import Role, create_token
from gateway.credit.actions import set_policy
from gateway.credit.control import Policy
from gateway.pipeline.states import State
from gateway.services import Services
from gateway.store.db import session
from gateway.store.documents import history
from tests.conftest import Validator
from tests.gateway.flow import AUTH, FIXTURES, docs, drain, post, sets_of
from tests.gateway.partner_auth import client_edi_headers

from .helpers import audit_actions, credit_orders, ledger, set_limit

BASIC_TOTAL = Decimal("438.98")  # 10 x 12.50 + 24 x 4.75 + 2 x 99.99, as the 850's AMT*TT says


def response_of(raw: bytes) -> OrderResponse:
    [ts] = sets_of(raw)
    return poack855.parse(ts)


def test_an_order_within_the_limit_is_placed_and_its_credit_reserved(client: TestClient, services: Services) -> None:
    set_limit(services, "ACME", "1000")
    set_policy(services.engine, "ACME", Policy.BLOCK, actor="test")
    assert post(client, "850-4010-basic.x12").status_code == 202
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.PROCESSED.value and order.erp_order_id
    assert ledger(services, "ACME") == [("reserve", BASIC_TOTAL, "ACME-PO-1001")]
    [row] = credit_orders(services, "ACME")
    assert (row.erp_order_id, row.document_id, row.open_amount) == (order.erp_order_id, order.id, BASIC_TOTAL)


def test_block_rejects_the_order_and_answers_a_rejecting_855(client: TestClient, services: Services) -> None:
    set_limit(services, "ACME", "400")
    set_policy(services.engine, "ACME", Policy.BLOCK, actor="test")
    post(client, "850-4010-basic.x12")
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.REJECTED.value and order.erp_order_id is None
    assert order.error is not None and "exceeds the available credit 400" in order.error
    [answer] = docs(services, doc_type="855")
    assert answer.parent_id == order.id and answer.state == State.OUTBOX.value
    response = response_of(answer.raw)
    assert response.status is HeaderStatus.REJECTED_WITH_DETAIL
    assert {line.status for line in response.lines} == {LineStatus.REJECTED}
    assert services.erp.find_order("acme:ACME-PO-1001:") is None  # nothing reached the ERP
    assert ledger(services, "ACME") == []


@pytest.fixture
def held(client: TestClient, services: Services) -> int:
    """ACME on hold policy with too little credit for the basic order; the hold's id."""
    set_limit(services, "ACME", "100")
    set_policy(services.engine, "ACME", Policy.HOLD, actor="test")
    post(client, "850-4010-basic.x12")
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.CREDIT_HOLD.value and order.error is None
    assert docs(services, doc_type="855") == []  # no answer until someone decides
    with session(services.engine) as s:
        assert "exceeds the available credit 100" in (history(s, order.id or 0)[-1].reason or "")
    listed = client.get("/api/credit/holds", headers=AUTH).json()
    assert [(h["po_number"], Decimal(h["amount"]), h["status"]) for h in listed] == [
        ("ACME-PO-1001", BASIC_TOTAL, "held")]
    return int(listed[0]["hold_id"])


def test_a_released_hold_is_placed_over_the_limit_and_audited(client: TestClient, services: Services,
                                                              held: int) -> None:
    manager = create_token(services.engine, role=Role.MANAGER, name="Maria", actor="test").token
    answer = client.post(f"/api/credit/holds/{held}/release", json={"note": "customer paid by wire"},
                         headers={"Authorization": f"Bearer {manager}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "approved"
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.PROCESSED.value and order.erp_order_id
    [row] = credit_orders(services, "ACME")
    assert (row.status, row.open_amount, row.flagged) == ("reserved", BASIC_TOTAL, True)
    assert row.reason is not None and row.reason.startswith("released from credit hold by Maria")
    assert response_of(docs(services, doc_type="855")[0].raw).status is not HeaderStatus.REJECTED_WITH_DETAIL
    assert ("credit.release", "Maria", f"hold:{held}") in audit_actions(services)
    again = client.post(f"/api/credit/holds/{held}/release", headers=AUTH)
    assert again.status_code == 409 and "reserved, not on credit hold" in again.json()["detail"]


def test_a_rejected_hold_answers_the_partner_with_the_reason(client: TestClient, services: Services,
                                                             held: int) -> None:
    answer = client.post(f"/api/credit/holds/{held}/reject", json={"note": "account overdue"}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    [order] = docs(services, doc_type="850")
    assert order.state == State.REJECTED.value and "account overdue" in (order.error or "")
    [ack] = docs(services, doc_type="855")
    response = response_of(ack.raw)
    assert response.status is HeaderStatus.REJECTED_WITH_DETAIL
    assert ("credit.reject", "operator", f"hold:{held}") in audit_actions(services)
    assert client.post(f"/api/credit/holds/{held}/reject", headers=AUTH).status_code == 409
    assert client.post(f"/api/credit/holds/{held}/release", headers=AUTH).status_code == 409


def test_holds_are_decided_only_by_managers_and_operators(client: TestClient, services: Services, held: int) -> None:
    rep = create_token(services.engine, role=Role.SALES_REP, customers=["ACME"], actor="test").token
    bearer = {"Authorization": f"Bearer {rep}"}
    assert client.post(f"/api/credit/holds/{held}/release", headers=bearer).status_code == 403
    assert client.get("/api/credit/holds", headers=bearer).status_code == 403
    assert client.post(f"/api/credit/holds/{held}/release").status_code == 401
    assert client.post("/api/credit/holds/9999/release", headers=AUTH).status_code == 404
    [order] = docs(services, doc_type="850")
    assert order.state == State.CREDIT_HOLD.value


def test_customer_credit_shows_limit_balance_open_orders_and_holds(client: TestClient, services: Services,
                                                                   held: int) -> None:
    rep = create_token(services.engine, role=Role.SALES_REP, customers=["ACME"], actor="test").token
    view = client.get("/api/customers/ACME/credit", headers={"Authorization": f"Bearer {rep}"})
    assert view.status_code == 200, view.text
    body = view.json()
    assert (body["limit"], body["balance"], body["open_orders"], body["available"]) == ("100", "0", "0", "100")
    assert (Decimal(body["held"]), body["hold_count"], body["policy"]) == (BASIC_TOTAL, 1, "hold")
    other = client.get("/api/customers/GLOBEX/credit", headers={"Authorization": f"Bearer {rep}"})
    assert other.status_code == 403
    assert client.get("/api/customers/NOBODY/credit", headers=AUTH).status_code == 404


def test_policy_changes_over_the_api_are_audited(client: TestClient, services: Services) -> None:
    changed = client.put("/api/customers/GLOBEX/credit/policy", json={"policy": "block"}, headers=AUTH)
    assert changed.status_code == 200 and changed.json()["policy"] == "block"
    assert client.put("/api/customers/GLOBEX/credit/policy", json={"policy": "maybe"}, headers=AUTH).status_code == 422
    assert client.put("/api/customers/NOBODY/credit/policy", json={"policy": "hold"}, headers=AUTH).status_code == 404
    assert ("credit.policy", "operator", "customer:GLOBEX") in audit_actions(services)


def test_invoice_converts_payment_is_recorded_and_the_order_closes(client: TestClient, services: Services) -> None:
    set_limit(services, "ACME", "1000")
    post(client, "850-4010-basic.x12")
    drain(services)
    [order] = docs(services, doc_type="850")
    erp_order = order.erp_order_id or ""
    ship_order(services.engine, erp_order)
    drain(services)
    invoice = invoice_order(services.engine, erp_order)
    drain(services)
    position = client.get("/api/customers/ACME/credit", headers=AUTH).json()
    owed = invoice_total(services.engine, invoice.invoice_number)  # what the ERP books (net, plus any tax)
    assert Decimal(position["open_orders"]) == 0 and Decimal(position["balance"]) == owed.amount
    record_payment(services.engine, invoice.invoice_number, owed)
    drain(services)
    assert [(kind, amount) for kind, amount, _ in ledger(services, "ACME")] == [
        ("reserve", BASIC_TOTAL), ("convert", BASIC_TOTAL), ("paid", owed.amount)]
    assert Decimal(client.get("/api/customers/ACME/credit", headers=AUTH).json()["available"]) == Decimal("1000")
    [row] = credit_orders(services, "ACME")
    assert row.status == "settled"


def test_cancelling_an_order_in_the_erp_releases_its_credit(client: TestClient, services: Services) -> None:
    set_limit(services, "ACME", "1000")
    post(client, "850-4010-basic.x12")
    drain(services)
    [order] = docs(services, doc_type="850")
    services.erp.cancel_order(order.erp_order_id or "", reason="buyer called")
    drain(services)
    assert [(kind, amount) for kind, amount, _ in ledger(services, "ACME")] == [
        ("reserve", BASIC_TOTAL), ("release", BASIC_TOTAL)]
    assert Decimal(client.get("/api/customers/ACME/credit", headers=AUTH).json()["available"]) == Decimal("1000")


def test_a_ubl_partner_refused_on_credit_gets_a_valid_rejecting_order_response(client: TestClient, services: Services,
                                                                               xsd_validate: Validator) -> None:
    set_limit(services, "INITECH", "1")
    set_policy(services.engine, "INITECH", Policy.BLOCK, actor="test")
    raw = (FIXTURES / "ubl" / "order-acme-demo.xml").read_bytes()
    assert client.post("/edi/initech", content=raw, headers=client_edi_headers(client, "initech")).status_code == 202
    drain(services)
    [order] = docs(services, doc_type="Order")
    assert order.state == State.REJECTED.value and "exceeds the available credit 1" in (order.error or "")
    [answer] = docs(services, doc_type="OrderResponse")
    xsd_validate(answer.raw)
    response = ubl.parse(answer.raw)
    assert isinstance(response, OrderResponse) and response.po_number == order.po_number
    assert response.status in (HeaderStatus.REJECTED, HeaderStatus.REJECTED_WITH_DETAIL)
