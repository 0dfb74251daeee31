"""Writing and reading the pricing tables: the one place sync and CSV import change them.

Every writer compares before it writes and says whether anything changed, so a sync run can
count what really changed (a pull that repeats a list the gateway already has changes nothing)
and an import of an unchanged file is a no-op. Callers own the transaction: nothing here commits.

:func:`load_catalogue` reads the tables back into a :class:`~gateway.rules.CatalogueIndex`;
building it checks what is wrong *between* lists (an unknown base list, a cycle, an assignment of
a missing list), which is why sync and import load it inside their transaction before committing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, delete, select

from gateway.pricing.convert import (
    assignments_from_rows,
    lists_from_rows,
    rows_of_assignments,
    rows_of_list,
    same_assignments,
    same_list,
)
from gateway.pricing.tables import (
    CustomerGroupMemberRow,
    CustomerGroupRow,
    PriceAssignmentRow,
    PriceCustomerRow,
    PriceItemRow,
    PriceItemUnitRow,
    PriceLineRow,
    PriceListRow,
    StockRow,
)
from gateway.rules import Assignment, CatalogueIndex, Customer, Item, PriceList, UnitConversions
from gateway.store.tables import utcnow

GENERAL_CONVERSIONS = UnitConversions.of({("DZN", "EA"): 12, ("DZN", "H87"): 12, ("DZN", "C62"): 12})
"""Conversions true of every item (a dozen is twelve); pack sizes are per item (``gw_price_item_unit``)."""


def stored_list(s: Session, list_id: str) -> tuple[PriceList, list[Assignment]] | None:
    """The stored list ``list_id`` with its assignments, or None."""
    header = s.get(PriceListRow, list_id)
    if header is None:
        return None
    lines = s.exec(select(PriceLineRow).where(PriceLineRow.list_id == list_id)).all()
    assignments = s.exec(select(PriceAssignmentRow).where(PriceAssignmentRow.list_id == list_id)).all()
    return lists_from_rows([header], lines)[0], assignments_from_rows(assignments)


def replace_list(s: Session, price_list: PriceList, assignments: Iterable[Assignment], *, source: str) -> bool:
    """Store ``price_list`` and its assignments in place of what was there; whether anything changed."""
    wanted = list(assignments)
    current = stored_list(s, price_list.id)
    if current is not None and same_list(current[0], price_list) and same_assignments(current[1], wanted):
        return False
    _delete_contents(s, price_list.id)
    header, lines = rows_of_list(price_list, source)
    existing = s.get(PriceListRow, price_list.id)
    if existing is not None:
        for field in ("name", "currency", "valid_from", "valid_to", "source"):
            setattr(existing, field, getattr(header, field))
        existing.updated_at = utcnow()
        header = existing
    s.add(header)
    s.flush()
    s.add_all(lines)
    s.add_all(rows_of_assignments(wanted))
    return True


def remove_list(s: Session, list_id: str) -> bool:
    """Drop a list with its lines and assignments; whether it was there."""
    header = s.get(PriceListRow, list_id)
    if header is None:
        return False
    _delete_contents(s, list_id)
    s.delete(header)
    return True


def _delete_contents(s: Session, list_id: str) -> None:
    s.exec(delete(PriceLineRow).where(col(PriceLineRow.list_id) == list_id))
    s.exec(delete(PriceAssignmentRow).where(col(PriceAssignmentRow.list_id) == list_id))


_CHUNK = 500  # keys per IN (...) query: well under every database's parameter limit
_PRICING_LOCK = 0x7072696365  # "price": the advisory lock key of writers to the pricing tables


def lock_pricing(s: Session) -> None:
    """Serialise writers of the pricing tables until this transaction ends (PostgreSQL advisory lock).

    A webhook's sync, the schedule's and a CSV import may overlap; each compares and then replaces
    lists by delete and insert, which two concurrent transactions would interleave into duplicate
    rows or double counts. On SQLite a write that changes nothing takes the database's one write
    lock first, so what this transaction then reads is what the previous writer committed.
    """
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PRICING_LOCK})
    else:
        s.execute(text("UPDATE gw_sync_run SET status = status WHERE 1 = 0"))


def _existing(s: Session, table: type[Any], column: Any, keys: Iterable[str]) -> dict[Any, Any]:
    """The rows of ``table`` whose ``column`` is among ``keys``, by primary key, read in chunks."""
    wanted = sorted(set(keys))
    found: dict[Any, Any] = {}
    for start in range(0, len(wanted), _CHUNK):
        for row in s.exec(select(table).where(col(column).in_(wanted[start:start + _CHUNK]))).all():
            identity = s.identity_key(instance=row)[1]
            found[identity[0] if len(identity) == 1 else identity] = row
    return found


def put_items(s: Session, items: Mapping[str, tuple[str, str, str | None]]) -> int:
    """Insert or update items ``{sku: (description, base unit, category)}``; how many changed.

    Existing rows are read in a few queries, not one per item: a sync re-reads every item.
    """
    rows = _existing(s, PriceItemRow, PriceItemRow.sku, items)
    changed = 0
    for sku, values in items.items():
        row = rows.get(sku)
        if row is not None and (row.description, row.base_unit, row.category) == values:
            continue
        row = row or PriceItemRow(sku=sku)
        row.description, row.base_unit, row.category = values
        s.add(row)
        changed += 1
    return changed


def remove_items_except(s: Session, skus: Iterable[str]) -> int:
    """Drop every item not in ``skus`` (the ERP's whole list of items it sells); how many were dropped.

    An item the ERP stopped selling must stop being priced; its stock rows and the snapshots of
    orders that bought it stay (they name the SKU, not the row).
    """
    keep = set(skus)
    gone = [sku for sku in s.exec(select(PriceItemRow.sku)).all() if sku not in keep]
    for start in range(0, len(gone), _CHUNK):
        chunk = gone[start:start + _CHUNK]
        s.exec(delete(PriceItemUnitRow).where(col(PriceItemUnitRow.sku).in_(chunk)))
        s.exec(delete(PriceItemRow).where(col(PriceItemRow.sku).in_(chunk)))
    return len(gone)


def put_item_units(s: Session, units: Mapping[str, Mapping[str, Decimal]]) -> int:
    """Make each item's pack sizes exactly ``{sku: {unit: factor}}``; how many items' sizes changed.

    Every item the ERP listed is in ``units`` (an empty mapping when it has no pack size), so a
    pack size the ERP dropped is dropped here too; items not in ``units`` are left alone.
    """
    current: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in s.exec(select(PriceItemUnitRow)).all():
        current[row.sku][row.unit] = row.factor
    changed = 0
    for sku, wanted in units.items():
        normal = {unit.strip().upper(): Decimal(factor) for unit, factor in wanted.items()}
        if current.get(sku, {}) == normal:
            continue
        s.exec(delete(PriceItemUnitRow).where(col(PriceItemUnitRow.sku) == sku))
        s.add_all(PriceItemUnitRow(sku=sku, unit=unit, factor=factor) for unit, factor in sorted(normal.items()))
        changed += 1
    return changed


def put_stock_levels(s: Session, levels: Mapping[tuple[str, str], tuple[Decimal, Decimal, str]]) -> int:
    """Insert or update stock ``{(sku, warehouse): (on hand, available, unit)}``; how many changed."""
    rows = _existing(s, StockRow, StockRow.sku, (sku for sku, _ in levels))
    changed = 0
    now = utcnow()
    for (sku, warehouse), (on_hand, available, unit) in levels.items():
        row = rows.get((sku, warehouse))
        if row is not None and (row.on_hand, row.available, row.unit) == (on_hand, available, unit):
            continue
        row = row or StockRow(sku=sku, warehouse=warehouse, on_hand=on_hand, available=available)
        row.on_hand, row.available, row.unit, row.updated_at = on_hand, available, unit, now
        s.add(row)
        changed += 1
    return changed


def put_customers(s: Session, customers: Mapping[str, tuple[str, str | None]]) -> int:
    """Insert or update customers ``{id: (name, currency)}`` pricing knows; how many changed."""
    rows = _existing(s, PriceCustomerRow, PriceCustomerRow.id, customers)
    changed = 0
    for customer_id, (name, currency) in customers.items():
        row = rows.get(customer_id)
        if row is not None and (row.name, row.currency) == (name, currency):
            continue
        row = row or PriceCustomerRow(id=customer_id)
        row.name, row.currency = name, currency
        s.add(row)
        changed += 1
    return changed


def replace_groups(s: Session, groups: Mapping[str, tuple[str, Iterable[str]]]) -> int:
    """Make the groups exactly ``{group_id: (name, members)}``; how many groups changed, came or went."""
    current: dict[str, tuple[str, frozenset[str]]] = {}
    members: dict[str, set[str]] = defaultdict(set)
    for member in s.exec(select(CustomerGroupMemberRow)).all():
        members[member.group_id].add(member.customer_id)
    for group in s.exec(select(CustomerGroupRow)).all():
        current[group.id] = (group.name, frozenset(members[group.id]))
    wanted = {group_id: (name, frozenset(ids)) for group_id, (name, ids) in groups.items()}
    changed = 0
    for group_id in current.keys() - wanted.keys():
        s.exec(delete(CustomerGroupMemberRow).where(col(CustomerGroupMemberRow.group_id) == group_id))
        s.exec(delete(CustomerGroupRow).where(col(CustomerGroupRow.id) == group_id))
        changed += 1
    for group_id, (name, ids) in wanted.items():
        if current.get(group_id) == (name, ids):
            continue
        changed += 1
        s.exec(delete(CustomerGroupMemberRow).where(col(CustomerGroupMemberRow.group_id) == group_id))
        row = s.get(CustomerGroupRow, group_id) or CustomerGroupRow(id=group_id)
        row.name = name
        s.add(row)
        s.flush()
        s.add_all(CustomerGroupMemberRow(group_id=group_id, customer_id=customer_id) for customer_id in sorted(ids))
    return changed


@dataclass(frozen=True)
class Catalogue:
    """What the pricing service prices from: the compiled index and the customers it knows."""

    index: CatalogueIndex
    customers: Mapping[str, Customer]


def _plain_rows(s: Session, table: type[SQLModel]) -> Sequence[Row[Any]]:
    """Every row of ``table`` as plain result rows (attribute access, no ORM objects).

    A catalogue has hundreds of thousands of tier rows; building ORM instances for them costs
    several times what reading them does, and nothing here needs one.
    """
    return s.connection().execute(sa_select(table.__table__)).all()  # type: ignore[attr-defined]


def load_catalogue(s: Session) -> Catalogue:
    """Every pricing table read into the rules' types; PriceListError when the lists are inconsistent."""
    headers = _plain_rows(s, PriceListRow)
    lines = _plain_rows(s, PriceLineRow)
    assignments = assignments_from_rows(_plain_rows(s, PriceAssignmentRow))
    items = [Item(row.sku, row.base_unit, row.category) for row in _plain_rows(s, PriceItemRow)]
    base_units = {item.sku: item.base_unit for item in items}
    packs: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    for pack in _plain_rows(s, PriceItemUnitRow):
        if pack.sku in base_units:
            packs[pack.sku][(pack.unit, base_units[pack.sku])] = pack.factor
    conversions = UnitConversions.of(GENERAL_CONVERSIONS.general, by_item=packs)
    index = CatalogueIndex.build(lists_from_rows(headers, lines), assignments, items, conversions)
    groups: dict[str, list[str]] = defaultdict(list)
    for member in _plain_rows(s, CustomerGroupMemberRow):
        groups[member.customer_id].append(member.group_id)
    customers = {row.id: Customer(row.id, tuple(sorted(groups[row.id])), row.currency)
                 for row in _plain_rows(s, PriceCustomerRow)}
    return Catalogue(index, MappingProxyType(customers))


__all__ = [
    "GENERAL_CONVERSIONS",
    "Catalogue",
    "load_catalogue",
    "lock_pricing",
    "put_customers",
    "put_item_units",
    "put_items",
    "put_stock_levels",
    "remove_items_except",
    "remove_list",
    "replace_groups",
    "replace_list",
    "stored_list",
]
