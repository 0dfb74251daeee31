"""The inputs of price resolution: items, price lists with their lines and tiers, assignments.

Plain frozen dataclasses, one per table a store will keep (``price_list``, ``price_line``,
``price_tier``, ``price_assignment``, ``item``), so loading them is a row-to-object copy. Each
checks what is wrong on its own (a negative price, two tiers from the same quantity) when built;
what is wrong only between them (an unknown base list, a cycle) is checked by
:mod:`gateway.rules.derivation` when the catalogue index is built.

A line prices one item (``Scope.ITEM``, key = SKU), every item of a category
(``Scope.CATEGORY``, key = category) or every item (``Scope.GLOBAL``, no key). Its tiers start
at a minimum quantity in the item's base unit; each tier's rule is either a :class:`Fixed` unit
price or :class:`Derived` from another list: ``base price x (1 - discount_percent / 100) +
surcharge`` (a negative discount is a markup). All prices are per base unit, in the list's
currency, and kept exact: only amounts are rounded.

>>> line = PriceLine.item("SKU-1", Tier(0, Fixed("10.00")), Tier(100, Fixed("8.50")))
>>> [str(tier.min_quantity) for tier in line.tiers]
['0', '100']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from formats.model import ISO_4217_CODES
from gateway.rules.decimals import exact
from gateway.rules.errors import PriceListError
from gateway.rules.validity import check_window

_HUNDRED = Decimal(100)


class Scope(StrEnum):
    """What a price line applies to, most specific first."""

    ITEM = "item"
    CATEGORY = "category"
    GLOBAL = "global"


class Level(StrEnum):
    """Who a price list is assigned to, most specific first."""

    CUSTOMER = "customer"
    GROUP = "group"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Item:
    """A sellable item as pricing needs it: SKU, base unit (Rec 20) and optional category."""

    sku: str
    base_unit: str = "EA"
    category: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_unit", self.base_unit.strip().upper())


@dataclass(frozen=True, slots=True)
class Fixed:
    """A fixed unit price per base unit, in the list's currency."""

    unit_price: Decimal

    def __post_init__(self) -> None:
        price = exact(self.unit_price, "unit price")
        if price < 0:
            raise PriceListError(f"a unit price cannot be negative ({price})")
        object.__setattr__(self, "unit_price", price)


@dataclass(frozen=True, slots=True)
class Derived:
    """A price taken from ``base_list`` for the same item and quantity, less a discount, plus a surcharge.

    ``discount_percent`` at most 100 and ``surcharge`` not negative keep every price >= 0.
    """

    base_list: str
    discount_percent: Decimal = Decimal(0)
    surcharge: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        discount = exact(self.discount_percent, "discount percent")
        surcharge = exact(self.surcharge, "surcharge")
        if discount > _HUNDRED:
            raise PriceListError(f"a discount above 100% ({discount}) would make a negative price")
        if surcharge < 0:
            raise PriceListError(f"a surcharge cannot be negative ({surcharge}); use a discount")
        object.__setattr__(self, "discount_percent", discount)
        object.__setattr__(self, "surcharge", surcharge)

    def apply(self, base_price: Decimal) -> Decimal:
        """The derived unit price from the base list's unit price (exact: no rounding here)."""
        price = base_price
        if self.discount_percent:
            price = price * (_HUNDRED - self.discount_percent) / _HUNDRED
        return price + self.surcharge if self.surcharge else price


PriceRule = Fixed | Derived


