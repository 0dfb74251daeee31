"""The transactional outbox: written with the decision, delivered through the channel's transport,
retried with backoff when the failure is transient, stopped at once when it is permanent, and
dead-lettered with every attempt after the partner's maximum."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from erp.port import ErpRejected, ErpUnavailable
from formats.errors import FormatError
from formats.x12 import po850
from gateway.auth.audit import audit_trail
from gateway.delivery import FailureKind, PermanentFailure, TransientFailure, classify, enqueue, redeliver
from gateway.delivery.attempts import attempts_of
from gateway.delivery.outbox import MessageState, enqueue_json, recover_expired_messages
from gateway.delivery.tables import OutboxMessage
from gateway.intake.files import receive_file
from gateway.pipeline.reading import DocumentRejected
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner

from ..flow import AUTH, X12, docs, sets_of
from .receiver import receiver

BASIC = X12 / "850-4010-basic.x12"


def configure(services: Services, partner_id: str = "acme", **settings: object) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, partner_id)
        assert partner is not None
        partner.settings = {**partner.settings, **settings}
        s.add(partner)
        s.commit()


def worker(services: Services) -> Worker:
    return Worker(services.engine, services.erp, services.settings, worker_id="test-worker")


def deliver_until_settled(services: Services, timeout: float = 10.0) -> None:
    """Deliver until no message is pending or waiting for a retry (retries are due within ms here)."""
    w = worker(services)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        w.drain()
        with session(services.engine) as s:
            waiting = s.exec(select(OutboxMessage).where(OutboxMessage.state.in_(  # type: ignore[attr-defined]
                [MessageState.PENDING.value, MessageState.RETRY.value, MessageState.DELIVERING.value]))).all()
        if not waiting:
            return
        time.sleep(0.02)
    raise AssertionError("messages still waiting")


def messages(services: Services) -> list[OutboxMessage]:
    with session(services.engine) as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())  # type: ignore[arg-type]


def test_an_855_is_posted_to_the_partner_url_and_marked_sent(services: Services) -> None:
    with receiver(200) as partner_url:
        configure(services, delivery={"channel": "http", "destination": partner_url.url})
        assert receive_file(services.engine, partner_id="acme", raw=BASIC.read_bytes()).http_status == 202
        worker(services).drain()

        [ack] = docs(services, doc_type="855")
        assert ack.state == State.SENT.value
        [message] = messages(services)
        assert (message.state, message.document_id, message.attempts) == ("delivered", ack.id, 1)
        [(headers, body)] = partner_url.received
        assert body == ack.raw
        assert headers["Idempotency-Key"] == f"document:{ack.id}"
        assert headers["Content-Type"] == "application/edi-x12"
        assert [ts.code for ts in sets_of(ack.raw)] == ["855"]
        with session(services.engine) as s:
            [attempt] = attempts_of(s, message_id=message.id)
        assert (attempt.outcome, attempt.error) == ("delivered", None)


def test_the_997_stays_in_the_outbox_and_partners_without_a_channel_fetch_theirs(services: Services) -> None:
    receive_file(services.engine, partner_id="acme", raw=BASIC.read_bytes())
    worker(services).drain()
    assert messages(services) == []
    [ack] = docs(services, doc_type="855")
    assert ack.state == State.OUTBOX.value


def test_a_5xx_is_retried_with_backoff_until_the_partner_takes_it(services: Services) -> None:
    with receiver(503, 502, 200) as partner_url:
        configure(services, delivery={"channel": "http", "destination": partner_url.url})
        receive_file(services.engine, partner_id="acme", raw=BASIC.read_bytes())
        deliver_until_settled(services)

        [message] = messages(services)
        assert (message.state, message.attempts) == ("delivered", 3)
        assert len(partner_url.received) == 3
        assert {h["Idempotency-Key"] for h, _ in partner_url.received} == {message.idempotency_key}
        with session(services.engine) as s:
            history = attempts_of(s, message_id=message.id)
        assert [(a.attempt, a.outcome) for a in history] == [(1, "transient"), (2, "transient"), (3, "delivered")]
        assert "HTTP 503" in (history[0].error or "") and "HTTP 502" in (history[1].error or "")
        assert docs(services, doc_type="855")[0].state == State.SENT.value


def test_a_4xx_stops_at_once_and_the_operator_can_deliver_it_again(services: Services) -> None:
    with receiver(400, 200) as partner_url:
        configure(services, delivery={"channel": "http", "destination": partner_url.url})
        receive_file(services.engine, partner_id="acme", raw=BASIC.read_bytes())
        deliver_until_settled(services)

        [message] = messages(services)
        assert (message.state, message.attempts) == ("failed", 1)
        assert "HTTP 400" in (message.last_error or "") and "refused: bad document" in (message.last_error or "")
        [ack] = docs(services, doc_type="855")
        assert ack.state == State.DEAD.value

        redeliver(services.engine, message.id or 0, actor="operator")
        assert docs(services, doc_type="855")[0].state == State.OUTBOX.value
        deliver_until_settled(services)
        [message] = messages(services)
        assert (message.state, message.attempts) == ("delivered", 1)
        assert docs(services, doc_type="855")[0].state == State.SENT.value
        with session(services.engine) as s:
            assert [a.outcome for a in attempts_of(s, message_id=message.id)] == ["permanent", "delivered"]


def test_after_the_partners_max_attempts_the_message_is_a_dead_letter_with_every_attempt(
        services: Services) -> None:
    with receiver(503) as partner_url:
        configure(services, delivery={"channel": "http", "destination": partner_url.url}, max_attempts=3)
        receive_file(services.engine, partner_id="acme", raw=BASIC.read_bytes())
        deliver_until_settled(services)

        [message] = messages(services)
        assert (message.state, message.attempts) == ("dead", 3)
        with session(services.engine) as s:
            history = attempts_of(s, message_id=message.id)
        assert [a.outcome for a in history] == ["transient"] * 3
        assert all("HTTP 503" in (a.error or "") for a in history)
        [ack] = docs(services, doc_type="855")
        assert ack.state == State.DEAD.value


def test_a_refused_connection_is_transient(services: Services) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    configure(services, delivery={"channel": "http", "destination": closed}, max_attempts=2)
    receive_file(services.engine, partner_id="acme", raw=BASIC.read_bytes())
    deliver_until_settled(services)
    [message] = messages(services)
    assert (message.state, message.attempts) == ("dead", 2)
    assert "not reachable" in (message.last_error or "")


def test_the_message_is_written_with_the_decision_or_not_at_all(services: Services) -> None:
    with session(services.engine) as s:
        enqueue(s, channel="http", destination="http://127.0.0.1:9/", kind="test", idempotency_key="k-1",
                payload=b"x")
        s.rollback()
    assert messages(services) == []
    with session(services.engine) as s:
        first = enqueue(s, channel="http", destination="http://127.0.0.1:9/", kind="test", idempotency_key="k-1",
                        payload=b"x")
        s.commit()
        again = enqueue(s, channel="http", destination="http://127.0.0.1:9/", kind="test", idempotency_key="k-1",
                        payload=b"other")
        s.commit()
    assert again.id == first.id
    assert len(messages(services)) == 1


def test_the_file_channel_drops_the_document_into_the_partners_folder(services: Services, tmp_path: Path) -> None:
    configure(services, delivery={"channel": "file", "destination": str(tmp_path)})
    receive_file(services.engine, partner_id="acme", raw=BASIC.read_bytes())
    worker(services).drain()
    [message] = messages(services)
    assert message.state == "delivered"
    [written] = list(tmp_path.iterdir())
    assert written.read_bytes() == docs(services, doc_type="855")[0].raw


def test_an_erp_push_through_the_outbox_is_idempotent_on_redelivery(services: Services) -> None:
    [ts] = sets_of(BASIC.read_bytes())
    order = po850.parse(ts)
    body = {"order": order.model_dump(mode="json"), "customer_id": "ACME"}
    with session(services.engine) as s:
        enqueue_json(s, channel="erp", destination="push_order", kind="erp.push_order",
                     idempotency_key="acme:outbox-test:", body=body)
        s.commit()
    worker(services).drain()
    [message] = messages(services)
    assert message.state == "delivered" and message.response is not None
    assert message.response["created"] is True
    first_order = message.response["erp_order_id"]

    with session(services.engine) as s:  # a worker that died after the call and before recording it
        row = s.get(OutboxMessage, message.id)
        assert row is not None
        row.state, row.claimed_by, row.claimed_at = "delivering", "dead-worker", row.created_at
        s.add(row)
        s.commit()
    assert recover_expired_messages(services.engine, lease_seconds=0) == [message.id]
    worker(services).drain()
    [message] = messages(services)
    assert message.response == {**message.response, "erp_order_id": first_order, "created": False}
    assert services.erp.find_order("acme:outbox-test:") is not None


def test_a_message_for_a_channel_nobody_registered_fails_permanently(services: Services) -> None:
    with session(services.engine) as s:
        enqueue_json(s, channel="x400", destination="partner-x400-address", kind="document",
                     idempotency_key="x400-1", body={"x": 1})
        s.commit()
    worker(services).drain()
    [message] = messages(services)
    assert message.state == "failed"
    assert "no transport for channel 'x400'" in (message.last_error or "")


@pytest.mark.parametrize(("failure", "kind"), [
    (ErpUnavailable("busy"), FailureKind.TRANSIENT),
    (TimeoutError("timed out"), FailureKind.TRANSIENT),
    (ConnectionRefusedError("refused"), FailureKind.TRANSIENT),
    (TransientFailure("HTTP 503"), FailureKind.TRANSIENT),
    (RuntimeError("a bug"), FailureKind.TRANSIENT),
    (ErpRejected("unknown customer"), FailureKind.PERMANENT),
    (PermanentFailure("HTTP 400"), FailureKind.PERMANENT),
    (DocumentRejected("not an order"), FailureKind.PERMANENT),
    (FormatError("bad segment"), FailureKind.PERMANENT),
])
def test_one_rule_sorts_failures_for_documents_and_messages(failure: Exception, kind: FailureKind) -> None:
    assert classify(failure) is kind


def test_a_document_whose_erp_is_down_is_dead_after_the_partners_attempts_with_each_error(
        services: Services) -> None:
    from gateway.delivery.faults import ErpOutage

    configure(services, max_attempts=2)
    receive_file(services.engine, partner_id="acme", raw=BASIC.read_bytes())
    down = Worker(services.engine, ErpOutage(services.erp, seconds=3600), services.settings,  # type: ignore[arg-type]
                  worker_id="w-down")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and docs(services, doc_type="850")[0].state != State.DEAD.value:
        down.drain()
        time.sleep(0.02)
    [order] = docs(services, doc_type="850")
    assert (order.state, order.attempts) == (State.DEAD.value, 2)
    with session(services.engine) as s:
        history = attempts_of(s, document_id=order.id)
    assert [(a.attempt, a.outcome) for a in history] == [(1, "transient"), (2, "transient")]
    assert all("ERP outage" in (a.error or "") for a in history)
    assert json.dumps([a.worker for a in history]) == json.dumps(["w-down", "w-down"])


def test_the_operator_sees_dead_letters_with_their_attempts_and_sends_them_again(
        client: TestClient, services: Services) -> None:
    with receiver(503, 503, 200) as partner_url:
        configure(services, delivery={"channel": "http", "destination": partner_url.url}, max_attempts=2)
        receive_file(services.engine, partner_id="acme", raw=BASIC.read_bytes())
        deliver_until_settled(services)

        [dead] = client.get("/api/outbox", params={"state": "dead"}, headers=AUTH).json()
        assert (dead["attempts"], dead["channel"]) == (2, "http") and "HTTP 503" in dead["last_error"]
        history = client.get(f"/api/outbox/{dead['id']}/attempts", headers=AUTH).json()
        assert [a["outcome"] for a in history] == ["transient", "transient"]
        assert client.post(f"/api/outbox/{dead['id']}/redeliver", headers=AUTH).json()["state"] == "pending"
        assert client.post(f"/api/outbox/{dead['id']}/redeliver", headers=AUTH).status_code == 409
        assert client.post("/api/outbox/999999/redeliver", headers=AUTH).status_code == 404
        assert client.get("/api/outbox", headers={}).status_code == 401
        deliver_until_settled(services)
        assert client.get("/api/outbox", params={"state": "delivered"}, headers=AUTH).json()[0]["id"] == dead["id"]
        assert docs(services, doc_type="855")[0].state == State.SENT.value
        with session(services.engine) as s:
            [entry] = audit_trail(s, action="outbox.redeliver")
        assert entry.target == f"message:{dead['id']}"
