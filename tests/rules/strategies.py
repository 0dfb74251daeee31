"""Hypothesis strategies: small random catalogues whose derived lists form no cycle.

Lists are ``L0``..``Ln``; a derived tier of ``Li`` only names a ``Lj`` with ``j > i``, so every
catalogue built is acyclic. Dates are a few days around :data:`DAY`, so windows often start or
end exactly on the priced day (the inclusive boundaries get exercised).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import strategies as st

from gateway.rules import (
    Assignment,
    CatalogueIndex,
    Customer,
    Derived,
    Fixed,
    Item,
    Level,
    PriceLine,
    PriceList,
    Scope,
    Tier,
    UnitConversions,
)

DAY = dt.date(2026, 3, 10)
SKUS = ("SKU-0", "SKU-1", "SKU-2")
CATEGORIES = ("c0", "c1")
GROUPS = ("G0", "G1", "G2")
ITEMS = (Item("SKU-0", "EA", "c0"), Item("SKU-1", "EA", "c1"), Item("SKU-2", "KGM", None))
CONVERSIONS = UnitConversions.of({("XCS", "EA"): 6}, by_item={"SKU-2": {("XCS", "KGM"): 25}})

days = st.integers(min_value=-3, max_value=3).map(lambda offset: DAY + dt.timedelta(days=offset))
prices = st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False)
quantities = st.decimals(min_value="0.001", max_value=500, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def windows(draw: st.DrawFn) -> tuple[dt.date | None, dt.date | None]:
    if draw(st.booleans()):
        return None, None
    start, end = draw(st.none() | days), draw(st.none() | days)
    if start is not None and end is not None and end < start:
        start, end = end, start
    return start, end


@st.composite
def tiers(draw: st.DrawFn, list_number: int, list_count: int) -> tuple[Tier, ...]:
    minimums = [0, *draw(st.lists(st.sampled_from([1, 5, 10, 50]), max_size=2, unique=True))]
    if draw(st.booleans()):  # sometimes a volume-only line: nothing below its first tier
        minimums = minimums[1:] or [5]
    chosen: list[Tier] = []
    for minimum in minimums:
        base = draw(st.none() | st.integers(min_value=list_number + 1, max_value=list_count - 1)
                    if list_number + 1 < list_count else st.none())
        if base is None:
            chosen.append(Tier(Decimal(minimum), Fixed(draw(prices))))
        else:
            discount = draw(st.decimals(min_value=-50, max_value=100, places=2))
            surcharge = draw(st.decimals(min_value=0, max_value=5, places=2))
            chosen.append(Tier(Decimal(minimum), Derived(f"L{base}", discount, surcharge)))
    return tuple(chosen)


@st.composite
def price_lists(draw: st.DrawFn, count: int) -> list[PriceList]:
    lists = []
    for number in range(count):
        targets = draw(st.lists(st.sampled_from([(Scope.ITEM, sku) for sku in SKUS]
                                                + [(Scope.CATEGORY, category) for category in CATEGORIES]
                                                + [(Scope.GLOBAL, None)]), min_size=1, max_size=4, unique=True))
        lines = tuple(PriceLine(scope, key, draw(tiers(number, count))) for scope, key in targets)
        start, end = draw(windows())
        lists.append(PriceList(f"L{number}", "USD", lines, valid_from=start, valid_to=end))
    return lists


@st.composite
def assignments(draw: st.DrawFn, list_count: int) -> list[Assignment]:
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        level = draw(st.sampled_from(Level))
        target = {Level.CUSTOMER: st.sampled_from(("C0", "C0", "C1")), Level.GROUP: st.sampled_from(GROUPS),
                  Level.DEFAULT: st.none()}[level]
        start, end = draw(windows())
        rows.append(Assignment(f"L{draw(st.integers(0, list_count - 1))}", level, draw(target),
                               draw(st.integers(min_value=-1, max_value=2)), start, end))
    return rows


@dataclass(frozen=True)
class Case:
    """A random catalogue and one question to ask it."""

    lists: list[PriceList]
    assignments: list[Assignment]
    customer: Customer
    sku: str
    quantity: Decimal
    unit: str | None
    on: dt.date

    def index(self) -> CatalogueIndex:
        return CatalogueIndex.build(self.lists, self.assignments, ITEMS, CONVERSIONS)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    count = draw(st.integers(min_value=1, max_value=5))
    groups = draw(st.lists(st.sampled_from(GROUPS), max_size=2, unique=True))
    customer = Customer(draw(st.sampled_from(("C0", "C0", "C1"))), tuple(groups))
    sku = draw(st.sampled_from(SKUS))
    unit = draw(st.sampled_from([None, None, None, "XCS", "XCS", "EA", "KGM"]))
    return Case(draw(price_lists(count)), draw(assignments(count)), customer, sku, draw(quantities), unit, draw(days))
