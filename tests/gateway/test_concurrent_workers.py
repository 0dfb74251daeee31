"""Several workers over one queue: every document processed exactly once, no order doubled.

On PostgreSQL (CI's second run) the workers claim with ``FOR UPDATE SKIP LOCKED``; on SQLite the
database write lock serialises them. Both must give the same result.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlmodel import select

from formats.x12.envelope import TransactionSet
from formats.x12.reader import read_interchanges
from gateway.intake.files import receive_file
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, DocumentEvent, OrderLink

BASIC = Path(__file__).resolve().parents[2] / "fixtures" / "x12" / "850-4010-basic.x12"


def variants(count: int) -> list[bytes]:
    """``count`` copies of the basic 850, each with its own ISA13 and PO number."""
    raw = BASIC.read_bytes()
    [ts] = [e for e in read_interchanges(raw) if isinstance(e, TransactionSet)]
    po = next(s for s in ts.segments if s[0] == "BEG")[3]
    isa13 = ts.interchange.control_number
    return [raw.replace(isa13.encode(), b"%09d" % (700000000 + i)).replace(po.encode(), f"{po}-{i}".encode())
            for i in range(count)]


def test_four_workers_process_each_document_exactly_once(services: Services) -> None:
    for raw in variants(24):
        assert receive_file(services.engine, partner_id="acme", raw=raw).http_status == 202
    workers = [Worker(services.engine, services.erp, services.settings, worker_id=f"w{i}") for i in range(4)]
    threads = [threading.Thread(target=w.drain) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    with session(services.engine) as s:
        orders = s.exec(select(Document).where(Document.doc_type == "850")).all()
        assert len(orders) == 24
        assert {d.state for d in orders} == {State.PROCESSED.value}
        claims = s.exec(select(DocumentEvent).where(DocumentEvent.to_state == State.PROCESSING.value)).all()
        assert sorted(e.document_id for e in claims) == sorted(d.id for d in orders)  # one claim each
        links = s.exec(select(OrderLink)).all()
        assert len({link.erp_order_id for link in links}) == 24
        acks = s.exec(select(Document).where(Document.doc_type == "855")).all()
        assert len(acks) == 24
        controls = [d.raw.split(b"*")[13] for d in acks]  # ISA13 of every 855 interchange
        assert len(set(controls)) == 24
