"""End to end through HTTP and a real database: an X12 850 in -> ERP order -> 997 and 855 out."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from formats.model import LineStatus
from formats.x12 import po850, poack855
from formats.x12.ack997 import parse_acknowledgment
from gateway.intake.files import receive_file
from gateway.pipeline.states import State
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import DocumentEvent, OrderLink
from tests.formats.x12.pyx12_harness import pyx12_problems

from .flow import AUTH, X12, docs, drain, post, sets_of


def test_850_becomes_an_erp_order_with_997_and_855(client: TestClient, services: Services) -> None:
    raw = (X12 / "850-4010-basic.x12").read_bytes()
    order = po850.parse(sets_of(raw)[0])

    answer = post(client, "850-4010-basic.x12")
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert len(body["documents"]) == 1
    ack_sets = sets_of(body["acknowledgment"].encode())
    assert [t.code for t in ack_sets] == ["997"]
    ack = parse_acknowledgment(ack_sets[0])
    assert ack.group_control_number == sets_of(raw)[0].group.control_number
    assert [s.status for s in ack.sets] == ["A"]
    assert pyx12_problems(body["acknowledgment"].encode()) == []

    assert drain(services) == 1
    [po_doc] = docs(services, doc_type="850")
    assert po_doc.state == State.PROCESSED.value
    assert po_doc.po_number == order.po_number
    erp_order = services.erp.get_order(po_doc.erp_order_id or "")
    assert erp_order is not None
    assert erp_order.order.po_number == order.po_number
    assert [line.line_number for line in erp_order.order.lines] == [line.line_number for line in order.lines]

    [ack855] = docs(services, doc_type="855")
    assert ack855.state == State.OUTBOX.value and ack855.parent_id == po_doc.id
    [ack855_set] = sets_of(ack855.raw)
    assert (ack855.interchange_control, ack855.group_control, ack855.set_control) == (
        ack855_set.interchange.control_number, ack855_set.group.control_number, ack855_set.control_number)
    [ack997] = docs(services, doc_type="997")
    assert ack997.interchange_control == ack_sets[0].interchange.control_number
    response = poack855.parse(sets_of(ack855.raw)[0])
    assert response.po_number == order.po_number
    assert {line.status for line in response.lines} == {LineStatus.ACCEPTED}
    assert pyx12_problems(ack855.raw) == []

    again = post(client, "850-4010-basic.x12")
    assert again.status_code == 200
    assert again.json()["duplicate_of"] == body["document_id"]
    assert again.json()["acknowledgment"] == body["acknowledgment"]
    assert drain(services) == 0
    assert len(docs(services, doc_type="850")) == 1
    assert len(docs(services, doc_type="855")) == 1


def test_same_po_in_a_new_interchange_makes_no_second_order(client: TestClient, services: Services) -> None:
    raw = (X12 / "850-4010-basic.x12").read_bytes()
    isa13 = sets_of(raw)[0].interchange.control_number
    resent = raw.replace(isa13.encode(), b"%09d" % (int(isa13) + 500000))
    assert post(client, "", raw=raw).status_code == 202
    assert post(client, "", raw=resent).status_code == 202
    drain(services)
    states = sorted(d.state for d in docs(services, doc_type="850"))
    assert states == [State.DUPLICATE.value, State.PROCESSED.value]
    with session(services.engine) as s:
        assert len(s.exec(select(OrderLink)).all()) == 1
    assert len(docs(services, doc_type="855")) == 1


@pytest.mark.parametrize(("fixture", "status"), [
    ("850-4010-unknown-item.x12", LineStatus.REJECTED),
    ("850-4010-over-stock.x12", LineStatus.BACKORDERED),
])
def test_855_line_statuses_come_from_the_erp(client: TestClient, services: Services, fixture: str,
                                             status: LineStatus) -> None:
    assert post(client, fixture).status_code == 202
    drain(services)
    [ack855] = docs(services, doc_type="855")
    response = poack855.parse(sets_of(ack855.raw)[0])
    assert status in {line.status for line in response.lines}
    assert pyx12_problems(ack855.raw) == []


def test_several_purchase_orders_in_one_interchange(client: TestClient, services: Services) -> None:
    raw = (X12 / "850-4010-multi-po.x12").read_bytes()
    expected = sorted(po850.parse(ts).po_number for ts in sets_of(raw))
    answer = post(client, "", raw=raw)
    assert answer.status_code == 202
    assert len(answer.json()["documents"]) == len(expected)
    drain(services)
    assert sorted(d.po_number or "" for d in docs(services, doc_type="850", state="processed")) == expected
    assert len(docs(services, doc_type="855")) == len(expected)


def test_5010_order_gets_a_999(client: TestClient, services: Services) -> None:
    answer = post(client, "850-5010-basic.x12")
    assert answer.status_code == 202, answer.text
    [ack] = sets_of(answer.json()["acknowledgment"].encode())
    assert ack.code == "999"
    assert ack.group.version.startswith("005010")


def test_not_x12_is_refused_and_stored(client: TestClient, services: Services) -> None:
    answer = post(client, "", raw=b"this is not an interchange")
    assert answer.status_code == 400
    doc = docs(services, id=answer.json()["document_id"])[0]
    assert doc.state == State.REJECTED.value
    assert doc.raw == b"this is not an interchange"
    assert "X12" in (doc.error or "")


def test_unknown_partner_is_refused_over_http_before_anything_is_stored(client: TestClient,
                                                                       services: Services) -> None:
    """No credential can be an unknown partner's: 401, like a wrong password, and nothing kept."""
    answer = post(client, "850-4010-basic.x12", partner="nobody")
    assert answer.status_code == 401
    assert docs(services) == []


