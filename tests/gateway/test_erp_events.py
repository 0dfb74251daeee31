"""ERP events become partner documents exactly once, and never block the stream."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlmodel import select

from erp.builtin.catalog import add_product, set_stock, ship_order
from erp.port import ErpEventKind
from formats.model import ItemId, ItemIdKind, Order, OrderLine, Quantity
from gateway.pipeline.erp_events import poll_erp_events
from gateway.pipeline.states import State
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import ErpCursor, ErpEventSeen, Partner

from .flow import AUTH, docs, drain, post


def _placed_order(client: TestClient, services: Services) -> str:
    assert post(client, "850-4010-basic.x12").status_code == 202
    drain(services)
    [po] = docs(services, doc_type="850")
    assert po.erp_order_id
    return po.erp_order_id


def _expects(services: Services, partner_id: str, documents: list[str]) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, partner_id)
        assert partner is not None
        partner.settings = {**partner.settings, "expects": documents}
        s.add(partner)
        s.commit()


def test_each_event_is_acted_on_once_and_the_cursor_moves(client: TestClient, services: Services) -> None:
    erp_order = _placed_order(client, services)
    _expects(services, "acme", ["855"])  # this partner wants no ship notice or invoice
    answer = client.post(f"/api/erp/orders/{erp_order}/shipments", json={"carrier": "UPSN"}, headers=AUTH)
    assert answer.status_code == 201, answer.text
    assert answer.json()["documents"] == []
    assert client.post(f"/api/erp/orders/{erp_order}/invoices", headers=AUTH).status_code == 201
    assert poll_erp_events(services.engine, services.erp, source="builtin", actor="again") == []
    with session(services.engine) as s:
        seen = s.exec(select(ErpEventSeen).order_by(ErpEventSeen.id)).all()
        cursor = s.get(ErpCursor, "builtin")
    assert [e.kind for e in seen] == [ErpEventKind.SHIPPED.value, ErpEventKind.INVOICED.value]
    assert all("not wanted" in (e.note or "") for e in seen)
    assert cursor is not None and cursor.last_event_id == seen[-1].event_id


def test_events_of_orders_placed_elsewhere_are_recorded_and_skipped(services: Services) -> None:
    add_product(services.engine, sku="PHONE-1", name="Phone order item", list_price=Decimal("5"))
    set_stock(services.engine, "PHONE-1", "MAIN", Decimal("10"))
    order = Order(po_number="BY-PHONE", lines=(OrderLine(line_number="1", quantity=Quantity(value=Decimal(2)),
                                                         items=(ItemId(kind=ItemIdKind.SELLER, value="PHONE-1"),)),))
    pushed = services.erp.push_order(order, customer_id="ACME", idempotency_key="phone:1")
    ship_order(services.engine, pushed.erp_order_id)
    [handled] = poll_erp_events(services.engine, services.erp, source="builtin", actor="test")
    assert handled.document_id is None and "did not come through the gateway" in handled.note


def test_the_operator_api_refuses_what_the_erp_refuses(client: TestClient, services: Services) -> None:
    erp_order = _placed_order(client, services)
    assert client.post(f"/api/erp/orders/{erp_order}/invoices", headers=AUTH).status_code == 409  # not shipped
    assert client.post("/api/erp/orders/SO-999999/shipments", json={}, headers=AUTH).status_code == 409
    bad = client.post(f"/api/erp/orders/{erp_order}/shipments", json={"cartons": [{"99": "1"}]}, headers=AUTH)
    assert bad.status_code == 409 and "99" in bad.json()["detail"]
    assert client.post(f"/api/erp/orders/{erp_order}/shipments", json={}).status_code == 401
    [po] = docs(services, doc_type="850")
    assert po.state == State.PROCESSED.value
