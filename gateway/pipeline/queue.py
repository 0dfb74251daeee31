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
import random

from sqlalchemy import Engine, or_, update
from sqlmodel import col, select

from gateway.pipeline.states import CLAIMABLE_WORK, State
from gateway.store.db import is_postgresql, session
from gateway.store.documents import move
from gateway.store.tables import Document, utcnow


def claim_next(engine: Engine, worker_id: str) -> int | None:
    """Claim the next due document for ``worker_id``; its id, or None when the queue is empty."""
    now = utcnow()
    with session(engine) as s:
        query = (
            select(Document)
            .where(col(Document.state).in_([st.value for st in CLAIMABLE_WORK]))
            .where(or_(col(Document.next_attempt_at).is_(None), col(Document.next_attempt_at) <= now))
            .order_by(col(Document.id))
            .limit(1)
        )
        if is_postgresql(engine):
            query = query.with_for_update(skip_locked=True)
        doc = s.exec(query).first()
        if doc is None:
            return None
        previous = doc.state
        claimed = s.execute(
            update(Document).where(col(Document.id) == doc.id, col(Document.state) == previous)
            .values(claimed_by=worker_id, claimed_at=now, attempts=Document.attempts + 1)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            s.rollback()
            return None
        s.refresh(doc)
        move(s, doc, State.PROCESSING, actor=worker_id, reason=f"attempt {doc.attempts}")
        s.commit()
        return doc.id


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


def retry_delay(attempt: int, base_seconds: float) -> dt.timedelta:
    """Exponential backoff with full jitter: up to base x 2^(attempt-1) seconds, capped at 10 min."""
    ceiling = min(600.0, base_seconds * (2 ** max(0, attempt - 1)))
    return dt.timedelta(seconds=random.uniform(ceiling / 2, ceiling))
