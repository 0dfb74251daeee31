"""The built-in ERP's price lists, customers, groups and stock as the port gives them to a sync."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from erp.builtin import BuiltinErp
from erp.builtin.catalog import set_stock
from erp.builtin.demo import demo_catalog
from erp.builtin.pricelists import demo_price_lists, put_price_list, withdraw_price_list
from erp.port import ErpPriceLine, ErpPriceTier, ErpRejected
from formats.model import Order
from tests.erp.conftest import FIXED_NOW

LATER = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)  # after the demo seed, which stamps the real now


def test_the_demo_lists_differ_per_customer(demo_engine: Engine) -> None:
    lists = {p.list_id: p for p in BuiltinErp(demo_engine).get_price_lists()}
    assert sorted(lists) == ["ACME-2026", "GLOBEX-NET", "INITECH-PROMO-2025", "INITECH-SAFETY", "LIST", "WHOLESALE"]
    assert {(a.level, a.target) for p in lists.values() for a in p.assignments} == {
        ("customer", "ACME"), ("customer", "GLOBEX"), ("customer", "INITECH"), ("group", "wholesale"),
        ("default", None)}
    listed = lists["LIST"]
    assert len({line.key for line in listed.lines}) == len(demo_catalog()) == 50  # every SKU, once
    pens = next(line for line in listed.lines if line.key == "DEMO-1001")
    assert [(t.min_quantity, t.unit_price) for t in pens.tiers] == [
        (Decimal(0), Decimal("1.29")), (Decimal(100), Decimal("1.19")), (Decimal(500), Decimal("1.09"))]
    assert lists["INITECH-PROMO-2025"].valid_to == dt.date(2025, 12, 31)


def test_since_returns_what_changed_withdrawn_lists_included(demo_engine: Engine) -> None:
    erp = BuiltinErp(demo_engine)
    acme = next(p for p in erp.get_price_lists() if p.list_id == "ACME-2026")
    changed = acme.model_copy(update={"lines": (ErpPriceLine(scope="global", tiers=(
        ErpPriceTier(base_list="LIST", discount_percent=Decimal("7")),)),)})
    put_price_list(demo_engine, changed, clock=lambda: LATER)
    withdraw_price_list(demo_engine, "INITECH-PROMO-2025", clock=lambda: LATER)
    since = erp.get_price_lists(since=LATER)
    assert [(p.list_id, p.active) for p in since] == [("ACME-2026", True), ("INITECH-PROMO-2025", False)]
    assert since[0].lines == changed.lines and since[0].assignments == acme.assignments
    assert erp.get_price_lists(since=LATER + dt.timedelta(seconds=1)) == []
    with pytest.raises(ErpRejected, match="NOPE"):
        withdraw_price_list(demo_engine, "NOPE")


def test_stock_since_sees_counts_and_reservations(demo_engine: Engine) -> None:
    erp = BuiltinErp(demo_engine)
    before = dt.datetime.now(dt.UTC)
    assert erp.get_stock(since=before + dt.timedelta(seconds=1)) == []
    set_stock(demo_engine, "DEMO-1050", "MAIN", Decimal(9))
    erp.push_order(Order.model_validate({"po_number": "PO-STOCK", "lines": [
        {"line_number": "1", "items": [{"kind": "seller", "value": "DEMO-1001"}],
         "quantity": {"value": "10", "unit": "EA"}}]}), customer_id="ACME", idempotency_key="k-stock")
    changed = {(level.sku, level.warehouse): level.available for level in erp.get_stock(since=before)}
    assert changed == {("DEMO-1050", "MAIN"): Decimal(9), ("DEMO-1001", "EAST"): Decimal(240)}  # EAST reserved first


def test_customers_and_groups(demo_engine: Engine) -> None:
    erp = BuiltinErp(demo_engine)
    assert [(c.customer_id, c.group) for c in erp.list_customers()] == [
        ("ACME", "retail"), ("GLOBEX", "wholesale"), ("INITECH", "corporate")]
    assert [(g.group_id, g.members) for g in erp.get_customer_groups()] == [
        ("corporate", ("INITECH",)), ("retail", ("ACME",)), ("wholesale", ("GLOBEX",))]


def test_demo_lists_are_built_from_the_catalog() -> None:
    lists = demo_price_lists([{"sku": "X-1", "list_price": "2.50"}], FIXED_NOW)
    listed = next(p for p in lists if p.list_id == "LIST")
    assert listed.lines[-1] == ErpPriceLine(scope="item", key="X-1", tiers=(ErpPriceTier(unit_price=Decimal("2.50")),))
    assert all(p.updated_at == FIXED_NOW for p in lists)
