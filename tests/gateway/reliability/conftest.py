"""Fixtures of the reliability tests: PostgreSQL when a test needs row locks, worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gateway.services import Services
from gateway.store.db import is_postgresql

CI_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def on_postgresql(services: Services) -> Services:
    """The services, when the session database is PostgreSQL.

    CI runs the suite twice; in its SQLite pass these tests check that the PostgreSQL server of
    the second pass answers (and fail when it does not) before leaving the work to that pass.
    """
    if is_postgresql(services.engine):
        return services
    if os.environ.get("CI"):
        engine = create_engine(os.environ.get("B2BGW_CI_POSTGRES", CI_POSTGRES))
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            pytest.fail(f"PostgreSQL is required in CI for this test and is not reachable: {exc}")
        finally:
            engine.dispose()
    pytest.skip("needs PostgreSQL (row locks): runs when B2BGW_DATABASE_URL names one, as in CI's second pass")


@dataclass
class WorkerProcesses:
    """``b2bgw worker`` processes over the test database, started, killed and restarted at will."""

    env: dict[str, str]
    log: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    kills: int = 0

    def start(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-c", "from gateway.cli import main; main()", "worker"]
        with self.log.open("ab") as log:  # the child keeps its own descriptor
            process = subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL, stderr=log)
        self.processes.append(process)
        return process

    def errors(self) -> str:
        """The last lines the workers wrote to stderr (for a failing assertion's message)."""
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def running(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in self.processes if p.poll() is None]

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no handler runs, no transaction is finished, the lease is left behind."""
        process.kill()
        process.wait(timeout=30)
        self.kills += 1

    def stop_all(self) -> list[int]:
        """SIGTERM every running worker and wait; the exit codes of those (killed ones left out)."""
        running = self.running()
        for process in running:
            process.terminate()
        codes = []
        for process in running:
            try:
                codes.append(process.wait(timeout=60))
            except subprocess.TimeoutExpired:
                process.kill()
                codes.append(process.wait())
        return codes


@pytest.fixture
def worker_processes(services: Services, tmp_path: Path) -> Iterator[WorkerProcesses]:
    """Worker processes with a short lease, so a killed worker's document is taken up within seconds."""
    env = {**os.environ, "B2BGW_DATABASE_URL": services.settings.database_url, "B2BGW_ERP": "builtin",
           "B2BGW_LEASE_SECONDS": "2", "B2BGW_POLL_SECONDS": "0.05", "B2BGW_RETRY_BASE_SECONDS": "0.05",
           "B2BGW_LOG_LEVEL": "WARNING"}
    pool = WorkerProcesses(env=env, log=tmp_path / "workers.log")
    yield pool
    for process in pool.running():
        process.kill()
        process.wait()
