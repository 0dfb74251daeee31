"""Real databases for tests: a fresh PostgreSQL database per test session when one is configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def postgres_base_url() -> str | None:
    """``B2BGW_DATABASE_URL`` when it names PostgreSQL (CI's second run), else None."""
    url = os.environ.get("B2BGW_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@contextmanager
def fresh_postgres_database(base: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the server of ``base``, dropped (connections and all) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(base).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def migrated_database(folder: Path, prefix: str) -> Iterator[str]:
    """A migrated, empty gateway database: a fresh PostgreSQL one when configured, else SQLite in ``folder``."""
    from gateway.store.db import upgrade

    base = postgres_base_url()
    if base is None:
        url = f"sqlite:///{folder / 'gateway.db'}"
        upgrade(url)
        yield url
        return
    with fresh_postgres_database(base, prefix) as url:
        upgrade(url)
        yield url
