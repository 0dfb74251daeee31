"""Purchase orders claimed together go through their steps together, and each still ends on its own.

A worker claims a batch of documents and runs its orders' steps in shared transactions
(:func:`gateway.pipeline.orders.process_purchase_orders`). These tests put real fixture orders in one
batch and make one of them fail at each kind of step: the others must be placed and acknowledged
as if they had been alone, the failing one must carry its own error, and nothing may be doubled
when it is taken up again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from erp.port import ErpRejected, ErpUnavailable, push_one_by_one
from formats.model import Order
from gateway.intake.files import receive_file
from gateway.pipeline import orders as order_steps
from gateway.pipeline.queue import claim_due
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.documents import history
from gateway.store.tables import Document, DocumentEvent
from tests.gateway.flow import X12, docs

FILES = ("850-4010-basic.x12", "850-4010-multi-po.x12", "850-4010-unknown-item.x12", "850-4010-over-stock.x12")
PO_NUMBERS = {"ACME-PO-1001", "ACME-PO-2001", "ACME-PO-2002", "ACME-PO-2003", "ACME-PO-4001", "ACME-PO-4002"}


@pytest.fixture
def queued(services: Services) -> Iterator[dict[str, int]]:
    """Six orders from four real files, queued: PO number -> document id."""
    for name in FILES:
        assert receive_file(services.engine, partner_id="acme", raw=(X12 / name).read_bytes()).http_status == 202
    by_po = {_po_number(services, doc.id or 0): doc.id or 0 for doc in docs(services, doc_type="850")}
    assert set(by_po) == PO_NUMBERS
    yield by_po


def _po_number(services: Services, doc_id: int) -> str:
    from gateway.pipeline.reading import read_stored
    from gateway.store.tables import Partner

    with session(services.engine) as s:
        doc = s.get(Document, doc_id)
        partner = s.get(Partner, "acme")
        assert doc is not None and partner is not None
        order = read_stored(doc, partner).document
    assert isinstance(order, Order)
    return order.po_number


def _worker(services: Services, batch_size: int = 16) -> Worker:
    settings = services.settings.model_copy(update={"batch_size": batch_size})
    return Worker(services.engine, services.erp, settings, worker_id="batcher")


def _erp_orders(services: Services) -> list[str]:
    return [o.erp_order_id for o in (services.erp.find_order(f"acme:{po}:") for po in sorted(PO_NUMBERS)) if o]


def _history(services: Services, doc_id: int) -> list[DocumentEvent]:
    with session(services.engine) as s:
        return list(history(s, doc_id))


def _erp_failing_for(services: Services, monkeypatch: pytest.MonkeyPatch, po_number: str,
                     error: Exception) -> list[str]:
    """Make the ERP place a batch order by order (as an adapter without a batch call does) and raise ``error``
    for ``po_number``; the PO numbers it is asked to place, in order."""
    push = services.erp.push_order
    tried: list[str] = []

    def push_failing_one(order: Order, **kwargs: str):  # type: ignore[no-untyped-def]
        tried.append(order.po_number)
        if order.po_number == po_number:
            raise error
        return push(order, **kwargs)

    monkeypatch.setattr(services.erp, "push_order", push_failing_one)
    monkeypatch.setattr(services.erp, "push_orders", lambda orders: push_one_by_one(services.erp, orders))
    return tried


def _retry_acknowledges_each_once(services: Services, queued: dict[str, int]) -> None:
    """Take the orders waiting for their retry up again: each ends processed with one 855."""
    _make_due(services)
    _worker(services).run_batch()
    for doc_id in queued.values():
        [doc] = docs(services, id=doc_id)
        assert doc.state == State.PROCESSED.value
        assert len(docs(services, parent_id=doc_id, doc_type="855")) == 1


def _make_due(services: Services) -> None:
    with session(services.engine) as s:
        s.execute(update(Document).where(col(Document.state) == State.RETRY.value).values(next_attempt_at=None))
        s.commit()


def test_a_batch_claims_the_oldest_due_documents_once_each(services: Services, queued: dict[str, int]) -> None:
    first = claim_due(services.engine, "one", limit=4)
    second = claim_due(services.engine, "two", limit=4)
    assert [c.id for c in first] == sorted(queued.values())[:4]
    assert [c.id for c in second] == sorted(queued.values())[4:]  # the rest, none twice
    assert {(c.standard, c.doc_type, c.partner_id) for c in first + second} == {("x12", "850", "acme")}
    assert claim_due(services.engine, "three", limit=4) == []
    for claimed in first:
        events = _history(services, claimed.id)
        assert (events[-1].to_state, events[-1].actor, events[-1].reason) == ("processing", "one", "attempt 1")


def test_one_batch_places_and_acknowledges_every_order(services: Services, queued: dict[str, int]) -> None:
    assert _worker(services).run_batch() == len(PO_NUMBERS)
    for po, doc_id in queued.items():
        [doc] = docs(services, id=doc_id)
        assert doc.state == State.PROCESSED.value, (po, doc.error)
        assert doc.po_number == po and doc.erp_order_id
        [ack] = docs(services, parent_id=doc_id, doc_type="855")
        assert ack.erp_order_id == doc.erp_order_id
    assert len(set(_erp_orders(services))) == len(PO_NUMBERS)


def test_an_erp_refusing_one_order_of_a_batch_leaves_the_others_placed(
        services: Services, queued: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    _erp_failing_for(services, monkeypatch, "ACME-PO-2002", ErpRejected("customer ACME may not order item 2002"))
    _worker(services).run_batch()
    [refused] = docs(services, id=queued["ACME-PO-2002"])
    assert refused.state == State.REJECTED.value
    assert refused.error == "refused: the ERP refused the order: customer ACME may not order item 2002"
    [answer] = docs(services, parent_id=refused.id, doc_type="855")  # the refusal is answered (issue 17)
    assert answer.erp_order_id is None and b"BAK*00*RD*ACME-PO-2002" in answer.raw
    others = [docs(services, id=doc_id)[0] for po, doc_id in queued.items() if po != "ACME-PO-2002"]
    assert {doc.state for doc in others} == {State.PROCESSED.value}
    assert len(set(_erp_orders(services))) == len(PO_NUMBERS) - 1


def test_an_unreachable_erp_sends_the_rest_of_the_batch_to_retry(
        services: Services, queued: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """One timeout is enough: the orders after it wait for their retry instead of each timing out."""
    tried = _erp_failing_for(services, monkeypatch, "ACME-PO-2002", ErpUnavailable("the ERP timed out"))
    _worker(services).run_batch()
    in_order = sorted(queued, key=queued.__getitem__)
    assert tried == in_order[:in_order.index("ACME-PO-2002") + 1]
    for po in in_order:
        [doc] = docs(services, id=queued[po])
        if po in tried[:-1]:
            assert doc.state == State.PROCESSED.value
        else:
            assert doc.state == State.RETRY.value
            assert docs(services, parent_id=doc.id, doc_type="855") == []
    [timed_out] = docs(services, id=queued["ACME-PO-2002"])
    assert timed_out.error == "ErpUnavailable: the ERP timed out"
    [waiting] = docs(services, id=queued[in_order[-1]])
    assert waiting.error == ("ErpUnavailable: not sent: the ERP did not answer for an earlier order "
                             "(the ERP timed out)")

    monkeypatch.undo()  # the ERP's own batch call again
    _retry_acknowledges_each_once(services, queued)
    assert len(set(_erp_orders(services))) == len(PO_NUMBERS)


def test_an_erp_call_that_fails_as_a_whole_sends_the_batch_to_retry_and_nothing_is_doubled(
        services: Services, queued: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in ERP places a batch in one call; its answer lost, every order is retried and found."""
    push_orders = services.erp.push_orders

    def placed_but_answer_lost(orders):  # type: ignore[no-untyped-def]
        push_orders(orders)
        raise ErpUnavailable("no answer from the ERP")

    monkeypatch.setattr(services.erp, "push_orders", placed_but_answer_lost)
    _worker(services).run_batch()
    for doc_id in queued.values():
        [doc] = docs(services, id=doc_id)
        assert (doc.state, doc.error) == (State.RETRY.value, "ErpUnavailable: no answer from the ERP")
    placed = _erp_orders(services)
    assert len(placed) == len(PO_NUMBERS)  # the ERP did place them

    monkeypatch.undo()
    _retry_acknowledges_each_once(services, queued)
    assert _erp_orders(services) == placed  # found again, none placed twice
    assert {e.reason.split("(")[-1] for doc_id in queued.values() for e in _history(services, doc_id)
            if e.to_state == "processed" and e.reason} == {"found)"}


