"""Two pollers of the ERP's events at once (the operator's shipment call and a worker) make one document.

The observed failure: on SQLite the operator's ``erp ship`` (which polls the events right after
shipping) and a worker's poll both handled one shipped event, and the partner got two identical
ship notices. ``SELECT ... FOR UPDATE`` locks nothing on SQLite, so both pollers read the cursor
and the seen-events table before either wrote; the second then wrote its document after the
first had committed. The test makes that interleaving certain (:class:`Interleaving`), on the test
session's database: a SQLite file, or PostgreSQL when ``B2BGW_DATABASE_URL`` names one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from erp.builtin.catalog import ship_order
from gateway import erp_admin
from gateway.pipeline import erp_events
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import ErpCursor, ErpEventSeen

from .flow import docs, drain, post

MEET_SECONDS = 2.0
"""How long a poller about to act on an event waits for the other (see :class:`Interleaving`)."""


def _placed_order(client: TestClient, services: Services) -> str:
    assert post(client, "850-4010-basic.x12").status_code == 202
    drain(services)
    [po] = docs(services, doc_type="850")
    assert po.erp_order_id
    return po.erp_order_id


def _cursor_row(services: Services, present: bool) -> None:
    """Start with the cursor row there (the usual case) or not yet written (the very first event)."""
    with session(services.engine) as s:
        cursor = s.get(ErpCursor, services.settings.erp)
        if present and cursor is None:
            s.add(ErpCursor(source=services.settings.erp))
        if not present and cursor is not None:
            s.delete(cursor)
        s.commit()


class Interleaving:
    """Holds the two pollers where the failure happened: both past their reads, one done before the other acts.

    The first poller to start handling the event waits (at most :data:`MEET_SECONDS`) for the other
    to get there too; the second then waits until the first poller has finished (its transaction
    committed). Without a lock both get there, and the second acts on an event already acted on.
    With the lock the second never gets there (it reads the advanced cursor once the first
    commits), so the first only waits out :data:`MEET_SECONDS`.
    """

    def __init__(self) -> None:
        self.guard = threading.Lock()
        self.first: int | None = None
        self.second_arrived = threading.Event()
        self.finished: dict[int, threading.Event] = {}

    def enter(self) -> None:
        me = threading.get_ident()
        with self.guard:
            if self.first is None:
                self.first = me
        if me == self.first:
            self.second_arrived.wait(MEET_SECONDS)
        else:
            self.second_arrived.set()
            self.finished[self.first].wait(MEET_SECONDS)  # type: ignore[index]

    def run(self, calls: list[Callable[[], object]]) -> list[BaseException]:
        """Run ``calls`` in threads at once; what each raised."""
        errors: list[BaseException] = []

        def run(call: Callable[[], object], done: threading.Event) -> None:
            self.finished[threading.get_ident()] = done
            started.release()
            try:
                call()
            except BaseException as exc:  # reported to the test, which fails on it
                errors.append(exc)
            finally:
                done.set()

        started = threading.Semaphore(0)
        threads = [threading.Thread(target=run, args=(call, threading.Event())) for call in calls]
        for thread in threads:
            thread.start()
            started.acquire()  # its finish is known before the next one starts
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a poller hung"
        return errors


def _interleave(monkeypatch: pytest.MonkeyPatch) -> Interleaving:
    """Route every poller's handling of an event through an :class:`Interleaving`."""
    interleaving = Interleaving()
    handle = erp_events._handle

    def held_then_handle(*args: object, **kwargs: object) -> erp_events.Handled:
        interleaving.enter()
        return handle(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(erp_events, "_handle", held_then_handle)
    return interleaving


@pytest.mark.parametrize("cursor_present", [True, False], ids=["cursor-row", "first-event"])
def test_the_operator_and_a_worker_polling_at_once_send_one_ship_notice(
        client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch, cursor_present: bool) -> None:
    erp_order = _placed_order(client, services)
    ship_order(services.engine, erp_order, carrier="UPSN")
    _cursor_row(services, cursor_present)
    interleaving = _interleave(monkeypatch)
    worker = Worker(services.engine, services.erp, services.settings, worker_id="worker-1")

    errors = interleaving.run([lambda: erp_admin.poll(services, "operator"), worker.poll_erp])

    assert len(docs(services, doc_type="856")) == 1
    assert errors == []
    with session(services.engine) as s:
        seen = s.exec(select(ErpEventSeen)).all()
        cursor = s.get(ErpCursor, services.settings.erp)
    assert len(seen) == 1 and seen[0].document_id is not None
    assert cursor is not None and cursor.last_event_id == seen[0].event_id
