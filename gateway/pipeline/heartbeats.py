"""Worker heartbeats and the health of processing: whether anybody is working the queue.

Every worker upserts its row of ``gw_worker_heartbeat`` at most every ``heartbeat_seconds``
(:func:`write_heartbeat`): one statement in its own short transaction, a few per minute per
worker whatever the load. The rows live in the database, not in a process, so ``/healthz`` on
one API process sees the workers of every process and host on the same PostgreSQL.

Processing has **stalled** (:func:`processing_health`) when the head of the queue, the due
document workers would claim next, has waited longer than ``stall_seconds`` and no worker has
beaten within ``worker_alive_seconds``. Due work with a live worker is a backlog, not a stall;
no due work is fine even with no worker at all (a gateway whose workers run elsewhere, idle).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, or_, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from gateway.config import Settings
from gateway.store.db import is_postgresql
from gateway.store.tables import DUE_WORK, Document, WorkerHeartbeat, aware, utcnow

LISTED_FOR = dt.timedelta(hours=1)
"""Workers are listed by ``/healthz`` for an hour after their last beat, then left out."""

KEPT_FOR = dt.timedelta(days=1)
"""Heartbeat rows of workers gone longer than this are deleted by housekeeping."""


@dataclass(frozen=True)
class Pulse:
    """What a worker says about itself at each beat."""

    worker_id: str
    host: str
    pid: int
    started_at: dt.datetime
    restarts: int = 0
    last_error: str | None = None
    last_error_at: dt.datetime | None = None


def write_heartbeat(engine: Engine, pulse: Pulse, *, stopped: bool = False) -> None:
    """Upsert the worker's row: its last beat is now (``stopped``: it left cleanly, now)."""
    now = utcnow()
    values = {"worker_id": pulse.worker_id[:64], "host": pulse.host[:255], "pid": pulse.pid,
              "started_at": pulse.started_at, "beat_at": now, "restarts": pulse.restarts,
              "last_error": pulse.last_error, "last_error_at": pulse.last_error_at,
              "stopped_at": now if stopped else None}
    dialect = postgresql if is_postgresql(engine) else sqlite
    insert = dialect.insert(WorkerHeartbeat).values(**values)
    statement = insert.on_conflict_do_update(
        index_elements=[col(WorkerHeartbeat.worker_id)],
        set_={name: getattr(insert.excluded, name) for name in values if name != "worker_id"})
    with engine.begin() as conn:
        conn.execute(statement)


def forget_heartbeats(engine: Engine, older_than: dt.timedelta = KEPT_FOR) -> int:
    """Delete the rows of workers whose last beat is older than ``older_than``; how many."""
    with engine.begin() as conn:
        gone = conn.execute(delete(WorkerHeartbeat).where(col(WorkerHeartbeat.beat_at) < utcnow() - older_than))
    return int(gone.rowcount or 0)


@dataclass(frozen=True)
class WorkerStatus:
    """One worker as ``/healthz`` shows it."""

    worker_id: str
    host: str
    pid: int
    started_at: dt.datetime
    last_beat: dt.datetime
    seconds_since_beat: float
    alive: bool
    restarts: int
    last_error: str | None
    last_error_at: dt.datetime | None
    stopped: bool

    def as_json(self) -> dict[str, Any]:
        """The worker as the health answers show it."""
        return {"id": self.worker_id, "host": self.host, "pid": self.pid, "started_at": self.started_at.isoformat(),
                "last_beat": self.last_beat.isoformat(), "seconds_since_beat": round(self.seconds_since_beat, 1),
                "alive": self.alive, "restarts": self.restarts, "last_error": self.last_error,
                "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
                "stopped": self.stopped}


@dataclass(frozen=True)
class ProcessingHealth:
    """The workers, the age of the queue's head, and whether processing has stalled (and why)."""

    workers: list[WorkerStatus]
    oldest_due_seconds: float | None
    stalled: str | None

    def as_json(self) -> dict[str, Any]:
        """The part of ``/healthz`` and ``/readyz`` about processing."""
        return {"workers": [w.as_json() for w in self.workers],
                "queue": {"oldest_due_seconds": None if self.oldest_due_seconds is None
                          else round(self.oldest_due_seconds, 1)},
                **({"stalled": self.stalled} if self.stalled else {})}


def worker_statuses(s: Session, settings: Settings, now: dt.datetime) -> list[WorkerStatus]:
    """The workers that beat within :data:`LISTED_FOR`, the most recent first."""
    rows = s.exec(select(WorkerHeartbeat).where(col(WorkerHeartbeat.beat_at) >= now - LISTED_FOR)
                  .order_by(col(WorkerHeartbeat.beat_at).desc()).limit(100)).all()
    statuses = []
    for row in rows:
        since = (now - aware(row.beat_at)).total_seconds()
        statuses.append(WorkerStatus(
            worker_id=row.worker_id, host=row.host, pid=row.pid, started_at=aware(row.started_at),
            last_beat=aware(row.beat_at), seconds_since_beat=max(0.0, since),
            alive=row.stopped_at is None and since <= settings.worker_alive_seconds, restarts=row.restarts,
            last_error=row.last_error, last_error_at=aware(row.last_error_at) if row.last_error_at else None,
            stopped=row.stopped_at is not None))
    return statuses


def oldest_due_seconds(s: Session, now: dt.datetime) -> float | None:
    """How long the head of the queue (the due document claimed next) has waited; None when nothing is due.

    The same read as a claim's, through the queue's partial index: one row, whatever the history.
    A document waits from its last move (queued) or from when its retry fell due, whichever is later.
    """
    head = s.exec(select(Document.updated_at, Document.next_attempt_at).where(text(DUE_WORK))
                  .where(or_(col(Document.next_attempt_at).is_(None), col(Document.next_attempt_at) <= now))
                  .order_by(col(Document.id)).limit(1)).first()
    if head is None:
        return None
    since = max(aware(moment) for moment in head if moment is not None)
    return max(0.0, (now - since).total_seconds())


def processing_health(s: Session, settings: Settings) -> ProcessingHealth:
    """The workers and the queue's head, and the stall when due work waits with no worker alive."""
    now = utcnow()
    workers = worker_statuses(s, settings, now)
    waited = oldest_due_seconds(s, now)
    stalled = None
    if waited is not None and waited > settings.stall_seconds and not any(w.alive for w in workers):
        stalled = (f"the queue's next document has waited {waited:.0f} s (over {settings.stall_seconds:g} s) "
                   f"and no worker has beaten within {settings.worker_alive_seconds:g} s")
    return ProcessingHealth(workers=workers, oldest_due_seconds=waited, stalled=stalled)


__all__ = ["ProcessingHealth", "Pulse", "WorkerStatus", "forget_heartbeats", "processing_health", "write_heartbeat"]
