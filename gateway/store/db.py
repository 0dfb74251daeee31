"""The database engine and schema upgrades.

One engine per process, made from ``B2BGW_DATABASE_URL``. SQLite (the embedded default) gets
WAL journaling and a busy timeout so the API and the in-process workers can share the file;
PostgreSQL is the production database and the one where several worker processes claim work
with ``SELECT ... FOR UPDATE SKIP LOCKED``.

A pooled PostgreSQL connection may have died while it sat in the pool (the server restarted, a
proxy closed it), so it is pinged before use, but only when it has sat there for more than
:data:`IDLE_PING_SECONDS`: SQLAlchemy's ``pool_pre_ping`` pings on every checkout, a round trip
each time a worker opens one of its half-dozen transactions per order, which measured 13% of an
order's time (bench/README.md). A connection that fails its ping is replaced before the caller
sees it; one used moments ago is trusted, and should the server have gone in those moments, the
statement fails, SQLAlchemy drops the pool's connections, and the work is retried like any
other transient database failure.
"""

from __future__ import annotations

import sqlite3
import time
from importlib.resources import files
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session

MIGRATIONS = files("gateway.store").joinpath("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


SQLITE_POOL: dict[str, Any] = {"pool_size": 5, "max_overflow": -1}
"""A SQLite file's connections are never rationed: five kept, as many more as threads ask for.

A connection to a file costs a file handle and a few pragmas, and the threads that can ask are
bounded anyway (the server's thread pool, the workers). A bounded pool could deadlock with the
file's one write lock: under a burst of uploads every pooled connection was held by a request
waiting for the lock, while the worker holding the lock waited for a connection of its own; all
of them gave up after 30 s with a 500 ("QueuePool limit ... reached", "database is locked").
Uploads are rationed before they reach the database instead (:mod:`gateway.api.limits`).
"""


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings this gateway relies on."""
    if url.startswith("sqlite"):
        pool: dict[str, Any] = {} if make_url(url).database in (None, "", ":memory:") else SQLITE_POOL
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10)
    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


IDLE_PING_SECONDS = 10.0
"""A pooled connection idle for longer than this is pinged before it is handed out."""


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def ping(dbapi_connection: Any) -> None:
    """One round trip on a raw connection (raises if the connection is gone)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
    finally:
        cursor.close()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection that sat in the pool for a while; DisconnectionError makes the pool replace it."""
    returned = record.info.get("checked_in_at")
    if returned is not None and time.monotonic() - returned <= IDLE_PING_SECONDS:
        return
    try:
        ping(dbapi_connection)
    except Exception as exc:  # any failure: the pool discards this connection and checks out another
        raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc


def is_postgresql(engine: Engine) -> bool:
    """Whether row-level locking (FOR UPDATE SKIP LOCKED) is available."""
    return engine.dialect.name == "postgresql"


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply every migration not yet applied (``b2bgw db upgrade``; ``serve`` runs it on start)."""
    command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    """The newest migration shipped with this code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def schema_revision(engine: Engine) -> str | None:
    """The migration the database is at (None before the first ``db upgrade``)."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def lock_for_write(s: Session) -> None:
    """On SQLite, make ``s``'s transaction hold the database's write lock now, before it reads what it will change.

    PostgreSQL keeps other transactions off the rows one is about to change with ``SELECT ... FOR
    UPDATE``; SQLite ignores ``FOR UPDATE``, and pysqlite opens its transaction only at the first
    write, so two sessions can read the same row, decide the same thing and both act on it. Worse,
    a ``SAVEPOINT`` issued before that first write opens a transaction of its own, which its
    ``RELEASE`` commits at once: what was written "inside" the caller's transaction stays even
    when the caller rolls back. ``BEGIN IMMEDIATE`` takes the file's single write lock (waiting out
    the busy timeout while another writer holds it), so everything read afterwards is current and
    stays current until the commit, and savepoints nest as they should. On PostgreSQL this does
    nothing: lock the rows with ``FOR UPDATE`` as usual.

    Call it first in the transaction; once the transaction has written, SQLite holds the lock already.
    """
    connection = s.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.dbapi_connection
    if isinstance(driver, sqlite3.Connection) and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session(engine: Engine) -> Session:
    """A new session; callers use it as a context manager and commit explicitly."""
    return Session(engine, expire_on_commit=False)
