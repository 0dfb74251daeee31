"""A partner's 860 changes or cancels the ERP order until it ships, and is refused with the reason after."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from formats.model import ItemIdKind
from formats.x12 import poack855
from gateway.pipeline.states import State
from gateway.services import Services

from .flow import AUTH, docs, drain, post, sets_of


def _order(client: TestClient, services: Services) -> str:
    assert post(client, "850-4010-basic.x12").status_code == 202
    drain(services)
    [po] = docs(services, doc_type="850")
    return po.erp_order_id or ""


def test_a_change_replaces_the_erp_lines_and_is_acknowledged(client: TestClient, services: Services) -> None:
    erp_order_id = _order(client, services)
    answer = post(client, "860-4010-change.x12")
    assert answer.status_code == 202, answer.text
    assert "AK5*A" in answer.json()["acknowledgment"]
    drain(services)
    [change] = docs(services, doc_type="860")
    assert change.state == State.PROCESSED.value, change.error
    assert change.erp_order_id == erp_order_id
    order = services.erp.get_order(erp_order_id)
    assert order is not None
    quantities = {line.item_id(ItemIdKind.SELLER): line.quantity.value for line in order.order.lines}
    assert quantities.get("DEMO-1002") == Decimal(36) and "DEMO-1003" not in quantities  # QI and DI applied
    acks = [d for d in docs(services, doc_type="855") if d.parent_id == change.id]
    assert len(acks) == 1
    response = poack855.parse(sets_of(acks[0].raw)[0])
    assert response.po_number == "ACME-PO-1001"


def test_a_cancellation_cancels_the_erp_order(client: TestClient, services: Services) -> None:
    erp_order_id = _order(client, services)
    post(client, "860-4010-cancel.x12")
    drain(services)
    [cancel] = docs(services, doc_type="860")
    assert cancel.state == State.PROCESSED.value, cancel.error
    order = services.erp.get_order(erp_order_id)
    assert order is not None and order.state.value == "cancelled"


def test_a_change_after_shipping_is_refused_with_the_reason(client: TestClient, services: Services) -> None:
    erp_order_id = _order(client, services)
    assert client.post(f"/api/erp/orders/{erp_order_id}/shipments", json={}, headers=AUTH).status_code == 201
    post(client, "860-4010-change.x12")
    drain(services)
    [change] = docs(services, doc_type="860")
    assert change.state == State.REJECTED.value
    assert "shipped" in (change.error or "")


def test_a_change_to_an_unknown_po_is_refused(client: TestClient, services: Services) -> None:
    post(client, "860-4010-change.x12")
    drain(services)
    [change] = docs(services, doc_type="860")
    assert change.state == State.REJECTED.value and "never placed" in (change.error or "")
