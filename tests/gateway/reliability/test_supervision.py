"""Workers never die and never get stuck: a failing step or housekeeping task is logged and the loop goes on;
a worker thread killed from inside is restarted by its supervisor, and ``/healthz`` shows it.

Issue 17 observed both worker threads of ``b2bgw serve`` dying in housekeeping on a file that
could not be read (the exception escaped ``Worker.run``), again at every restart, while
``/healthz`` said ok and later orders stayed queued.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from gateway.app import create_app
from gateway.delivery.tables import DeliveryAttempt
from gateway.pipeline import worker as worker_module
from gateway.pipeline.states import State
from gateway.pipeline.supervisor import Supervisor
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, WorkerHeartbeat

from .supervision import (
    FIXTURES,
    fast,
    receive_orders,
    running,
    state_of,
    stranded_file,
    unreadable_file,
    wait_for,
)


class WorkerKiller(BaseException):
    """Not an ``Exception``: what no ``except Exception`` in the loop catches, so the worker thread ends."""


def heartbeat(services: Services, worker_id: str) -> WorkerHeartbeat | None:
    with session(services.engine) as s:
        return s.get(WorkerHeartbeat, worker_id)


def test_a_stranded_file_that_cannot_be_read_does_not_stop_the_worker(services: Services) -> None:
    fast_services = fast(services)
    unreadable = unreadable_file(fast_services)
    worker = Worker(fast_services.engine, fast_services.erp, fast_services.settings, worker_id="reader")
    with running(worker) as thread:
        [order] = receive_orders(fast_services, 1, "AFTER", isa13=810000001)
        wait_for(lambda: state_of(fast_services, order) == State.PROCESSED.value, what="the order behind it processed")
        wait_for(lambda: state_of(fast_services, unreadable) == State.REJECTED.value, what="the file rejected")
        assert thread.is_alive()
    with session(services.engine) as s:
        doc = s.get(Document, unreadable)
        assert doc is not None and doc.error  # why: the reader's own error, or set aside as poison


def test_a_file_whose_reading_raises_is_set_aside_after_the_poison_attempts(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(*_args: Any, **_kwargs: Any) -> None:
        raise LookupError("no codec for this file")

    monkeypatch.setattr(worker_module, "read_received", unreadable)
    fast_services = fast(services, lease_seconds=0.2)
    stuck = stranded_file(fast_services, (FIXTURES / "x12" / "850-4010-basic.x12").read_bytes())
    worker = Worker(fast_services.engine, fast_services.erp, fast_services.settings, worker_id="reader")
    with running(worker) as thread:
        wait_for(lambda: state_of(fast_services, stuck) == State.REJECTED.value, what="the file set aside")
        assert thread.is_alive()
    with session(services.engine) as s:
        doc = s.get(Document, stuck)
        assert doc is not None and doc.error == ("set aside as poison after 3 failures of reading the file; "
                                                 "last error: LookupError: no codec for this file")
        tries = s.exec(select(DeliveryAttempt).where(DeliveryAttempt.document_id == stuck)
                       .order_by(col(DeliveryAttempt.id))).all()
    assert [(t.attempt, t.outcome) for t in tries] == [(1, "fault"), (2, "fault"), (3, "fault")]


def test_a_failing_housekeeping_task_skips_none_of_the_others(services: Services,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> list[int]:
        raise RuntimeError("recovery is broken")

    monkeypatch.setattr(worker_module, "recover_expired", broken)  # the first task of a turn
    expired: list[bool] = []
    monkeypatch.setattr(Worker, "expire_quotes", lambda self: expired.append(True))  # one of the last ones
    fast_services = fast(services)
    worker = Worker(fast_services.engine, fast_services.erp, fast_services.settings, worker_id="keeper")
    with running(worker) as thread:
        [order] = receive_orders(fast_services, 1, "KEEP", isa13=810000002)
        wait_for(lambda: state_of(fast_services, order) == State.PROCESSED.value, what="the order processed")
        wait_for(lambda: len(expired) >= 2, what="two housekeeping turns")
        wait_for(lambda: (beat := heartbeat(fast_services, "keeper")) is not None and bool(beat.last_error),
                 what="the error on the heartbeat")
        assert thread.is_alive()
    beat = heartbeat(fast_services, "keeper")
    assert beat is not None and beat.last_error == ("housekeeping (recovering expired claims): "
                                                    "RuntimeError: recovery is broken")
    assert beat.stopped_at is not None  # it left cleanly when told to


def test_a_pool_timeout_while_claiming_is_waited_out(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    real_claim = worker_module.claim_due
    timeouts = [PoolTimeout("QueuePool limit of size 5 overflow 10 reached")] * 2

    def crowded(*args: Any, **kwargs: Any) -> Any:
        if timeouts:
            raise timeouts.pop()
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(worker_module, "claim_due", crowded)
    fast_services = fast(services)
    [order] = receive_orders(fast_services, 1, "POOL", isa13=810000003)
    worker = Worker(fast_services.engine, fast_services.erp, fast_services.settings, worker_id="pooled")
    with running(worker) as thread:
        wait_for(lambda: state_of(fast_services, order) == State.PROCESSED.value, what="the order processed")
        assert thread.is_alive() and not timeouts


def test_each_worker_thread_killed_from_inside_is_restarted_and_healthz_shows_it(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """``b2bgw serve``'s workers (``create_app(workers=2)``), each killed once in housekeeping."""
    killed: set[str] = set()
    lock = threading.Lock()
    housekeeping = Worker.housekeeping

    def deadly(self: Worker, *, prices: bool = True) -> None:
        with lock:
            first = self.worker_id not in killed
            killed.add(self.worker_id)
        if first:
            raise WorkerKiller(f"killed {self.worker_id} in housekeeping")
        housekeeping(self, prices=prices)

    monkeypatch.setattr(Worker, "housekeeping", deadly)
    fast_services = fast(services)
    with TestClient(create_app(fast_services, workers=2)) as client:
        def restarted_workers() -> list[dict[str, Any]]:
            answer = client.get("/healthz")
            assert answer.status_code == 200, answer.text
            return [w for w in answer.json()["workers"] if w["alive"] and w["restarts"] == 1]

        wait_for(lambda: len(restarted_workers()) == 2, what="both workers restarted once")
        assert len(killed) == 2
        [order] = receive_orders(fast_services, 1, "ALIVE", isa13=810000004)
        wait_for(lambda: state_of(fast_services, order) == State.PROCESSED.value, what="the order processed")
        workers = restarted_workers()
        assert {w["id"] for w in workers} == killed
        assert all(w["last_error"].startswith("died: WorkerKiller: killed ") for w in workers)
    with session(services.engine) as s:  # the app's shutdown stopped them cleanly
        rows = s.exec(select(WorkerHeartbeat)).all()
    assert {r.worker_id for r in rows if r.stopped_at is not None} == killed


