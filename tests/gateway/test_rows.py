"""Rows written as values (erp.rows) read back exactly as the ORM would have stored them, on either database.

On PostgreSQL they go by ``unnest`` with a binary array per column, so every column type the
tables use is checked here: text, integers, bytes, timestamps, JSON (a dict, a list, NULL), and
the exact-decimal text column.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlmodel import col, select

from erp.rows import insert_rows, row, update_rows
from gateway.credit.tables import CreditEntry
from gateway.pipeline.states import State
from gateway.services import Services
from gateway.store.db import session
from gateway.store.documents import document_values
from gateway.store.tables import Document

AT = dt.datetime(2026, 12, 7, 1, 2, 3, tzinfo=dt.UTC)


def test_documents_inserted_as_rows_read_back_with_their_ids_in_order(services: Services) -> None:
    given = [
        document_values(raw=b"ISA*00*~\xff", direction="out", doc_type="855", state=State.OUTBOX, partner_id="acme",
                        po_number="PO-1", canonical={"po_number": "PO-1", "lines": [{"quantity": "2.50"}]},
                        problems=[{"code": "W1", "where": "PO1"}], created_at=AT),
        document_values(raw=b"<cXML/>", direction="in", doc_type="OrderRequest", state=State.QUEUED,
                        partner_id="acme", po_number="PO \u00e9\u4e2d", canonical=None),
        *(document_values(raw=f"{n}".encode(), direction="in", doc_type="850", state=State.QUEUED, partner_id="acme")
          for n in range(40)),
    ]
    with session(services.engine) as s:
        ids = insert_rows(s, Document, given, returning_ids=True)
        s.commit()
    assert ids == sorted(ids) and len(set(ids)) == len(given)
    with session(services.engine) as s:
        stored = {doc.id: doc for doc in s.exec(select(Document).where(col(Document.id).in_(ids)))}
    first, second = stored[ids[0]], stored[ids[1]]
    assert first.raw == b"ISA*00*~\xff" and first.doc_type == "855" and first.state == "outbox"
    assert first.canonical == {"po_number": "PO-1", "lines": [{"quantity": "2.50"}]}
    assert first.problems == [{"code": "W1", "where": "PO1"}]
    assert first.created_at == AT
    assert second.canonical is None and second.problems == [] and second.po_number == "PO \u00e9\u4e2d"
    assert [stored[i].raw for i in ids[2:]] == [f"{n}".encode() for n in range(40)]


def test_rows_updated_by_key_change_only_the_named_columns(services: Services) -> None:
    with session(services.engine) as s:
        ids = insert_rows(s, Document, [document_values(raw=f"{n}".encode(), direction="in", doc_type="850",
                                                        state=State.PROCESSING, partner_id="acme", claimed_by="w1")
                                        for n in range(3)], returning_ids=True)
        update_rows(s, Document, [{"id": doc_id, "erp_order_id": f"SO-{n}", "canonical": {"n": n}, "claimed_by": None}
                                  for n, doc_id in enumerate(ids[:2])])
        s.commit()
    with session(services.engine) as s:
        stored = {doc.id: doc for doc in s.exec(select(Document).where(col(Document.id).in_(ids)))}
    assert [(stored[i].erp_order_id, stored[i].canonical, stored[i].claimed_by) for i in ids] == [
        ("SO-0", {"n": 0}, None), ("SO-1", {"n": 1}, None), (None, None, "w1")]
    assert all(stored[i].state == "processing" for i in ids)


def test_exact_decimals_keep_their_text(services: Services) -> None:
    amounts = [Decimal("1234567.8900"), Decimal("0.01"), Decimal("-5")]
    with session(services.engine) as s:
        insert_rows(s, CreditEntry, [row(CreditEntry, customer_id="C-ROWS", kind="reserve", amount=amount,
                                         currency="EUR", actor="test") for amount in amounts])
        s.commit()
    with session(services.engine) as s:
        stored = s.exec(select(CreditEntry).where(CreditEntry.customer_id == "C-ROWS").order_by(col(CreditEntry.id)))
        assert [entry.amount for entry in stored] == amounts
