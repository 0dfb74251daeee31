"""What the partner sent never stops the answer to its order: echoed values X12 cannot carry, huge amounts.

A partner may send with delimiters of its own while we answer with those its settings name:
a PO number holding ``*`` is then sound in the 850 (``|`` separates its elements) and cannot be
written into the 855 (``*`` does). The 855 echoes it: the writer puts a carriable value in its
place, the answer goes out, and the document says what was replaced.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from formats.x12 import poack855
from gateway.pipeline.states import State
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner

from .flow import X12, docs, drain, post, sets_of


def _answers_with_plain_delimiters(services: Services, partner_id: str = "acme") -> None:
    with session(services.engine) as s:
        partner = s.exec(select(Partner).where(Partner.id == partner_id)).one()
        partner.settings = {**partner.settings, "delimiters": {"element": "*", "component": ">", "segment": "~"}}
        s.add(partner)
        s.commit()


def test_an_855_echoing_a_delimiter_is_written_with_notes(client: TestClient, services: Services) -> None:
    _answers_with_plain_delimiters(services)
    raw = (X12 / "850-4010-unusual-delimiters.x12").read_bytes().replace(b"ACME-PO-3001", b"ACME*PO-3001")
    answer = post(client, "", raw=raw)
    assert answer.status_code == 202, answer.text

    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.PROCESSED.value, order.error
    [ack855] = docs(services, doc_type="855")
    assert ack855.state == State.OUTBOX.value
    response = poack855.parse(sets_of(ack855.raw)[0])
    assert response.po_number == "ACME?PO-3001"
    notes = [p["message"] for p in ack855.problems]
    assert any("ACME*PO-3001" in note for note in notes), notes


def test_an_order_too_large_to_value_is_refused_with_an_855(client: TestClient, services: Services) -> None:
    """PO102 and PO104 at their widest are valid X12; their product has more digits than money carries."""
    widest = b"PO1*1*999999999999999*EA*9999999999999999*"
    raw = (X12 / "850-4010-basic.x12").read_bytes().replace(b"PO1*1*10*EA*12.5*", widest)
    assert post(client, "", raw=raw).status_code == 202
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.REJECTED.value
    [ack855] = docs(services, doc_type="855")
    response = poack855.parse(sets_of(ack855.raw)[0])
    assert response.po_number == "ACME-PO-1001"
    assert response.lines and all(line.status.value != "accepted" for line in response.lines)
