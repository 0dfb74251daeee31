"""A worker whose lease was taken over finishes nothing: one ERP order and one 855, whoever was slow.

The SIGKILL test found it on SQLite: a live but slow worker past its lease, and the worker that took
the document over, both reached the last step and both wrote an 855. The last step now holds the
claim first (compare-and-set on state and worker), so the loser stops without touching anything.
"""

from __future__ import annotations

from sqlmodel import select

from gateway.intake.files import receive_file
from gateway.pipeline.queue import claim_next, recover_expired
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document
from tests.gateway.flow import X12, docs


def test_a_worker_that_lost_its_claim_changes_nothing(services: Services) -> None:
    raw = (X12 / "850-4010-basic.x12").read_bytes()
    assert receive_file(services.engine, partner_id="acme", raw=raw).http_status == 202
    slow = Worker(services.engine, services.erp, services.settings, worker_id="slow")
    quick = Worker(services.engine, services.erp, services.settings, worker_id="quick")
    doc_id = claim_next(services.engine, "slow")
    assert doc_id is not None
    assert recover_expired(services.engine, lease_seconds=0) == [doc_id]  # "slow" passed its lease
    assert claim_next(services.engine, "quick") == doc_id
    assert quick._process(doc_id, ("x12", "850")) == State.PROCESSED.value
    assert slow._process(doc_id, ("x12", "850")) == "lost"  # it wakes up and finds the order taken over
    [order] = docs(services, doc_type="850")
    assert order.state == State.PROCESSED.value and order.error is None
    assert len(docs(services, doc_type="855")) == 1
    with session(services.engine) as s:
        assert s.exec(select(Document).where(Document.parent_id == doc_id, Document.doc_type == "855")).one()
