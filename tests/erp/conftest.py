"""The built-in ERP's tables on a real database: a SQLite file, and a fresh PostgreSQL database
when ``B2BGW_DATABASE_URL`` names one (CI's second run). Every test starts with empty tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import SQLModel

from erp.builtin import BuiltinErp, erp_tables, seed_demo
from gateway.store.db import make_engine as make_test_engine  # the gateway's engine settings (WAL, pool)
from tests.databases import fresh_postgres_database, postgres_base_url

FIXED_NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


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
    with fresh_postgres_database(base, "b2bgw_erp_test") as url:
        engine = make_test_engine(url)
        SQLModel.metadata.create_all(engine, tables=erp_tables())
        engine.dispose()
        yield url


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
