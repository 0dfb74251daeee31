"""Group commit for punchout setups: the requests that arrive together commit together.

A PunchOutSetupRequest costs little work (read, authenticate, one session row) and one durable
commit; under load the commits, and Python threads queueing for the database one after another,
are the whole cost. So ``POST /cxml`` hands setups to one writer thread per application, which
takes every setup waiting (up to :data:`MAX_BATCH`), stores and answers them in one shared
transaction, and commits once: one fsync (SQLite) or WAL flush (PostgreSQL) for the lot, and no
convoy of threads on the SQLite write lock. This is the group commit of PostgreSQL's
``commit_delay`` without the delay: a batch is whatever queued while the previous one committed.

The rows a batch writes are the ones :func:`gateway.punchout.requests.handle` writes for a setup
(the raw document, its three history events, the session), written for the whole batch rather
than object by object through the ORM: the documents, the sessions, the documents' link to their
session, and the history events, four statements and one commit for up to 64 setups.
A buyer's configuration is read once for a set of credentials and kept for a couple of seconds
(:class:`~gateway.punchout.buyers.RecentBuyers`).

Every answer still waits for the commit of its own request, so nothing is answered that was not
kept. A request refused inside a batch (wrong secret, unsupported operation) would leave the
shared transaction holding its half-written rows, so the batch is rolled back, the refused
request answered on its own path (:func:`gateway.punchout.requests.handle`, which stores the
refusal; credentials that failed are refused and counted at once, without a second PBKDF2),
and the rest run again as a new batch. A batch whose commit fails is answered request
by request the same way. Orders are never batched: they call the ERP and may be placed during
the request (:mod:`gateway.punchout.synchronous`).

What is stored of a request is its bytes with the SharedSecret redacted (``[redacted: matched]``),
as on the single path. The limits on guessing (:mod:`gateway.auth.throttle`) are asked before the
shared transaction: a request whose buyer or client is locked out goes the single path, which
refuses it as it refuses a wrong secret; a success is recorded after the commit.

The thread starts on the first request and ends after :data:`IDLE_SECONDS` without one, so an
application that is not serving punchouts (or a test's) keeps no thread.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from sqlalchemy import Engine
from sqlmodel import Session

from erp.port import ErpPort
from erp.rows import insert_rows, update_rows
from formats.cxml import punchout
from formats.cxml.envelope import Envelope
from formats.cxml.redaction import redact_secrets
from gateway.auth.throttle import Attempt, locked_for, record_failure, record_success
from gateway.config import Settings
from gateway.pipeline.states import State, event_values
from gateway.punchout.buyers import MATCHED, AuthRefusal, Buyer, RecentBuyers
from gateway.punchout.requests import (
    Answer,
    Seen,
    attempt_of,
    count_received,
    handle,
    read_request,
    refuse,
    respond,
    writing,
)
from gateway.punchout.sessions import new_payload_id, session_values
from gateway.punchout.tables import PunchoutSession
from gateway.store.db import session
from gateway.store.documents import document_values
from gateway.store.tables import Document, DocumentEvent, utcnow

log = logging.getLogger(__name__)

BATCHED = frozenset({"PunchOutSetupRequest"})
"""The requests that commit in batches (the many, answered from the database alone)."""

MAX_BATCH = 64
IDLE_SECONDS = 5.0


@dataclass
class Pending:
    """A request waiting for its batch, and its future answer (None: not one to batch after all)."""

    raw: bytes
    base_url: str
    max_bytes: int
    actor: str
    client: str | None = None
    """The client's address, for the limits on guessing."""
    seen: Seen = field(default_factory=Seen)
    root: etree._Element | None = None
    head: Envelope | None = None
    answer: Future[Answer | None] = field(default_factory=Future)
    waiter: asyncio.Future[Answer | None] | None = None
    """The event loop's future of :attr:`answer`, when a coroutine awaits this request (:meth:`SetupBatcher.submit`)."""
    attempt: Attempt | None = None
    """What the limits on guessing count it as, once asked (:func:`gateway.punchout.requests.attempt_of`)."""

    def read(self) -> bool:
        """Read the request (once); whether it is one to batch.

        What cannot be read, or is another kind of request, is left to
        :func:`~gateway.punchout.requests.handle`, which keeps and refuses it as usual.
        """
        if self.head is None:
            try:
                self.root, self.head = read_request(self.raw, self.max_bytes, self.seen)
            except Exception:  # refused by handle(), which stores the request and says what was wrong
                return False
        return self.head.kind == "Request" and self.head.document_type in BATCHED


