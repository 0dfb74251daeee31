"""Group commit of punchout setups: requests answered together, each kept, refusals kept on their own."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import func, select

from formats.cxml import envelope
from formats.cxml.redaction import redact_secrets
from gateway.pipeline.states import State
from gateway.punchout.batching import SetupBatcher
from gateway.punchout.tables import PunchoutSession
from gateway.services import Services
from gateway.store.db import session
from gateway.store.documents import history
from gateway.store.tables import Document
from tests.gateway.punchout.cxml_requests import bare_request, demo_routing, setup_request

BASE = "http://gateway.test"


def commits_of(services: Services) -> list[int]:
    """A list that grows by one on every commit of the services' engine."""
    seen: list[int] = []
    event.listen(services.engine, "commit", lambda _conn: seen.append(1))
    return seen


def test_a_batch_commits_once_and_answers_each_request(services: Services) -> None:
    batcher = SetupBatcher(services.engine, services.erp)
    raws = [setup_request(cookie=f"cookie-{n}") for n in range(13)]
    batch = [batcher.read(raw, base_url=BASE, max_bytes=1_000_000) for raw in raws]
    assert all(p is not None for p in batch)
    commits = commits_of(services)

    batcher.answer([p for p in batch if p is not None])

    answers = [p.answer.result(timeout=0) for p in batch if p is not None]
    assert [a.code for a in answers] == [200] * 13
    assert len(commits) == 1  # thirteen requests, one durable commit
    starts = [a.body for a in answers]
    assert all(b"/punchout/start/" in body for body in starts) and len(set(starts)) == 13
    with session(services.engine) as s:
        docs = s.exec(select(Document).where(Document.standard == "cxml").order_by(Document.id)).all()
        cookies = s.exec(select(PunchoutSession.buyer_cookie).order_by(PunchoutSession.id)).all()
    assert [d.id for d in docs] == [a.document_id for a in answers]
    assert [d.state for d in docs] == [State.ACCEPTED.value] * 13
    assert [d.raw for d in docs] == [redact_secrets(r, verdict="matched") for r in raws]  # kept, secret redacted
    assert cookies == [f"cookie-{n}" for n in range(13)]
    with session(services.engine) as s:
        first = s.exec(select(PunchoutSession).where(PunchoutSession.buyer_cookie == "cookie-0")).one()
        events = history(s, docs[0].id or 0)
    assert docs[0].canonical == {"punchout_session": first.id, "operation": "create"}
    assert first.document_id == docs[0].id and first.extrinsics["CostCenter"] == "CC-4711"
    assert [(e.from_state, e.to_state) for e in events] == [(None, "received"), ("received", "translating"),
                                                            ("translating", "accepted")]


def test_a_refused_request_in_a_batch_is_kept_alone_and_the_others_go_through(services: Services) -> None:
    batcher = SetupBatcher(services.engine, services.erp)
    good = [setup_request(cookie=f"good-{n}") for n in range(4)]
    wrong_secret = setup_request(cookie="intruder", routing=demo_routing(secret="guess"))
    no_form_post = setup_request(cookie="lost", form_post=None)
    raws = [good[0], wrong_secret, good[1], good[2], no_form_post, good[3]]
    batch = [p for raw in raws if (p := batcher.read(raw, base_url=BASE, max_bytes=1_000_000)) is not None]
    commits = commits_of(services)

    batcher.answer(batch)

    answers = [p.answer.result(timeout=0) for p in batch]
    assert [a.code for a in answers] == [200, 401, 200, 200, 400, 200]
    assert answers[1].text == "the credentials are not valid" and "BrowserFormPost" in answers[4].text
    assert len(commits) == 3  # each refusal on its own, then the four good ones together
    with session(services.engine) as s:
        rows = {d.id: d for d in s.exec(select(Document).where(Document.standard == "cxml")).all()}
        sessions = s.exec(select(func.count()).select_from(PunchoutSession)).one()
    assert len(rows) == 6 and sessions == 4  # nothing half-written by the rolled-back attempt
    refused = rows[answers[1].document_id or 0]
    assert refused.state == State.REJECTED.value and refused.raw == redact_secrets(wrong_secret, verdict="wrong")
    assert refused.error is not None and refused.error.startswith("401") and "SharedSecret is wrong" in refused.error


def test_what_is_not_a_setup_is_left_to_the_single_path(services: Services) -> None:
    from tests.gateway.punchout.cxml_requests import order

    assert SetupBatcher.read(b"<not-cxml/>", base_url=BASE, max_bytes=1000) is None
    assert SetupBatcher.read(bare_request("ProfileRequest"), base_url=BASE, max_bytes=1_000_000) is None
    assert SetupBatcher.read(order("PO-B-1", [("DEMO-1001", "1", "1.00")]), base_url=BASE,
                             max_bytes=1_000_000) is None
    assert SetupBatcher.read(setup_request(), base_url=BASE, max_bytes=100) is None  # over the limit


