"""The built-in ERP against the port's contract, on SQLite and (when configured) PostgreSQL.

Quantities and prices asserted are the demo catalog's (``erp/builtin/demo_catalog.csv``):
DEMO-1001 ballpoint pens, 400 in MAIN + 250 in EAST at 1.29 USD; DEMO-1049 USB drives, none in
stock; DEMO-1050 wireless mice, 5 + 3; DEMO-1013 file folders sold by the box (XBX) at 18.90.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine
from sqlmodel import Session, col, select

import erp
import erp.builtin
from erp.builtin import (
    BuiltinErp,
    add_customer,
    add_product,
    invoice_order,
    invoice_total,
    record_payment,
    seed_demo,
    set_stock,
    ship_order,
)
from erp.builtin.demo import demo_catalog
from erp.builtin.tables import ErpCustomer, ErpOrderRow, ErpProduct, ErpReservation, ErpStock
from erp.columns import DecimalText
from erp.port import ErpOrderState, ErpPort, ErpRejected, ErpUnavailable
from formats.model import (
    HeaderStatus,
    ItemId,
    ItemIdKind,
    LineResponse,
    LineStatus,
    Money,
    Order,
    OrderLine,
    Party,
    PartyRole,
    Quantity,
)

from .conftest import FIXED_NOW, empty_erp_tables

T = TypeVar("T")


def line(number: str, sku: str, qty: str, unit: str = "EA", price: str | None = None,
         kind: ItemIdKind = ItemIdKind.SELLER) -> OrderLine:
    return OrderLine(line_number=number, items=(ItemId(kind=kind, value=sku),),
                     quantity=Quantity(value=Decimal(qty), unit=unit),
                     unit_price=Money(amount=Decimal(price), currency="USD") if price else None)


def order(po: str, *lines: OrderLine) -> Order:
    return Order(po_number=po, order_date=dt.date(2026, 3, 1), currency="USD", lines=lines,
                 buyer=Party(role=PartyRole.BUYER, name="Acme Retail"))


def available(port: BuiltinErp, sku: str) -> Decimal:
    return sum((s.available for s in port.get_stock([sku])), Decimal(0))


def on_hand(port: BuiltinErp, sku: str) -> Decimal:
    return sum((s.on_hand for s in port.get_stock([sku])), Decimal(0))


def statuses(lines: tuple[LineResponse, ...]) -> list[tuple[str, LineStatus, Decimal]]:
    return [(r.line_number, r.status, r.quantity.value) for r in lines]


def run_together(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in ``count`` threads released at the same moment; their results (errors re-raised)."""
    barrier = threading.Barrier(count)
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def runner(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return [results[i] for i in range(count)]


# -- the port ---------------------------------------------------------------------------------


def test_builtin_erp_is_an_erp_port(engine: Engine) -> None:
    assert isinstance(BuiltinErp(engine), ErpPort)


@pytest.mark.parametrize("package", [erp, erp.builtin])
def test_public_api_is_exported(package: object) -> None:
    names = package.__all__  # type: ignore[attr-defined]
    assert names == sorted(names, key=lambda n: (not n[0].isupper(), n))
    assert all(getattr(package, name) is not None for name in names)


def test_order_in_stock_is_accepted_reserved_and_priced_from_the_list(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("4500012345", line("1", "DEMO-1001", "10"), line("2", "DEMO-1007", "5")),
                            customer_id="ACME", idempotency_key="acme:4500012345:")
    assert pushed.created and pushed.erp_order_id == "SO-000001"
    assert pushed.state == ErpOrderState.CONFIRMED
    response = pushed.response
    assert response.status == HeaderStatus.ACCEPTED
    assert response.response_number == "SO-000001" and response.response_date == FIXED_NOW.date()
    assert response.po_number == "4500012345" and response.po_date == dt.date(2026, 3, 1)
    assert statuses(response.lines) == [("1", LineStatus.ACCEPTED, Decimal(10)), ("2", LineStatus.ACCEPTED, Decimal(5))]
    assert [r.unit_price for r in response.lines] == [Money(amount=Decimal("1.29"), currency="USD"),
                                                      Money(amount=Decimal("6.49"), currency="USD")]
    assert available(erp, "DEMO-1001") == Decimal(640) and on_hand(erp, "DEMO-1001") == Decimal(650)
    assert available(erp, "DEMO-1007") == Decimal(795)


def test_order_price_wins_over_the_list_price(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("PO-PRICE", line("1", "DEMO-1001", "2", price="1.10")),
                            customer_id="ACME", idempotency_key="k-price")
    assert pushed.response.lines[0].unit_price == Money(amount=Decimal("1.10"), currency="USD")


def test_order_beyond_stock_is_split_into_accepted_and_backordered(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("PO-SPLIT", line("1", "DEMO-1050", "20"), line("2", "DEMO-1001", "100000")),
                            customer_id="ACME", idempotency_key="k-split")
    assert pushed.response.status == HeaderStatus.ACCEPTED_WITH_CHANGES
    assert statuses(pushed.response.lines) == [
        ("1", LineStatus.ACCEPTED, Decimal(8)), ("1", LineStatus.BACKORDERED, Decimal(12)),
        ("2", LineStatus.ACCEPTED, Decimal(650)), ("2", LineStatus.BACKORDERED, Decimal(99350)),
    ]
    assert {r.ordered_quantity for r in pushed.response.lines[:2]} == {Quantity(value=Decimal(20), unit="EA")}
    assert available(erp, "DEMO-1050") == 0 and available(erp, "DEMO-1001") == 0
    assert pushed.response.lines[1].reason == "8 of 20 EA in stock; rest backordered"


def test_item_out_of_stock_is_backordered_whole(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("PO-BO", line("1", "DEMO-1049", "3")), customer_id="GLOBEX", idempotency_key="k-bo")
    assert statuses(pushed.response.lines) == [("1", LineStatus.BACKORDERED, Decimal(3))]
    assert pushed.response.status == HeaderStatus.ACCEPTED_WITH_CHANGES
    assert pushed.state == ErpOrderState.CONFIRMED


def test_unknown_item_is_rejected_with_its_id(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("PO-UNK", line("1", "DEMO-1002", "4"), line("2", "NOSUCH-9999", "1")),
                            customer_id="ACME", idempotency_key="k-unknown")
    assert statuses(pushed.response.lines) == [("1", LineStatus.ACCEPTED, Decimal(4)),
                                               ("2", LineStatus.REJECTED, Decimal(1))]
    assert pushed.response.lines[1].reason == "unknown item NOSUCH-9999"
    assert pushed.response.status == HeaderStatus.ACCEPTED_WITH_CHANGES


def test_order_of_only_unknown_items_is_rejected_with_detail(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("PO-NONE", line("1", "NOSUCH-9999", "1")), customer_id="ACME",
                            idempotency_key="k-none")
    assert pushed.response.status == HeaderStatus.REJECTED_WITH_DETAIL
    assert pushed.state == ErpOrderState.CANCELLED


def test_item_is_found_by_any_id_that_is_a_sku(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("PO-BP", line("1", "DEMO-1003", "2", kind=ItemIdKind.BUYER)),
                            customer_id="ACME", idempotency_key="k-bp")
    assert statuses(pushed.response.lines) == [("1", LineStatus.ACCEPTED, Decimal(2))]
    assert available(erp, "DEMO-1003") == Decimal(358)


def test_unit_the_item_is_not_sold_in_is_rejected(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("PO-UNIT", line("1", "DEMO-1013", "2", unit="EA"), line("2", "DEMO-1013", "2", "XBX"),
                                  line("3", "DEMO-1001", "2", unit="H87")),
                            customer_id="ACME", idempotency_key="k-unit")
    assert statuses(pushed.response.lines) == [("1", LineStatus.REJECTED, Decimal(2)),
                                               ("2", LineStatus.ACCEPTED, Decimal(2)),
                                               ("3", LineStatus.ACCEPTED, Decimal(2))]
    assert pushed.response.lines[0].reason == "item DEMO-1013 is sold in XBX, not EA"
    assert pushed.response.lines[1].unit_price == Money(amount=Decimal("18.90"), currency="USD")


def test_unknown_customer_is_refused_and_nothing_is_written(erp: BuiltinErp, demo_engine: Engine) -> None:
    with pytest.raises(ErpRejected, match="NOBODY"):
        erp.push_order(order("PO-X", line("1", "DEMO-1001", "1")), customer_id="NOBODY", idempotency_key="k-x")
    assert erp.find_order("k-x") is None
    assert available(erp, "DEMO-1001") == Decimal(650)


def test_same_key_twice_makes_one_order(erp: BuiltinErp, demo_engine: Engine) -> None:
    first = erp.push_order(order("PO-IDEM", line("1", "DEMO-1004", "7")), customer_id="ACME", idempotency_key="k-i")
    again = erp.push_order(order("PO-IDEM", line("1", "DEMO-1004", "7")), customer_id="ACME", idempotency_key="k-i")
    assert first.created and not again.created
    assert again.erp_order_id == first.erp_order_id and again.response == first.response
    assert available(erp, "DEMO-1004") == Decimal(413)
    with Session(demo_engine) as s:
        assert len(s.exec(select(ErpOrderRow)).all()) == 1
    found = erp.find_order("k-i")
    assert found is not None and found == erp.get_order(first.erp_order_id)
    assert found.customer_id == "ACME" and found.order.lines[0].quantity.value == Decimal(7)
    assert erp.get_order("SO-999999") is None


def test_concurrent_orders_for_scarce_stock_never_over_reserve(erp: BuiltinErp, demo_engine: Engine) -> None:
    results = run_together(8, lambda i: erp.push_order(
        order(f"PO-RACE-{i}", line("1", "DEMO-1050", "3")), customer_id="ACME", idempotency_key=f"race-{i}"))
    assert len({r.erp_order_id for r in results}) == 8
    accepted = sum((r.quantity.value for p in results for r in p.response.lines if r.status == LineStatus.ACCEPTED),
                   Decimal(0))
    assert accepted == Decimal(8)
    for pushed in results:
        assert sum((r.quantity.value for r in pushed.response.lines), Decimal(0)) == Decimal(3)
    with Session(demo_engine) as s:
        rows = s.exec(select(ErpStock).where(ErpStock.sku == "DEMO-1050")).all()
        assert sum((row.reserved for row in rows), Decimal(0)) == Decimal(8)
        assert all(row.reserved <= row.on_hand for row in rows)


def test_concurrent_pushes_of_one_key_make_one_order(erp: BuiltinErp, demo_engine: Engine) -> None:
    results = run_together(8, lambda i: erp.push_order(
        order("PO-SAME", line("1", "DEMO-1005", "5")), customer_id="ACME", idempotency_key="same-key"))
    assert sorted(r.created for r in results) == [False] * 7 + [True]
    assert len({r.erp_order_id for r in results}) == 1
    with Session(demo_engine) as s:
        assert len(s.exec(select(ErpOrderRow)).all()) == 1
    assert available(erp, "DEMO-1005") == Decimal(495)


def test_cancel_releases_the_reserved_stock(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("PO-C", line("1", "DEMO-1006", "60"), line("2", "DEMO-1006", "500")),
                            customer_id="ACME", idempotency_key="k-c")
    assert available(erp, "DEMO-1006") == Decimal(240)
    cancelled = erp.cancel_order(pushed.erp_order_id, reason="buyer cancelled")
    assert cancelled.state == ErpOrderState.CANCELLED
    assert available(erp, "DEMO-1006") == Decimal(800)
    assert erp.cancel_order(pushed.erp_order_id, reason="again").state == ErpOrderState.CANCELLED
    assert available(erp, "DEMO-1006") == Decimal(800)
    with pytest.raises(ErpRejected):
        erp.cancel_order("SO-424242", reason="no such order")


def test_shipping_takes_stock_out_and_forbids_cancelling(erp: BuiltinErp, demo_engine: Engine) -> None:
    pushed = erp.push_order(order("PO-S", line("1", "DEMO-1050", "10"), line("2", "DEMO-1028", "4")),
                            customer_id="ACME", idempotency_key="k-s")
    notice = ship_order(demo_engine, pushed.erp_order_id, clock=lambda: FIXED_NOW, carrier="UPSN")
    assert notice.po_number == "PO-S" and notice.ship_date == FIXED_NOW.date()
    assert notice.items == () and len(notice.packages) == 1  # everything in one carton
    assert [(i.line_number, i.quantity.value) for i in notice.packages[0].items] == [("1", Decimal(8)),
                                                                                      ("2", Decimal(4))]
    assert on_hand(erp, "DEMO-1050") == 0 and on_hand(erp, "DEMO-1028") == Decimal(246)
    assert available(erp, "DEMO-1028") == Decimal(246)
    with Session(demo_engine) as s:
        assert s.exec(select(ErpReservation)).all() == []
    shipped = erp.get_order(pushed.erp_order_id)
    assert shipped is not None and shipped.state == ErpOrderState.SHIPPED
    with pytest.raises(ErpRejected, match="shipped"):
        erp.cancel_order(pushed.erp_order_id, reason="too late")
    with pytest.raises(ErpRejected):
        ship_order(demo_engine, pushed.erp_order_id)


def test_credit_balance_follows_invoices_and_payments(erp: BuiltinErp, demo_engine: Engine) -> None:
    assert erp.get_credit("ACME").limit == Money(amount=Decimal(50000), currency="USD")
    assert erp.get_credit("ACME").balance == Money(amount=Decimal(0), currency="USD")
    pushed = erp.push_order(order("PO-INV", line("1", "DEMO-1024", "3"), line("2", "DEMO-1001", "7")),
                            customer_id="ACME", idempotency_key="k-inv")
    with pytest.raises(ErpRejected):
        invoice_order(demo_engine, pushed.erp_order_id)  # not shipped yet
    ship_order(demo_engine, pushed.erp_order_id)
    invoice = invoice_order(demo_engine, pushed.erp_order_id, clock=lambda: FIXED_NOW)
    total = Decimal("3") * Decimal("89.99") + Decimal("7") * Decimal("1.29")  # 269.97 + 9.03
    assert invoice_total(demo_engine, invoice.invoice_number) == Money(amount=total, currency="USD")
    assert invoice.po_number == "PO-INV" and invoice.due_date == dt.date(2026, 4, 1)
    assert [(li.order_line_number, li.quantity.value, li.unit_price.amount) for li in invoice.lines] == [
        ("1", Decimal(3), Decimal("89.99")), ("2", Decimal(7), Decimal("1.29"))]
    assert erp.get_credit("ACME").balance.amount == Decimal("279.00")
    assert erp.get_order(pushed.erp_order_id).state == ErpOrderState.INVOICED  # type: ignore[union-attr]

    paid = record_payment(demo_engine, invoice.invoice_number, Money(amount=Decimal("100.00"), currency="USD"),
                          clock=lambda: FIXED_NOW)
    assert paid.customer_id == "ACME" and paid.paid_on == FIXED_NOW.date()
    assert erp.get_credit("ACME").balance.amount == Decimal("179.00")
    with pytest.raises(ErpRejected, match="open"):
        record_payment(demo_engine, invoice.invoice_number, Money(amount=Decimal("179.01"), currency="USD"))
    record_payment(demo_engine, invoice.invoice_number, Money(amount=Decimal("179.00"), currency="USD"))
    assert erp.get_credit("ACME").balance.amount == 0

    assert erp.list_invoices() == [invoice]
    assert erp.list_invoices(since=FIXED_NOW) == [invoice]
    assert erp.list_invoices(since=FIXED_NOW + dt.timedelta(seconds=1)) == []
    assert [p.amount.amount for p in erp.list_payments()] == [Decimal("100.00"), Decimal("179.00")]
    assert [p.payment_id for p in erp.list_payments(since=FIXED_NOW + dt.timedelta(minutes=1))] == ["PAY-000002"]
    with pytest.raises(ErpRejected):
        erp.get_credit("NOBODY")


def test_master_data_reads(erp: BuiltinErp) -> None:
    customer = erp.get_customer("ACME")
    assert customer is not None and customer.name == "Acme Retail" and customer.currency == "USD"
    assert erp.get_customer("NOBODY") is None
    prices = erp.get_prices(["DEMO-1013", "DEMO-1001", "NOSUCH-9999"])
    assert [(p.sku, p.unit, p.price.amount) for p in prices] == [("DEMO-1001", "EA", Decimal("1.29")),
                                                                  ("DEMO-1013", "XBX", Decimal("18.90"))]
    assert len(erp.get_prices()) == 50
    assert [(s.warehouse, s.on_hand) for s in erp.get_stock(["DEMO-1050"])] == [("EAST", 3), ("MAIN", 5)]


def test_catalog_admin(engine: Engine) -> None:
    port = BuiltinErp(engine)
    add_product(engine, sku="WIDGET-1", name="Widget", list_price=Decimal("2.50"), category="Widgets")
    with pytest.raises(ErpRejected):
        add_product(engine, sku="WIDGET-1", name="Widget again", list_price=Decimal(1))
    add_customer(engine, customer_id="C1", name="Customer One", credit_limit=Decimal(1000))
    assert set_stock(engine, "WIDGET-1", "MAIN", Decimal(5)).available == Decimal(5)
    port.push_order(order("P1", line("1", "WIDGET-1", "4")), customer_id="C1", idempotency_key="w")
    with pytest.raises(ErpRejected, match="reserved"):
        set_stock(engine, "WIDGET-1", "MAIN", Decimal(3))
    with pytest.raises(ErpRejected):
        set_stock(engine, "NOSUCH-9999", "MAIN", Decimal(3))


def test_floats_are_never_stored_as_money() -> None:
    with pytest.raises(TypeError, match="float"):
        DecimalText().process_bind_param(0.1, create_engine("sqlite://").dialect)


def test_database_down_is_unavailable_not_rejected() -> None:
    port = BuiltinErp(create_engine("sqlite:////nonexistent-dir/b2bgw/erp.db"))
    with pytest.raises(ErpUnavailable):
        port.get_customer("ACME")
    with pytest.raises(ErpUnavailable):
        port.push_order(order("P", line("1", "DEMO-1001", "1")), customer_id="ACME", idempotency_key="k")


# -- demo data --------------------------------------------------------------------------------


def test_demo_seed_is_idempotent(engine: Engine) -> None:
    def snapshot() -> tuple[list[tuple[object, ...]], ...]:
        with Session(engine) as s:
            return (
                [(p.sku, p.name, p.unit, p.list_price)
                 for p in s.exec(select(ErpProduct).order_by(col(ErpProduct.sku)))],
                [(r.sku, r.warehouse, r.on_hand, r.reserved) for r in s.exec(select(ErpStock).order_by(
                    col(ErpStock.sku), col(ErpStock.warehouse)))],
                [(c.id, c.name, c.credit_limit) for c in s.exec(select(ErpCustomer).order_by(col(ErpCustomer.id)))],
            )

    seed_demo(engine)
    first = snapshot()
    BuiltinErp(engine).push_order(order("P", line("1", "DEMO-1001", "5")), customer_id="ACME", idempotency_key="d")
    after_order = snapshot()
    seed_demo(engine)
    assert snapshot() == after_order
    products, stock, customers = first
    assert len(products) == len(demo_catalog()) == 50
    assert [p[0] for p in products] == [f"DEMO-{n}" for n in range(1001, 1051)]
    assert len(stock) == 100 and {s[1] for s in stock} == {"MAIN", "EAST"}
    assert [c[:2] for c in customers] == [("ACME", "Acme Retail"), ("GLOBEX", "Globex Corp"), ("INITECH", "Initech")]
    assert customers[0][2] == Decimal(50000)
    totals: dict[str, Decimal] = {}
    for sku, _warehouse, quantity, _reserved in stock:
        totals[str(sku)] = totals.get(str(sku), Decimal(0)) + Decimal(str(quantity))
    assert max(totals.values()) < 1000
    assert all(totals[f"DEMO-{n}"] >= 50 for n in range(1001, 1011))


# -- property ---------------------------------------------------------------------------------

SKUS = ("P-1", "P-2", "P-3")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stock=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=len(SKUS), max_size=len(SKUS)),
    lines=st.lists(st.tuples(st.sampled_from((*SKUS, "NOSUCH-9999")), st.integers(1, 60)), min_size=1, max_size=6),
)
def test_every_line_is_accepted_plus_backordered_and_stock_never_over_reserved(
        engine: Engine, stock: list[tuple[int, int]], lines: list[tuple[str, int]]) -> None:
    empty_erp_tables(engine)
    add_customer(engine, customer_id="C", name="Property customer")
    for sku, (main, east) in zip(SKUS, stock, strict=True):
        add_product(engine, sku=sku, name=sku, list_price=Decimal("1.00"))
        set_stock(engine, sku, "MAIN", Decimal(main))
        set_stock(engine, sku, "EAST", Decimal(east))
    port = BuiltinErp(engine)
    pushed = port.push_order(order("PROP", *(line(str(n), sku, str(q)) for n, (sku, q) in enumerate(lines, 1))),
                             customer_id="C", idempotency_key="prop")

    for n, (sku, qty) in enumerate(lines, 1):
        answers = [r for r in pushed.response.lines if r.line_number == str(n)]
        if sku == "NOSUCH-9999":
            assert [r.status for r in answers] == [LineStatus.REJECTED]
        else:
            assert {r.status for r in answers} <= {LineStatus.ACCEPTED, LineStatus.BACKORDERED}
            assert sum((r.quantity.value for r in answers), Decimal(0)) == qty
    for sku, (main, east) in zip(SKUS, stock, strict=True):
        ordered = sum(q for s, q in lines if s == sku)
        accepted = sum((r.quantity.value for r in pushed.response.lines
                        if r.status == LineStatus.ACCEPTED and r.items[0].value == sku), Decimal(0))
        assert accepted == min(ordered, main + east)
        for level in port.get_stock([sku]):
            assert Decimal(0) <= level.available <= level.on_hand
