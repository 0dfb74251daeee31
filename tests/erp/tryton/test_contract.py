"""The same port scenarios against both adapters: the built-in ERP and a live Tryton server.

The Tryton database lives for the whole session (one server), so each scenario uses its own PO number
and idempotency key and asserts stock and balances as differences, never as absolute numbers. The
seeded catalogue mirrors the built-in demo (``tests/erp/tryton/seed.py``): DEMO-1001 pens at 1.29 USD (and by
the case of 12),
DEMO-1013 folders sold by the box (XBX), DEMO-1049 with no stock, customers ACME / GLOBEX / INITECH.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from erp.builtin import BuiltinErp, invoice_order, invoice_total, record_payment, seed_demo, ship_order
from erp.port import ErpEventKind, ErpOrderState, ErpPort, ErpRejected, OrderToPush, Payment, PushedOrder
from erp.tryton import TrytonErp
from formats.model import (
    HeaderStatus,
    Invoice,
    ItemId,
    ItemIdKind,
    LineStatus,
    Money,
    Order,
    OrderLine,
    Party,
    PartyRole,
    Quantity,
)
from gateway.store.db import make_engine
from tests.erp.conftest import empty_erp_tables
from tests.erp.tryton import backoffice


@dataclass
class Seller:
    """An adapter plus what the seller's people do in that ERP (ship, invoice, pay)."""

    name: str
    port: ErpPort
    ship: Callable[[str], None]
    invoice: Callable[[str], Invoice]
    pay: Callable[[Invoice], None]


def _builtin(engine: Engine) -> Seller:
    def pay(invoice: Invoice) -> None:
        record_payment(engine, invoice.invoice_number, invoice_total(engine, invoice.invoice_number))

    return Seller("builtin", BuiltinErp(engine), lambda order_id: ship_order(engine, order_id) and None,
                  lambda order_id: invoice_order(engine, order_id), pay)


def _tryton(erp: TrytonErp) -> Seller:
    def invoice(order_id: str) -> Invoice:
        [number] = backoffice.post_invoices(erp, order_id)
        return next(i for i in erp.list_invoices() if i.invoice_number == number)

    return Seller("tryton", erp, lambda order_id: backoffice.ship(erp, order_id) and None, invoice,
                  lambda inv: backoffice.pay(erp, inv.invoice_number))


@pytest.fixture(params=["builtin", "tryton"])
def seller(request: pytest.FixtureRequest) -> Iterator[Seller]:
    if request.param == "builtin":
        engine = make_engine(request.getfixturevalue("sqlite_url"))
        empty_erp_tables(engine)
        seed_demo(engine)
        yield _builtin(engine)
        engine.dispose()
    else:
        yield _tryton(request.getfixturevalue("tryton_erp"))


def line(number: str, sku: str, qty: str, unit: str = "EA") -> OrderLine:
    return OrderLine(line_number=number, items=(ItemId(kind=ItemIdKind.SELLER, value=sku),),
                     quantity=Quantity(value=Decimal(qty), unit=unit))


def order(*lines: OrderLine) -> Order:
    return Order(po_number=f"PO-{uuid.uuid4().hex[:8].upper()}", order_date=dt.date(2026, 3, 1), currency="USD",
                 lines=lines, buyer=Party(role=PartyRole.BUYER, name="Acme Retail"))


def available(port: ErpPort, sku: str) -> Decimal:
    return sum((s.available for s in port.get_stock([sku])), Decimal(0))


def on_hand(port: ErpPort, sku: str) -> Decimal:
    return sum((s.on_hand for s in port.get_stock([sku])), Decimal(0))


def test_push_is_idempotent_and_found_by_key(seller: Seller) -> None:
    port, key = seller.port, uuid.uuid4().hex
    placed = order(line("1", "DEMO-1001", "10"), line("2", "NO-SUCH-SKU", "1"), line("3", "DEMO-1049", "5"))
    first = port.push_order(placed, customer_id="ACME", idempotency_key=key)
    assert first.created and first.state == ErpOrderState.CONFIRMED
    assert first.response.status == HeaderStatus.ACCEPTED_WITH_CHANGES
    statuses = [(r.line_number, r.status) for r in first.response.lines]
    assert ("1", LineStatus.ACCEPTED) in statuses and ("2", LineStatus.REJECTED) in statuses
    assert ("3", LineStatus.BACKORDERED) in statuses
    rejected = next(r for r in first.response.lines if r.status == LineStatus.REJECTED)
    assert "NO-SUCH-SKU" in (rejected.reason or "")

    again = port.push_order(placed, customer_id="ACME", idempotency_key=key)
    assert (again.erp_order_id, again.created, again.response) == (first.erp_order_id, False, first.response)
    found = port.find_order(key)
    assert found is not None and found.erp_order_id == first.erp_order_id
    assert found.idempotency_key == key and found.customer_id == "ACME" and found.order == placed
    fetched = port.get_order(first.erp_order_id)
    assert fetched is not None and fetched.order.po_number == placed.po_number
    assert port.find_order(uuid.uuid4().hex) is None
    assert port.get_order("NO-SUCH-ORDER") is None


