"""New rows written as plain values, for steps that write many rows they do not read back.

For every table on the gateway's database, the built-in ERP's and the gateway's (here for the
reason :mod:`erp.columns` is: both write batches, and neither may depend on the other for it).

Building a SQLModel table object costs far more than the row it stands for: every field goes
through the model's constructor and SQLAlchemy's attribute instrumentation (a 855 document about
0.3 ms, a history event about 0.08 ms, on the project's test machine), and then the unit of work
walks the objects again to flush them. A batch step that only inserts (history events, tracked
order lines, price snapshots, outbound documents, the built-in ERP's orders) instead builds each
row's values with the model's own defaults (:func:`row`) and inserts a table's rows with one
statement (:func:`insert_rows`), as ``gateway.punchout.batching`` does for setups.

On PostgreSQL (through psycopg) a table's rows go as one ``INSERT ... SELECT FROM unnest(...)``
with a binary array per column (:func:`_insert_unnest`): the statement's text is the same for
any number of rows, so psycopg parses it once and may prepare it, and binary arrays cost the
client a few microseconds a row. SQLAlchemy's own executemany renders one
``VALUES`` list per batch instead; psycopg re-parses a statement with more than 50 parameters
every time, which cost about 50 µs a row on the client and twice the server's time.

On SQLite a table's rows go as multi-row ``INSERT`` statements through the driver
(:func:`_insert_sqlite`), the columns' bind processing applied once per value. New ids are not
asked of ``RETURNING``: SQLite returns a multi-row insert's rows in no promised order, so
SQLAlchemy would insert such rows one statement at a time. They are counted back from the last
one (the driver's ``lastrowid``) instead: the transaction holds SQLite's one write lock from the
first row to the last, and an integer primary key takes the largest id so far plus one, so the
rows get consecutive ids in their order.

Core statements are not ORM statements: they do not autoflush the session, so a caller that
has pending objects the rows refer to flushes first; nothing of them lands in the session's
identity map, so a later ``select`` reads them from the database like any committed row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Dialect, Table, Update, bindparam, insert, update
from sqlmodel import Session, SQLModel


@cache
def _defaults(model: type[SQLModel]) -> tuple[tuple[str, Any, Callable[[], Any] | None], ...]:
    """(column, default, factory) of each column with a default; autoincrement keys left to the database."""
    table = model.__table__  # type: ignore[attr-defined]
    found = []
    for name, field in model.model_fields.items():
        if name not in table.columns:
            continue
        column = table.columns[name]
        if column.primary_key and column.autoincrement in (True, "auto") and field.default is None:
            continue
        if field.default_factory is not None:
            found.append((name, None, field.default_factory))
        elif field.default is not PydanticUndefined:
            found.append((name, field.default, None))
    return tuple(found)


def row(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """The values of a new ``model`` row: ``values``, and for every other column what the model's constructor gives."""
    for name, default, factory in _defaults(model):
        if name not in values:
            values[name] = factory() if factory is not None else default  # type: ignore[call-arg]
    return values


@dataclass(frozen=True)
class _Plan:
    """The driver-level ``INSERT`` of one table and column list, and each column's bind processing."""

    sql: str
    processors: tuple[Callable[[Any], Any] | None, ...]
    returning_sql: str = ""

    def columns(self, columns: tuple[str, ...], rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
        """Each column's values across ``rows``, bind-processed as SQLAlchemy would.

        A value that is the very object of the row before is processed once: a batch's rows
        often share one timestamp, and SQLite's datetime processing costs microseconds a value.
        """
        found = []
        for name, process in zip(columns, self.processors, strict=True):
            values = [one[name] for one in rows]
            if process is None:
                found.append(values)
                continue
            processed = []
            last: Any = _NOTHING
            done: Any = None
            for value in values:
                if value is not last:
                    last, done = value, process(value)
                processed.append(done)
            found.append(processed)
        return found


_NOTHING = object()


def _processors(table: Table, columns: tuple[str, ...], dialect: Dialect) -> tuple[Callable[[Any], Any] | None, ...]:
    return tuple(table.columns[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns)


@cache
def _unnest_plan(table: Table, columns: tuple[str, ...], dialect: Dialect) -> _Plan:
    """How to insert these columns of ``table`` by ``unnest`` (a JSON column goes as an array of ``json``)."""
    quote = dialect.identifier_preparer.quote
    arrays = [f"%b::{table.columns[name].type.compile(dialect=dialect)}[]" for name in columns]
    names = ", ".join(quote(name) for name in columns)
    sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) "
           f"SELECT {names} FROM unnest({', '.join(arrays)}) WITH ORDINALITY AS given({names}, given_order) "
           "ORDER BY given_order")
    return _Plan(sql=sql, returning_sql=f"{sql} RETURNING {quote('id')}",
                 processors=_processors(table, columns, dialect))


