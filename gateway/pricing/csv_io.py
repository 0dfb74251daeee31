"""CSV export and import of price lists and stock: the manual path beside the ERP sync.

A price list file has one row per tier of a line, and one row per assignment, told apart by
``record`` (``tier`` / ``assignment``); every row repeats its list's header columns, so a
spreadsheet can sort and filter it freely::

    list_id,list_name,currency,list_valid_from,list_valid_to,record,scope,key,min_quantity,unit_price,
    base_list,discount_percent,surcharge,level,target,priority,valid_from,valid_to
    LIST,List prices,USD,,,tier,item,DEMO-1001,0,1.29,,,,,,,,
    LIST,List prices,USD,,,assignment,,,,,,,,default,,0,,
    ACME-2026,Acme contract,USD,2026-01-01,2027-12-31,tier,category,Paper,0,,LIST,15,,,,,,

Importing a file replaces, whole, every list it names (header, lines, assignments) and leaves
the others alone. A stock file has ``sku,warehouse,on_hand,available[,unit]`` (available is on
hand when empty).

An import is one transaction: every row is checked, every problem is reported with its row
(the header is row 1, as a spreadsheet numbers them) and column, and if there is any problem
nothing is applied. After the rows, the lists are checked together (a base list that does not
exist, a cycle) before committing. Each import, applied or refused, is recorded as a
:class:`~gateway.pricing.tables.SyncRun` with source ``csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple, TextIO

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.pricing.convert import level_of, scope_of, tier_rule
from gateway.pricing.service import invalidate_all
from gateway.pricing.store import load_catalogue, lock_pricing, put_stock_levels, replace_list, stored_list
from gateway.pricing.tables import PriceItemRow, PriceListRow, SyncRun
from gateway.rules import Assignment, Fixed, Level, PriceLine, PriceList, PricingError, Scope, Tier
from gateway.store.db import session
from gateway.store.tables import utcnow

LIST_HEADER = ("list_id", "list_name", "currency", "list_valid_from", "list_valid_to")
PRICE_COLUMNS = (*LIST_HEADER, "record", "scope", "key", "min_quantity", "unit_price", "base_list",
                 "discount_percent", "surcharge", "level", "target", "priority", "valid_from", "valid_to")
STOCK_COLUMNS = ("sku", "warehouse", "on_hand", "available", "unit")
CSV_SOURCE = "csv"


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell (or one row, when ``column`` is None, or the file, when ``row`` is None)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"row {self.row}" if self.row is not None else "file"]
        if self.column is not None:
            where.append(f"column {self.column}")
        return ", ".join(where) + f": {self.message}"


@dataclass
class ImportResult:
    """What an import did: the run recorded, what changed, and the problems (nothing applied when any)."""

    run_id: int
    changes: dict[str, int]
    problems: list[Problem] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        """Whether the file was applied (it had no problem)."""
        return not self.problems


class _Row:
    """One CSV row with its number, reading cells and collecting problems."""

    def __init__(self, number: int, cells: dict[str, str | None], problems: list[Problem]) -> None:
        self.number = number
        self.cells = cells
        self.problems = problems

    def text(self, column: str, *, required: bool = False) -> str | None:
        value = (self.cells.get(column) or "").strip()
        if not value:
            if required:
                self.problem(column, "is required")
            return None
        return value

    def decimal(self, column: str, *, required: bool = False) -> Decimal | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.problem(column, f"{value!r} is not a number (write it like 1234.50)")
            return None
        return number

    def date(self, column: str) -> dt.date | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problem(column, f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def integer(self, column: str, default: int) -> int:
        value = self.text(column)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            self.problem(column, f"{value!r} is not a whole number")
            return default

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))

    def guard(self, column: str | None, build: Callable[[], object]) -> object | None:
        """``build()``, or None with its PricingError / ValueError reported at ``column``."""
        try:
            return build()
        except (PricingError, ValueError, TypeError) as exc:
            self.problem(column, str(exc))
            return None


def _rows(text: TextIO, columns: tuple[str, ...], required: Iterable[str],
          problems: list[Problem]) -> list[_Row]:
    reader = csv.DictReader(text)
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in columns]
    if missing:
        problems.append(Problem(1, None, f"missing column(s): {', '.join(missing)}"))
    if unknown:
        problems.append(Problem(1, None, f"unknown column(s): {', '.join(unknown)} (expected {', '.join(columns)})"))
    if missing:
        return []
    rows = []
    for cells in reader:
        row = _Row(reader.line_num, cells, problems)
        if None in cells:
            row.problem(None, f"has more cells than the {len(header)} columns of the header")
        rows.append(row)
    if not rows:
        problems.append(Problem(None, None, "has no rows"))
    return rows


# -- price lists ----------------------------------------------------------------------------------


class _ListHeader(NamedTuple):
    name: str
    currency: str
    valid_from: dt.date | None
    valid_to: dt.date | None


@dataclass
class _ListDraft:
    header: _ListHeader
    first_row: int
    tiers: dict[tuple[Scope, str | None], list[Tier]] = field(default_factory=lambda: defaultdict(list))
    tier_rows: dict[tuple[Scope, str | None], int] = field(default_factory=dict)
    assignments: list[Assignment] = field(default_factory=list)


def _read_price_rows(rows: list[_Row]) -> dict[str, _ListDraft]:
    drafts: dict[str, _ListDraft] = {}
    for row in rows:
        list_id = row.text("list_id", required=True)
        header = _ListHeader(row.text("list_name") or "", (row.text("currency", required=True) or "").upper(),
                             row.date("list_valid_from"), row.date("list_valid_to"))
        record = (row.text("record", required=True) or "").lower()
        if list_id is None:
            continue
        draft = drafts.setdefault(list_id, _ListDraft(header, row.number))
        if header != draft.header:
            row.problem(None, f"list {list_id}: name, currency or validity differ from row {draft.first_row}")
        if record == "tier":
            _read_tier(row, list_id, draft)
        elif record == "assignment":
            _read_assignment(row, list_id, draft)
        elif record:
            row.problem("record", f"{record!r} is neither tier nor assignment")
    return drafts


def _read_tier(row: _Row, list_id: str, draft: _ListDraft) -> None:
    reported = len(row.problems)
    scope = row.guard("scope", lambda: scope_of(row.text("scope", required=True) or ""))
    key = row.text("key")
    minimum = row.decimal("min_quantity") or Decimal(0)
    unit_price, base_list = row.decimal("unit_price"), row.text("base_list")
    discount, surcharge = row.decimal("discount_percent"), row.decimal("surcharge")
    if not isinstance(scope, Scope) or len(row.problems) > reported:
        return  # a cell that could not be read: the tier cannot be checked further
    if (scope is Scope.GLOBAL) != (key is None):
        row.problem("key", "a global line has no key" if scope is Scope.GLOBAL
                    else f"a {scope.value} line needs a key (the SKU or category)")
        return
    column = "unit_price" if unit_price is not None or not base_list else "base_list"
    tier = row.guard(column, lambda: Tier(minimum, tier_rule(unit_price, base_list, discount, surcharge)))
    if not isinstance(tier, Tier):
        return
    line_key = (scope, key)
    if any(t.min_quantity == minimum for t in draft.tiers[line_key]):
        row.problem("min_quantity", f"list {list_id} has another tier of this line from {minimum} "
                                    f"(row {draft.tier_rows[line_key]} starts the line)")
        return
    draft.tiers[line_key].append(tier)
    draft.tier_rows.setdefault(line_key, row.number)


def _read_assignment(row: _Row, list_id: str, draft: _ListDraft) -> None:
    level = row.guard("level", lambda: level_of(row.text("level", required=True) or ""))
    target, priority = row.text("target"), row.integer("priority", 0)
    valid_from, valid_to = row.date("valid_from"), row.date("valid_to")
    if not isinstance(level, Level):
        return
    assignment = row.guard("target", lambda: Assignment(list_id, level, target, priority, valid_from, valid_to))
    if isinstance(assignment, Assignment):
        draft.assignments.append(assignment)


def _build_lists(drafts: dict[str, _ListDraft], problems: list[Problem]) -> list[tuple[PriceList, list[Assignment]]]:
    built = []
    for list_id, draft in drafts.items():
        name, currency, valid_from, valid_to = draft.header
        try:
            lines = tuple(PriceLine(scope, key, tuple(tiers)) for (scope, key), tiers in draft.tiers.items())
            price_list = PriceList(list_id, currency, lines, valid_from, valid_to, name)
        except PricingError as exc:
            problems.append(Problem(draft.first_row, None, f"list {list_id}: {exc}"))
            continue
        built.append((price_list, draft.assignments))
    return built


def import_price_lists(engine: Engine, text: TextIO, *, clock: Callable[[], dt.datetime] = utcnow) -> ImportResult:
    """Replace every list the file names (module docstring); nothing is applied if any row is wrong."""
    started = clock()
    problems: list[Problem] = []
    rows = _rows(text, PRICE_COLUMNS, ("list_id", "currency", "record"), problems)
    built = _build_lists(_read_price_rows(rows), problems)
    changes: Counter[str] = Counter()
    with session(engine) as s:
        lock_pricing(s)
        if not problems:
            for price_list, assignments in built:
                changes["lists"] += replace_list(s, price_list, assignments, source=CSV_SOURCE)
            s.flush()
            try:
                load_catalogue(s)
            except PricingError as exc:
                problems.append(Problem(None, None, f"the lists would be inconsistent: {exc}"))
        if problems:
            s.rollback()
            changes.clear()
        run = _record(s, "prices", started, changes, problems, clock)
        s.commit()
    if changes["lists"]:
        invalidate_all()
    return ImportResult(run, {kind: count for kind, count in changes.items() if count}, problems)


def export_price_lists(engine: Engine, out: TextIO, list_ids: Iterable[str] | None = None) -> int:
    """Write the stored lists (all, or ``list_ids``) in the import format; how many lists were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PRICE_COLUMNS)
    with session(engine) as s:
        query = select(PriceListRow.id).order_by(col(PriceListRow.id))
        if list_ids is not None:
            query = query.where(col(PriceListRow.id).in_(list(list_ids)))
        ids = list(s.exec(query).all())
        for list_id in ids:
            found = stored_list(s, list_id)
            assert found is not None  # listed just above, in the same transaction
            price_list, assignments = found
            head = [price_list.id, price_list.name, price_list.currency, _text(price_list.valid_from),
                    _text(price_list.valid_to)]
            for line in sorted(price_list.lines, key=lambda line: (line.scope.value, line.key or "")):
                for tier in line.tiers:
                    rule = tier.rule
                    how = ([rule.unit_price, None, None, None] if isinstance(rule, Fixed)
                           else [None, rule.base_list, rule.discount_percent, rule.surcharge])
                    writer.writerow([*head, "tier", line.scope.value, line.key or "", tier.min_quantity,
                                     *(_text(value) for value in how), "", "", "", "", ""])
            for a in sorted(assignments, key=lambda a: (a.level.value, a.target or "", -a.priority)):
                writer.writerow([*head, "assignment", "", "", "", "", "", "", "", a.level.value, a.target or "",
                                 a.priority, _text(a.valid_from), _text(a.valid_to)])
    return len(ids)


