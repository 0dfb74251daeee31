"""A worker whose lease was taken over finishes nothing: one ERP order and one 855, whoever was slow.

The SIGKILL test found it on SQLite: a live but slow worker past its lease, and the worker that took
the document over, both reached the last step and both wrote an 855. The last step now holds the
claim first (compare-and-set on state and worker), so the loser stops without touching anything.
"""

from __future__ import annotations

from sqlmodel import select

from gateway.intake.files import receive_file
from gateway.pipeline.orders import Outcome, process_purchase_orders
from gateway.pipeline.queue import ClaimLost, claim_due, recover_expired
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, utcnow
from tests.gateway.flow import X12, docs


def test_a_worker_that_lost_its_claim_changes_nothing(services: Services) -> None:
    raw = (X12 / "850-4010-basic.x12").read_bytes()
    assert receive_file(services.engine, partner_id="acme", raw=raw).http_status == 202
    doc_id = claim_due(services.engine, "slow", limit=1)[0].id
    assert recover_expired(services.engine, lease_seconds=0) == [doc_id]  # "slow" passed its lease
    assert claim_due(services.engine, "quick", limit=1)[0].id == doc_id
    done = process_purchase_orders(services.engine, services.erp, [doc_id], actor="quick")[doc_id]
    assert isinstance(done, Outcome) and done.state is State.PROCESSED
    late = process_purchase_orders(services.engine, services.erp, [doc_id], actor="slow")[doc_id]
    assert isinstance(late, ClaimLost)  # it wakes up and finds the order taken over
    slow = Worker(services.engine, services.erp, services.settings, worker_id="slow")
    assert slow._conclude(doc_id, late, utcnow()) == "lost"  # and leaves the document as it is
    [order] = docs(services, doc_type="850")
    assert order.state == State.PROCESSED.value and order.error is None
    assert len(docs(services, doc_type="855")) == 1
    with session(services.engine) as s:
        assert s.exec(select(Document).where(Document.parent_id == doc_id, Document.doc_type == "855")).one()


def test_two_workers_recovering_the_same_expired_claim_recover_it_once(services: Services) -> None:
    """Two workers' housekeeping read the same expired claim; only the first moves it (one history event)."""
    from sqlalchemy import event

    from gateway.store.documents import history

    raw = (X12 / "850-4010-basic.x12").read_bytes()
    assert receive_file(services.engine, partner_id="acme", raw=raw).http_status == 202
    doc_id = claim_due(services.engine, "vanished", limit=1)[0].id
    nested: list[list[int]] = []
    started: list[bool] = []

    def the_other_worker(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not started and statement.lstrip().upper().startswith("SELECT") and "gw_document" in statement:
            started.append(True)  # once: the other worker's own reads do not start a third
            nested.append(recover_expired(services.engine, lease_seconds=0, actor="other"))  # between read and move

    event.listen(services.engine, "after_cursor_execute", the_other_worker)
    try:
        first = recover_expired(services.engine, lease_seconds=0, actor="first")
    finally:
        event.remove(services.engine, "after_cursor_execute", the_other_worker)
    assert sorted(first + nested[0]) == [doc_id]  # recovered by exactly one of them
    with session(services.engine) as s:
        moves = [e for e in history(s, doc_id) if (e.from_state, e.to_state) == ("processing", "queued")]
        assert len(moves) == 1 and s.get(Document, doc_id).state == State.QUEUED.value  # type: ignore[union-attr]
