"""Small builders for price-rule tests: a catalogue in a few lines, dates by day number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from gateway.rules import (
    Assignment,
    CatalogueIndex,
    Customer,
    Derived,
    Fixed,
    Item,
    PriceLine,
    PriceList,
    Tier,
    UnitConversions,
)

D = Decimal
DAY = dt.date(2026, 3, 1)
ITEMS = (Item("SKU-1", "EA", "bolts"), Item("SKU-2", "EA", "bolts"), Item("SKU-3", "KGM", "paper"))
ACME = Customer("ACME", groups=("WHOLESALE",))


def fixed(sku: str, price: str, *more: tuple[int, str]) -> PriceLine:
    """An item line: ``price`` from 0, then ``(min_quantity, price)`` tiers."""
    return PriceLine.item(sku, Tier(D(0), Fixed(D(price))), *(Tier(D(q), Fixed(D(p))) for q, p in more))


def derived(base: str, discount: str = "0", surcharge: str = "0") -> PriceLine:
    """A global line deriving every item from ``base``."""
    return PriceLine.every_item(Tier(D(0), Derived(base, D(discount), D(surcharge))))


def index(
    lists: Iterable[PriceList],
    assignments: Iterable[Assignment],
    items: Iterable[Item] = ITEMS,
    conversions: UnitConversions | None = None,
) -> CatalogueIndex:
    return CatalogueIndex.build(lists, assignments, items, conversions)