def _text(value: object) -> str:
    return "" if value is None else str(value)


# -- stock ----------------------------------------------------------------------------------------


def import_stock(engine: Engine, text: TextIO, *, clock: Callable[[], dt.datetime] = utcnow) -> ImportResult:
    """Set stock per SKU and warehouse from the file; nothing is applied if any row is wrong."""
    started = clock()
    problems: list[Problem] = []
    rows = _rows(text, STOCK_COLUMNS, ("sku", "warehouse", "on_hand"), problems)
    changes: Counter[str] = Counter()
    with session(engine) as s:
        lock_pricing(s)
        items = {row.sku: row.base_unit for row in s.exec(select(PriceItemRow)).all()}
        seen: dict[tuple[str, str], int] = {}
        levels = []
        for row in rows:
            sku, warehouse = row.text("sku", required=True), row.text("warehouse", required=True)
            on_hand, available = row.decimal("on_hand", required=True), row.decimal("available")
            unit = (row.text("unit") or "").upper() or None
            if sku is not None and sku not in items:
                row.problem("sku", f"unknown item {sku} (not in the catalogue synced from the ERP)")
            if sku is None or warehouse is None or on_hand is None or sku not in items:
                continue
            available = on_hand if available is None else available
            if on_hand < 0:
                row.problem("on_hand", f"cannot be negative ({on_hand})")
            elif not 0 <= available <= on_hand:
                row.problem("available", f"must be between 0 and on hand ({on_hand}), not {available}")
            if unit is not None and unit != items[sku]:
                row.problem("unit", f"{unit} is not the item's base unit {items[sku]}")
            if (sku, warehouse) in seen:
                row.problem("warehouse", f"{sku} in {warehouse} is already set by row {seen[(sku, warehouse)]}")
            seen[(sku, warehouse)] = row.number
            levels.append((sku, warehouse, on_hand, available, items[sku]))
        if not problems:
            changes["stock"] += put_stock_levels(s, {(sku, warehouse): (on_hand, available, unit)
                                                     for sku, warehouse, on_hand, available, unit in levels})
        else:
            s.rollback()
        run = _record(s, "stock", started, changes, problems, clock)
        s.commit()
    return ImportResult(run, {kind: count for kind, count in changes.items() if count}, problems)


def _record(s: Session, what: str, started: dt.datetime, changes: Counter[str], problems: list[Problem],
            clock: Callable[[], dt.datetime]) -> int:
    run = SyncRun(source=CSV_SOURCE, trigger=f"import-{what}", started_at=started, finished_at=clock(),
                  status="failed" if problems else "ok", changes={k: v for k, v in changes.items() if v},
                  errors=[str(problem) for problem in problems], prices_changed=bool(changes["lists"]))
    s.add(run)
    s.flush()
    assert run.id is not None  # flushed: the database gave it an id
    return run.id


__all__ = [
    "PRICE_COLUMNS",
    "STOCK_COLUMNS",
    "ImportResult",
    "Problem",
    "export_price_lists",
    "import_price_lists",
    "import_stock",
]