@dataclass(frozen=True, slots=True)
class Tier:
    """From ``min_quantity`` (in the item's base unit, inclusive) upwards, price by ``rule``."""

    min_quantity: Decimal
    rule: PriceRule

    def __post_init__(self) -> None:
        quantity = exact(self.min_quantity, "tier minimum quantity")
        if quantity < 0:
            raise PriceListError(f"a tier cannot start below zero ({quantity})")
        object.__setattr__(self, "min_quantity", quantity)


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One line of a price list: its scope, key and tiers (kept sorted by minimum quantity)."""

    scope: Scope
    key: str | None
    tiers: tuple[Tier, ...]

    def __post_init__(self) -> None:
        if (self.scope is Scope.GLOBAL) != (self.key is None):
            raise PriceListError(f"a {self.scope} line {'has no' if self.scope is Scope.GLOBAL else 'needs a'} key")
        if not self.tiers:
            raise PriceLine.error(self, "has no tiers")
        tiers = tuple(sorted(self.tiers, key=lambda tier: tier.min_quantity))
        for lower, upper in pairwise(tiers):
            if lower.min_quantity == upper.min_quantity:
                raise PriceLine.error(self, f"has two tiers from quantity {lower.min_quantity}")
        object.__setattr__(self, "tiers", tiers)

    @staticmethod
    def error(line: PriceLine, problem: str) -> PriceListError:
        """A :class:`PriceListError` naming the line."""
        return PriceListError(f"{line.scope} line {line.key or ''}".rstrip() + f" {problem}")

    @classmethod
    def item(cls, sku: str, *tiers: Tier) -> PriceLine:
        """A line for one SKU."""
        return cls(Scope.ITEM, sku, tiers)

    @classmethod
    def category(cls, category: str, *tiers: Tier) -> PriceLine:
        """A line for every item of a category."""
        return cls(Scope.CATEGORY, category, tiers)

    @classmethod
    def every_item(cls, *tiers: Tier) -> PriceLine:
        """A global line: every item."""
        return cls(Scope.GLOBAL, None, tiers)

    def bases(self) -> frozenset[str]:
        """The lists this line derives prices from."""
        return frozenset(tier.rule.base_list for tier in self.tiers if isinstance(tier.rule, Derived))


@dataclass(frozen=True, slots=True)
class PriceList:
    """A price list: currency, validity window (seller's dates, inclusive, open ends) and lines."""

    id: str
    currency: str
    lines: tuple[PriceLine, ...] = ()
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    name: str = ""

    def __post_init__(self) -> None:
        currency = self.currency.strip().upper()
        if currency not in ISO_4217_CODES:
            raise PriceListError(f"price list {self.id}: unknown ISO 4217 currency {self.currency!r}")
        object.__setattr__(self, "currency", currency)
        check_window(self.valid_from, self.valid_to, f"price list {self.id}")
        seen: set[tuple[Scope, str | None]] = set()
        for line in self.lines:
            if (line.scope, line.key) in seen:
                raise PriceListError(f"price list {self.id}: two {line.scope} lines for {line.key or 'every item'}")
            seen.add((line.scope, line.key))

    def bases(self) -> frozenset[str]:
        """Every list a line of this one derives from."""
        return frozenset().union(*(line.bases() for line in self.lines))


@dataclass(frozen=True, slots=True)
class Assignment:
    """A list assigned to a customer, a customer group, or as the default, with a priority and window.

    ``target`` is the customer id (``Level.CUSTOMER``), the group id (``Level.GROUP``), or None
    (``Level.DEFAULT``). Higher ``priority`` wins within a level (see :mod:`gateway.rules.pricing`).
    """

    list_id: str
    level: Level
    target: str | None = None
    priority: int = 0
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def __post_init__(self) -> None:
        if (self.level is Level.DEFAULT) != (self.target is None):
            need = "no target" if self.level is Level.DEFAULT else "a target (customer or group id)"
            raise PriceListError(f"a {self.level} assignment of list {self.list_id} takes {need}")
        check_window(self.valid_from, self.valid_to, f"assignment of list {self.list_id} to {self.level}")

    def sort_key(self) -> tuple[int, str, str]:
        """Order within a level: higher priority first, then list id, then target (deterministic)."""
        return (-self.priority, self.list_id, self.target or "")


@dataclass(frozen=True, slots=True)
class Customer:
    """Who is buying: id, the groups it belongs to, and optionally the one currency it buys in.

    With ``currency`` set, lists in any other currency are passed over.
    """

    id: str
    groups: tuple[str, ...] = ()
    currency: str | None = None

    def __post_init__(self) -> None:
        if self.currency is not None:
            object.__setattr__(self, "currency", self.currency.strip().upper())


__all__ = [
    "Assignment",
    "Customer",
    "Derived",
    "Fixed",
    "Item",
    "Level",
    "PriceLine",
    "PriceList",
    "PriceRule",
    "Scope",
    "Tier",
]
