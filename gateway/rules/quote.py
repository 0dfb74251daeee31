"""The answer of price resolution: the price and why, as a frozen, JSON-serialisable value.

A :class:`PriceQuote` is what ``GET /api/prices`` returns and what an order line keeps as its
price snapshot, so it carries everything needed to explain the price later, after the lists
have changed: which assignment (level, target, priority) picked which list, and every step
down a chain of derived lists -- list, line (item / category / global), tier, rule, and the
unit price at that step. ``model_dump_json()`` / ``PriceQuote.model_validate_json()`` round-trip
exactly (Decimals travel as strings, never floats).

Prices per unit are exact, amounts are rounded to the currency's minor units with the partner's
rounding mode; a cart's total is the sum of its rounded line amounts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from formats.model import Canonical, Money, Quantity
from gateway.rules.pricelists import Level, Scope
from gateway.rules.rounding import RoundingMode


class PriceStep(Canonical):
    """One list on the way to a price: the line and tier used, its rule, and the unit price it gave.

    For a derived step, ``base_list``/``discount_percent``/``surcharge`` say how ``unit_price``
    was made from the next step's price; for the last step (``rule == "fixed"``) they are None.
    """

    list_id: str
    line_scope: Scope
    line_key: str | None  # the SKU or category of the line; None for a global line
    tier_min_quantity: Decimal  # the tier used: from this quantity (base unit) upwards
    rule: Literal["fixed", "derived"]
    unit_price: Decimal  # per base unit, exact
    base_list: str | None = None
    discount_percent: Decimal | None = None
    surcharge: Decimal | None = None


class PriceQuote(Canonical):
    """The price of one SKU for one customer, quantity, unit and date, with the reasons for it."""

    customer: str
    sku: str
    on: dt.date  # the seller's date the price applies on
    quantity: Quantity  # as ordered
    base_quantity: Quantity  # converted to the item's base unit (what tiers compare)
    unit_price: Money  # per ordered unit, exact
    base_unit_price: Money  # per base unit, exact
    amount: Money  # quantity x unit price, rounded to the currency's minor units
    rounding: RoundingMode
    level: Level  # the assignment level that supplied the list
    assigned_to: str | None  # the customer or group id of that assignment; None for the default
    priority: int
    list_id: str  # the list assigned (the first step of the chain)
    steps: tuple[PriceStep, ...]  # assigned list first, the list with the fixed price last
    passed_over: tuple[str, ...] = ()  # lists in force consulted first that had no price for the item
    unit_factor: Decimal | None = None  # base units in one ordered unit (the item's pack size), when they differ

    @property
    def chain(self) -> tuple[str, ...]:
        """The lists followed, assigned list first (one id for a fixed price)."""
        return tuple(step.list_id for step in self.steps)

    def explain(self) -> str:
        """One sentence for a sales rep: the price, the assignment, then each step of the chain."""
        who = f"{self.level} assignment" + (f" to {self.assigned_to}" if self.assigned_to else "")
        head = f"{self.unit_price.amount} {self.unit_price.currency} per {self.quantity.unit} for {self.sku}"
        if self.unit_factor is not None:
            head += (f" (1 {self.quantity.unit} = {self.unit_factor.normalize():f} {self.base_quantity.unit}: "
                     f"{self.quantity.value} {self.quantity.unit} = {self.base_quantity.value} "
                     f"{self.base_quantity.unit} at {self.base_unit_price.amount} per {self.base_quantity.unit})")
        parts = [f"{head}: list {self.list_id} by {who} (priority {self.priority})"]
        for step in self.steps:
            line = f"{step.line_scope} line" + (f" {step.line_key}" if step.line_key else "")
            how = f"{step.unit_price} fixed"
            if step.base_list is not None:
                how = f"{step.unit_price} = list {step.base_list} - {step.discount_percent}%"
                how += f" + {step.surcharge}" if step.surcharge else ""
            parts.append(f"{step.list_id}: {line}, tier from {step.tier_min_quantity} {self.base_quantity.unit}: {how}")
        if self.passed_over:
            parts.append("no price in " + ", ".join(self.passed_over))
        return "; ".join(parts)


class CartQuote(Canonical):
    """A priced cart: one quote per line, in order, and the total of their rounded amounts."""

    lines: tuple[PriceQuote, ...]
    total: Money | None  # None for an empty cart (it has no currency)


__all__ = ["CartQuote", "PriceQuote", "PriceStep"]
