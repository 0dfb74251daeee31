"""Proof under faults: workers killed with SIGKILL, an ERP that refuses calls for a while, four
worker processes over one queue. Nothing is lost, nothing is doubled, everything ends final."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bench.orders import order_interchanges
from erp.builtin.tables import ErpOrderRow
from formats.x12.standalone import envelope_controls
from gateway.delivery.faults import ErpOutage
from gateway.delivery.tables import OutboxMessage
from gateway.intake.files import receive_file
from gateway.pipeline.states import FINAL, State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.documents import history
from gateway.store.tables import Document, DocumentEvent, OrderLink, Partner

from .conftest import WorkerProcesses

pytestmark = pytest.mark.slow

ORDERS = int(os.environ.get("B2BGW_FAULT_ORDERS", "1000"))
"""The issue asks for 1,000; a developer may run fewer on a busy machine (CI keeps the default)."""
OUTAGE_ORDERS = 40
FINAL_STATES = {s.value for s in FINAL}
SENDERS = {"acme": b"ACMEBUYER", "globex": b"GLOBEXEDI"}


def receive_orders(services: Services, count: int, prefix: str, partners: tuple[str, ...] = ("acme",)) -> None:
    """``count`` orders in files of 100, spread over ``partners`` (each buys as its own ERP customer)."""
    for number, raw in enumerate(order_interchanges(count, per_file=100, prefix=prefix)):
        partner = partners[number % len(partners)]
        raw = raw.replace(b"ACMEBUYER", SENDERS[partner])  # same length: the ISA stays fixed-width
        assert receive_file(services.engine, partner_id=partner, raw=raw).http_status == 202


def deliver_to_folder(services: Services, folder: Path) -> None:
    with session(services.engine) as s:
        for partner in s.exec(select(Partner).where(col(Partner.id).in_(list(SENDERS)))).all():
            partner.settings = {**partner.settings, "delivery": {"channel": "file", "destination": str(folder)}}
            s.add(partner)
        s.commit()


def unfinished(services: Services) -> int:
    """Orders not yet final plus outbox messages not yet delivered."""
    with session(services.engine) as s:
        orders = s.exec(select(func.count()).select_from(Document).where(
            Document.doc_type == "850", col(Document.state).not_in(FINAL_STATES))).one()
        messages = s.exec(select(func.count()).select_from(OutboxMessage).where(
            col(OutboxMessage.state).in_(["pending", "retry", "delivering"]))).one()
    return int(orders) + int(messages)


def wait_until_done(services: Services, workers: WorkerProcesses, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while unfinished(services) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert unfinished(services) == 0, f"not finished in {timeout}s; workers said:\n{workers.errors()}"


def assert_each_order_exactly_once(services: Services, count: int) -> None:
    """Every order processed, one ERP order per PO, one 855 per order, control numbers never reused."""
    with session(services.engine) as s:
        orders = s.exec(select(Document).where(Document.doc_type == "850")).all()
        assert len(orders) == count
        assert Counter(d.state for d in orders) == {State.PROCESSED.value: count}
        per_po = Counter(s.exec(select(ErpOrderRow.po_number)).all())
        assert len(per_po) == count and set(per_po.values()) == {1}, "an ERP order was made twice"
        assert len({d.erp_order_id for d in orders}) == count
        links = s.exec(select(OrderLink)).all()
        assert len(links) == count and all(link.erp_order_id for link in links)
        acks = s.exec(select(Document).where(Document.doc_type == "855")).all()
        assert sorted(a.parent_id for a in acks) == sorted(d.id for d in orders), "an order has two 855s or none"
        isa13 = [(a.partner_id, envelope_controls(a.raw)[0]) for a in acks]  # numbered per partner
        assert len(set(isa13)) == len(isa13), "a partner got one interchange control number twice"
        inbound = s.exec(select(Document.state).where(Document.direction == "in")).all()
        assert set(inbound) <= FINAL_STATES


def test_sigkilled_workers_lose_nothing_and_double_nothing(services: Services, worker_processes: WorkerProcesses,
                                                           tmp_path: Path) -> None:
    """On both databases: PostgreSQL with row locks, SQLite with its write lock and compare-and-set claims."""
    outbox = tmp_path / "acme-inbox"
    outbox.mkdir()
    deliver_to_folder(services, outbox)
    receive_orders(services, ORDERS, "KILL", partners=("acme", "globex"))
    chance = random.Random(7)
    for _ in range(4):
        worker_processes.start()
    while unfinished(services) > ORDERS // 4 and worker_processes.kills < 12:
        time.sleep(chance.uniform(0.2, 1.0))
        victim = chance.choice(worker_processes.running())
        worker_processes.kill(victim)
        worker_processes.start()
    wait_until_done(services, worker_processes, timeout=900)
    worker_processes.stop_all()  # how they stop is the four-process test's business; here, what they left
    assert worker_processes.kills >= 4

    assert_each_order_exactly_once(services, ORDERS)
    with session(services.engine) as s:
        messages = s.exec(select(OutboxMessage)).all()
        assert len(messages) == ORDERS and {m.state for m in messages} == {"delivered"}
        sent = s.exec(select(Document).where(Document.doc_type == "855")).all()
        assert {d.state for d in sent} == {State.SENT.value}
        # a document is claimed again only after its worker was killed and its lease ran out
        claims = Counter(s.exec(select(DocumentEvent.document_id).where(
            DocumentEvent.to_state == State.PROCESSING.value)).all())
        recovered = Counter(s.exec(select(DocumentEvent.document_id).where(
            DocumentEvent.from_state == State.PROCESSING.value, DocumentEvent.to_state == State.QUEUED.value)).all())
        twice = {doc: [(e.from_state, e.to_state, e.actor, e.reason) for e in history(s, doc)]
                 for doc in claims if claims[doc] != 1 + recovered[doc]}
    assert not twice, f"claimed again without a lease running out: {twice}"
    written = sorted(p.name for p in outbox.iterdir())
    assert len(written) == ORDERS and not any(name.startswith(".partial-") for name in written)


def test_an_erp_outage_delays_orders_and_dead_letters_none(services: Services) -> None:
    receive_orders(services, OUTAGE_ORDERS, "OUTAGE")
    settings = services.settings.model_copy(update={"retry_base_seconds": 0.3, "max_attempts": 6})
    erp = ErpOutage(services.erp, seconds=1.5)
    workers = [Worker(services.engine, erp, settings, worker_id=f"w{i}") for i in range(2)]  # type: ignore[arg-type]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in workers]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            with session(services.engine) as s:
                states = Counter(s.exec(select(Document.state).where(Document.doc_type == "850")).all())
            if set(states) <= FINAL_STATES:
                break
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert erp.refused > 0
    assert states == {State.PROCESSED.value: OUTAGE_ORDERS}, states
    assert_each_order_exactly_once(services, OUTAGE_ORDERS)
    with session(services.engine) as s:
        assert s.exec(select(func.count()).select_from(Document).where(Document.state == State.DEAD.value)).one() == 0


def test_four_worker_processes_on_postgresql_process_each_document_once(on_postgresql: Services,
                                                                       worker_processes: WorkerProcesses) -> None:
    """Beyond test_worker_processes (four ``--once`` drains): long-running workers polling one queue
    while orders keep arriving, never claiming a document twice and never placing an order twice."""
    services = on_postgresql
    # Batches of 16, not the default 64: 200 orders are only three claims of 64, which three
    # workers can take between them before the fourth polls, and then "every worker took a
    # share" would test the timing rather than the sharing.
    worker_processes.env["B2BGW_BATCH_SIZE"] = "16"
    for _ in range(4):
        worker_processes.start()
    for batch in range(4):  # orders arrive while the workers run
        for raw in order_interchanges(50, per_file=25, prefix=f"FOUR{batch}", first_isa13=810000000 + batch * 10):
            assert receive_file(services.engine, partner_id="acme", raw=raw).http_status == 202
    wait_until_done(services, worker_processes, timeout=180)
    assert worker_processes.stop_all() == [0, 0, 0, 0], worker_processes.errors()
    assert_each_order_exactly_once(services, 200)
    with session(services.engine) as s:
        claims = Counter(s.exec(select(DocumentEvent.document_id).where(
            DocumentEvent.to_state == State.PROCESSING.value)).all())
        workers = Counter(s.exec(select(DocumentEvent.actor).where(
            DocumentEvent.to_state == State.PROCESSING.value)).all())
    assert set(claims.values()) == {1}
    assert len(workers) == 4, f"every worker took a share: {workers}"
