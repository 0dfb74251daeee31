"""The built-in ERP's tables on a real database: a SQLite file, and a fresh PostgreSQL database
when ``B2BGW_DATABASE_URL`` names one (CI's second run). Every test starts with empty tables."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from erp.builtin import BuiltinErp, erp_tables, seed_demo

FIXED_NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def postgres_base_url() -> str | None:
    url = os.environ.get("B2BGW_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_test_engine(url: str) -> Engine:
    """An engine configured like the gateway's (WAL and a busy timeout on SQLite, a pool on PostgreSQL)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('erp') / 'erp.db'}"
    engine = make_test_engine(url)
    SQLModel.metadata.create_all(engine, tables=erp_tables())
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    base = postgres_base_url()
    if base is None:
        pytest.skip("B2BGW_DATABASE_URL is not a postgresql URL")
    name = f"b2bgw_erp_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_test_engine(url)
        SQLModel.metadata.create_all(engine, tables=erp_tables())
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_erp_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(erp_tables()):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Empty ERP tables on each database in turn."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    built = make_test_engine(url)
    empty_erp_tables(built)
    yield built
    built.dispose()


@pytest.fixture
def demo_engine(engine: Engine) -> Engine:
    seed_demo(engine)
    return engine


@pytest.fixture
def erp(demo_engine: Engine) -> BuiltinErp:
    """The built-in ERP with the demo catalog, its clock fixed at FIXED_NOW."""
    return BuiltinErp(demo_engine, clock=lambda: FIXED_NOW)
