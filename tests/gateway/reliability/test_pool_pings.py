"""Pooled PostgreSQL connections: pinged when they sat idle, trusted when used moments ago."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

import gateway.store.db as db
from gateway.services import Services


@pytest.fixture
def engine(on_postgresql: Services) -> Iterator[Engine]:
    """A new engine on the test database, made as the gateway makes its engines."""
    made = db.make_engine(on_postgresql.engine.url.render_as_string(hide_password=False))
    yield made
    made.dispose()


def backend_of(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_used_moments_ago_is_not_pinged_and_an_idle_one_is(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pings: list[object] = []
    real_ping = db.ping
    monkeypatch.setattr(db, "ping", lambda connection: (pings.append(connection), real_ping(connection)))
    first = backend_of(engine)  # a new connection: pinged once
    assert len(pings) == 1
    assert backend_of(engine) == first and backend_of(engine) == first
    assert len(pings) == 1  # checked in moments ago each time: trusted
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # as if it had sat in the pool for a long while
    assert backend_of(engine) == first
    assert len(pings) == 2


def test_a_connection_that_died_in_the_pool_is_replaced_before_anyone_uses_it(
        engine: Engine, on_postgresql: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = backend_of(engine)
    with on_postgresql.engine.connect() as admin:  # the server ends it, as a restart or a proxy would
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": gone}).scalar_one() is True
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    with engine.connect() as connection:  # no error reaches the caller: the ping failed, a new one came
        assert connection.execute(text("SELECT 41 + 1")).scalar_one() == 42
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != gone
