"""Pack sizes in the built-in ERP: an item sold by the each, ordered by the case, on SQLite and PostgreSQL.

The demo's pens DEMO-1001 (400 in MAIN + 250 in EAST, 1.29 USD each) come in cases of 12 (``XCS``)
and boxes of 50 (``XBX``), DEMO-1002 in cases of 12; DEMO-1003 has no pack size (``demo_units.csv``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from erp.builtin import BuiltinErp, invoice_order, set_pack_size, set_stock, ship_order
from erp.builtin.store import read_session
from erp.builtin.tables import ErpOrderLineRow, ErpReservation
from erp.port import AlternativeUnit, ErpRejected
from formats.model import LineStatus, Money

from .test_builtin import available, line, on_hand, order, statuses


def test_prices_report_each_items_pack_sizes(erp: BuiltinErp) -> None:
    prices = {price.sku: price for price in erp.get_prices()}
    assert prices["DEMO-1001"].alternative_units == (AlternativeUnit(unit="XBX", factor=Decimal(50)),
                                                     AlternativeUnit(unit="XCS", factor=Decimal(12)))
    assert prices["DEMO-1002"].alternative_units == (AlternativeUnit(unit="XCS", factor=Decimal(12)),)
    assert prices["DEMO-1003"].alternative_units == ()
    [one] = erp.get_prices(["DEMO-1001"])
    assert one.alternative_units == prices["DEMO-1001"].alternative_units


def test_cases_stay_cases_on_the_order_and_reserve_their_eaches(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("PO-CS", line("1", "DEMO-1001", "2", unit="XCS", price="15.48")),
                            customer_id="ACME", idempotency_key="k-cs")
    assert statuses(pushed.response.lines) == [("1", LineStatus.ACCEPTED, Decimal(2))]
    [answer] = pushed.response.lines
    assert answer.quantity.unit == "XCS" and answer.unit_price == Money(amount=Decimal("15.48"), currency="USD")
    assert available(erp, "DEMO-1001") == Decimal(650 - 24)  # stock is counted in eaches
    with read_session(erp.engine) as s:
        [row] = s.exec(select(ErpOrderLineRow).where(ErpOrderLineRow.order_id == pushed.erp_order_id)).all()
        reserved = sum(r.quantity for r in s.exec(select(ErpReservation)
                                                  .where(ErpReservation.order_id == pushed.erp_order_id)).all())
    assert (row.unit, row.ordered_qty, row.accepted_qty, row.unit_price) == ("XCS", 2, 2, Decimal("15.48"))
    assert reserved == 24

    notice = ship_order(erp.engine, pushed.erp_order_id)
    [shipped] = [item for package in notice.packages for item in package.items]
    assert (shipped.quantity.value, shipped.quantity.unit) == (Decimal(2), "XCS")
    assert on_hand(erp, "DEMO-1001") == Decimal(650 - 24)
    invoice = invoice_order(erp.engine, pushed.erp_order_id)
    [invoiced] = invoice.lines
    assert (invoiced.quantity.value, invoiced.quantity.unit, invoiced.unit_price.amount) == (
        Decimal(2), "XCS", Decimal("15.48"))  # invoiced as ordered: 2 cases at the case price


def test_a_pack_without_a_price_is_charged_the_list_price_per_each_times_the_pack(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("PO-BX", line("1", "DEMO-1001", "1", unit="XBX")), customer_id="ACME",
                            idempotency_key="k-bx")
    [answer] = pushed.response.lines
    assert answer.status is LineStatus.ACCEPTED and available(erp, "DEMO-1001") == Decimal(600)
    assert answer.unit_price == Money(amount=Decimal("64.50"), currency="USD")  # its list price: 50 x 1.29


def test_stock_short_of_the_cases_accepts_whole_cases_and_backorders_the_rest(erp: BuiltinErp) -> None:
    set_stock(erp.engine, "DEMO-1002", "MAIN", Decimal(30))
    set_stock(erp.engine, "DEMO-1002", "EAST", Decimal(0))
    pushed = erp.push_order(order("PO-SHORT", line("1", "DEMO-1002", "3", unit="XCS")), customer_id="ACME",
                            idempotency_key="k-short")
    assert statuses(pushed.response.lines) == [("1", LineStatus.ACCEPTED, Decimal(2)),
                                               ("1", LineStatus.BACKORDERED, Decimal(1))]
    assert available(erp, "DEMO-1002") == Decimal(6)  # 24 reserved for the two cases; 6 loose pens stay


def test_a_unit_with_no_pack_size_is_refused_naming_the_item_and_the_unit(erp: BuiltinErp) -> None:
    pushed = erp.push_order(order("PO-NOPACK", line("1", "DEMO-1003", "2", unit="XCS"),
                                  line("2", "DEMO-1001", "2", unit="XPK")),
                            customer_id="ACME", idempotency_key="k-nopack")
    assert [(r.status, r.reason) for r in pushed.response.lines] == [
        (LineStatus.REJECTED, "item DEMO-1003 is sold in EA, not XCS"),
        (LineStatus.REJECTED, "item DEMO-1001 is sold in EA or XBX or XCS, not XPK (it has no XPK pack size)")]
    assert available(erp, "DEMO-1003") == Decimal(360)


def test_pack_sizes_are_the_erps_to_change(erp: BuiltinErp) -> None:
    set_pack_size(erp.engine, "DEMO-1003", "xcs", Decimal(10))
    [price] = erp.get_prices(["DEMO-1003"])
    assert price.alternative_units == (AlternativeUnit(unit="XCS", factor=Decimal(10)),)
    set_pack_size(erp.engine, "DEMO-1003", "XCS", None)
    assert erp.get_prices(["DEMO-1003"])[0].alternative_units == ()
    for sku, unit, factor, says in (("NOPE", "XCS", Decimal(2), "unknown product"),
                                    ("DEMO-1003", "EA", Decimal(2), "needs no pack size"),
                                    ("DEMO-1003", "XCS", Decimal(0), "positive")):
        with pytest.raises(ErpRejected, match=says):
            set_pack_size(erp.engine, sku, unit, factor)
