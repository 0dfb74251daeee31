"""Quantity tiers, compared in the item's base unit after an exact unit conversion."""

from __future__ import annotations

import pytest

from gateway.rules import (
    Assignment,
    Fixed,
    Item,
    Level,
    PriceLine,
    PriceList,
    Tier,
    UnitConversionError,
    UnitConversions,
    price_item,
)
from tests.rules.builders import ACME, DAY, D, fixed, index

TIERED = PriceList("LIST", "USD", (fixed("SKU-1", "1.00", (12, "0.90"), (144, "0.75")), fixed("SKU-3", "4.00")))
DEFAULT = [Assignment("LIST", Level.DEFAULT)]
UNITS = UnitConversions.of({("DZN", "EA"): 12, ("XCS", "EA"): 6}, by_item={"SKU-1": {("XCS", "EA"): 24}})


@pytest.mark.parametrize(("quantity", "unit_price", "tier"), [
    ("1", "1.00", "0"), ("11", "1.00", "0"), ("11.999", "1.00", "0"),
    ("12", "0.90", "12"), ("143", "0.90", "12"), ("144", "0.75", "144"), ("10000", "0.75", "144"),
])
def test_tier_by_base_quantity_minimum_inclusive(quantity: str, unit_price: str, tier: str) -> None:
    quote = price_item(index([TIERED], DEFAULT), ACME, "SKU-1", D(quantity), on=DAY)
    assert quote.unit_price.amount == D(unit_price)
    assert quote.steps[0].tier_min_quantity == D(tier)


def test_tiers_are_sorted_whatever_order_they_are_written_in() -> None:
    line = PriceLine.item("SKU-1", Tier(D(100), Fixed(D("8"))), Tier(D(0), Fixed(D("10"))))
    assert [tier.min_quantity for tier in line.tiers] == [0, 100]


def test_ordered_unit_is_converted_before_the_tier_is_chosen() -> None:
    catalogue = index([TIERED], DEFAULT, conversions=UNITS)
    dozen = price_item(catalogue, ACME, "SKU-1", 1, "DZN", on=DAY)  # 12 EA: second tier
    assert (dozen.base_quantity.value, dozen.base_quantity.unit) == (D(12), "EA")
    assert (dozen.base_unit_price.amount, dozen.unit_price.amount, dozen.amount.amount) == (D("0.90"), D("10.80"),
                                                                                             D("10.80"))
    assert dozen.quantity.unit == "DZN"


def test_item_table_wins_over_the_global_one() -> None:
    catalogue = index([TIERED], DEFAULT, conversions=UNITS)
    case = price_item(catalogue, ACME, "SKU-1", 6, "xcs", on=DAY)  # 6 x 24 = 144 EA, not 6 x 6
    assert case.base_quantity.value == 144 and case.steps[0].tier_min_quantity == 144
    assert case.amount.amount == D("108.00")


def test_a_pair_is_used_backwards_when_exact() -> None:
    items = [Item("SKU-1", "DZN")]
    dozens = PriceList("LIST", "USD", (fixed("SKU-1", "12.00"),))
    quote = price_item(index([dozens], DEFAULT, items, UNITS), ACME, "SKU-1", 30, "EA", on=DAY)
    assert quote.base_quantity.value == D("2.5") and quote.amount.amount == D("30.00")
    assert quote.unit_price.amount == D("1.00")
    with pytest.raises(UnitConversionError, match="not an exact quantity"):
        price_item(index([dozens], DEFAULT, items, UNITS), ACME, "SKU-1", 5, "EA", on=DAY)


def test_unconvertible_unit_is_refused_with_the_item_and_units_named() -> None:
    with pytest.raises(UnitConversionError, match=r"SKU-3: no conversion from unit LBR to its base unit KGM"):
        price_item(index([TIERED], DEFAULT, conversions=UNITS), ACME, "SKU-3", 1, "LBR", on=DAY)


def test_conversion_table_refuses_float_and_non_positive_factors() -> None:
    with pytest.raises(TypeError, match="float"):
        UnitConversions.of({("DZN", "EA"): 12.0})  # type: ignore[dict-item]
    with pytest.raises(UnitConversionError, match="positive"):
        UnitConversions.of({("DZN", "EA"): 0})


def test_below_the_first_tier_the_next_line_prices() -> None:
    volume_only = PriceList("LIST", "USD", (PriceLine.item("SKU-1", Tier(D(100), Fixed(D("0.50")))),
                                            PriceLine.category("bolts", Tier(D(0), Fixed(D("0.95"))))))
    catalogue = index([volume_only], DEFAULT)
    assert price_item(catalogue, ACME, "SKU-1", 99, on=DAY).steps[0].line_scope == "category"
    assert price_item(catalogue, ACME, "SKU-1", 100, on=DAY).steps[0].line_key == "SKU-1"


def test_item_line_beats_category_line_beats_global_line() -> None:
    lines = (PriceLine.every_item(Tier(D(0), Fixed(D("3")))), PriceLine.category("bolts", Tier(D(0), Fixed(D("2")))),
             PriceLine.item("SKU-1", Tier(D(0), Fixed(D("1")))))
    catalogue = index([PriceList("LIST", "USD", lines)], DEFAULT)
    scopes = {sku: price_item(catalogue, ACME, sku, 1, on=DAY).steps[0].line_scope for sku in ("SKU-1", "SKU-2",
                                                                                                 "SKU-3")}
    assert scopes == {"SKU-1": "item", "SKU-2": "category", "SKU-3": "global"}
