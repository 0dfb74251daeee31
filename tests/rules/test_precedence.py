"""Which list wins: customer -> group -> default, priority within a level, fallback, ties."""

from __future__ import annotations

import pytest

from gateway.rules import (
    Assignment,
    Customer,
    Level,
    NoPriceError,
    PriceList,
    PricingError,
    UnknownItemError,
    price_item,
)
from tests.rules.builders import ACME, DAY, D, fixed, index

LISTS = [
    PriceList("CUST", "USD", (fixed("SKU-1", "7.00"),)),
    PriceList("CUST-HI", "USD", (fixed("SKU-1", "6.00"),)),
    PriceList("GROUP", "USD", (fixed("SKU-1", "8.00"), fixed("SKU-2", "18.00"))),
    PriceList("GROUP-B", "USD", (fixed("SKU-1", "8.50"),)),
    PriceList("LIST", "USD", (fixed("SKU-1", "10.00"), fixed("SKU-2", "20.00"), fixed("SKU-3", "3.00"))),
]


def test_customer_list_wins_over_group_and_default() -> None:
    catalogue = index(LISTS, [Assignment("LIST", Level.DEFAULT), Assignment("GROUP", Level.GROUP, "WHOLESALE"),
                              Assignment("CUST", Level.CUSTOMER, "ACME")])
    quote = price_item(catalogue, ACME, "SKU-1", 1, on=DAY)
    assert (quote.list_id, quote.level, quote.assigned_to) == ("CUST", Level.CUSTOMER, "ACME")
    assert quote.unit_price.amount == D("7.00")


def test_priority_never_crosses_levels() -> None:
    catalogue = index(LISTS, [Assignment("LIST", Level.DEFAULT, priority=1000),
                              Assignment("GROUP", Level.GROUP, "WHOLESALE", priority=-5)])
    assert price_item(catalogue, ACME, "SKU-1", 1, on=DAY).list_id == "GROUP"


def test_higher_priority_wins_within_a_level() -> None:
    catalogue = index(LISTS, [Assignment("CUST", Level.CUSTOMER, "ACME", priority=1),
                              Assignment("CUST-HI", Level.CUSTOMER, "ACME", priority=2)])
    quote = price_item(catalogue, ACME, "SKU-1", 1, on=DAY)
    assert (quote.list_id, quote.priority, quote.unit_price.amount) == ("CUST-HI", 2, D("6.00"))


def test_equal_priority_ties_go_to_the_smaller_list_id_whatever_the_input_order() -> None:
    rows = [Assignment("CUST-HI", Level.CUSTOMER, "ACME"), Assignment("CUST", Level.CUSTOMER, "ACME")]
    for order in (rows, rows[::-1]):
        assert price_item(index(LISTS, order), ACME, "SKU-1", 1, on=DAY).list_id == "CUST"


def test_groups_of_a_customer_are_merged_by_priority_then_group_list_id() -> None:
    customer = Customer("ACME", groups=("B", "A"))
    tie = [Assignment("GROUP-B", Level.GROUP, "A"), Assignment("GROUP", Level.GROUP, "B")]
    assert price_item(index(LISTS, tie), customer, "SKU-1", 1, on=DAY).list_id == "GROUP"
    ranked = [Assignment("GROUP-B", Level.GROUP, "B", priority=3), Assignment("GROUP", Level.GROUP, "A")]
    assert price_item(index(LISTS, ranked), customer, "SKU-1", 1, on=DAY).assigned_to == "B"


def test_fallback_to_the_next_level_when_a_list_has_no_price_for_the_item() -> None:
    catalogue = index(LISTS, [Assignment("LIST", Level.DEFAULT), Assignment("GROUP", Level.GROUP, "WHOLESALE"),
                              Assignment("CUST", Level.CUSTOMER, "ACME")])
    sku2 = price_item(catalogue, ACME, "SKU-2", 1, on=DAY)
    assert (sku2.list_id, sku2.level, sku2.passed_over) == ("GROUP", Level.GROUP, ("CUST",))
    sku3 = price_item(catalogue, ACME, "SKU-3", 1, on=DAY)
    assert (sku3.list_id, sku3.level, sku3.passed_over) == ("LIST", Level.DEFAULT, ("CUST", "GROUP"))


def test_another_customers_or_groups_lists_never_apply() -> None:
    catalogue = index(LISTS, [Assignment("CUST", Level.CUSTOMER, "OTHER"), Assignment("GROUP", Level.GROUP, "RETAIL"),
                              Assignment("LIST", Level.DEFAULT)])
    assert price_item(catalogue, ACME, "SKU-1", 1, on=DAY).list_id == "LIST"


def test_a_list_met_twice_is_consulted_once() -> None:
    catalogue = index(LISTS, [Assignment("CUST", Level.CUSTOMER, "ACME"), Assignment("CUST", Level.DEFAULT),
                              Assignment("LIST", Level.DEFAULT)])
    assert price_item(catalogue, ACME, "SKU-3", 1, on=DAY).passed_over == ("CUST",)


def test_customer_currency_passes_over_lists_in_other_currencies() -> None:
    lists = [*LISTS, PriceList("EUR-LIST", "EUR", (fixed("SKU-1", "9.00"),))]
    catalogue = index(lists, [Assignment("EUR-LIST", Level.CUSTOMER, "ACME"), Assignment("LIST", Level.DEFAULT)])
    assert price_item(catalogue, Customer("ACME", currency="usd"), "SKU-1", 1, on=DAY).list_id == "LIST"
    assert price_item(catalogue, Customer("ACME"), "SKU-1", 1, on=DAY).amount.currency == "EUR"


def test_no_list_prices_the_item() -> None:
    catalogue = index(LISTS, [Assignment("CUST", Level.CUSTOMER, "ACME")])
    with pytest.raises(NoPriceError, match=r"SKU-3.*ACME"):
        price_item(catalogue, ACME, "SKU-3", 1, on=DAY)


def test_unknown_sku_and_bad_quantity_are_refused() -> None:
    catalogue = index(LISTS, [Assignment("LIST", Level.DEFAULT)])
    with pytest.raises(UnknownItemError, match="NOPE"):
        price_item(catalogue, ACME, "NOPE", 1, on=DAY)
    with pytest.raises(PricingError, match="positive"):
        price_item(catalogue, ACME, "SKU-1", 0, on=DAY)
    with pytest.raises(TypeError, match="float"):
        price_item(catalogue, ACME, "SKU-1", 1.5, on=DAY)  # type: ignore[arg-type]
