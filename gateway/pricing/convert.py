"""Price lists between their three shapes: the ERP port's values, the table rows, the rules' frozen types.

Everything goes through the rules' types (:mod:`gateway.rules.pricelists`) on its way into a
table, because their constructors are where a list is checked (negative price, two tiers from
one quantity, a discount above 100%, an unknown currency): a list from the ERP or a CSV file that
the rules would refuse is refused before it is stored, with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from erp.port import ErpPriceAssignment, ErpPriceList
from gateway.pricing.tables import GLOBAL_KEY, PriceAssignmentRow, PriceLineRow, PriceListRow
from gateway.rules import (
    Assignment,
    Derived,
    Fixed,
    Level,
    PriceLine,
    PriceList,
    PriceListError,
    PriceRule,
    Scope,
    Tier,
)

ZERO = Decimal(0)


def tier_rule(unit_price: Decimal | None, base_list: str | None, discount_percent: Decimal | None,
              surcharge: Decimal | None) -> PriceRule:
    """A fixed price, or a price derived from ``base_list``; exactly one of the two must be given."""
    if (unit_price is None) == (not base_list):
        raise PriceListError("a tier needs either a unit price (fixed) or a base list (derived), not both or neither")
    if unit_price is not None:
        return Fixed(unit_price)
    assert base_list is not None  # checked just above; narrows the type
    return Derived(base_list, discount_percent or ZERO, surcharge or ZERO)


def scope_of(value: str) -> Scope:
    """The scope named ``value`` (item / category / global), or PriceListError."""
    try:
        return Scope(value.strip().lower())
    except ValueError:
        raise PriceListError(f"unknown line scope {value!r} (item, category or global)") from None


def level_of(value: str) -> Level:
    """The assignment level named ``value`` (customer / group / default), or PriceListError."""
    try:
        return Level(value.strip().lower())
    except ValueError:
        raise PriceListError(f"unknown assignment level {value!r} (customer, group or default)") from None


def assignment_of(list_id: str, assignment: ErpPriceAssignment) -> Assignment:
    """The rules' assignment of a port assignment."""
    return Assignment(list_id, level_of(assignment.level), assignment.target or None, assignment.priority,
                      assignment.valid_from, assignment.valid_to)


def list_from_port(erp_list: ErpPriceList) -> tuple[PriceList, tuple[Assignment, ...]]:
    """The rules' list and assignments of a port list; PriceListError naming the list when it is wrong."""
    try:
        lines = tuple(
            PriceLine(scope_of(line.scope), line.key or None, tuple(
                Tier(tier.min_quantity, tier_rule(tier.unit_price, tier.base_list, tier.discount_percent,
                                                  tier.surcharge)) for tier in line.tiers))
            for line in erp_list.lines
        )
        price_list = PriceList(erp_list.list_id, erp_list.currency, lines, erp_list.valid_from, erp_list.valid_to,
                               erp_list.name)
        assignments = tuple(assignment_of(erp_list.list_id, a) for a in erp_list.assignments)
    except PriceListError as exc:
        message = str(exc) if erp_list.list_id in str(exc) else f"price list {erp_list.list_id}: {exc}"
        raise PriceListError(message) from exc
    return price_list, assignments


def lists_from_rows(headers: Iterable[PriceListRow | Any], lines: Iterable[PriceLineRow | Any]) -> list[PriceList]:
    """The rules' lists of stored rows (a line is the tier rows sharing list, scope and key).

    Rows are table objects or plain result rows with the same column names.
    """
    tiers: dict[str, dict[tuple[str, str], list[Tier]]] = defaultdict(lambda: defaultdict(list))
    for row in lines:
        rule = tier_rule(row.unit_price, row.base_list, row.discount_percent, row.surcharge)
        tiers[row.list_id][(row.scope, row.key)].append(Tier(row.min_quantity, rule))
    return [
        PriceList(header.id, header.currency, tuple(
            PriceLine(Scope(scope), key if scope != Scope.GLOBAL else None, tuple(found))
            for (scope, key), found in tiers[header.id].items()
        ), header.valid_from, header.valid_to, header.name)
        for header in headers
    ]


def assignments_from_rows(rows: Iterable[PriceAssignmentRow | Any]) -> list[Assignment]:
    """The rules' assignments of stored rows."""
    return [Assignment(row.list_id, Level(row.level), row.target or None, row.priority, row.valid_from, row.valid_to)
            for row in rows]


def rows_of_list(price_list: PriceList, source: str) -> tuple[PriceListRow, list[PriceLineRow]]:
    """The header and tier rows that store ``price_list``."""
    header = PriceListRow(id=price_list.id, name=price_list.name, currency=price_list.currency,
                          valid_from=price_list.valid_from, valid_to=price_list.valid_to, source=source)
    rows = []
    for line in price_list.lines:
        for tier in line.tiers:
            rule = tier.rule
            row = PriceLineRow(list_id=price_list.id, scope=line.scope.value, key=line.key or GLOBAL_KEY,
                               min_quantity=tier.min_quantity)
            if isinstance(rule, Fixed):
                row.unit_price = rule.unit_price
            else:
                row.base_list, row.discount_percent, row.surcharge = (rule.base_list, rule.discount_percent,
                                                                      rule.surcharge)
            rows.append(row)
    return header, rows


def rows_of_assignments(assignments: Sequence[Assignment]) -> list[PriceAssignmentRow]:
    """The rows that store ``assignments``."""
    return [PriceAssignmentRow(list_id=a.list_id, level=a.level.value, target=a.target or "", priority=a.priority,
                               valid_from=a.valid_from, valid_to=a.valid_to) for a in assignments]


def same_list(one: PriceList, other: PriceList) -> bool:
    """Whether two lists price the same (line order does not matter; tiers are kept sorted)."""
    def key(line: PriceLine) -> tuple[str, str]:
        return (line.scope.value, line.key or "")

    return (one.currency, one.valid_from, one.valid_to, one.name, sorted(one.lines, key=key)) == (
        other.currency, other.valid_from, other.valid_to, other.name, sorted(other.lines, key=key))


def same_assignments(one: Iterable[Assignment], other: Iterable[Assignment]) -> bool:
    """Whether two sets of assignments are the same, in any order."""
    def key(a: Assignment) -> tuple[str, str, int, str, str]:
        return (a.level.value, a.target or "", a.priority, str(a.valid_from), str(a.valid_to))

    return sorted(one, key=key) == sorted(other, key=key)


__all__ = [
    "assignment_of",
    "assignments_from_rows",
    "level_of",
    "list_from_port",
    "lists_from_rows",
    "rows_of_assignments",
    "rows_of_list",
    "same_assignments",
    "same_list",
    "scope_of",
    "tier_rule",
]
