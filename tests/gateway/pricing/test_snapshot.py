"""The price snapshot: an accepted order's lines keep our price of that day, whatever the lists do later."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlmodel import select

from erp.builtin.pricelists import put_price_list, withdraw_price_list
from erp.port import ErpPriceLine, ErpPriceTier
from formats.model import Order
from gateway.pricing.service import PricingService, pricing_for
from gateway.pricing.snapshot import freeze_prices, snapshot_of, snapshot_of_erp_order
from gateway.pricing.sync import sync_from_erp
from gateway.pricing.tables import SyncRun
from gateway.services import Services
from gateway.store.db import session
from tests.gateway.flow import docs, drain, post


def _accepted_order(client: TestClient, services: Services, fixture: str) -> int:
    assert post(client, fixture).status_code in (200, 201, 202)
    drain(services)
    [order] = [d for d in docs(services, doc_type="850") if d.direction == "in"]
    assert order.state == "processed", order.error
    assert order.id is not None
    return order.id


def test_each_line_keeps_our_price_and_the_buyers(client: TestClient, services: Services,
                                                  first_sync: SyncRun) -> None:
    document_id = _accepted_order(client, services, "850-4010-basic.x12")
    with session(services.engine) as s:
        rows = snapshot_of(s, document_id)
    assert [(r.line_number, r.sku, r.list_id, r.line_scope, r.line_key, r.unit_price, r.amount, r.buyer_unit_price)
            for r in rows] == [
        ("1", "DEMO-1001", "ACME-2026", "item", "DEMO-1001", Decimal("1.05"), Decimal("10.50"), Decimal("12.5")),
        ("2", "DEMO-1002", "ACME-2026", "category", "Writing instruments", Decimal("1.032"), Decimal("24.77"),
         Decimal("4.75")),
        ("3", "DEMO-1003", "ACME-2026", "category", "Writing instruments", Decimal("1.720"), Decimal("3.44"),
         Decimal("99.99")),
    ]
    assert all(r.customer_id == "ACME" and r.po_number == "ACME-PO-1001" and r.problem is None for r in rows)
    assert rows[0].quote is not None and rows[0].quote["steps"][0]["tier_min_quantity"] == "0"
    assert rows[0].erp_order_id is not None


def test_later_list_changes_never_reach_an_accepted_order(client: TestClient, services: Services,
                                                          first_sync: SyncRun) -> None:
    document_id = _accepted_order(client, services, "850-4010-basic.x12")
    acme = next(p for p in services.erp.get_price_lists() if p.list_id == "ACME-2026")
    lines = (*(line for line in acme.lines if line.key != "DEMO-1001"),
             ErpPriceLine(scope="item", key="DEMO-1001", tiers=(ErpPriceTier(unit_price=Decimal("2.00")),)))
    put_price_list(services.engine, acme.model_copy(update={"lines": lines}))
    withdraw_price_list(services.engine, "INITECH-PROMO-2025")
    changes = sync_from_erp(services.engine, services.erp).changes
    assert (changes["lists"], changes["removed_lists"], changes["stock"]) == (1, 1, 3)  # the order reserved stock
    pricing = pricing_for(services.engine)
    assert pricing.price("ACME", "DEMO-1001", 10).unit_price.amount == Decimal("2.00")  # the list did change

    with session(services.engine) as s:
        [doc] = [d for d in docs(services, doc_type="850") if d.id == document_id]
        order = Order.model_validate(doc.canonical)
        again = freeze_prices(s, pricing, document_id=document_id, customer_id="ACME", order=order,
                              erp_order_id=doc.erp_order_id)  # a replay asks again: the frozen rows answer
        s.commit()
        frozen = snapshot_of_erp_order(s, doc.erp_order_id or "")
    assert [r.unit_price for r in again] == [r.unit_price for r in frozen] == [
        Decimal("1.05"), Decimal("1.032"), Decimal("1.720")]
    assert len(frozen) == 3


def test_a_line_we_cannot_price_is_recorded_with_the_reason(client: TestClient, services: Services,
                                                            first_sync: SyncRun) -> None:
    assert post(client, "850-4010-unknown-item.x12").status_code in (200, 201, 202)
    drain(services)
    [order] = [d for d in docs(services, doc_type="850") if d.direction == "in"]
    assert order.id is not None
    with session(services.engine) as s:
        unknown, known = snapshot_of(s, order.id)
    assert (unknown.sku, unknown.unit_price, unknown.buyer_unit_price) == ("NOSUCH-9999", None, Decimal(10))
    assert unknown.problem == "item NOSUCH-9999 is not in the catalogue"
    assert (known.sku, known.unit_price, known.amount, known.problem) == (
        "DEMO-1004", Decimal("1.512"), Decimal("6.05"), None)


def test_the_workers_schedule_pulls_prices_before_the_first_order(client: TestClient, services: Services) -> None:
    from gateway.pipeline.worker import Worker

    worker = Worker(services.engine, services.erp, services.settings, worker_id="test-worker")
    worker.housekeeping()  # what the loop of ``b2bgw worker`` does first: the schedule is due (no run yet)
    document_id = _accepted_order(client, services, "850-4010-basic.x12")
    with session(services.engine) as s:
        rows = snapshot_of(s, document_id)
        [run] = s.exec(select(SyncRun)).all()
    assert (run.trigger, run.status) == ("schedule", "ok")
    assert [r.list_id for r in rows] == ["ACME-2026"] * 3


def test_an_order_before_any_sync_is_accepted_and_says_why_it_has_no_price(client: TestClient,
                                                                          services: Services) -> None:
    document_id = _accepted_order(client, services, "850-4010-basic.x12")  # a drain does not pull prices
    with session(services.engine) as s:
        rows = snapshot_of(s, document_id)
    assert [(r.unit_price, r.problem) for r in rows] == [
        (None, "customer ACME is not known to pricing (not synced from the ERP)")] * 3
    assert [r.buyer_unit_price for r in rows] == [Decimal("12.5"), Decimal("4.75"), Decimal("99.99")]


def test_freezing_without_pricing_data_records_the_problem(services: Services) -> None:
    pricing = PricingService(services.engine, recheck_seconds=0)
    order = Order.model_validate({"po_number": "PO-1", "lines": [
        {"line_number": "1", "items": [{"kind": "seller", "value": "DEMO-1001"}],
         "quantity": {"value": "2", "unit": "EA"}}]})
    with session(services.engine) as s:
        [row] = freeze_prices(s, pricing, document_id=_any_document(services), customer_id="ACME", order=order,
                              erp_order_id=None)
    assert row.unit_price is None
    assert row.problem == "customer ACME is not known to pricing (not synced from the ERP)"


def _any_document(services: Services) -> int:
    from gateway.store.tables import Document

    with session(services.engine) as s:
        doc = Document(direction="in", doc_type="850", state="processed", raw=b"", sha256="0" * 64)
        s.add(doc)
        s.commit()
        assert doc.id is not None
        return doc.id


def test_the_partners_rounding_mode_rounds_the_frozen_amounts(client: TestClient, services: Services,
                                                              first_sync: SyncRun) -> None:
    from gateway.store.tables import Partner

    with session(services.engine) as s:
        acme = s.get(Partner, "acme")
        assert acme is not None
        acme.settings = {**acme.settings, "rounding": "down"}
        s.add(acme)
        s.commit()
    document_id = _accepted_order(client, services, "850-4010-basic.x12")
    with session(services.engine) as s:
        rows = snapshot_of(s, document_id)
    assert [r.amount for r in rows] == [Decimal("10.50"), Decimal("24.76"), Decimal("3.44")]  # 24.768 down
    assert rows[1].quote is not None and rows[1].quote["rounding"] == "ROUND_DOWN"


def test_an_unknown_rounding_setting_falls_back_to_half_up() -> None:
    from gateway.pricing.snapshot import rounding_of
    from gateway.rules import RoundingMode

    assert rounding_of({"rounding": "half-even"}) is RoundingMode.HALF_EVEN
    assert rounding_of({"rounding": "bankers"}) is None
    assert rounding_of({}) is None
