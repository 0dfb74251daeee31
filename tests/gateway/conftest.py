"""A real database per test session (SQLite file, or a fresh PostgreSQL database when
``B2BGW_DATABASE_URL`` names one), migrated with Alembic, emptied before every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from gateway.app import create_app
from gateway.config import Settings
from gateway.demo import seed_demo
from gateway.services import Services, build_services
from tests.databases import migrated_database

OPERATOR_TOKEN = "test-operator-token"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for this test session."""
    with migrated_database(tmp_path_factory.mktemp("db"), "b2bgw_test") as url:
        yield url


def empty_database(engine: Engine) -> None:
    """Delete every row of every table (children first), so each test starts clean."""
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def make_settings(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": url, "operator_token": OPERATOR_TOKEN, "lease_seconds": 30,
                                 "retry_base_seconds": 0.01, "poll_seconds": 0.05}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    """Services on an emptied database seeded with the demo catalog, customers and partner."""
    built = build_services(make_settings(database_url))
    empty_database(built.engine)
    seed_demo(built.engine)
    yield built
    built.close()


@pytest.fixture
def fixtures_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    """The HTTP API over ``services`` (no background workers: tests drain the queue themselves)."""
    with TestClient(create_app(services, workers=0)) as test_client:
        yield test_client