def test_concurrent_setups_through_the_endpoint(client: TestClient, services: Services) -> None:
    """Many buyers at once through POST /cxml: every one answered 200 with its own session."""
    barrier = threading.Barrier(16)

    def one(n: int) -> tuple[int, bytes]:
        raw = setup_request(cookie=f"rush-{n}")
        barrier.wait()
        answer = client.post("/cxml", content=raw, headers={"Content-Type": "text/xml"})
        return answer.status_code, answer.content

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(16)))
    assert [status for status, _ in results] == [200] * 16
    assert all(envelope.parse(body).status.code == 200 for _, body in results)  # type: ignore[union-attr]
    with session(services.engine) as s:
        cookies = set(s.exec(select(PunchoutSession.buyer_cookie)).all())
    assert cookies == {f"rush-{n}" for n in range(16)}


def test_what_only_looks_like_a_setup_goes_back_to_the_single_path(client: TestClient, services: Services) -> None:
    """The event loop only glances at the bytes; the writer reads them and hands back what is not a setup."""
    batcher = SetupBatcher(services.engine, services.erp)
    mentions = bare_request("ProfileRequest").replace(b"</cXML>", b"<!-- PunchOutSetupRequest --></cXML>")

    async def submitted(raw: bytes) -> tuple[bool, object]:
        future = batcher.submit(raw, base_url=BASE, max_bytes=1_000_000)
        return future is not None, (await asyncio.wait_for(future, 30) if future is not None else None)

    assert asyncio.run(submitted(mentions)) == (True, None)  # batched, then handed back: not a setup
    assert asyncio.run(submitted(bare_request("ProfileRequest"))) == (False, None)  # not even batched

    broken = b"<cXML><Request><PunchOutSetupRequest operation='create'>"  # cut off: not XML
    answer = client.post("/cxml", content=broken, headers={"Content-Type": "text/xml"})
    assert answer.status_code == 400 and "not well-formed" in answer.text
    profile = client.post("/cxml", content=mentions, headers={"Content-Type": "text/xml"})
    assert profile.status_code == 200 and b"ProfileResponse" in profile.content
    with session(services.engine) as s:
        kept = s.get(Document, int(answer.headers["x-document-id"]))
    assert kept is not None and kept.state == State.REJECTED.value and kept.raw == broken


def test_a_batched_setup_has_the_history_of_one_answered_alone(services: Services) -> None:
    from gateway.punchout.requests import handle

    raw = setup_request(cookie="alone")
    alone = handle(services.engine, services.erp, raw, base_url=BASE, max_bytes=1_000_000)
    batcher = SetupBatcher(services.engine, services.erp)
    batch = [p for r in (raw, setup_request(cookie="other")) if (p := batcher.read(r, base_url=BASE,
                                                                                   max_bytes=1_000_000))]
    batcher.answer(batch)
    together = batch[0].answer.result(timeout=0)

    def events(doc_id: int | None) -> list[tuple[str | None, str, str, str]]:
        with session(services.engine) as s:
            return [(e.from_state, e.to_state, e.actor, e.reason) for e in history(s, doc_id or 0)]

    assert alone.code == together.code == 200
    assert events(together.document_id) == events(alone.document_id) == [
        (None, "received", "http:cxml", f"received {len(raw)} bytes"),
        ("received", "translating", "http:cxml", "PunchOutSetupRequest from contoso"),
        ("translating", "accepted", "http:cxml", "200 OK")]


def test_awaited_answers_arrive_together_and_a_fault_of_the_batch_reaches_each(services: Services,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """submit() answers in the event loop; a client gone meanwhile, or a batch that fails, leaves nobody waiting."""
    batcher = SetupBatcher(services.engine, services.erp)

    async def rush(count: int, cancel_first: bool = False) -> list[object]:
        futures = [batcher.submit(setup_request(cookie=f"loop-{n}"), base_url=BASE, max_bytes=1_000_000)
                   for n in range(count)]
        assert all(f is not None for f in futures)
        if cancel_first:
            futures[0].cancel()  # type: ignore[union-attr]  # the client went away
        return await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), 30)  # type: ignore[arg-type]

    answers = asyncio.run(rush(5, cancel_first=True))
    assert isinstance(answers[0], asyncio.CancelledError)
    assert [a.code for a in answers[1:]] == [200] * 4  # type: ignore[union-attr]
    with session(services.engine) as s:  # the cancelled request was still kept and answered in the database
        assert s.exec(select(func.count()).select_from(PunchoutSession)).one() == 5

    def broken(batch: object) -> None:
        raise RuntimeError("the writer's own fault")

    monkeypatch.setattr(batcher, "answer", broken)
    failures = asyncio.run(rush(3))
    assert [str(f) for f in failures] == ["the writer's own fault"] * 3
