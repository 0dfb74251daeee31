"""Derived lists: percent off and surcharge on another list, chains explained, cycles refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gateway.rules import (
    Assignment,
    Derived,
    Fixed,
    Level,
    PriceLine,
    PriceList,
    PriceListCycleError,
    PriceListError,
    Tier,
    price_item,
)
from tests.rules.builders import ACME, DAY, D, derived, fixed, index

BASE = PriceList("LIST", "USD", (fixed("SKU-1", "10.00", (100, "9.00")), fixed("SKU-2", "20.00")))
GROUP = PriceList("WHOLESALE", "USD", (derived("LIST", "10"),))
CUSTOMER = PriceList("ACME", "USD", (PriceLine.item("SKU-1", Tier(D(0), Derived("WHOLESALE", D("5"), D("0.25")))),
                                     fixed("SKU-2", "15.00")))
ASSIGNED = [Assignment("ACME", Level.CUSTOMER, "ACME")]


def test_three_level_chain_is_computed_exactly_and_explained() -> None:
    quote = price_item(index([BASE, GROUP, CUSTOMER], ASSIGNED), ACME, "SKU-1", 3, on=DAY)
    # 10.00 x 0.90 = 9.00; x 0.95 = 8.55; + 0.25 = 8.80
    assert quote.base_unit_price.amount == D("8.80")
    assert quote.chain == ("ACME", "WHOLESALE", "LIST")
    assert [(s.rule, s.line_scope, s.unit_price) for s in quote.steps] == [
        ("derived", "item", D("8.80")), ("derived", "global", D("9.00")), ("fixed", "item", D("10.00"))]
    assert (quote.steps[0].discount_percent, quote.steps[0].surcharge) == (D(5), D("0.25"))
    assert "list WHOLESALE - 5% + 0.25" in quote.explain()


def test_derived_price_follows_the_base_lists_tier_for_the_same_quantity() -> None:
    quote = price_item(index([BASE, GROUP], [Assignment("WHOLESALE", Level.DEFAULT)]), ACME, "SKU-1", 100, on=DAY)
    assert quote.base_unit_price.amount == D("8.1000")  # 9.00 x 0.90: exact, not rounded per step
    assert quote.steps[-1].tier_min_quantity == 100
    assert quote.amount.amount == D("810.00")


def test_a_markup_is_a_negative_discount() -> None:
    markup = PriceList("RETAIL", "USD", (derived("LIST", "-20"),))
    quote = price_item(index([BASE, markup], [Assignment("RETAIL", Level.DEFAULT)]), ACME, "SKU-2", 1, on=DAY)
    assert quote.unit_price.amount == D("24.00")


def test_derived_line_without_a_base_price_falls_to_the_next_line_of_its_list() -> None:
    partial = PriceList("PROMO", "USD", (fixed("SKU-1", "1.00"),))
    customer = PriceList("C", "USD", (PriceLine.item("SKU-2", Tier(D(0), Derived("PROMO", D(50)))),
                                      PriceLine.every_item(Tier(D(0), Fixed(D("19.00"))))))
    quote = price_item(index([partial, customer], [Assignment("C", Level.DEFAULT)]), ACME, "SKU-2", 1, on=DAY)
    assert (quote.steps[0].line_scope, quote.unit_price.amount) == ("global", D("19.00"))


@pytest.mark.parametrize(("edges", "cycle"), [
    ({"A": "A"}, ("A", "A")),
    ({"A": "B", "B": "A"}, ("A", "B", "A")),
    ({"A": "B", "B": "C", "C": "D", "D": "B"}, ("B", "C", "D", "B")),
])
def test_cycles_are_refused_at_build_with_the_cycle_named(edges: dict[str, str], cycle: tuple[str, ...]) -> None:
    lists = [PriceList(source, "USD", (derived(target),)) for source, target in edges.items()]
    with pytest.raises(PriceListCycleError) as raised:
        index(lists, [])
    assert raised.value.cycle == cycle
    assert " -> ".join(cycle) in str(raised.value)


def test_a_diamond_is_not_a_cycle() -> None:
    lists = [PriceList("TOP", "USD", (PriceLine.item("SKU-1", Tier(D(0), Derived("L"))),
                                      PriceLine.every_item(Tier(D(0), Derived("R"))))),
             PriceList("L", "USD", (derived("BASE", "10"),)), PriceList("R", "USD", (derived("BASE", "20"),)),
             PriceList("BASE", "USD", (fixed("SKU-1", "10"), fixed("SKU-2", "10")))]
    built = index(lists, [Assignment("TOP", Level.DEFAULT)])
    assert price_item(built, ACME, "SKU-1", 1, on=DAY).chain == ("TOP", "L", "BASE")
    assert price_item(built, ACME, "SKU-2", 1, on=DAY).chain == ("TOP", "R", "BASE")


@pytest.mark.parametrize(("lists", "assignments", "message"), [
    ([PriceList("A", "USD", (derived("NOPE"),))], [], "A derives from unknown price list NOPE"),
    ([PriceList("A", "USD", (derived("B"),)), PriceList("B", "EUR")], [], r"A \(USD\) .* B in another currency"),
    ([PriceList("A", "USD"), PriceList("A", "USD")], [], "two price lists have the id A"),
    ([PriceList("A", "USD")], [Assignment("B", Level.DEFAULT)], "unknown price list B"),
])
def test_inconsistent_catalogues_are_refused_at_build(
    lists: list[PriceList], assignments: list[Assignment], message: str
) -> None:
    with pytest.raises(PriceListError, match=message):
        index(lists, assignments)


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Fixed(D("-1")), "negative"),
    (lambda: Derived("A", D("101")), "above 100%"),
    (lambda: Derived("A", D("0"), D("-1")), "surcharge"),
    (lambda: Tier(D(-1), Fixed(D(1))), "below zero"),
    (lambda: PriceLine.item("SKU-1"), "no tiers"),
    (lambda: PriceLine.item("SKU-1", Tier(D(5), Fixed(D(1))), Tier(D(5), Fixed(D(2)))), "two tiers from quantity 5"),
    (lambda: PriceList("A", "USD", (fixed("SKU-1", "1"), fixed("SKU-1", "2"))), "two item lines for SKU-1"),
    (lambda: PriceList("A", "ABC"), "unknown ISO 4217"),
    (lambda: Assignment("A", Level.DEFAULT, "ACME"), "takes no target"),
    (lambda: Assignment("A", Level.GROUP), "takes a target"),
])
def test_bad_rows_are_refused_when_built(build: Callable[[], object], message: str) -> None:
    with pytest.raises(PriceListError, match=message):
        build()
