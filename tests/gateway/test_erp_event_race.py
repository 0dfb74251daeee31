"""Two pollers of the ERP's events at once (the operator's shipment call and a worker) make one document.

The observed failure: on SQLite the operator's ``erp ship`` (which polls the events right after
shipping) and a worker's poll both handled one shipped event, and the partner got two identical
ship notices. ``SELECT ... FOR UPDATE`` locks nothing on SQLite, so both pollers read the cursor
and the seen-events table before either wrote; the second then wrote its document once the first
had committed, and a savepoint opened before any write committed that document on its own, so
the unique key on the seen event rolled back everything but the document. The test makes that
interleaving certain (:mod:`tests.gateway.interleaving`) on the test session's database: a
SQLite file, or PostgreSQL when ``B2BGW_DATABASE_URL`` names one. When no poller has written the
cursor row yet, both used to insert it, and the second failed.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from erp.builtin.catalog import ship_order
from gateway import erp_admin
from gateway.pipeline import erp_events
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import ErpCursor, ErpEventSeen

from .flow import docs
from .interleaving import hold_at
from .test_erp_events import _placed_order


def _cursor_row(services: Services, present: bool) -> None:
    """Start with the cursor row there (the usual case) or not yet written (the very first event)."""
    with session(services.engine) as s:
        cursor = s.get(ErpCursor, services.settings.erp)
        if present and cursor is None:
            s.add(ErpCursor(source=services.settings.erp))
        if not present and cursor is not None:
            s.delete(cursor)
        s.commit()


@pytest.mark.parametrize("cursor_present", [True, False], ids=["cursor-row", "first-event"])
def test_the_operator_and_a_worker_polling_at_once_send_one_ship_notice(
        client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch, cursor_present: bool) -> None:
    erp_order = _placed_order(client, services)
    ship_order(services.engine, erp_order, carrier="UPSN")
    _cursor_row(services, cursor_present)
    interleaving = hold_at(monkeypatch, erp_events, "_handle")  # both past their reads, one done before the other
    worker = Worker(services.engine, services.erp, services.settings, worker_id="worker-1")

    _, errors = interleaving.run(lambda: erp_admin.poll(services, "operator"), worker.poll_erp)

    assert len(docs(services, doc_type="856")) == 1
    assert errors == []
    with session(services.engine) as s:
        seen = s.exec(select(ErpEventSeen)).all()
        cursor = s.get(ErpCursor, services.settings.erp)
    assert len(seen) == 1 and seen[0].document_id is not None
    assert cursor is not None and cursor.last_event_id == seen[0].event_id
