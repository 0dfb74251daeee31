"""Transactions, locks and numbering shared by the built-in ERP's port adapter and admin operations.

Concurrency is the database's job, on both databases the gateway runs on:

* **PostgreSQL** (READ COMMITTED): rows that a transaction will change are read with
  ``SELECT ... FOR UPDATE``, always in the same order (stock by SKU then warehouse; the order row
  before its stock), so two transactions never over-reserve and never deadlock each other.
* **SQLite** has one writer at a time, but pysqlite only opens the transaction at the first write,
  so the reads before it would see stale rows. :func:`write_session` therefore starts every
  writing transaction with a write (a no-op ``UPDATE`` of ``erp_sequence``), which takes the
  database write lock (waiting out the busy timeout) before anything is read.

Transient database failures (``OperationalError``: connection lost, database locked, deadlock or
serialization failure; any error that invalidated the connection) become
:class:`erp.port.ErpUnavailable` at the boundary, so the gateway retries them; everything else
propagates unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session, col, select

from erp.builtin.tables import ErpOrderRow, ErpSequence, ErpStock
from erp.port import ErpRejected, ErpUnavailable

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """Now, timezone-aware UTC: the default clock."""
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; a naive value is taken to be UTC already (SQLite hands those back)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@contextmanager
def unavailable_on_db_errors(what: str) -> Iterator[None]:
    """Turn a transient database failure into :class:`ErpUnavailable` (worth retrying)."""
    try:
        yield
    except OperationalError as exc:
        raise ErpUnavailable(f"built-in ERP database unavailable while {what}: {exc.orig or exc}") from exc
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        raise ErpUnavailable(f"built-in ERP database connection lost while {what}: {exc.orig or exc}") from exc


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; rolled back on exit."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction already holds SQLite's write lock (see module docstring).

    The caller commits; leaving the block without a commit rolls everything back.
    """
    with Session(engine, expire_on_commit=False) as session:
        if engine.dialect.name == "sqlite":
            session.execute(update(ErpSequence).where(col(ErpSequence.name) == "").values(last_value=0))
        yield session


_NEXT = text("UPDATE erp_sequence SET last_value = last_value + :count WHERE name = :name RETURNING last_value")


def next_value(session: Session, name: str) -> int:
    """The next value of sequence ``name`` (1, 2, ...), in the caller's transaction.

    The sequence row is locked until the caller commits, so a value is never handed out twice
    and the next caller waits for this transaction to end; a rolled-back transaction gives its
    value back, so there are no gaps.
    """
    return next_values(session, name, 1)[0]


def next_values(session: Session, name: str, count: int) -> list[int]:
    """The next ``count`` values of sequence ``name`` with one update (as :func:`next_value`, for a batch)."""
    for _ in range(3):
        value = session.execute(_NEXT, {"name": name, "count": count}).scalar()
        if value is not None:
            return list(range(int(value) - count + 1, int(value) + 1))
        try:
            with session.begin_nested():
                session.add(ErpSequence(name=name, last_value=0))
        except IntegrityError:
            pass  # a concurrent transaction created the row first; the UPDATE now finds it
    raise ErpUnavailable(f"could not allocate a number from sequence {name!r}")


def next_number(session: Session, name: str, prefix: str) -> str:
    """The next document number of sequence ``name``, e.g. ``SO-000042`` (see :func:`next_value`)."""
    return next_numbers(session, name, prefix, 1)[0]


def next_numbers(session: Session, name: str, prefix: str, count: int) -> list[str]:
    """The next ``count`` document numbers of sequence ``name`` (see :func:`next_values`)."""
    return [f"{prefix}-{value:06d}" for value in next_values(session, name, count)]


def lock_stock(session: Session, skus: Collection[str]) -> dict[str, list[ErpStock]]:
    """The stock rows of ``skus`` per SKU, warehouses in a stable order, locked for update."""
    if not skus:
        return {}
    query = (
        select(ErpStock)
        .where(col(ErpStock.sku).in_(sorted(set(skus))))
        .order_by(col(ErpStock.sku), col(ErpStock.warehouse))
        .with_for_update()
    )
    rows: dict[str, list[ErpStock]] = {}
    for row in session.exec(query).all():
        rows.setdefault(row.sku, []).append(row)
    return rows


def lock_order(session: Session, erp_order_id: str) -> ErpOrderRow:
    """The order row, locked for update; :class:`ErpRejected` when there is no such order."""
    row = session.exec(select(ErpOrderRow).where(ErpOrderRow.id == erp_order_id).with_for_update()).first()
    if row is None:
        raise ErpRejected(f"no order {erp_order_id!r} in the built-in ERP")
    return row


__all__ = [
    "Clock",
    "as_utc",
    "lock_order",
    "lock_stock",
    "next_number",
    "next_numbers",
    "next_value",
    "next_values",
    "read_session",
    "unavailable_on_db_errors",
    "utc_now",
    "write_session",
]
