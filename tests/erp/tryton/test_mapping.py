"""The Tryton adapter's translation rules, without a server: units, states, event ids, formulas, errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp.port import ErpOrderState, ErpRejected, ErpUnavailable
from erp.tryton.mapping import cursor_time, event_id, order_state, quantity, rec20, sale_units
from erp.tryton.pricelists import LIST_PRICES, tier_of
from erp.tryton.rpc import _refusal


@pytest.mark.parametrize(("symbol", "code"), [("u", "EA"), ("box", "XBX"), ("kg", "KGM"), ("PCE", "PCE"),
                                              ("", "EA"), (None, "EA")])
def test_units(symbol: str | None, code: str) -> None:
    assert rec20(symbol) == code


def test_quantities_are_exact() -> None:
    assert quantity(10.0) == Decimal(10) and str(quantity(10.0)) == "10"
    assert str(quantity(2.5)) == "2.5" and quantity(None) == 0


@pytest.mark.parametrize(("sale", "moves", "state"), [
    ({"state": "draft"}, [], ErpOrderState.OPEN),
    ({"state": "quotation"}, [], ErpOrderState.OPEN),
    ({"state": "cancelled"}, [], ErpOrderState.CANCELLED),
    ({"state": "processing", "shipment_state": "waiting", "invoice_state": "none"}, ["draft"],
     ErpOrderState.CONFIRMED),
    ({"state": "processing", "shipment_state": "exception", "invoice_state": "none"}, ["cancelled"],
     ErpOrderState.CANCELLED),
    ({"state": "processing", "shipment_state": "partially shipped", "invoice_state": "pending"}, ["done", "draft"],
     ErpOrderState.PARTIALLY_SHIPPED),
    ({"state": "processing", "shipment_state": "sent", "invoice_state": "pending"}, ["done"], ErpOrderState.SHIPPED),
    ({"state": "done", "shipment_state": "sent", "invoice_state": "paid"}, ["done"], ErpOrderState.INVOICED),
])
def test_sale_states(sale: dict[str, str], moves: list[str], state: ErpOrderState) -> None:
    assert order_state(sale, moves) == state


def test_event_ids_sort_in_time_then_kind_then_record() -> None:
    at = dt.datetime(2026, 3, 2, 9, 30, 0, 5)
    ids = [event_id(at, "paid", 1), event_id(at, "shipped", 99), event_id(at + dt.timedelta(microseconds=1),
                                                                           "cancelled", 1),
           event_id(at, "shipped", 100)]
    assert sorted(ids) == [ids[1], ids[3], ids[0], ids[2]]
    assert cursor_time(ids[0]) == at and cursor_time(None) is None


def test_price_formulas() -> None:
    fixed = tier_of("Decimal('1.15')", Decimal(100))
    assert fixed is not None and (fixed.unit_price, fixed.min_quantity) == (Decimal("1.15"), 100)
    assert tier_of("2", Decimal(0)).unit_price == Decimal(2)  # type: ignore[union-attr]
    derived = tier_of("unit_price * Decimal('0.95')", Decimal(0))
    assert derived is not None and derived.base_list == LIST_PRICES and derived.discount_percent == Decimal(5)
    assert tier_of("cost_price * 1.3", Decimal(0)) is None


def test_tryton_errors_map_onto_the_port() -> None:
    assert isinstance(_refusal(["UserError", ["The party will exceed their credit limit.", ""]]), ErpRejected)
    assert isinstance(_refusal(["UserWarning", ["credit", "over the limit", ""]]), ErpRejected)
    assert isinstance(_refusal(["ConcurrencyException", "record modified"]), ErpUnavailable)
    assert isinstance(_refusal(["database is locked", "Traceback ..."]), ErpUnavailable)


def test_a_sale_unit_of_the_default_units_category_is_a_pack_size() -> None:
    unit = {"symbol": "u", "factor": 1.0, "rate": 1.0, "category": 1}
    case = {"symbol": "case", "factor": 12.0, "rate": 0.083333333333, "category": 1}
    assert sale_units(1, unit, 7, case) == {"XCS": (Decimal(12), 7)}
    assert sale_units(1, unit, 8, {"symbol": "dz", "factor": 0, "rate": 0.5, "category": 1}) == {"DZN": (2, 8)}
    assert sale_units(1, unit, 1, unit) == {}  # sold in its default unit
    assert sale_units(1, unit, 9, {"symbol": "kg", "factor": 1.0, "rate": 1.0, "category": 2}) == {}  # not units
    assert sale_units(1, unit, None, None) == {}
