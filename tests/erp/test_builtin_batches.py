"""The built-in ERP places a batch of orders in one transaction, with the answers pushing them one by one gives.

Demo catalog figures as in ``test_builtin.py``: DEMO-1050 wireless mice, 8 in stock (5 + 3);
DEMO-1001 ballpoint pens, 650; DEMO-1005, 500.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, select

from erp.builtin import BuiltinErp, seed_demo
from erp.builtin.tables import ErpOrderRow, ErpStock
from erp.port import ErpRejected, OrderToPush, PushAnswer, PushedOrder, push_one_by_one

from .conftest import FIXED_NOW, empty_erp_tables
from .test_builtin import available, line, order, run_together


def mixed_batch() -> list[OrderToPush]:
    """Orders that meet every rule: scarce stock shared, an unknown customer, no lines, a key twice."""
    return [
        OrderToPush(order=order("PO-B1", line("1", "DEMO-1050", "5"), line("2", "DEMO-1001", "10")),
                    customer_id="ACME", idempotency_key="b-1"),
        OrderToPush(order=order("PO-B2", line("1", "DEMO-1050", "6")), customer_id="GLOBEX", idempotency_key="b-2"),
        OrderToPush(order=order("PO-B3", line("1", "DEMO-1001", "1")), customer_id="NOBODY", idempotency_key="b-3"),
        OrderToPush(order=order("PO-B4"), customer_id="ACME", idempotency_key="b-4"),
        OrderToPush(order=order("PO-B5", line("1", "NOT-A-SKU", "1"), line("2", "DEMO-1050", "1")),
                    customer_id="ACME", idempotency_key="b-5"),
        OrderToPush(order=order("PO-B1", line("1", "DEMO-1050", "5"), line("2", "DEMO-1001", "10")),
                    customer_id="ACME", idempotency_key="b-1"),
    ]


def outcome(answer: PushAnswer) -> object:
    if isinstance(answer, PushedOrder):
        return (answer.erp_order_id, answer.created, answer.state, answer.response)
    return (type(answer).__name__, str(answer))


def test_a_batch_answers_what_pushing_its_orders_one_by_one_answers(erp: BuiltinErp, demo_engine: Engine) -> None:
    batch = erp.push_orders(mixed_batch())
    stock_after_batch = available(erp, "DEMO-1050"), available(erp, "DEMO-1001")

    empty_erp_tables(demo_engine)
    seed_demo(demo_engine)
    alone = push_one_by_one(BuiltinErp(demo_engine, clock=lambda: FIXED_NOW), mixed_batch())
    assert [outcome(a) for a in batch] == [outcome(a) for a in alone]
    assert (available(erp, "DEMO-1050"), available(erp, "DEMO-1001")) == stock_after_batch == (Decimal(0), Decimal(640))

    first, second, nobody, empty, unknown_item, again = batch
    assert isinstance(first, PushedOrder) and first.created and first.erp_order_id == "SO-000001"
    assert isinstance(second, PushedOrder)  # the 3 mice left after the first order, 3 backordered
    assert [(r.status.value, r.quantity.value) for r in second.response.lines] == [
        ("accepted", Decimal(3)), ("backordered", Decimal(3))]
    assert isinstance(nobody, ErpRejected) and "NOBODY" in str(nobody)
    assert isinstance(empty, ErpRejected) and "no lines" in str(empty)
    assert isinstance(unknown_item, PushedOrder)
    assert [r.status.value for r in unknown_item.response.lines] == ["rejected", "backordered"]
    assert isinstance(again, PushedOrder) and not again.created and again.erp_order_id == first.erp_order_id


def test_a_batch_finds_the_orders_placed_before_it(erp: BuiltinErp, demo_engine: Engine) -> None:
    earlier = erp.push_order(order("PO-B1", line("1", "DEMO-1005", "5")), customer_id="ACME", idempotency_key="b-1")
    answers = erp.push_orders([
        OrderToPush(order=order("PO-B1", line("1", "DEMO-1005", "5")), customer_id="ACME", idempotency_key="b-1"),
        OrderToPush(order=order("PO-B2", line("1", "DEMO-1005", "5")), customer_id="ACME", idempotency_key="b-2"),
    ])
    assert [(a.erp_order_id, a.created) for a in answers if isinstance(a, PushedOrder)] == [
        (earlier.erp_order_id, False), ("SO-000002", True)]
    assert available(erp, "DEMO-1005") == Decimal(490)


def test_concurrent_batches_of_the_same_keys_make_each_order_once(erp: BuiltinErp, demo_engine: Engine) -> None:
    """Batches racing on the same keys: the loser's transaction rolls back and its orders find the winners'."""
    def batch(i: int) -> list[PushAnswer]:
        keys = [f"k-{n}" for n in range(6)]
        keys = keys[i % 3:] + keys[:i % 3]  # the same keys in different orders
        return erp.push_orders([OrderToPush(order=order(f"PO-{key}", line("1", "DEMO-1005", "2"), line("2",
                                            "DEMO-1050", "1")), customer_id="ACME", idempotency_key=key)
                                for key in keys])

    results = run_together(6, batch)
    answers = [a for answers in results for a in answers]
    assert all(isinstance(a, PushedOrder) for a in answers)
    by_key: dict[str, set[str]] = {}
    created = 0
    for a in answers:
        assert isinstance(a, PushedOrder)
        by_key.setdefault(a.response.po_number, set()).add(a.erp_order_id)
        created += a.created
    assert len(by_key) == 6 and all(len(ids) == 1 for ids in by_key.values())
    assert created == 6
    with Session(demo_engine) as s:
        assert len(s.exec(select(ErpOrderRow)).all()) == 6
        mice = s.exec(select(ErpStock).where(ErpStock.sku == "DEMO-1050")).all()
        assert sum((row.reserved for row in mice), Decimal(0)) == Decimal(6)
        assert all(row.reserved <= row.on_hand for row in mice)
    assert available(erp, "DEMO-1005") == Decimal(488)
