"""Alerts: dead letters, error spikes and missing acknowledgments reach the operator once per incident.

Notifications go through the outbox to a real HTTP receiver on loopback and a real SMTP server
(aiosmtpd), so what is checked is what the operator's chat channel and mailbox actually get.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from gateway.alerts.incidents import AlertKind, AlertRules, raise_alerts
from gateway.alerts.tables import AlertIncident
from gateway.delivery.deliverer import Deliverer
from gateway.delivery.tables import OutboxMessage
from gateway.delivery.transports import TransportContext, build_transports
from gateway.pipeline.states import State
from gateway.services import Services
from gateway.store.db import session
from gateway.store.documents import create_document, move
from gateway.store.tables import Document, utcnow
from tests.browser import free_port
from tests.gateway.reliability.receiver import receiver


def document(services: Services, state: State, *, partner: str = "acme", direction: str = "in",
             doc_type: str = "850") -> int:
    """A stored document brought to ``state`` through the allowed transitions."""
    path = {State.DEAD: [State.QUEUED, State.PROCESSING, State.DEAD],
            State.REJECTED: [State.REJECTED], State.PROCESSED: [State.QUEUED, State.PROCESSING, State.PROCESSED],
            State.OUTBOX: [State.OUTBOX]}[state]
    with session(services.engine) as s:
        doc = create_document(s, raw=b"ISA*...", direction=direction, doc_type=doc_type, state=path[0],
                              actor="test", partner_id=partner, standard="x12", po_number="PO-1",
                              error="ERP unavailable: timed out" if state is State.DEAD else None)
        for step in path[1:]:
            move(s, doc, step, actor="test")
        doc.attempts = 5 if state is State.DEAD else 0
        s.add(doc)
        s.commit()
        assert doc.id is not None
        return doc.id


def incidents(services: Services) -> list[AlertIncident]:
    with session(services.engine) as s:
        return list(s.exec(select(AlertIncident).order_by(AlertIncident.id)).all())  # type: ignore[arg-type]


def deliver_all(services: Services) -> int:
    deliverer = Deliverer(services.engine, build_transports(TransportContext(services.erp)), services.settings,
                          "test-deliverer")
    return deliverer.drain()


class Mailbox:
    """An SMTP server on loopback that keeps what it is sent."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def test_a_dead_letter_is_told_once_by_webhook_and_mail(services: Services, mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    dead = document(services, State.DEAD)
    with receiver(200) as hook:
        rules = AlertRules(webhooks=(hook.url,), emails=("ops@seller.example",), smtp_server=f"127.0.0.1:{port}",
                           public_url="https://gw.seller.example")
        first = raise_alerts(services.engine, rules)
        assert [(i.kind, i.subject) for i in first.opened] == [(AlertKind.DEAD_LETTER.value, f"document:{dead}")]
        assert first.notifications == 2
        for _ in range(3):  # the worker looks again and again: the incident is open, nothing new is sent
            assert raise_alerts(services.engine, rules).notifications == 0
        assert deliver_all(services) == 2
        assert deliver_all(services) == 0
    [(headers, body)] = hook.received
    alert = json.loads(body)
    assert alert["alert"] == "dead_letter" and alert["details"]["document_id"] == dead
    assert "after 5 attempts: ERP unavailable: timed out" in alert["text"]
    assert alert["operator_page"] == "https://gw.seller.example/admin"
    assert headers["Idempotency-Key"].startswith("alert:")
    [(sender, recipients, raw)] = box.messages
    mail = message_from_bytes(raw)
    assert (sender, recipients) == ("b2bgw@localhost", ["ops@seller.example"])
    assert mail["Subject"] == f"[b2b-gateway] dead letter: document:{dead}"
    assert "ERP unavailable" in mail.get_payload()


def test_an_incident_closes_when_the_problem_goes_and_a_new_one_is_told_again(services: Services) -> None:
    rules = AlertRules(webhooks=("http://127.0.0.1:9/hook",))
    dead = document(services, State.DEAD)
    raise_alerts(services.engine, rules)
    with session(services.engine) as s:
        doc = s.get(Document, dead)
        assert doc is not None
        move(s, doc, State.QUEUED, actor="operator")  # replayed
        s.commit()
    closed = raise_alerts(services.engine, rules)
    assert [i.subject for i in closed.closed] == [f"document:{dead}"] and closed.notifications == 0
    with session(services.engine) as s:
        doc = s.get(Document, dead)
        assert doc is not None
        move(s, doc, State.PROCESSING, actor="worker")
        move(s, doc, State.DEAD, actor="worker")  # and it died again: a new incident
        s.commit()
    again = raise_alerts(services.engine, rules)
    assert [i.subject for i in again.opened] == [f"document:{dead}"] and again.notifications == 1
    assert [(i.subject, i.closed_at is None) for i in incidents(services)] == [
        (f"document:{dead}", False), (f"document:{dead}", True)]  # the first closed, the second open


def test_a_partners_error_rate_over_the_threshold_is_one_incident(services: Services) -> None:
    rules = AlertRules(webhooks=("http://127.0.0.1:9/hook",), error_rate=0.5, min_documents=4)
    for _ in range(3):
        document(services, State.REJECTED)
    assert raise_alerts(services.engine, rules).opened == []  # 3 finished: below the minimum
    document(services, State.PROCESSED)
    opened = raise_alerts(services.engine, rules).opened
    assert [(i.kind, i.subject) for i in opened] == [("error_rate", "partner:acme")]
    assert opened[0].summary.startswith("3 of 4 documents from acme failed in the last 15 minutes (75%")
    document(services, State.REJECTED)
    assert raise_alerts(services.engine, rules).opened == []  # still the same incident
    for _ in range(6):
        document(services, State.PROCESSED)
    assert [i.subject for i in raise_alerts(services.engine, rules).closed] == ["partner:acme"]  # 4 of 11
    later = utcnow() + dt.timedelta(hours=1)  # the window has moved past all of them
    assert raise_alerts(services.engine, rules, now=later).opened == []


def test_a_missing_acknowledgment_is_told_once(services: Services) -> None:
    rules = AlertRules(webhooks=("http://127.0.0.1:9/hook",))
    sent = document(services, State.OUTBOX, direction="out", doc_type="855")
    with session(services.engine) as s:
        doc = s.get(Document, sent)
        assert doc is not None
        doc.ack_status, doc.interchange_control, doc.group_control = "overdue", "000000042", "42"
        s.add(doc)
        s.commit()
    [incident] = raise_alerts(services.engine, rules).opened
    assert incident.kind == "missing_ack" and "acme has not acknowledged our 855" in incident.summary
    assert "ISA 000000042" in incident.summary
    assert raise_alerts(services.engine, rules).opened == []


def test_an_alert_that_cannot_be_delivered_never_alerts_about_itself(services: Services) -> None:
    rules = AlertRules(webhooks=("http://127.0.0.1:9/hook",))
    document(services, State.DEAD)
    raise_alerts(services.engine, rules)
    with session(services.engine) as s:
        [message] = s.exec(select(OutboxMessage)).all()
        message.state = "dead"  # the webhook stayed down through every attempt
        s.add(message)
        s.commit()
    assert raise_alerts(services.engine, rules).opened == []
