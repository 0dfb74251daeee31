"""``/healthz`` and ``/readyz`` tell the truth: 503 when due work waits past ``stall_seconds`` with no worker
alive, 200 again once a worker beats and works the queue; idle with no worker at all is fine."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col

from gateway.app import create_app
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, WorkerHeartbeat, utcnow

from .supervision import fast, receive_orders, running, state_of, unreadable_file, wait_for


def backdate(services: Services, doc_ids: list[int], minutes: float) -> None:
    """The documents have waited ``minutes`` in the queue."""
    with session(services.engine) as s:
        s.execute(update(Document).where(col(Document.id).in_(doc_ids))
                  .values(updated_at=utcnow() - dt.timedelta(minutes=minutes)))
        s.commit()


def test_healthz_answers_503_on_a_stall_and_200_once_a_worker_works_the_queue(services: Services) -> None:
    fast_services = fast(services, stall_seconds=60, worker_alive_seconds=1.0)
    with TestClient(create_app(fast_services, workers=0)) as client:
        idle = client.get("/healthz")
        assert idle.status_code == 200 and idle.json()["workers"] == [], idle.text
        assert idle.json()["queue"] == {"oldest_due_seconds": None}

        [order] = receive_orders(fast_services, 1, "STALL", isa13=830000001)
        fresh = client.get("/healthz")  # waiting, but not for long: a backlog, not a stall
        assert fresh.status_code == 200 and fresh.json()["queue"]["oldest_due_seconds"] < 60

        backdate(fast_services, [order], minutes=10)
        for path in ("/healthz", "/readyz"):
            stalled = client.get(path)
            assert stalled.status_code == 503, stalled.text
            assert stalled.json()["status"] == "stalled"
            assert stalled.json()["stalled"].startswith("the queue's next document has waited 6")
            assert stalled.json()["queue"]["oldest_due_seconds"] >= 600

        worker = Worker(fast_services.engine, fast_services.erp, fast_services.settings, worker_id="rescuer")
        with running(worker):
            wait_for(lambda: state_of(fast_services, order) == State.PROCESSED.value, what="the order processed")
            healthy = client.get("/healthz")
            assert healthy.status_code == 200, healthy.text
            [seen] = healthy.json()["workers"]
            assert (seen["id"], seen["alive"], seen["restarts"], seen["pid"]) == ("rescuer", True, 0, os.getpid())
            assert seen["seconds_since_beat"] < 1.0
            assert client.get("/readyz").json()["status"] == "ready"

        # the worker has left; new work waits past the threshold: stalled again, the worker shown stopped
        [later] = receive_orders(fast_services, 1, "LATER", isa13=830000002)
        backdate(fast_services, [later], minutes=10)
        again = client.get("/healthz")
        assert again.status_code == 503
        [gone] = again.json()["workers"]
        assert (gone["id"], gone["alive"], gone["stopped"]) == ("rescuer", False, True)


def test_a_worker_gone_quiet_counts_as_gone(services: Services) -> None:
    """A worker killed without a word (its heartbeat row stays, not stopped) is not alive once its beat is old."""
    fast_services = fast(services, stall_seconds=60, worker_alive_seconds=30)
    worker = Worker(fast_services.engine, fast_services.erp, fast_services.settings, worker_id="vanished")
    worker._running = True  # as if it looped: one beat, then nothing (SIGKILL)
    worker.beat(force=True)
    [order] = receive_orders(fast_services, 1, "QUIET", isa13=830000003)
    backdate(fast_services, [order], minutes=10)
    with TestClient(create_app(fast_services, workers=0)) as client:
        assert client.get("/healthz").status_code == 200  # it beat just now: alive, a backlog
        with session(fast_services.engine) as s:  # 31 s of silence
            s.execute(update(WorkerHeartbeat).values(beat_at=utcnow() - dt.timedelta(seconds=31)))
            s.commit()
        answer = client.get("/healthz")
        assert answer.status_code == 503
        [quiet] = answer.json()["workers"]
        assert (quiet["alive"], quiet["stopped"], quiet["seconds_since_beat"] >= 31) == (False, False, True)


def test_b2bgw_worker_survives_an_unreadable_file_and_exits_0_on_sigterm(services: Services, tmp_path: Path) -> None:
    """The command observed exiting 1 in issue 17: it reads past the file, keeps processing, stops cleanly."""
    unreadable = unreadable_file(services)
    env = {**os.environ, "B2BGW_DATABASE_URL": services.settings.database_url, "B2BGW_ERP": "builtin",
           "B2BGW_LEASE_SECONDS": "0.3", "B2BGW_POLL_SECONDS": "0.02", "B2BGW_HEARTBEAT_SECONDS": "0.1",
           "B2BGW_PRICE_SYNC_MINUTES": "0", "B2BGW_LOG_LEVEL": "WARNING", "B2BGW_LOG_FORMAT": "text"}
    log = tmp_path / "worker.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-c", "from gateway.cli import main; main()", "worker"],
                                   env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        try:
            wait_for(lambda: state_of(services, unreadable) == State.REJECTED.value, timeout=60,
                     what="the unreadable file rejected")
            [order] = receive_orders(services, 1, "CLI", isa13=830000004)
            wait_for(lambda: state_of(services, order) == State.PROCESSED.value, timeout=60, what="the order processed")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the worker said:\n{log.read_text(errors='replace')[-3000:]}") from None
        assert process.poll() is None, log.read_text(errors="replace")[-2000:]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text(errors="replace")[-2000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