def test_unknown_partner_of_an_ingested_file_is_refused_and_stored(services: Services) -> None:
    """``b2bgw ingest --partner nobody`` (no credential involved): the file is kept with a 404."""
    result = receive_file(services.engine, partner_id="nobody", raw=(X12 / "850-4010-basic.x12").read_bytes())
    assert result.http_status == 404
    [doc] = docs(services, id=result.document_id)
    assert doc.state == State.REJECTED.value and doc.partner_id is None and "nobody" in (doc.error or "")


def test_unknown_sender_is_refused(client: TestClient, services: Services) -> None:
    raw = (X12 / "850-4010-basic.x12").read_bytes().replace(b"ACMEBUYER      ", b"SOMEONEELSE    ", 1)
    answer = post(client, "", raw=raw)
    assert answer.status_code == 403
    assert "SOMEONEELSE" in answer.json()["error"]
    assert docs(services, id=answer.json()["document_id"])[0].state == State.REJECTED.value


def _broken(raw: bytes, old: bytes, new: bytes) -> bytes:
    assert old in raw
    return raw.replace(old, new, 1)


def test_wrong_se01_is_rejected_in_the_997(client: TestClient, services: Services) -> None:
    raw = (X12 / "850-4010-basic.x12").read_bytes()
    [ts] = sets_of(raw)
    se = ts.segments[-1]
    wrong = _broken(raw, f"SE*{se[1]}*".encode(), f"SE*{int(se[1]) + 3}*".encode())
    answer = post(client, "", raw=wrong)
    assert answer.status_code == 422
    [ack] = sets_of(answer.json()["acknowledgment"].encode())
    parsed = parse_acknowledgment(ack)
    assert parsed.sets[0].status == "R"
    assert "4" in parsed.sets[0].codes
    [po_doc] = docs(services, doc_type="850")
    assert po_doc.state == State.REJECTED.value
    assert drain(services) == 0


def test_bad_date_is_named_by_segment_and_element(client: TestClient, services: Services) -> None:
    raw = (X12 / "850-4010-basic.x12").read_bytes()
    [ts] = sets_of(raw)
    beg = next(s for s in ts.segments if s[0] == "BEG")
    answer = post(client, "", raw=_broken(raw, beg[5].encode(), b"20261341"))
    assert answer.status_code == 422
    text = answer.json()["acknowledgment"]
    assert "AK3*BEG*" in text and "AK4*5*373*8*20261341" in text  # AK404 copies the bad value


