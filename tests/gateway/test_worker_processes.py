"""Four ``b2bgw worker`` processes over one queue: each order processed once, control numbers unique.

On PostgreSQL (CI's second run) the processes claim with ``FOR UPDATE SKIP LOCKED`` and allocate
ISA13/GS06/ST02 under a row lock; on SQLite the database write lock serialises them. Either way
the partner must see strictly increasing, never reused control numbers.
"""

from __future__ import annotations

import os
import subprocess
import sys

from sqlmodel import col, select

from formats.x12.standalone import envelope_controls
from gateway.intake.files import receive_file
from gateway.pipeline.states import State
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, DocumentEvent

from .test_concurrent_workers import variants

WORKERS = 4
ORDERS = 24


def test_four_worker_processes_share_the_queue(services: Services) -> None:
    for raw in variants(ORDERS):
        assert receive_file(services.engine, partner_id="acme", raw=raw).http_status == 202
    env = {**os.environ, "B2BGW_DATABASE_URL": services.settings.database_url, "B2BGW_ERP": "builtin"}
    command = [sys.executable, "-c", "from gateway.cli import main; main()", "worker", "--once"]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(WORKERS)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0] * WORKERS, [err.decode()[-2000:] for _, err in outputs]
    done = sum(int(out.decode().split()[1]) for out, _ in outputs)  # "processed N document(s)"
    assert done == ORDERS

    with session(services.engine) as s:
        orders = s.exec(select(Document).where(Document.doc_type == "850")).all()
        assert {d.state for d in orders} == {State.PROCESSED.value}
        claims = s.exec(select(DocumentEvent).where(DocumentEvent.to_state == State.PROCESSING.value)).all()
        assert sorted(e.document_id for e in claims) == sorted(d.id for d in orders)  # claimed once each
        assert len({d.erp_order_id for d in orders}) == ORDERS
        outbound = s.exec(select(Document).where(Document.direction == "out", Document.partner_id == "acme")
                          .order_by(col(Document.id))).all()
    controls = [envelope_controls(d.raw) for d in outbound]  # 997s from intake, then the 855s
    for level in range(3):  # ISA13, GS06, ST02 as allocated per partner
        numbers = [int(c[level] or 0) for c in controls]
        assert len(set(numbers)) == len(numbers), f"level {level}: a control number was used twice"
    interchanges = [int(c[0] or 0) for c in controls]
    assert interchanges == sorted(interchanges)  # committed in allocation order: strictly increasing
