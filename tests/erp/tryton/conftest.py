"""One real Tryton server per test session (see :mod:`tests.erp.tryton.harness`).

Outside CI the Tryton tests skip when the ``tryton`` extra is not installed; in CI (``CI=1``) they fail
with the reason instead, and a server that cannot start fails them everywhere with its log.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from erp.tryton import TrytonErp
from tests.erp.tryton.harness import TrytonHarnessError, TrytonServer, tryton_installed


@pytest.fixture(scope="session")
def tryton_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrytonServer]:
    """A running trytond on loopback over a fresh copy of the seeded template."""
    if not tryton_installed():
        reason = "trytond is not installed: pip install -e '.[tryton]'"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        server = TrytonServer(Path(tmp_path_factory.mktemp("tryton")))
        server.start()
    except TrytonHarnessError as exc:
        pytest.fail(f"the Tryton test server could not start: {exc}")
    yield server
    server.stop()


def connect(server: TrytonServer, *, timeout: float = 30.0) -> TrytonErp:
    """An adapter on the test server, events read without the settle lag (tests wait for nothing)."""
    return TrytonErp.connect(server.url, server.database, server.login, server.password, timeout=timeout,
                             settle_seconds=0)


@pytest.fixture
def tryton_erp(tryton_server: TrytonServer) -> TrytonErp:
    """The adapter on the session's server (its data accumulates over the session: tests use own PO numbers)."""
    if tryton_server.process is None:
        tryton_server.start()
    return connect(tryton_server)