class SetupBatcher:
    """One writer thread that stores and answers setup requests in shared transactions."""

    def __init__(self, engine: Engine, erp: ErpPort, settings: Settings | None = None) -> None:
        self.engine = engine
        self.erp = erp
        self.settings = settings
        """The application's settings: with them, the limits on guessing apply (as in ``handle``)."""
        self._waiting: queue.SimpleQueue[Pending] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.buyers = RecentBuyers()

    def submit(self, raw: bytes, *, base_url: str, max_bytes: int, actor: str = "http:cxml",
               client: str | None = None) -> asyncio.Future[Answer | None] | None:
        """The future answer of a setup request, in the running event loop; None (now or as the answer) otherwise.

        Only a cheap look happens in the caller's thread (the event loop): the size, and whether
        the bytes mention a PunchOutSetupRequest at all. The writer thread reads the XML, so
        the event loop never waits for the GIL after lxml lets go of it; a request that turns
        out not to be a setup is answered None and goes to :func:`~gateway.punchout.requests.handle`.
        A batch's answers reach the loop together, in one call (:func:`_wake`), not one wake-up each.
        """
        if len(raw) > max_bytes or b"PunchOutSetupRequest" not in raw:
            return None
        waiter: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
        self._waiting.put(Pending(raw, base_url, max_bytes, actor, client, waiter=waiter))
        self._ensure_thread()
        return waiter

    @staticmethod
    def read(raw: bytes, *, base_url: str, max_bytes: int, actor: str = "http:cxml",
             client: str | None = None) -> Pending | None:
        """A request read now and ready for :meth:`answer`; None when it is not one to batch."""
        pending = Pending(raw, base_url, max_bytes, actor, client)
        return pending if len(raw) <= max_bytes and pending.read() else None

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="cxml-setup-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                first = self._waiting.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:  # exit only if nothing arrived meanwhile; submit() then starts a new thread
                    if self._waiting.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            try:
                self.answer(batch)
            except Exception as exc:  # answer() answers everything; a fault of its own still answers each
                log.exception("a batch of %d cXML setup requests failed", len(batch))
                for pending in batch:
                    if not pending.answer.done():
                        pending.answer.set_exception(exc)
            _wake(batch)

    def answer(self, batch: list[Pending]) -> None:
        """Answer every request of ``batch``, committing those that go through together."""
        readable = []
        for pending in batch:
            if pending.read():
                readable.append(pending)
            else:
                pending.answer.set_result(None)  # not a setup after all: the caller's handle() answers it
        batch = self._not_locked(readable)
        while batch:
            try:
                with writing(self.engine), session(self.engine) as s:
                    answers = store_setups(s, batch, self.buyers)
                    s.commit()
            except Refused as refused:  # rolled back with the rest; it keeps its refusal on its own
                self._refused(refused)
                batch = [p for p in batch if p is not refused.pending]
                continue
            except Exception:  # the shared commit failed: each request on its own
                log.exception("a batch of %d cXML setup requests failed to commit; answering each alone",
                              len(batch))
                self._alone(batch)
                return
            for pending, answer in zip(batch, answers, strict=True):
                count_received(pending.seen)
                if pending.attempt is not None and self.settings is not None:
                    record_success(self.engine, pending.attempt, self.settings)
                pending.answer.set_result(answer)
            return

    def _not_locked(self, batch: list[Pending]) -> list[Pending]:
        """The requests of ``batch`` whose buyer and client are not locked out; the others answered alone (refused)."""
        if self.settings is None:
            return batch
        free, locked = [], []
        asked: dict[tuple[object, ...], tuple[Attempt | None, bool]] = {}  # one buyer from one address: asked once
        for pending in batch:
            assert pending.head is not None, "read before it was batched"
            key = (tuple((c.domain, c.identity) for c in pending.head.from_), pending.client)
            if key not in asked:
                attempt = attempt_of(self.engine, pending.head, pending.client, self.settings)
                asked[key] = (attempt, attempt is not None
                              and locked_for(self.engine, attempt, self.settings) is not None)
            pending.attempt, is_locked = asked[key]
            (locked if is_locked else free).append(pending)
        self._alone(locked)  # handle() finds the lockout again and refuses as for a wrong secret
        return free

    def _refused(self, refused: Refused) -> None:
        """Answer a request refused in the batch: failed credentials at once (their PBKDF2 is spent), else alone."""
        pending, cause = refused.pending, refused.__cause__
        if not isinstance(cause, AuthRefusal):
            self._alone([pending])
            return
        try:
            pending.answer.set_result(refuse(self.engine, pending.raw, cause, pending.seen, actor=pending.actor))
            if pending.attempt is not None and self.settings is not None:
                record_failure(self.engine, pending.attempt, self.settings, reason=cause.reason)
        except Exception as exc:  # refuse() answers everything; this is the last resort
            if not pending.answer.done():
                pending.answer.set_exception(exc)

    def _alone(self, batch: list[Pending]) -> None:
        for pending in batch:
            try:
                pending.answer.set_result(handle(self.engine, self.erp, pending.raw, base_url=pending.base_url,
                                                 max_bytes=pending.max_bytes, actor=pending.actor,
                                                 settings=self.settings, client=pending.client))
            except Exception as exc:  # handle() answers everything; this is the last resort
                pending.answer.set_exception(exc)