def test_crashed_worker_is_taken_up_again_without_a_second_order(client: TestClient, services: Services) -> None:
    from gateway.pipeline.orders import idempotency_key
    from gateway.pipeline.queue import claim_due, recover_expired

    raw = (X12 / "850-4010-basic.x12").read_bytes()
    order = po850.parse(sets_of(raw)[0])
    post(client, "", raw=raw)
    doc_id = claim_due(services.engine, "doomed-worker", limit=1)[0].id
    # the doomed worker got as far as the ERP before it died
    services.erp.push_order(order, customer_id="ACME", idempotency_key=idempotency_key("acme", order))
    with session(services.engine) as s:
        s.add(OrderLink(
            idempotency_key=idempotency_key("acme", order), partner_id="acme", po_number=order.po_number,
            document_id=doc_id))
        s.commit()
    assert recover_expired(services.engine, lease_seconds=0) == [doc_id]
    assert drain(services) == 1
    [po_doc] = docs(services, doc_type="850")
    assert po_doc.state == State.PROCESSED.value
    assert len(docs(services, doc_type="855")) == 1
    found = services.erp.find_order(idempotency_key("acme", order))
    assert found is not None and found.erp_order_id == po_doc.erp_order_id


def test_replay_of_a_processed_order_changes_nothing(client: TestClient, services: Services) -> None:
    post(client, "850-4010-basic.x12")
    drain(services)
    [po_doc] = docs(services, doc_type="850")
    answer = client.post(f"/api/documents/{po_doc.id}/replay", headers=AUTH)
    assert answer.status_code == 200 and answer.json()["state"] == "queued"
    assert drain(services) == 1
    [again] = docs(services, doc_type="850")
    assert again.state == State.PROCESSED.value and again.erp_order_id == po_doc.erp_order_id
    assert len(docs(services, doc_type="855")) == 1


def test_operator_api_reads_documents_with_history(client: TestClient, services: Services) -> None:
    assert client.get("/api/documents").status_code == 401
    assert client.get("/api/documents", headers={"Authorization": "Bearer wrong"}).status_code == 401
    upload = post(client, "850-4010-basic.x12").json()
    drain(services)
    listed = client.get("/api/documents", params={"status": "processed"}, headers=AUTH).json()
    assert [d["doc_type"] for d in listed] == ["850"]
    detail = client.get(f"/api/documents/{upload['document_id']}", headers=AUTH).json()
    assert detail["raw"].startswith("ISA")
    assert [e["to_state"] for e in detail["history"]] == ["received", "translating", "accepted"]
    assert {c["doc_type"] for c in detail["children"]} == {"850", "997"}
    with session(services.engine) as s:
        events = s.exec(select(DocumentEvent).where(DocumentEvent.document_id == listed[0]["id"])).all()
    assert [e.to_state for e in events] == ["queued", "processing", "processed"]
    refused = client.post(f"/api/documents/{upload['document_id']}/replay", headers=AUTH)
    assert refused.status_code == 409


def test_operator_api_finds_documents_as_the_pages_do(client: TestClient, services: Services) -> None:
    post(client, "850-4010-basic.x12")
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.po_number

    def found(**params: str) -> list[tuple[str, str]]:
        answer = client.get("/api/documents", params=params, headers=AUTH)
        assert answer.status_code == 200, answer.text
        return [(d["doc_type"], d["direction"]) for d in answer.json()]

    assert found(partner="acme", po=order.po_number, type="850") == [("850", "in")]
    assert found(q=order.po_number.lower(), direction="out") == [("855", "out")]  # the acknowledgment names the PO
    assert found(standard="x12", type="997", direction="out") == [("997", "out")]
    assert found(po="NO-SUCH-PO") == []


def test_health(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_an_interchange_repeated_within_one_file_is_stored_once(services: Services) -> None:
    """Intake asks whether an interchange was seen once per interchange, not per set; a repeat is still caught."""
    raw = (X12 / "850-4010-multi-po.x12").read_bytes()
    result = receive_file(services.engine, partner_id="acme", raw=raw + raw)
    assert result.http_status == 202
    assert len(result.documents) == 3
    assert len(docs(services, doc_type="850")) == 3
