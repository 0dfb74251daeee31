"""Prometheus metrics: what came in and went out, how long it took, what is waiting and what died.

Counters and histograms are updated where the work happens (intake, workers, ERP calls); the
queue figures (depth by state, dead letters, age of the oldest unprocessed document) are read
from the database when Prometheus scrapes ``/metrics``, so every process behind a load balancer
reports the same truth about the shared queue.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func
from sqlmodel import col, select

from erp.port import ErpRejected

REGISTRY = CollectorRegistry(auto_describe=True)
"""The gateway's own registry (not the global one), so tests and several apps do not collide."""

DOCUMENTS_RECEIVED = Counter("b2bgw_documents_received", "Inbound files stored, by partner and standard",
                             ["partner", "standard"], registry=REGISTRY)
DOCUMENTS_PROCESSED = Counter("b2bgw_documents_processed", "Documents a worker finished, by outcome",
                              ["partner", "standard", "type", "outcome"], registry=REGISTRY)
PROCESSING_SECONDS = Histogram("b2bgw_processing_seconds", "Time a worker spent on one document",
                               ["standard", "type"], registry=REGISTRY,
                               buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
ERP_CALL_SECONDS = Histogram("b2bgw_erp_call_seconds", "ERP port calls, by operation and outcome",
                             ["operation", "outcome"], registry=REGISTRY,
                             buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
AUTH_FAILURES = Counter("b2bgw_auth_failures", "Refused credentials, by channel (cxml, oci, token, admin, edi) and "
                        "reason (locked: refused unchecked during a lockout)", ["channel", "reason"], registry=REGISTRY)
AUTH_LOCKOUTS = Counter("b2bgw_auth_lockouts", "Lockouts begun after repeated wrong credentials, by channel and "
                        "scope (credential or client address)", ["channel", "scope"], registry=REGISTRY)
AS2_MESSAGES = Counter("b2bgw_as2_messages", "AS2 messages, by direction and outcome (the MDN disposition)",
                       ["direction", "outcome"], registry=REGISTRY)

WAITING_STATES = ("received", "queued", "retry", "processing", "translating")


class QueueCollector(Collector):
    """Queue depth by state, dead letters and the oldest waiting document, read at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One query per scrape; an unreachable database yields no queue metrics rather than an error."""
        from gateway.store.db import session
        from gateway.store.tables import Document

        depth = GaugeMetricFamily("b2bgw_queue_documents", "Documents by state", labels=["state"])
        oldest = GaugeMetricFamily("b2bgw_oldest_waiting_seconds", "Age of the oldest document not yet processed")
        try:
            with session(self.engine) as s:
                counts = s.exec(select(Document.state, func.count()).group_by(Document.state)).all()
                first = s.exec(select(func.min(Document.created_at))
                               .where(col(Document.state).in_(WAITING_STATES))).one()
        except Exception:  # a scrape must never fail because the database is down; /readyz says that
            return
        for state, count in counts:
            depth.add_metric([state], count)
        yield depth
        age = 0.0
        if first is not None:
            created = first if first.tzinfo else first.replace(tzinfo=dt.UTC)
            age = max((dt.datetime.now(dt.UTC) - created).total_seconds(), 0.0)
        oldest.add_metric([], age)
        yield oldest


class MeteredErp:
    """An ERP port that times every call into :data:`ERP_CALL_SECONDS` and otherwise passes through."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target) or name.startswith("_"):
            return target
        return _timed(name, target)


def _timed(operation: str, call: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        outcome = "ok"
        try:
            return call(*args, **kwargs)
        except ErpRejected:
            outcome = "rejected"
            raise
        except Exception:
            outcome = "error"
            raise
        finally:
            ERP_CALL_SECONDS.labels(operation, outcome).observe(time.perf_counter() - started)

    return timed


def register_queue_collector(engine: Engine) -> None:
    """Report the queue of ``engine`` (once per process; later calls replace the earlier engine)."""
    global _QUEUE
    if _QUEUE is not None:
        REGISTRY.unregister(_QUEUE)
    _QUEUE = QueueCollector(engine)
    REGISTRY.register(_QUEUE)


_QUEUE: QueueCollector | None = None

__all__ = ["AS2_MESSAGES", "AUTH_FAILURES", "AUTH_LOCKOUTS", "DOCUMENTS_PROCESSED", "DOCUMENTS_RECEIVED",
           "ERP_CALL_SECONDS", "PROCESSING_SECONDS", "REGISTRY",
           "MeteredErp", "QueueCollector", "register_queue_collector"]