def test_a_worker_that_dies_at_every_start_is_restarted_with_growing_backoff(services: Services) -> None:
    class Doomed:
        worker_id = "doomed"

        def __init__(self) -> None:
            self.starts = 0
            self.causes: list[str] = []

        def run(self, stop: threading.Event) -> None:
            self.starts += 1
            raise WorkerKiller(f"start {self.starts}")

        def restarted(self, cause: BaseException | None) -> None:
            self.causes.append(str(cause))

    doomed, stop = Doomed(), threading.Event()
    supervisor = Supervisor([doomed], stop, check_seconds=0.01, backoff_seconds=0.05, backoff_cap_seconds=0.2)
    thread = supervisor.start()
    stop.wait(1.0)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    # backoffs 0.05, 0.1, 0.2, 0.2 ...: about 6 starts in a second, never a busy loop
    assert 3 <= doomed.starts <= 9, doomed.starts
    assert doomed.causes == [f"start {n}" for n in range(1, doomed.starts)]


def test_a_worker_stopped_by_systemexit_is_not_restarted(services: Services) -> None:
    class Leaving:
        worker_id = "leaving"
        starts = 0

        def run(self, stop: threading.Event) -> None:
            self.starts += 1
            raise SystemExit(0)

        def restarted(self, cause: BaseException | None) -> None:
            raise AssertionError("a worker asked to exit is not restarted")

    leaving, stop = Leaving(), threading.Event()
    thread = Supervisor([leaving], stop, check_seconds=0.01, backoff_seconds=0.01).start()
    stop.wait(0.3)
    stop.set()
    thread.join(timeout=10)
    assert leaving.starts == 1