def _wake(batch: list[Pending]) -> None:
    """Hand the batch's answers to the event loops awaiting them: one call into each loop for the lot."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Pending]] = {}
    for pending in batch:
        if pending.waiter is not None:
            by_loop.setdefault(pending.waiter.get_loop(), []).append(pending)
    for loop, waiting in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, waiting)
        except RuntimeError:  # the loop has closed: nobody awaits these answers any more
            log.warning("%d cXML setup answers had no event loop left to go to", len(waiting))


def _settle(waiting: list[Pending]) -> None:
    """In the event loop: each awaited future takes its request's answer (or its failure)."""
    for pending in waiting:
        waiter = pending.waiter
        if waiter is None or waiter.done():  # cancelled: the client went away
            continue
        failure = pending.answer.exception(timeout=0)
        if failure is not None:
            waiter.set_exception(failure)
        else:
            waiter.set_result(pending.answer.result(timeout=0))


class Refused(Exception):
    """A request of a batch that cannot go through; it is answered on its own path."""

    def __init__(self, pending: Pending) -> None:
        super().__init__(pending.seen.doc_type)
        self.pending = pending


SETUP_STATES = (State.RECEIVED, State.TRANSLATING, State.ACCEPTED)


def store_setups(s: Session, batch: list[Pending], buyers: RecentBuyers | None = None) -> list[Answer]:
    """Store and answer the setups of ``batch`` in the open transaction ``s``; Refused for the first that fails.

    What :func:`~gateway.punchout.requests.handle` stores for one setup, as rows (:mod:`erp.rows`):
    the documents, their sessions, each document's link to its session, and every document's
    three history events (``received N bytes``, ``PunchOutSetupRequest from <buyer>``, ``200 OK``),
    a statement each for the whole batch.
    """
    now = utcnow()
    buyers = buyers or RecentBuyers()
    planned: list[tuple[Pending, Buyer, dict[str, Any], str]] = []
    for pending in batch:
        try:
            assert pending.head is not None and pending.root is not None, "read before it was batched"
            buyer = buyers.authenticate(s, pending.head)
            pending.seen.partner_id = buyer.id
            setup = punchout.parse_setup_request(pending.root)
            values, token = session_values(buyer, setup, document_id=None, now=now)
        except Exception as exc:
            raise Refused(pending) from exc
        planned.append((pending, buyer, values, token))
    doc_ids = insert_rows(s, Document, [
        document_values(raw=redact_secrets(p.raw, verdict=MATCHED), direction="in",
                        doc_type="PunchOutSetupRequest", state=State.ACCEPTED,
                        standard="cxml", partner_id=buyer.id, created_at=now, updated_at=now)
        for p, buyer, _, _ in planned], returning_ids=True)
    sessions = [dict(values, document_id=doc_id) for (_, _, values, _), doc_id in zip(planned, doc_ids, strict=True)]
    session_ids = insert_rows(s, PunchoutSession, sessions, returning_ids=True)
    update_rows(s, Document, [
        {"id": doc_id, "canonical": {"punchout_session": session_id, "operation": one["operation"]}}
        for doc_id, session_id, one in zip(doc_ids, session_ids, sessions, strict=True)])
    insert_rows(s, DocumentEvent, [
        event_values(doc_id, before, state, actor=p.actor, reason=reason, at=now)
        for (p, buyer, _, _), doc_id in zip(planned, doc_ids, strict=True)
        for before, state, reason in zip((None, *SETUP_STATES[:-1]), SETUP_STATES,
                                         (f"received {len(p.raw)} bytes", f"PunchOutSetupRequest from {buyer.id}",
                                          "200 OK"), strict=True)])
    return [respond(200, "OK", punchout.render_setup_response(f"{p.base_url}/punchout/start/{token}",
                                                              payload_id=new_payload_id(now), timestamp=now), doc_id)
            for (p, _, _, token), doc_id in zip(planned, doc_ids, strict=True)]


__all__ = ["BATCHED", "MAX_BATCH", "Pending", "Refused", "SetupBatcher", "store_setups"]
