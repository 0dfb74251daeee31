"""Edit-and-retry keeps the original and queues a corrected copy; neither an edit, a replay nor a
lost ERP answer ever makes a second ERP order."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from erp.builtin.tables import ErpOrderRow
from gateway.auth.audit import audit_trail
from gateway.cli import app
from gateway.config import get_settings
from gateway.delivery.faults import ErpLostAnswers, ErpOutage
from gateway.delivery.tables import DocumentEdit
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session

from ..conftest import OPERATOR_TOKEN
from ..flow import AUTH, X12, docs, drain, post

CANCEL_PURPOSE = (X12 / "850-4010-basic.x12").read_bytes().replace(b"BEG*00*SA*", b"BEG*01*SA*")
"""The basic 850 sent with purpose 01 (cancellation) by mistake: refused, not placed as a new order."""


def erp_orders(services: Services) -> int:
    with session(services.engine) as s:
        return int(s.exec(select(func.count()).select_from(ErpOrderRow)).one())


def rejected_order(client: TestClient, services: Services) -> int:
    assert post(client, "", raw=CANCEL_PURPOSE).status_code == 202
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.REJECTED.value and "purpose" in (order.error or "")
    return order.id or 0


def test_an_edited_order_is_placed_once_and_the_original_is_kept(client: TestClient, services: Services) -> None:
    original_id = rejected_order(client, services)
    original = client.get(f"/api/documents/{original_id}", headers=AUTH).json()
    corrected = original["raw"].encode("latin-1").replace(b"BEG*01*", b"BEG*00*")

    answer = client.post(f"/api/documents/{original_id}/edit", params={"reason": "buyer confirmed: new order"},
                         content=corrected, headers=AUTH)
    assert answer.status_code == 201, answer.text
    edited_id = answer.json()["edited_id"]
    assert answer.json()["state"] == "queued"
    drain(services)

    [first, copy] = docs(services, doc_type="850")
    assert (first.id, first.state, first.raw) == (original_id, State.REJECTED.value,
                                                   original["raw"].encode("latin-1"))
    assert (copy.id, copy.parent_id, copy.state, copy.raw) == (edited_id, original_id, State.PROCESSED.value,
                                                               corrected)
    assert erp_orders(services) == 1
    refusal, acceptance = docs(services, doc_type="855")  # the original refused in an 855 of its own (issue 17)
    assert (refusal.parent_id, refusal.erp_order_id) == (original_id, None) and b"BAK*00*RD*" in refusal.raw
    assert (acceptance.parent_id, acceptance.erp_order_id) == (edited_id, copy.erp_order_id)
    with session(services.engine) as s:
        edit = s.exec(select(DocumentEdit)).one()
        assert (edit.actor, edit.reason, edit.original_sha256) == ("operator", "buyer confirmed: new order",
                                                                   first.sha256)
        [entry] = audit_trail(s, action="document.edit")
        assert entry.target == f"document:{original_id}" and entry.details["edited_document"] == edited_id

    # the original cannot be replayed or edited again beside its copy; the copy replays without a new order
    assert client.post(f"/api/documents/{original_id}/replay", headers=AUTH).status_code == 409
    again = client.post(f"/api/documents/{original_id}/edit", params={"reason": "x"}, content=corrected,
                        headers=AUTH)
    assert again.status_code == 409 and f"document {edited_id}" in again.json()["detail"]["error"]
    assert client.post(f"/api/documents/{edited_id}/replay", headers=AUTH).status_code == 200
    drain(services)
    assert erp_orders(services) == 1
    assert len(docs(services, doc_type="855")) == 2  # still the refusal and the one acceptance


def test_an_edit_that_does_not_translate_is_refused_with_its_location(client: TestClient,
                                                                     services: Services) -> None:
    original_id = rejected_order(client, services)
    [order] = docs(services, doc_type="850")
    broken = order.raw.replace(b"BEG*01*", b"BEG*00*").replace(b"PO1*1*10*EA", b"PO1*1*TEN*EA")
    answer = client.post(f"/api/documents/{original_id}/edit", params={"reason": "fix"}, content=broken,
                         headers=AUTH)
    assert answer.status_code == 422, answer.text
    assert "PO1" in answer.text
    assert len(docs(services, doc_type="850")) == 1


def test_only_failed_inbound_documents_are_edited(client: TestClient, services: Services) -> None:
    post(client, "850-4010-basic.x12")
    drain(services)
    [order] = docs(services, doc_type="850")
    [ack] = docs(services, doc_type="855")
    for doc_id in (order.id, ack.id):
        answer = client.post(f"/api/documents/{doc_id}/edit", params={"reason": "x"}, content=b"ISA*", headers=AUTH)
        assert answer.status_code == 409, answer.text
    assert client.post("/api/documents/999999/edit", params={"reason": "x"}, content=b"x",
                       headers=AUTH).status_code == 404
    assert client.post(f"/api/documents/{order.id}/edit", params={"reason": "x"}, content=b"x").status_code == 401


def test_edit_from_the_command_line(client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch,
                                    tmp_path: object) -> None:
    monkeypatch.setenv("B2BGW_DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("B2BGW_OPERATOR_TOKEN", OPERATOR_TOKEN)
    get_settings.cache_clear()
    runner = CliRunner()
    original_id = rejected_order(client, services)

    shown = runner.invoke(app, ["edit", str(original_id)])
    assert shown.exit_code == 0 and shown.stdout_bytes == docs(services, doc_type="850")[0].raw
    fixed = tmp_path / "fixed.x12"  # type: ignore[operator]
    fixed.write_bytes(shown.stdout_bytes.replace(b"BEG*01*", b"BEG*00*"))
    refused = runner.invoke(app, ["edit", str(original_id), "--file", str(fixed)])
    assert refused.exit_code == 1 and "--reason" in refused.stderr
    done = runner.invoke(app, ["edit", str(original_id), "--file", str(fixed), "--reason", "purpose typo"])
    assert done.exit_code == 0, done.output
    assert "edited into document" in done.stdout
    drain(services)
    assert [d.state for d in docs(services, doc_type="850")] == [State.REJECTED.value, State.PROCESSED.value]
    assert erp_orders(services) == 1
    get_settings.cache_clear()


def test_replaying_a_processed_order_makes_no_second_erp_order_nor_a_second_855(
        client: TestClient, services: Services) -> None:
    post(client, "850-4010-basic.x12")
    drain(services)
    [order] = docs(services, doc_type="850")
    for _ in range(2):
        assert client.post(f"/api/documents/{order.id}/replay", headers=AUTH).json()["state"] == "queued"
        drain(services)
    [again] = docs(services, doc_type="850")
    assert (again.state, again.erp_order_id) == (State.PROCESSED.value, order.erp_order_id)
    assert erp_orders(services) == 1
    assert len(docs(services, doc_type="855")) == 1


def test_a_lost_erp_answer_is_retried_into_the_same_order(client: TestClient, services: Services) -> None:
    post(client, "850-4010-basic.x12")
    lossy = Worker(services.engine, ErpLostAnswers(services.erp), services.settings,  # type: ignore[arg-type]
                   worker_id="w-lossy")
    deadline = time.monotonic() + 10
    while docs(services, doc_type="850")[0].state != State.PROCESSED.value and time.monotonic() < deadline:
        lossy.drain()
        time.sleep(0.02)
    [order] = docs(services, doc_type="850")
    assert (order.state, order.attempts) == (State.PROCESSED.value, 2)
    assert "found" in client.get(f"/api/documents/{order.id}", headers=AUTH).json()["history"][-1]["reason"]
    assert erp_orders(services) == 1
    attempts = client.get(f"/api/documents/{order.id}/attempts", headers=AUTH).json()
    assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, "transient")]


def test_a_dead_order_replayed_after_the_outage_is_placed_once(client: TestClient, services: Services) -> None:
    post(client, "850-4010-basic.x12")
    down = Worker(services.engine, ErpOutage(services.erp, seconds=3600), services.settings,  # type: ignore[arg-type]
                  worker_id="w-down")
    deadline = time.monotonic() + 10
    while docs(services, doc_type="850")[0].state != State.DEAD.value and time.monotonic() < deadline:
        down.drain()
        time.sleep(0.02)
    [order] = docs(services, doc_type="850")
    assert order.state == State.DEAD.value and erp_orders(services) == 0
    assert client.post(f"/api/documents/{order.id}/replay", headers=AUTH).status_code == 200
    drain(services)
    assert docs(services, doc_type="850")[0].state == State.PROCESSED.value
    assert erp_orders(services) == 1
