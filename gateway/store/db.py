"""The database engine and schema upgrades.

One engine per process, made from ``B2BGW_DATABASE_URL``. SQLite (the embedded default) gets
WAL journaling and a busy timeout so the API and the in-process workers can share the file;
PostgreSQL is the production database and the one where several worker processes claim work
with ``SELECT ... FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

MIGRATIONS = files("gateway.store").joinpath("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings this gateway relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


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


def session(engine: Engine) -> Session:
    """A new session; callers use it as a context manager and commit explicitly."""
    return Session(engine, expire_on_commit=False)