def test_a_fault_of_the_batch_call_itself_pushes_each_order_alone(
        services: Services, queued: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the ERP's answer but a fault: no order is blamed for the batch; each is pushed on its own."""
    def broken(orders):  # type: ignore[no-untyped-def]
        raise RuntimeError("adapter bug")

    monkeypatch.setattr(services.erp, "push_orders", broken)
    _worker(services).run_batch()
    for doc_id in queued.values():
        [doc] = docs(services, id=doc_id)
        assert doc.state == State.PROCESSED.value, doc.error
    assert len(set(_erp_orders(services))) == len(PO_NUMBERS)


def test_a_shared_step_failing_for_one_order_is_rerun_order_by_order(
        services: Services, queued: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The last step's shared transaction rolls back for everyone; each order then runs it alone."""
    unlucky = queued["ACME-PO-4001"]
    freeze = order_steps.price_lines

    def freeze_failing_one(pricing, *, document_id: int, **kwargs):  # type: ignore[no-untyped-def]
        if document_id == unlucky:
            raise RuntimeError("price snapshot table unavailable")
        return freeze(pricing, document_id=document_id, **kwargs)

    monkeypatch.setattr(order_steps, "price_lines", freeze_failing_one)
    _worker(services).run_batch()
    [failed] = docs(services, id=unlucky)
    assert failed.state == State.RETRY.value
    assert failed.error == "RuntimeError: price snapshot table unavailable"
    assert docs(services, parent_id=unlucky, doc_type="855") == []  # nothing of its last step was kept
    for po, doc_id in queued.items():
        if doc_id != unlucky:
            [doc] = docs(services, id=doc_id)
            assert doc.state == State.PROCESSED.value, (po, doc.error)
            assert len(docs(services, parent_id=doc_id, doc_type="855")) == 1
            assert [e.to_state for e in _history(services, doc_id)].count("processed") == 1

    monkeypatch.setattr(order_steps, "price_lines", freeze)
    placed = services.erp.find_order("acme:ACME-PO-4001:")
    assert placed is not None  # pushed before the step failed: taking it up again must find, not repeat, it
    _make_due(services)
    _worker(services).run_batch()
    [done] = docs(services, id=unlucky)
    assert done.state == State.PROCESSED.value and done.erp_order_id == placed.erp_order_id
    assert len(docs(services, parent_id=unlucky, doc_type="855")) == 1


def test_the_same_po_twice_in_one_batch_is_placed_once(services: Services) -> None:
    raw = (X12 / "850-4010-basic.x12").read_bytes()
    again = raw.replace(b"*000001001*", b"*000001002*").replace(b"*1001*X*", b"*1002*X*")  # a new interchange
    for file in (raw, again):
        assert receive_file(services.engine, partner_id="acme", raw=file).http_status == 202
    assert _worker(services).run_batch() == 2
    first, second = docs(services, doc_type="850")
    assert first.state == State.PROCESSED.value
    assert second.state == State.DUPLICATE.value
    reason = _history(services, second.id or 0)[-1].reason
    assert reason == f"PO ACME-PO-1001 was already ordered by document {first.id}"
    assert len(docs(services, doc_type="855")) == 1


def test_a_document_that_cannot_be_read_fails_alone(services: Services, queued: dict[str, int]) -> None:
    broken = queued["ACME-PO-2003"]
    with session(services.engine) as s:
        doc = s.get(Document, broken)
        assert doc is not None
        doc.raw = doc.raw.replace(b"BEG*00*SA*", b"BEG*00*")  # the stored set damaged after intake
        s.add(doc)
        s.commit()
    _worker(services).run_batch()
    [failed] = docs(services, id=broken)
    assert failed.state == State.REJECTED.value and failed.error
    with session(services.engine) as s:
        states = set(s.exec(select(Document.state).where(col(Document.id).in_(
            [doc_id for doc_id in queued.values() if doc_id != broken]))).all())
    assert states == {State.PROCESSED.value}



def _numbers_without_gaps(services: Services) -> None:
    """Every outbound X12 interchange to acme (997s and 855s) has its own ISA13, GS06 and ST02, with no gap."""
    sent = [d for d in docs(services, partner_id="acme", direction="out") if d.standard == "x12"]
    for field in ("interchange_control", "group_control"):
        numbers = sorted(int(getattr(d, field)) for d in sent)
        assert numbers == list(range(numbers[0], numbers[0] + len(sent))), field
    sets = sorted(int(d.set_control or 0) for d in sent)
    assert len(set(sets)) == len(sets)


def test_a_batch_numbers_its_acknowledgments_in_one_reservation_without_gaps(
        services: Services, queued: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The last step reserves the batch's control numbers at once; a rolled-back batch gives them back."""
    from gateway import outbound
    from gateway.store import control_numbers

    unlucky = queued["ACME-PO-4001"]  # its 855 comes after others of the batch have taken their numbers
    draft = outbound._draft

    def draft_failing_one(s, emission):  # type: ignore[no-untyped-def]
        if emission.parent_id == unlucky:
            raise RuntimeError("outbox unavailable")
        return draft(s, emission)

    reservations: list[int] = []
    reserve = control_numbers.reserve

    def counting_reserve(s, partner_id: str, count: int) -> None:  # type: ignore[no-untyped-def]
        reservations.append(count)
        reserve(s, partner_id, count)

    monkeypatch.setattr(outbound, "_draft", draft_failing_one)
    monkeypatch.setattr("gateway.outbound.reserve", counting_reserve)
    _worker(services).run_batch()
    assert reservations == [len(PO_NUMBERS)] + [1] * len(PO_NUMBERS)  # the batch at once, then one by one
    assert len(docs(services, doc_type="855")) == len(PO_NUMBERS) - 1
    _numbers_without_gaps(services)  # the rolled-back reservation left no hole

    monkeypatch.setattr(outbound, "_draft", draft)
    _make_due(services)
    _worker(services).run_batch()
    assert len(docs(services, doc_type="855")) == len(PO_NUMBERS)
    _numbers_without_gaps(services)
