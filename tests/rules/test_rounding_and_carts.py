"""Rounding to the currency's minor units, the partner's mode, carts totalled from rounded lines."""

from __future__ import annotations

import pytest

from gateway.rules import (
    Assignment,
    CartLine,
    CartQuote,
    CurrencyMismatchError,
    Customer,
    Item,
    Level,
    PriceList,
    PriceQuote,
    RoundingMode,
    price_cart,
    price_item,
)
from tests.rules.builders import ACME, DAY, D, derived, fixed, index

ITEMS = [Item("A"), Item("B"), Item("C")]


def priced(currency: str, price: str, quantity: str, rounding: RoundingMode = RoundingMode.HALF_UP) -> PriceQuote:
    catalogue = index([PriceList("L", currency, (fixed("A", price),))], [Assignment("L", Level.DEFAULT)], ITEMS)
    return price_item(catalogue, ACME, "A", D(quantity), on=DAY, rounding=rounding)


@pytest.mark.parametrize(("currency", "price", "quantity", "half_up", "half_even"), [
    ("JPY", "33.5", "3", "101", "100"),  # 100.5 yen: no decimals
    ("JPY", "0.5", "1", "1", "0"),
    ("USD", "0.125", "1", "0.13", "0.12"),
    ("USD", "1.005", "3", "3.02", "3.02"),  # 3.015 -> .02 both ways (1 is odd)
    ("USD", "2.675", "1", "2.68", "2.68"),  # a float would say 2.67
    ("KWD", "1.2345", "1", "1.235", "1.234"),  # three decimals
    ("KWD", "0.0005", "5", "0.003", "0.002"),
])
def test_amounts_are_rounded_to_minor_units_half_up_by_default_or_half_even(
    currency: str, price: str, quantity: str, half_up: str, half_even: str
) -> None:
    up = priced(currency, price, quantity)
    even = priced(currency, price, quantity, RoundingMode.HALF_EVEN)
    assert (str(up.amount.amount), str(even.amount.amount)) == (half_up, half_even)
    assert up.rounding is RoundingMode.HALF_UP and even.rounding is RoundingMode.HALF_EVEN
    assert up.unit_price.amount == D(price)  # unit prices stay exact


def test_rounding_mode_from_a_partner_setting_string() -> None:
    assert priced("USD", "0.125", "1", RoundingMode("ROUND_HALF_EVEN")).amount.amount == D("0.12")
    with pytest.raises(ValueError, match="ROUND_SIDEWAYS"):
        priced("USD", "0.125", "1", RoundingMode("ROUND_SIDEWAYS"))


def test_cart_total_is_the_sum_of_rounded_lines() -> None:
    catalogue = index([PriceList("L", "USD", (fixed("A", "0.005"), fixed("B", "0.005"), fixed("C", "0.005")))],
                      [Assignment("L", Level.DEFAULT)], ITEMS)
    cart = price_cart(catalogue, ACME, [CartLine("A", D(1)), CartLine("B", D(1)), CartLine("C", D(1))], on=DAY)
    assert [line.amount.amount for line in cart.lines] == [D("0.01")] * 3
    assert cart.total is not None and cart.total.amount == D("0.03")  # not round(0.015) = 0.02
    assert [line.sku for line in cart.lines] == ["A", "B", "C"]


def test_empty_cart_has_no_total() -> None:
    catalogue = index([PriceList("L", "USD", (fixed("A", "1"),))], [Assignment("L", Level.DEFAULT)], ITEMS)
    assert price_cart(catalogue, ACME, [], on=DAY) == CartQuote(lines=(), total=None)


def test_cart_in_several_currencies_is_refused() -> None:
    catalogue = index([PriceList("EUR", "EUR", (fixed("A", "1"),)), PriceList("USD", "USD", (fixed("B", "1"),))],
                      [Assignment("EUR", Level.DEFAULT), Assignment("USD", Level.DEFAULT)], ITEMS)
    with pytest.raises(CurrencyMismatchError, match="EUR, USD"):
        price_cart(catalogue, ACME, [CartLine("A", D(1)), CartLine("B", D(1))], on=DAY)
    only_usd = price_cart(catalogue, Customer("ACME", currency="USD"), [CartLine("B", D(2))], on=DAY)
    assert only_usd.total is not None and only_usd.total.amount == D("2")


def test_quote_round_trips_through_json_with_decimals_as_strings() -> None:
    lists = [PriceList("L", "KWD", (fixed("A", "1.2345", (10, "1.1"),),)), PriceList("C", "KWD", (derived("L", "3"),))]
    catalogue = index(lists, [Assignment("C", Level.CUSTOMER, "ACME")], ITEMS)
    cart = price_cart(catalogue, ACME, [CartLine("A", D("12.5"))], on=DAY)
    text = cart.model_dump_json()
    assert '"unit_price":{"amount":"1.067","currency":"KWD"}' in text
    assert CartQuote.model_validate_json(text) == cart
    dumped = cart.lines[0].model_dump(mode="json")
    assert dumped["level"] == "customer" and dumped["amount"] == {"amount": "13.338", "currency": "KWD"}
    assert dumped["steps"][1]["line_scope"] == "item" and dumped["steps"][1]["tier_min_quantity"] == "10"
