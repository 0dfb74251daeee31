"""The precedence rule read literally, without an index: the specification the index is checked against.

:class:`ReferencePricer` scans every assignment and every line of a list on each question, in
the words of :mod:`gateway.rules.pricing`'s docstring, sharing only the conversion, rounding
and explanation code. Tests compare it with :class:`~gateway.rules.pricing.CustomerPricer` on
random catalogues (same quote, or same error), and ``bench/prices.py`` times it as the naive
baseline. It is far too slow to serve prices from: never use it outside tests and benchmarks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from gateway.rules.derivation import check_derivations
from gateway.rules.errors import UnknownItemError
from gateway.rules.index import unique_lists
from gateway.rules.pricelists import Assignment, Customer, Derived, Item, Level, PriceLine, PriceList, Scope
from gateway.rules.pricing import Pricer, Resolution, step
from gateway.rules.quote import PriceStep
from gateway.rules.rounding import RoundingMode
from gateway.rules.units import UnitConversions
from gateway.rules.validity import in_force

_LEVEL_RANK = {Level.CUSTOMER: 0, Level.GROUP: 1, Level.DEFAULT: 2}
_SCOPE_RANK = {Scope.ITEM: 0, Scope.CATEGORY: 1, Scope.GLOBAL: 2}


class ReferencePricer(Pricer):
    """Prices by scanning: assignments filtered and sorted per question, lines scanned per list."""

    def __init__(
        self,
        price_lists: Sequence[PriceList],
        assignments: Sequence[Assignment],
        items: Mapping[str, Item],
        conversions: UnitConversions,
        customer: Customer,
        on: dt.date,
        rounding: RoundingMode = RoundingMode.HALF_UP,
    ) -> None:
        super().__init__(customer, on, rounding)
        self.lists = unique_lists(price_lists)
        check_derivations(self.lists)
        self.assignments = assignments
        self.items = items
        self._conversions = conversions

    def item(self, sku: str) -> Item:
        """The item ``sku`` (a primary-key lookup: the item master is not what is measured)."""
        if sku not in self.items:
            raise UnknownItemError(f"item {sku} is not in the catalogue")
        return self.items[sku]

    @property
    def conversions(self) -> UnitConversions:
        """The conversion table given."""
        return self._conversions

    def applies(self, assignment: Assignment) -> bool:
        """Rule 2: for this customer, in force with its list, in the customer's currency."""
        customer = self.customer
        if assignment.level is Level.CUSTOMER and assignment.target != customer.id:
            return False
        if assignment.level is Level.GROUP and assignment.target not in customer.groups:
            return False
        price_list = self.lists[assignment.list_id]
        return (
            in_force(assignment.valid_from, assignment.valid_to, self.on)
            and in_force(price_list.valid_from, price_list.valid_to, self.on)
            and (customer.currency is None or price_list.currency == customer.currency)
        )

    def resolve(self, item: Item, base_quantity: Decimal) -> Resolution | None:
        """Rules 2-4: every assignment scanned, sorted by level then priority, first price wins."""
        candidates = sorted(
            (assignment for assignment in self.assignments if self.applies(assignment)),
            key=lambda assignment: (_LEVEL_RANK[assignment.level], *assignment.sort_key()),
        )
        passed_over: list[str] = []
        for assignment in candidates:
            if assignment.list_id in passed_over:
                continue
            price_list = self.lists[assignment.list_id]
            found = self.price_in(price_list, item, base_quantity)
            if found is not None:
                return Resolution(assignment, price_list.currency, found[0], found[1], tuple(passed_over))
            passed_over.append(assignment.list_id)
        return None

    def matching_lines(self, price_list: PriceList, item: Item) -> list[PriceLine]:
        """Rule 5: the lines of the list that apply to the item, scanned, most specific first."""
        matching = [
            line
            for line in price_list.lines
            if line.scope is Scope.GLOBAL
            or (line.scope is Scope.ITEM and line.key == item.sku)
            or (line.scope is Scope.CATEGORY and item.category is not None and line.key == item.category)
        ]
        return sorted(matching, key=lambda line: _SCOPE_RANK[line.scope])

    def price_in(
        self, price_list: PriceList, item: Item, quantity: Decimal
    ) -> tuple[Decimal, tuple[PriceStep, ...]] | None:
        """Rules 5-6 by scanning lines and tiers."""
        for line in self.matching_lines(price_list, item):
            reached = [tier for tier in line.tiers if tier.min_quantity <= quantity]
            if not reached:
                continue
            tier = max(reached, key=lambda tier: tier.min_quantity)
            rule = tier.rule
            if isinstance(rule, Derived):
                base = self.lists[rule.base_list]
                if not in_force(base.valid_from, base.valid_to, self.on):
                    continue
                found = self.price_in(base, item, quantity)
                if found is None:
                    continue
                price = rule.apply(found[0])
                return price, (step(price_list.id, line, tier, price), *found[1])
            return rule.unit_price, (step(price_list.id, line, tier, rule.unit_price),)
        return None


__all__ = ["ReferencePricer"]