def test_refusals(seller: Seller) -> None:
    port = seller.port
    with pytest.raises(ErpRejected, match="NOBODY"):
        port.push_order(order(line("1", "DEMO-1001", "1")), customer_id="NOBODY", idempotency_key=uuid.uuid4().hex)
    with pytest.raises(ErpRejected, match="no lines"):
        port.push_order(order(), customer_id="ACME", idempotency_key=uuid.uuid4().hex)
    with pytest.raises(ErpRejected):
        port.get_credit("NOBODY")
    wrong_unit = port.push_order(order(line("1", "DEMO-1013", "2", unit="EA")), customer_id="ACME",
                                 idempotency_key=uuid.uuid4().hex)
    assert wrong_unit.response.status == HeaderStatus.REJECTED_WITH_DETAIL
    assert wrong_unit.state == ErpOrderState.CANCELLED
    assert "XBX" in (wrong_unit.response.lines[0].reason or "")


def test_a_batch_gets_an_answer_per_order(seller: Seller) -> None:
    """push_orders: each order placed, found or refused on its own, in the order sent."""
    port, earlier_key = seller.port, uuid.uuid4().hex
    earlier = port.push_order(order(line("1", "DEMO-1001", "2")), customer_id="ACME", idempotency_key=earlier_key)
    before = available(port, "DEMO-1001")
    batch = [OrderToPush(order=order(line("1", "DEMO-1001", quantity)), customer_id=customer,
                         idempotency_key=key or uuid.uuid4().hex)
             for quantity, customer, key in (("3", "ACME", None), ("1", "NOBODY", None), ("2", "ACME", earlier_key),
                                             ("4", "GLOBEX", None))]
    placed, refused, found, other = port.push_orders(batch)
    assert isinstance(placed, PushedOrder) and placed.created and placed.response.po_number == batch[0].order.po_number
    assert isinstance(refused, ErpRejected) and "NOBODY" in str(refused)
    assert isinstance(found, PushedOrder) and (found.erp_order_id, found.created) == (earlier.erp_order_id, False)
    assert isinstance(other, PushedOrder) and other.created and other.erp_order_id != placed.erp_order_id
    assert available(port, "DEMO-1001") == before - 7
    assert port.find_order(batch[1].idempotency_key) is None


def test_accepted_quantities_leave_available_stock_and_cancel_gives_them_back(seller: Seller) -> None:
    port = seller.port
    before, held = available(port, "DEMO-1003"), on_hand(port, "DEMO-1003")
    pushed = port.push_order(order(line("1", "DEMO-1003", "7")), customer_id="GLOBEX",
                             idempotency_key=uuid.uuid4().hex)
    assert pushed.response.status == HeaderStatus.ACCEPTED
    assert available(port, "DEMO-1003") == before - 7
    assert on_hand(port, "DEMO-1003") == held

    cancelled = port.cancel_order(pushed.erp_order_id, reason="buyer cancelled")
    assert cancelled.state == ErpOrderState.CANCELLED
    assert port.cancel_order(pushed.erp_order_id, reason="again").state == ErpOrderState.CANCELLED
    assert available(port, "DEMO-1003") == before


