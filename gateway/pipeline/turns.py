"""Scheduled turns: a periodic job that any worker may run, run by one of them at a time.

Every worker does housekeeping, and most of it is safe to repeat (claims, cursors and unique keys
make a second pass a no-op). A scheduled price and stock pull is not: each is a full read of the
ERP's price lists, and N workers seeing "due" at the same moment would run N of them against the
same tables. So a worker first *takes the turn*: one row per job in ``gw_scheduled_turn`` and a
conditional update ``taken_at = now WHERE taken_at <= now - every``. The database decides who
won: PostgreSQL makes a second updater wait for the first one's row lock and re-check the
condition after it commits (it no longer holds), SQLite runs writers one at a time. Exactly one
worker gets a row count of 1, on one host or many.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col

from gateway.store.db import session
from gateway.store.tables import utcnow

PRICE_SYNC = "price-sync"
"""The scheduled pull of prices and stock from the ERP (``B2BGW_PRICE_SYNC_MINUTES``)."""


class ScheduledTurn(SQLModel, table=True):
    """When a periodic job was last taken, and by which worker."""

    __tablename__ = "gw_scheduled_turn"

    job: str = Field(primary_key=True, max_length=64)
    taken_at: dt.datetime
    taken_by: str = Field(max_length=128)


def take_turn(engine: Engine, job: str, every: dt.timedelta, *, holder: str,
              clock: Callable[[], dt.datetime] = utcnow) -> bool:
    """Whether ``holder`` runs ``job`` now: True for exactly one caller per ``every``, across processes."""
    now = clock()
    with session(engine) as s:
        if s.get(ScheduledTurn, job) is None:  # the job's first turn ever: make its row, as long overdue
            s.add(ScheduledTurn(job=job, taken_at=now - every - dt.timedelta(days=1), taken_by=""))
            try:
                s.commit()
            except IntegrityError:  # another worker made it first; the update below decides as usual
                s.rollback()
        taken = s.execute(update(ScheduledTurn)
                          .where(col(ScheduledTurn.job) == job, col(ScheduledTurn.taken_at) <= now - every)
                          .values(taken_at=now, taken_by=holder))
        s.commit()
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


__all__ = ["PRICE_SYNC", "ScheduledTurn", "take_turn"]