def _insert_unnest(s: Session, plan: _Plan, columns: tuple[str, ...], rows: Sequence[dict[str, Any]],
                   returning_ids: bool) -> list[Any]:
    """One array per column; the new ids in the rows' order (they are taken in insertion order, which is the rows')."""
    arrays = tuple(plan.columns(columns, rows))
    connection = s.connection()
    if not returning_ids:
        connection.exec_driver_sql(plan.sql, arrays)
        return []
    return sorted(connection.exec_driver_sql(plan.returning_sql, arrays).scalars().all())


@cache
def _sqlite_plan(table: Table, columns: tuple[str, ...], dialect: Dialect) -> _Plan:
    """How to insert these columns of ``table`` on SQLite: the statement up to its rows (:func:`_sqlite_rows`)."""
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
           f"({', '.join(quote(name) for name in columns)}) VALUES ")
    return _Plan(sql=sql, processors=_processors(table, columns, dialect))


SQLITE_ROWS = 64
"""Most rows in one SQLite ``INSERT``; fewer when its columns would pass SQLite's 32,766 parameters."""


@cache
def _sqlite_rows(head: str, width: int, count: int) -> str:
    """``head`` and ``count`` rows of ``width`` placeholders: a text per count, kept by SQLite's statement cache."""
    one = f"({', '.join('?' for _ in range(width))})"
    return head + ", ".join(one for _ in range(count))


def _sqlite_chunks(total: int, width: int) -> list[int]:
    """``total`` rows as statements of power-of-two sizes: few statement texts for SQLite to prepare and keep."""
    most = SQLITE_ROWS
    while most > 1 and most * width > 32_766:
        most //= 2
    sizes = []
    while total:
        size = min(most, 1 << (total.bit_length() - 1))
        sizes.append(size)
        total -= size
    return sizes


def _insert_sqlite(s: Session, plan: _Plan, columns: tuple[str, ...], rows: Sequence[dict[str, Any]],
                   returning_ids: bool) -> list[Any]:
    """Multi-row ``INSERT`` statements; the new ids counted back from the last one (consecutive: see the module's text).

    One statement for up to :data:`SQLITE_ROWS` rows rather than an ``executemany``, which the
    driver runs row by row, letting go of the GIL at each row: under load each of those is a
    hand-over to the event loop's thread and back.
    """
    cursor = s.connection().connection.driver_connection.cursor()  # the driver's: SQLAlchemy's context costs more
    try:
        values = list(zip(*plan.columns(columns, rows), strict=True))
        start = 0
        for size in _sqlite_chunks(len(values), len(columns)):
            flat = tuple(value for row_values in values[start:start + size] for value in row_values)
            cursor.execute(_sqlite_rows(plan.sql, len(columns), size), flat)
            start += size
        last = cursor.lastrowid
    finally:
        cursor.close()
    return list(range(last - len(rows) + 1, last + 1)) if returning_ids else []


def insert_rows(s: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], *,
                returning_ids: bool = False) -> list[Any]:
    """Insert ``rows`` of ``model`` with one statement in ``s``'s transaction; their ids, in order, if asked."""
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    dialect = s.get_bind().dialect
    columns = tuple(rows[0])
    if all(one.keys() == rows[0].keys() for one in rows):
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            return _insert_unnest(s, _unnest_plan(table, columns, dialect), columns, rows, returning_ids)
        if dialect.name == "sqlite" and (not returning_ids or _rowid_key(table, dialect)):
            return _insert_sqlite(s, _sqlite_plan(table, columns, dialect), columns, rows, returning_ids)
    if not returning_ids:
        s.execute(insert(table), list(rows))
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(s.execute(statement, list(rows)).scalars().all())


@cache
def _rowid_key(table: Table, dialect: Dialect) -> bool:
    """Whether ``table``'s key is one ``id INTEGER`` column: SQLite's rowid, which counts up by one."""
    key = list(table.primary_key.columns)
    return len(key) == 1 and key[0].name == "id" and key[0].type.compile(dialect=dialect) == "INTEGER"


def update_rows(s: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], *, by: str = "id") -> None:
    """Set columns of existing ``model`` rows with one executemany ``UPDATE``; each row's ``by`` value picks it.

    Every row names the same columns. For a batch that changes rows it has not loaded: no
    object is built and no unit of work compares them (:mod:`erp.rows`).
    """
    if not rows:
        return
    statement = _update_statement(model.__table__, by, tuple(name for name in rows[0] if name != by))  # type: ignore[attr-defined]
    s.execute(statement, [{("old_" if name == by else "new_") + name: value for name, value in one.items()}
                          for one in rows])


@cache
def _update_statement(table: Table, by: str, names: tuple[str, ...]) -> Update:
    """The ``UPDATE`` of ``names`` by ``by``, built once: building it cost a third of running it for a few rows."""
    return update(table).where(table.c[by] == bindparam("old_" + by)).values(
        {name: bindparam("new_" + name) for name in names})


__all__ = ["insert_rows", "row", "update_rows"]
