"""The durable work queue: documents in the database, claimed one at a time by workers.

There is no broker: the queue is the ``gw_document`` table. A worker claims the oldest document
that is ``queued`` (or ``retry`` and due) in a short transaction that moves it to ``processing``
and stamps who and when. On PostgreSQL the claim reads with ``FOR UPDATE SKIP LOCKED``, so any
number of worker processes on any number of hosts never claim the same document; on SQLite the
database write lock serialises claims and a compare-and-set on the state guards the rest.

A worker that dies mid-document leaves it ``processing``; once its lease (``lease_seconds``) has
run out, :func:`recover_expired` puts it back in the queue. Processing is idempotent (see
:mod:`gateway.pipeline.orders`), so taking a document up again never doubles its effect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, or_, text, update
from sqlmodel import Session, col, select

from erp.rows import insert_rows
from gateway.pipeline.states import CLAIMABLE_WORK, State, claim_event
from gateway.store.db import is_postgresql, session
from gateway.store.documents import move
from gateway.store.tables import DUE_WORK, Document, DocumentEvent, utcnow

assert f"state IN ({', '.join(repr(state.value) for state in CLAIMABLE_WORK)})" == DUE_WORK, "the queue index's states"


class ClaimLost(Exception):
    """Another worker took this document over (the lease ran out while this one was slow): stop, change nothing."""


def hold_claim(s: Session, doc_id: int, worker_id: str) -> None:
    """Keep the document for the rest of ``s``'s transaction if ``worker_id`` still holds it; ClaimLost if not.

    The compare-and-set write comes before anything is read, so it takes SQLite's write lock (and
    PostgreSQL's row lock) first: what the transaction then checks (is there an acknowledgment
    already?) cannot change under it, and a worker whose lease was taken over cannot finish the
    document a second time. Without it, two workers finishing the same order both found no 855 and
    both wrote one.
    """
    hold_claims(s, [doc_id], worker_id)


def hold_claims(s: Session, doc_ids: Sequence[int], worker_id: str) -> None:
    """:func:`hold_claim` for the documents of a batch with one statement; ClaimLost naming those no longer held.

    PostgreSQL takes the rows' locks with ``SELECT ... FOR UPDATE``: an update would also lock
    them, but writes a new version of each document (and an entry in each of its indexes) only
    for the step to write another one at its commit. SQLite has no row locks: there the write
    itself takes the database's write lock.
    """
    still_ours = (col(Document.id).in_(doc_ids), col(Document.state) == State.PROCESSING.value,
                  col(Document.claimed_by) == worker_id)
    if is_postgresql(s.get_bind()):
        held = set(s.execute(select(Document.id).where(*still_ours).with_for_update()).scalars())
    else:
        held = set(s.execute(update(Document).where(*still_ours).values(updated_at=utcnow())
                             .returning(col(Document.id))).scalars())
    if lost := [doc_id for doc_id in doc_ids if doc_id not in held]:
        raise ClaimLost(f"document {', '.join(map(str, lost))} is no longer held by {worker_id}")


@dataclass(frozen=True)
class Claimed:
    """A document a worker has just claimed, with what routes it to its processor."""

    id: int
    standard: str
    doc_type: str
    partner_id: str | None


def claim_due(engine: Engine, worker_id: str, *, limit: int) -> list[Claimed]:
    """Claim up to ``limit`` due documents for ``worker_id``, oldest first, in one transaction.

    One ``UPDATE ... RETURNING`` per previous state (queued, retry) moves them to ``processing``
    only if they are still in the state read, and their claim events are written together: a
    batch costs about what claiming one did. The lease runs from the claim, so a batch is kept
    small enough to finish well inside ``lease_seconds``.
    """
    now = utcnow()
    with session(engine) as s:
        query = (  # what routes a document, not its raw bytes
            select(Document.id, Document.state, Document.standard, Document.doc_type, Document.partner_id)
            .where(text(DUE_WORK))  # the queue's partial index, spelled as the index is
            .where(or_(col(Document.next_attempt_at).is_(None), col(Document.next_attempt_at) <= now))
            .order_by(col(Document.id))
            .limit(limit)
        )
        if is_postgresql(engine):
            query = query.with_for_update(skip_locked=True)
        rows = s.exec(query).all()
        by_state: dict[str, list[int]] = {}
        for row in rows:
            by_state.setdefault(row[1], []).append(row[0] or 0)
        attempts: dict[int, int] = {}
        events = []
        for previous, ids in by_state.items():
            moved = s.execute(
                update(Document).where(col(Document.id).in_(ids), col(Document.state) == previous)
                .values(state=State.PROCESSING.value, claimed_by=worker_id, claimed_at=now, updated_at=now,
                        attempts=Document.attempts + 1)
                .returning(Document.id, Document.attempts)
            ).all()
            for doc_id, attempt in moved:  # on SQLite, with no row lock, another worker may have moved some first
                attempts[doc_id] = attempt
                events.append(claim_event(doc_id, State(previous), actor=worker_id,  # refused: nothing commits
                                          reason=f"attempt {attempt}"))
        insert_rows(s, DocumentEvent, events)
        if not attempts:
            s.rollback()
            return []
        s.commit()
    return [Claimed(row[0] or 0, row[2], row[3], row[4]) for row in rows if row[0] in attempts]


def recover_expired(engine: Engine, lease_seconds: float, actor: str = "recovery") -> list[int]:
    """Put documents whose worker vanished back in the queue (``processing`` past the lease).

    Files stuck ``translating`` go back to ``received`` the same way; the caller translates them.
    """
    cutoff = utcnow() - dt.timedelta(seconds=lease_seconds)
    recovered: list[int] = []
    with session(engine) as s:
        query = select(Document).where(
            col(Document.state).in_([State.PROCESSING.value, State.TRANSLATING.value]),
            col(Document.claimed_at) < cutoff,
        )
        if is_postgresql(engine):
            query = query.with_for_update(skip_locked=True)
        for doc in s.exec(query).all():
            # Taken only if it is still as read: on SQLite there is no row lock, and two workers'
            # housekeeping may both have read it; the second finds it moved (or claimed anew) and leaves it.
            taken = s.execute(update(Document).where(
                col(Document.id) == doc.id, col(Document.state) == doc.state, col(Document.claimed_at) < cutoff,
            ).values(updated_at=utcnow()))
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                s.expire(doc)
                continue
            back = State.QUEUED if doc.state == State.PROCESSING.value else State.RECEIVED
            move(s, doc, back, actor=actor,
                 reason=f"lease of {doc.claimed_by} expired at {doc.claimed_at}; taken up again")
            doc.claimed_by = doc.claimed_at = None
            recovered.append(doc.id or 0)
        s.commit()
    return recovered


def stranded_files(engine: Engine, older_than_seconds: float) -> list[int]:
    """Inbound files stored but never translated (the process stopped between the two steps)."""
    cutoff = utcnow() - dt.timedelta(seconds=older_than_seconds)
    with session(engine) as s:
        query = select(Document.id).where(Document.state == State.RECEIVED.value, col(Document.updated_at) < cutoff)
        return [i for i in s.exec(query).all() if i is not None]

