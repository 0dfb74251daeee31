"""What only a real server shows: Tryton going away mid-order, bad credentials, Tryton's own refusals,
and the polled event stream's cursor."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from erp.port import ErpEventKind, ErpOrderState, ErpRejected, ErpUnavailable
from erp.tryton import TrytonErp, TrytonRpc
from erp.tryton.mapping import marker
from formats.model import HeaderStatus, ItemId, ItemIdKind, LineStatus, Order, OrderLine, Quantity
from tests.erp.tryton import backoffice
from tests.erp.tryton.conftest import connect
from tests.erp.tryton.harness import TrytonServer, free_port


def order(*lines: tuple[str, str, str]) -> Order:
    return Order(po_number=f"PO-{uuid.uuid4().hex[:8].upper()}", order_date=dt.date(2026, 3, 1), currency="USD",
                 lines=tuple(OrderLine(line_number=n, items=(ItemId(kind=ItemIdKind.SELLER, value=sku),),
                                       quantity=Quantity(value=Decimal(q), unit="EA")) for n, sku, q in lines))


def sales_with_key(erp: TrytonErp, key: str) -> list[dict[str, Any]]:
    return erp.rpc.search_read("sale.sale", [("description", "=", marker(key))], ["state", "number"])


class StopsAfterCreate(TrytonRpc):
    """A client whose server dies right after the sale is created (the answer arrives, nothing after it)."""

    def __init__(self, server: TrytonServer) -> None:
        super().__init__(server.url, server.database, server.login, server.password, timeout=10)
        self.server = server
        self.armed = True

    def model(self, model: str, method: str, *params: object, context: Any = None) -> Any:
        result = super().model(model, method, *params, context=context)
        if self.armed and (model, method) == ("sale.sale", "create"):
            self.armed = False
            self.server.stop()
        return result


def test_server_stopped_mid_order_loses_nothing_and_makes_no_duplicate(tryton_server: TrytonServer) -> None:
    key, placed = uuid.uuid4().hex, order(("1", "DEMO-1002", "3"))
    dying = TrytonErp(StopsAfterCreate(tryton_server), settle_seconds=0)
    try:
        with pytest.raises(ErpUnavailable, match="unreachable"):
            dying.push_order(placed, customer_id="ACME", idempotency_key=key)
    finally:
        tryton_server.start()
    erp = connect(tryton_server)
    [draft] = sales_with_key(erp, key)
    assert draft["state"] == "draft"  # created, never confirmed: the server went away

    retried = erp.push_order(placed, customer_id="ACME", idempotency_key=key)
    assert not retried.created and retried.state == ErpOrderState.CONFIRMED
    assert retried.response.status == HeaderStatus.ACCEPTED
    assert erp.push_order(placed, customer_id="ACME", idempotency_key=key).erp_order_id == retried.erp_order_id
    assert [s["state"] for s in sales_with_key(erp, key)] == ["processing"]


def test_server_down_before_the_order_is_unavailable_then_placed_once(tryton_server: TrytonServer) -> None:
    key, placed = uuid.uuid4().hex, order(("1", "DEMO-1001", "2"))
    erp = connect(tryton_server, timeout=5)
    erp.get_customer("ACME")  # logged in while the server was up
    tryton_server.stop()
    try:
        with pytest.raises(ErpUnavailable):
            erp.push_order(placed, customer_id="ACME", idempotency_key=key)
        with pytest.raises(ErpUnavailable):
            erp.events_after(None)
    finally:
        tryton_server.start()
    assert erp.push_order(placed, customer_id="ACME", idempotency_key=key).created
    assert not erp.push_order(placed, customer_id="ACME", idempotency_key=key).created
    assert len(sales_with_key(erp, key)) == 1


def test_nothing_listening_is_unavailable_and_a_bad_password_is_rejected(tryton_server: TrytonServer) -> None:
    nobody = TrytonErp.connect(f"http://127.0.0.1:{free_port()}", "b2bgw", "b2bgw", "x", timeout=2)
    with pytest.raises(ErpUnavailable, match="unreachable"):
        nobody.get_customer("ACME")
    wrong = TrytonErp.connect(tryton_server.url, tryton_server.database, tryton_server.login, "wrong", timeout=5)
    with pytest.raises(ErpRejected, match="login"):
        wrong.get_customer("ACME")


def test_tryton_credit_limit_refuses_the_sale(tryton_erp: TrytonErp) -> None:
    key = uuid.uuid4().hex
    with pytest.raises(ErpRejected, match="credit limit"):
        tryton_erp.push_order(order(("1", "DEMO-1049", "30000")), customer_id="INITECH", idempotency_key=key)
    [sale] = sales_with_key(tryton_erp, key)
    assert sale["state"] == "quotation"  # kept, not confirmed; a retry asks Tryton again, never makes another
    with pytest.raises(ErpRejected, match="credit limit"):
        tryton_erp.push_order(order(("1", "DEMO-1049", "30000")), customer_id="INITECH", idempotency_key=key)
    assert len(sales_with_key(tryton_erp, key)) == 1
    found = tryton_erp.find_order(key)
    assert found is not None and found.state == ErpOrderState.OPEN
    assert tryton_erp.cancel_order(found.erp_order_id, reason="over credit").state == ErpOrderState.CANCELLED


def test_an_order_in_another_currency_is_refused(tryton_erp: TrytonErp) -> None:
    in_euros = order(("1", "DEMO-1001", "1")).model_copy(update={"currency": "EUR"})
    with pytest.raises(ErpRejected, match="EUR"):
        tryton_erp.push_order(in_euros, customer_id="ACME", idempotency_key=uuid.uuid4().hex)


def test_a_processing_sale_is_not_edited_but_can_be_cancelled(tryton_erp: TrytonErp) -> None:
    placed = order(("1", "DEMO-1007", "3"))
    pushed = tryton_erp.push_order(placed, customer_id="GLOBEX", idempotency_key=uuid.uuid4().hex)
    assert tryton_erp.change_order(pushed.erp_order_id, placed, reason="same").response == pushed.response
    changed = placed.model_copy(update={"lines": (*placed.lines, order(("2", "DEMO-1001", "1")).lines[0])})
    with pytest.raises(ErpRejected, match="processing"):
        tryton_erp.change_order(pushed.erp_order_id, changed, reason="add a line")
    cancelled = tryton_erp.cancel_order(pushed.erp_order_id, reason="buyer cancelled")
    assert cancelled.state == ErpOrderState.CANCELLED


def test_backordered_lines_wait_on_the_sale_and_events_follow_the_cursor(tryton_erp: TrytonErp) -> None:
    events = list(tryton_erp.events_after(None, limit=100000))
    cursor = events[-1].event_id if events else None
    pushed = tryton_erp.push_order(order(("1", "DEMO-1049", "2"), ("2", "DEMO-1003", "1")), customer_id="GLOBEX",
                                   idempotency_key=uuid.uuid4().hex)
    assert [(r.line_number, r.status) for r in pushed.response.lines] == [("1", LineStatus.BACKORDERED),
                                                                         ("2", LineStatus.ACCEPTED)]
    backoffice.ship(tryton_erp, pushed.erp_order_id)
    first = list(tryton_erp.events_after(cursor, limit=1))
    assert [e.kind for e in first] == [ErpEventKind.SHIPPED]
    assert first[0].ship_notice is not None
    assert {i.line_number for i in first[0].ship_notice.items} == {"1", "2"}
    assert list(tryton_erp.events_after(first[0].event_id)) == []


class OtherWorkerFirst(TrytonRpc):
    """A client that loses the race: just before its sale is created, another worker's sale with the same key is."""

    def __init__(self, server: TrytonServer) -> None:
        super().__init__(server.url, server.database, server.login, server.password, timeout=10)
        self.armed = True

    def model(self, model: str, method: str, *params: object, context: Any = None) -> Any:
        if self.armed and (model, method) == ("sale.sale", "create"):
            self.armed = False
            super().model(model, method, *params, context=context)  # the other worker's identical sale
        return super().model(model, method, *params, context=context)