def test_order_to_cash_events_credit_invoices_and_payments(seller: Seller) -> None:
    port = seller.port
    [last] = list(port.events_after(None, limit=100000))[-1:] or [None]
    cursor = last.event_id if last is not None else None
    balance_before = port.get_credit("INITECH").balance.amount
    pushed = port.push_order(order(line("1", "DEMO-1001", "4"), line("2", "DEMO-1002", "6")),
                             customer_id="INITECH", idempotency_key=uuid.uuid4().hex)

    seller.ship(pushed.erp_order_id)
    assert port.get_order(pushed.erp_order_id).state == ErpOrderState.SHIPPED  # type: ignore[union-attr]
    with pytest.raises(ErpRejected):
        port.cancel_order(pushed.erp_order_id, reason="too late")
    invoice = seller.invoice(pushed.erp_order_id)
    assert invoice.po_number == pushed.response.po_number
    assert {(li.order_line_number, li.quantity.value) for li in invoice.lines} == {("1", 4), ("2", 6)}
    net = sum((li.quantity.value * li.unit_price.amount for li in invoice.lines), Decimal(0))
    owed = port.get_credit("INITECH").balance.amount - balance_before
    assert owed >= net > 0  # the invoice total, with whatever tax the ERP adds
    assert invoice.invoice_number in {i.invoice_number for i in port.list_invoices()}

    seller.pay(invoice)
    assert port.get_credit("INITECH").balance.amount == balance_before
    paid: list[Payment] = [p for p in port.list_payments() if p.invoice_number == invoice.invoice_number]
    assert sum((p.amount.amount for p in paid), Decimal(0)) == owed

    events = list(port.events_after(cursor))
    kinds = [e.kind for e in events if e.erp_order_id in (pushed.erp_order_id, None)]
    assert kinds[:2] == [ErpEventKind.SHIPPED, ErpEventKind.INVOICED] and ErpEventKind.PAID in kinds
    assert [e.event_id for e in events] == sorted(e.event_id for e in events)
    shipped = next(e for e in events if e.kind == ErpEventKind.SHIPPED)
    assert shipped.ship_notice is not None and shipped.ship_notice.po_number == pushed.response.po_number
    assert shipped.customer_id == "INITECH"
    assert list(port.events_after(events[-1].event_id)) == []


def test_master_data(seller: Seller) -> None:
    port = seller.port
    customers = {c.customer_id: c for c in port.list_customers()}
    assert {"ACME", "GLOBEX", "INITECH"} <= set(customers)
    assert customers["ACME"].group == "retail" and customers["ACME"].currency == "USD"
    assert port.get_customer("ACME") == customers["ACME"]
    assert port.get_customer("NOBODY") is None
    groups = {g.group_id: g for g in port.get_customer_groups()}
    assert "GLOBEX" in groups["wholesale"].members
    prices = {p.sku: p for p in port.get_prices(["DEMO-1001", "DEMO-1013", "NO-SUCH-SKU"])}
    assert set(prices) == {"DEMO-1001", "DEMO-1013"}
    assert prices["DEMO-1001"].price == Money(amount=Decimal("1.29"), currency="USD")
    assert prices["DEMO-1013"].unit == "XBX"
    assert port.get_credit("ACME").limit == Money(amount=Decimal(50000), currency="USD")
    lists = port.get_price_lists()
    assert lists and all(pl.currency == "USD" for pl in lists)
    assigned = {a.target for pl in lists for a in pl.assignments if a.level == "customer"}
    assert "ACME" in assigned


def test_a_case_of_an_item_counted_in_units_stays_a_case_and_takes_its_units_from_stock(seller: Seller) -> None:
    """DEMO-1001 is sold by the case of 12 in both ERPs (built-in: a pack size; Tryton: its sale UoM)."""
    port = seller.port
    [pens] = port.get_prices(["DEMO-1001"])
    assert (pens.unit, {(u.unit, u.factor) for u in pens.alternative_units} >= {("XCS", Decimal(12))}) == ("EA", True)
    assert port.get_prices(["DEMO-1003"])[0].alternative_units == ()
    before = available(port, "DEMO-1001")
    pushed = port.push_order(order(line("1", "DEMO-1001", "2", unit="XCS"), line("2", "DEMO-1003", "2", unit="XCS")),
                             customer_id="GLOBEX", idempotency_key=uuid.uuid4().hex)
    accepted, refused = pushed.response.lines
    assert (accepted.status, accepted.quantity.value, accepted.quantity.unit) == (LineStatus.ACCEPTED, 2, "XCS")
    assert accepted.unit_price == Money(amount=Decimal("15.48"), currency="USD")  # 12 x the list price 1.29
    assert refused.status == LineStatus.REJECTED and refused.reason == "item DEMO-1003 is sold in EA, not XCS"
    assert available(port, "DEMO-1001") == before - 24

    seller.ship(pushed.erp_order_id)
    invoice = seller.invoice(pushed.erp_order_id)
    assert [(li.quantity.value, li.quantity.unit, li.unit_price.amount) for li in invoice.lines] == [
        (2, "XCS", Decimal("15.48"))]
