"""Helpers of the supervision tests: fast settings, a worker running in a thread, waiting for a state."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from sqlmodel import col, select

from bench.orders import order_interchanges
from gateway.config import Settings
from gateway.intake.files import receive_file
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.documents import create_document
from gateway.store.tables import Document, Partner, utcnow

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"

FAST = {"poll_seconds": 0.02, "heartbeat_seconds": 0.05, "worker_alive_seconds": 2.0, "lease_seconds": 0.5,
        "retry_base_seconds": 0.01, "poison_attempts": 3, "price_sync_minutes": 0}
"""Settings that let a test see several loops, heartbeats and housekeeping turns within a second or two."""


def fast(services: Services, **overrides: object) -> Services:
    """``services`` with :data:`FAST` settings (and ``overrides``) on the same engine and ERP."""
    values = {**services.settings.model_dump(), **FAST, **overrides}
    return replace(services, settings=Settings(**values))


def wait_for(condition: Callable[[], object], timeout: float = 20.0, what: str = "the condition") -> None:
    """Poll ``condition`` until it is true; fail the test naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)


@contextmanager
def running(worker: Worker) -> Iterator[threading.Thread]:
    """``worker`` looping in a thread (as ``b2bgw serve`` runs it, without the supervisor); stopped after."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=30)


def state_of(services: Services, doc_id: int) -> str:
    with session(services.engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        return doc.state


def document(services: Services, doc_id: int) -> Document:
    with session(services.engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        return doc


def stranded_file(services: Services, raw: bytes, partner_id: str = "acme") -> int:
    """A file stored ``received`` an hour ago and never read (its process stopped between the two steps)."""
    with session(services.engine) as s:
        doc = create_document(s, raw=raw, direction="in", doc_type="interchange", state=State.RECEIVED,
                              actor="test", reason=f"received {len(raw)} bytes", partner_id=partner_id)
        doc.updated_at = utcnow() - dt.timedelta(hours=1)
        s.commit()
        return doc.id or 0


def unreadable_file(services: Services) -> int:
    """A stranded order from a partner whose ``charset`` setting cannot decode it (UTF-16 set by mistake).

    Reading it fails, whether the reader raises (a fault, set aside as poison) or refuses it (a
    format error): either way it must end ``rejected`` with its error and stop nobody.
    """
    with session(services.engine) as s:
        partner = s.get(Partner, "globex")
        assert partner is not None
        partner.settings = {**partner.settings, "charset": "utf-16"}
        s.add(partner)
        s.commit()
    raw = (FIXTURES / "x12" / "850-4010-basic.x12").read_bytes().replace(b"ACMEBUYER", b"GLOBEXEDI")
    return stranded_file(services, raw, partner_id="globex")


def receive_orders(services: Services, count: int, prefix: str, isa13: int) -> list[int]:
    """``count`` generated orders from acme in one file (interchange ``isa13``); their 850 documents' ids."""
    [raw] = order_interchanges(count, per_file=count, prefix=prefix, first_isa13=isa13)
    assert receive_file(services.engine, partner_id="acme", raw=raw).http_status == 202
    with session(services.engine) as s:
        return list(s.exec(select(Document.id).where(Document.doc_type == "850", col(Document.po_number)
                                                     .startswith(prefix)).order_by(col(Document.id))).all())