def test_two_pushes_racing_with_one_key_leave_one_sale(tryton_server: TrytonServer) -> None:
    key, placed = uuid.uuid4().hex, order(("1", "DEMO-1002", "1"))
    racing = TrytonErp(OtherWorkerFirst(tryton_server), settle_seconds=0)
    pushed = racing.push_order(placed, customer_id="GLOBEX", idempotency_key=key)
    assert not pushed.created and pushed.state == ErpOrderState.CONFIRMED
    erp = connect(tryton_server)
    [sale] = sales_with_key(erp, key)  # the loser deleted its own draft
    assert sale["number"] == pushed.erp_order_id


def test_stock_since_a_moment_lists_what_moved_and_price_lists_keep_their_tiers(tryton_erp: TrytonErp) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    tryton_erp.push_order(order(("1", "DEMO-1003", "1")), customer_id="GLOBEX", idempotency_key=uuid.uuid4().hex)
    moved = {level.sku for level in tryton_erp.get_stock(since=start)}
    assert "DEMO-1003" in moved and "DEMO-1013" not in moved
    assert {level.warehouse for level in tryton_erp.get_stock(["DEMO-1003"])} == {"MAIN", "EAST"}
    [contract] = [pl for pl in tryton_erp.get_price_lists() if any(a.target == "ACME" for a in pl.assignments)]
    [pens] = [line for line in contract.lines if line.key == "DEMO-1001"]
    assert [(t.min_quantity, t.unit_price) for t in pens.tiers] == [(0, Decimal("1.15")), (100, Decimal("1.05"))]
