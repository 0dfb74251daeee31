"""Poison documents: one that fails the same step ``poison_attempts`` times with an error no outage explains
is set aside ``rejected``, says why, can be replayed, and never holds up the orders behind it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select
from typer.testing import CliRunner

from erp.port import ErpUnavailable
from gateway.cli import app
from gateway.config import get_settings
from gateway.delivery.tables import DeliveryAttempt
from gateway.pipeline import orders as orders_module
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document

from ..flow import AUTH
from .supervision import document, fast, receive_orders, running, state_of, wait_for


@pytest.fixture
def poison_order(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Reading the order whose PO number is in the returned list trips a bug (``ZeroDivisionError``)."""
    poisoned: list[str] = []
    read_stored = orders_module.read_stored

    def tripping(doc: Document, *args: Any, **kwargs: Any) -> Any:
        if doc.po_number in poisoned:
            raise ZeroDivisionError("division by zero in a unit conversion")
        return read_stored(doc, *args, **kwargs)

    monkeypatch.setattr(orders_module, "read_stored", tripping)
    return poisoned


def attempts_of(services: Services, doc_id: int) -> list[tuple[int, str]]:
    with session(services.engine) as s:
        rows = s.exec(select(DeliveryAttempt).where(DeliveryAttempt.document_id == doc_id)
                      .order_by(col(DeliveryAttempt.id))).all()
    return [(r.attempt, r.outcome) for r in rows]


def test_a_poison_order_is_rejected_after_three_faults_and_the_order_behind_it_is_processed(
        services: Services, client: TestClient, poison_order: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fast_services = fast(services)
    poison_order.append("POISON-000001")
    poison, behind = receive_orders(fast_services, 2, "POISON", isa13=820000001)  # claimed in one batch
    worker = Worker(fast_services.engine, fast_services.erp, fast_services.settings, worker_id="taster")
    with running(worker) as thread:
        wait_for(lambda: state_of(fast_services, behind) == State.PROCESSED.value, what="the order behind processed")
        wait_for(lambda: state_of(fast_services, poison) == State.REJECTED.value, what="the poison set aside")
        later, = receive_orders(fast_services, 1, "LATER", isa13=820000002)
        wait_for(lambda: state_of(fast_services, later) == State.PROCESSED.value, what="a later order processed")
        assert thread.is_alive()

    rejected = document(fast_services, poison)
    assert rejected.error == ("set aside as poison after 3 failures of processing; "
                              "last error: ZeroDivisionError: division by zero in a unit conversion")
    assert rejected.attempts == 3 and rejected.claimed_by is None
    assert attempts_of(fast_services, poison) == [(1, "fault"), (2, "fault"), (3, "fault")]

    # the operator sees it: the API, the command line, the admin page's list
    shown = client.get(f"/api/documents/{poison}", headers=AUTH).json()
    assert shown["state"] == "rejected" and "set aside as poison" in shown["history"][-1]["reason"]
    monkeypatch.setenv("B2BGW_DATABASE_URL", services.settings.database_url)
    get_settings.cache_clear()
    listed = CliRunner().invoke(app, ["documents", "--status", "rejected"])
    assert listed.exit_code == 0, listed.output
    [line] = [line for line in listed.output.splitlines() if "POISON-000001" in line]
    assert "rejected" in line and "set aside as poison after 3 failures of processing" in line
    get_settings.cache_clear()

    # fixed (the bug deployed away), replayed: processed, counting from one again
    poison_order.clear()
    assert client.post(f"/api/documents/{poison}/replay", headers=AUTH).status_code == 200
    Worker(services.engine, services.erp, fast_services.settings, worker_id="after-fix").drain()
    assert state_of(services, poison) == State.PROCESSED.value


def test_after_a_replay_the_poison_count_starts_again(services: Services, client: TestClient,
                                                      poison_order: list[str]) -> None:
    fast_services = fast(services, retry_base_seconds=0.3)  # a drain ends before the retry falls due
    poison_order.append("AGAIN-000001")
    [poison] = receive_orders(fast_services, 1, "AGAIN", isa13=820000003)
    taster = Worker(fast_services.engine, fast_services.erp, fast_services.settings, worker_id="taster")
    wait_for(lambda: taster.drain() == 0 and state_of(fast_services, poison) == State.REJECTED.value,
             what="the poison set aside")
    assert client.post(f"/api/documents/{poison}/replay", headers=AUTH).status_code == 200
    taster.drain()  # still poisonous: one fault, not yet set aside again
    assert state_of(fast_services, poison) == State.RETRY.value
    assert attempts_of(fast_services, poison)[-1] == (1, "fault")
    wait_for(lambda: taster.drain() == 0 and state_of(fast_services, poison) == State.REJECTED.value,
             what="set aside again")
    assert attempts_of(fast_services, poison)[-3:] == [(1, "fault"), (2, "fault"), (3, "fault")]


def test_an_outage_is_no_poison(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unreachable ERP fails every order alike: retried to max_attempts and dead, not set aside as poison."""
    def unreachable(*_args: Any, **_kwargs: Any) -> Any:
        raise ErpUnavailable("connection refused")

    monkeypatch.setattr(services.erp, "push_orders", unreachable)
    monkeypatch.setattr(services.erp, "push_order", unreachable)
    fast_services = fast(services, max_attempts=4)
    [order] = receive_orders(fast_services, 1, "OUTAGE", isa13=820000004)
    worker = Worker(fast_services.engine, fast_services.erp, fast_services.settings, worker_id="patient")
    wait_for(lambda: worker.drain() == 0 and state_of(fast_services, order) == State.DEAD.value, what="dead")
    assert attempts_of(fast_services, order) == [(n, "transient") for n in range(1, 5)]
    assert document(fast_services, order).error == "ErpUnavailable: connection refused"


def test_a_batch_failing_outside_its_orders_runs_each_order_alone(services: Services,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault of the batch's own (not one order's) is not blamed on every order: each runs alone, and passes."""
    real = orders_module.process_purchase_orders

    def fails_in_batches(engine: Any, erp: Any, doc_ids: list[int], *, actor: str) -> Any:
        if len(doc_ids) > 1:
            raise KeyError("a batch-only bug")
        return real(engine, erp, doc_ids, actor=actor)

    monkeypatch.setattr("gateway.pipeline.worker.process_purchase_orders", fails_in_batches)
    monkeypatch.setattr(orders_module, "process_purchase_orders", fails_in_batches)
    fast_services = fast(services)
    ids = receive_orders(fast_services, 3, "ALONE", isa13=820000005)
    Worker(fast_services.engine, fast_services.erp, fast_services.settings, worker_id="w").drain()
    assert [state_of(fast_services, doc_id) for doc_id in ids] == [State.PROCESSED.value] * 3
