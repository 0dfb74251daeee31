"""The catalogue index: price lists and assignments compiled once into lookups, so pricing is fast.

A storefront page asks for 500 prices and a cart for 50, against a catalogue of 100,000 SKUs and
a thousand customer lists; scanning lines per item would cost milliseconds each. The index turns
each list into three dictionaries (line by SKU, by category, the global line) whose tiers are
searched by bisection, and the assignments into per-customer, per-group and default tables
already in precedence order. It is built once when the lists change (a later step rebuilds it
from the store), and it is immutable, so one index serves every request concurrently.

Building checks everything that is wrong between lists (:mod:`gateway.rules.derivation`):
duplicate ids, unknown or other-currency base lists, cycles, assignments of unknown lists.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from gateway.rules.derivation import check_derivations
from gateway.rules.errors import PriceListError
from gateway.rules.pricelists import Assignment, Customer, Item, Level, PriceLine, PriceList, Scope, Tier
from gateway.rules.units import UnitConversions
from gateway.rules.validity import in_force


@dataclass(frozen=True, slots=True)
class CompiledLine:
    """A line with its tier minimums kept apart for bisection."""

    line: PriceLine
    minimums: tuple[Decimal, ...]

    @classmethod
    def of(cls, line: PriceLine) -> CompiledLine:
        """Compile ``line`` (its tiers are already sorted)."""
        return cls(line, tuple(tier.min_quantity for tier in line.tiers))

    def tier_for(self, quantity: Decimal) -> Tier | None:
        """The tier with the largest minimum <= ``quantity``, or None below the first tier."""
        position = bisect_right(self.minimums, quantity)
        return self.line.tiers[position - 1] if position else None


@dataclass(frozen=True, slots=True)
class CompiledList:
    """A price list as lookups: line by SKU, line by category, the global line."""

    price_list: PriceList
    by_item: Mapping[str, CompiledLine]
    by_category: Mapping[str, CompiledLine]
    every_item: CompiledLine | None

    @classmethod
    def of(cls, price_list: PriceList) -> CompiledList:
        """Compile ``price_list``."""
        by_scope: dict[Scope, dict[str, CompiledLine]] = {Scope.ITEM: {}, Scope.CATEGORY: {}}
        every_item: CompiledLine | None = None
        for line in price_list.lines:
            if line.scope is Scope.GLOBAL:
                every_item = CompiledLine.of(line)
            else:
                by_scope[line.scope][line.key or ""] = CompiledLine.of(line)
        return cls(price_list, by_scope[Scope.ITEM], by_scope[Scope.CATEGORY], every_item)

    def lines_for(self, item: Item) -> tuple[CompiledLine | None, CompiledLine | None, CompiledLine | None]:
        """The item's lines in this list, most specific first (None where the list has none)."""
        category = self.by_category.get(item.category) if item.category is not None else None
        return self.by_item.get(item.sku), category, self.every_item

    def in_force(self, on: dt.date) -> bool:
        """Whether the list applies on ``on``."""
        return in_force(self.price_list.valid_from, self.price_list.valid_to, on)


@dataclass(frozen=True)
class CatalogueIndex:
    """Items, compiled lists and assignments in precedence order; build with :meth:`build`."""

    items: Mapping[str, Item]
    lists: Mapping[str, CompiledList]
    conversions: UnitConversions
    by_customer: Mapping[str, tuple[Assignment, ...]]
    by_group: Mapping[str, tuple[Assignment, ...]]
    defaults: tuple[Assignment, ...]

    @classmethod
    def build(
        cls,
        price_lists: Iterable[PriceList],
        assignments: Iterable[Assignment],
        items: Iterable[Item],
        conversions: UnitConversions | None = None,
    ) -> CatalogueIndex:
        """Check and compile everything; :class:`PriceListError` names the first inconsistency."""
        lists = unique_lists(price_lists)
        check_derivations(lists)
        tables: dict[Level, defaultdict[str | None, list[Assignment]]] = {level: defaultdict(list) for level in Level}
        for assignment in assignments:
            if assignment.list_id not in lists:
                raise PriceListError(
                    f"{assignment.level} assignment to {assignment.target or 'everyone'} names unknown "
                    f"price list {assignment.list_id}"
                )
            tables[assignment.level][assignment.target].append(assignment)

        def ordered(table: Mapping[str | None, list[Assignment]]) -> Mapping[str, tuple[Assignment, ...]]:
            return MappingProxyType(
                {str(target): tuple(sorted(rows, key=Assignment.sort_key)) for target, rows in table.items()}
            )

        catalogue = {item.sku: item for item in items}
        return cls(
            items=MappingProxyType(catalogue),
            lists=MappingProxyType({list_id: CompiledList.of(price_list) for list_id, price_list in lists.items()}),
            conversions=conversions or UnitConversions(),
            by_customer=ordered(tables[Level.CUSTOMER]),
            by_group=ordered(tables[Level.GROUP]),
            defaults=tuple(sorted(tables[Level.DEFAULT][None], key=Assignment.sort_key)),
        )

    def assignments_for(self, customer: Customer, on: dt.date) -> tuple[tuple[Assignment, CompiledList], ...]:
        """The lists to consult for ``customer`` on ``on``, in precedence order.

        Customer level, then group level (all the customer's groups merged), then default; within
        a level by :meth:`Assignment.sort_key`. Assignments or lists not in force on ``on`` and
        lists in another currency than the customer's are left out, and a list already met earlier
        is not consulted again (it would give the same answer).
        """
        groups = sorted(
            (row for group in customer.groups for row in self.by_group.get(group, ())), key=Assignment.sort_key
        )
        chain: list[tuple[Assignment, CompiledList]] = []
        seen: set[str] = set()
        for assignment in (*self.by_customer.get(customer.id, ()), *groups, *self.defaults):
            if assignment.list_id in seen or not in_force(assignment.valid_from, assignment.valid_to, on):
                continue
            compiled = self.lists[assignment.list_id]
            if not compiled.in_force(on):
                continue
            if customer.currency is not None and compiled.price_list.currency != customer.currency:
                continue
            seen.add(assignment.list_id)
            chain.append((assignment, compiled))
        return tuple(chain)


def unique_lists(price_lists: Iterable[PriceList]) -> dict[str, PriceList]:
    """The lists by id; two lists with one id are an error, not a silent overwrite."""
    lists: dict[str, PriceList] = {}
    for price_list in price_lists:
        if price_list.id in lists:
            raise PriceListError(f"two price lists have the id {price_list.id}")
        lists[price_list.id] = price_list
    return lists


__all__ = ["CatalogueIndex", "CompiledLine", "CompiledList", "unique_lists"]
