"""POST /as2 end to end, OpenSSL playing the partner: every combination of signed, encrypted, compressed.

Each message goes into the same intake as an upload (a stored interchange and its 850), and the
MDN we answer is verified by ``openssl cms -verify`` with the MIC OpenSSL computed compared.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from gateway.as2.receiving import read_payload, receive
from gateway.delivery.deliverer import Deliverer
from gateway.delivery.tables import OutboxMessage
from gateway.delivery.transports import TransportContext, build_transports
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document
from tests.gateway.as2.conftest import As2Keys
from tests.gateway.as2.gateway_setup import ORDER, messages, set_up_as2, verify_mdn
from tests.gateway.as2.openssl_partner import partner_message
from tests.gateway.flow import drain
from tests.loopback import post_server

COMBINATIONS = list(itertools.product((False, True), repeat=3))


@pytest.mark.parametrize(("signed", "encrypted", "compressed"), COMBINATIONS,
                         ids=[f"{'signed' if a else 'unsigned'}-{'encrypted' if b else 'clear'}-"
                              f"{'compressed' if c else 'plain'}" for a, b, c in COMBINATIONS])
def test_partner_message_becomes_a_document_and_a_signed_mdn(client: TestClient, services: Services, as2_keys: As2Keys,
                                                            tmp_path: Path, signed: bool, encrypted: bool,
                                                            compressed: bool) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner,
               options={"require_signature": signed, "require_encryption": encrypted})
    message = partner_message(ORDER, sender=as2_keys.partner if signed else None,
                              recipient=as2_keys.ours if encrypted else None, compress=compressed)
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert answer.status_code == 200, answer.text
    fields = verify_mdn(dict(answer.headers), answer.content, signer=as2_keys.ours, work=tmp_path)
    assert fields["Disposition"].endswith("processed"), fields
    assert fields["Received-Content-MIC"].replace(" ", "") == message.mic.replace(" ", "")
    assert message.message_id in fields["Original-Message-ID"]
    [row] = messages(services.engine)
    assert (row.state, row.signed, row.encrypted, row.compressed) == ("processed", signed, encrypted, compressed)
    assert row.partner_id == "acme" and row.disposition == "processed" and row.mdn_raw == answer.content
    with session(services.engine) as s:
        interchange = s.get(Document, row.document_id)
        assert interchange is not None and interchange.raw == ORDER and interchange.partner_id == "acme"
        orders = s.exec(select(Document).where(Document.parent_id == interchange.id,
                                               Document.doc_type == "850")).all()
        assert len(orders) == 1
    if signed and encrypted and not compressed:  # the order itself, once: the worker places it
        drain(services)
        with session(services.engine) as s:
            order = s.get(Document, orders[0].id)
            assert order is not None and order.state == "processed", (order.state, order.error)


def test_unsigned_mdn_when_none_is_asked_signed(client: TestClient, services: Services, as2_keys: As2Keys,
                                               tmp_path: Path) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours, micalgs=())
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert answer.status_code == 200
    assert "multipart/report" in answer.headers["content-type"]
    fields = verify_mdn(dict(answer.headers), answer.content, signer=None, work=tmp_path)
    assert fields["Disposition"].endswith("processed")


def test_no_mdn_asked_answers_200_and_stores(client: TestClient, services: Services, as2_keys: As2Keys) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours, mdn="none")
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert answer.status_code == 200
    [row] = messages(services.engine)
    assert row.state == "processed" and row.document_id is not None and row.mdn_raw is None


def test_a_file_the_intake_rejects_is_still_processed_in_the_mdn(client: TestClient, services: Services,
                                                                 as2_keys: As2Keys, tmp_path: Path) -> None:
    """The MDN is the transport's receipt: a file that is not EDI is answered by the intake, not by the MDN."""
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(b"this is not an EDI file\r\n", sender=as2_keys.partner, recipient=as2_keys.ours,
                              content_type="text/plain")
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert answer.status_code == 200
    fields = verify_mdn(dict(answer.headers), answer.content, signer=as2_keys.ours, work=tmp_path)
    assert fields["Disposition"].endswith("processed")
    [row] = messages(services.engine)
    with session(services.engine) as s:
        doc = s.get(Document, row.document_id)
        assert doc is not None and doc.state == "rejected"
    assert row.error is None and doc.error  # the file's fault is the intake's answer, not the transport's
    assert f"stored as document {doc.id}" in answer.content.decode("latin-1")


def test_the_payload_is_stored_with_the_mdn_and_read_after(services: Services, as2_keys: As2Keys) -> None:
    """The MDN waits for the payload to be stored, not for the reading of the interchange."""
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours)
    answer = receive(services.engine, services.settings, message.headers, message.body, read_now=False)
    assert answer.status == 200 and answer.outcome == "processed" and answer.read_document == answer.document_id
    with session(services.engine) as s:
        doc = s.get(Document, answer.document_id)
        assert doc is not None and doc.state == "received" and doc.raw == ORDER
    read_payload(services.engine, answer)
    with session(services.engine) as s:
        doc = s.get(Document, answer.document_id)
        assert doc is not None and doc.state == "accepted"


def test_async_mdn_is_queued_and_delivered_to_the_partner(client: TestClient, services: Services,
                                                          as2_keys: As2Keys, tmp_path: Path) -> None:
    got: list[tuple[dict[str, str], bytes]] = []

    def partner_url(headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        got.append((headers, body))
        return 200, "text/plain", b"thanks"

    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    with post_server(partner_url, "/as2/mdn") as url:
        message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours, mdn="async", mdn_url=url)
        answer = client.post("/as2", headers=message.headers, content=message.body)
        assert answer.status_code == 200 and b"the MDN goes to" in answer.content
        with session(services.engine) as s:
            [queued] = s.exec(select(OutboxMessage).where(OutboxMessage.channel == "as2-mdn")).all()
            assert queued.destination == url
        Deliverer(services.engine, build_transports(TransportContext(services.erp, engine=services.engine,
                                                                     settings=services.settings)),
                  services.settings, "test").drain()
    [(headers, body)] = got
    fields = verify_mdn(headers, body, signer=as2_keys.ours, work=tmp_path)
    assert fields["Disposition"].endswith("processed")
    assert fields["Received-Content-MIC"].replace(" ", "") == message.mic.replace(" ", "")
    assert headers["AS2-From"] == "B2BGW" and headers["AS2-To"] == "PARTNER"
    [row] = messages(services.engine)
    assert row.mdn_mode == "async" and row.mdn_url == url and row.mdn_raw == body


def test_a_forged_message_never_makes_us_post_its_receipt_elsewhere(client: TestClient, services: Services,
                                                                    as2_keys: As2Keys, tmp_path: Path) -> None:
    """Garbage naming the partner with a Receipt-Delivery-Option: the MDN comes back in the answer, none is queued."""
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours, mdn="async",
                              mdn_url="http://10.0.0.1/internal")
    answer = client.post("/as2", headers=message.headers, content=b"forged")
    assert answer.status_code == 200
    assert verify_mdn(dict(answer.headers), answer.content, signer=as2_keys.ours,
                      work=tmp_path)["Disposition"].endswith("decryption-failed")
    with session(services.engine) as s:
        assert s.exec(select(OutboxMessage).where(OutboxMessage.channel == "as2-mdn")).all() == []


def test_the_reading_after_the_answer_waits_for_an_intake_slot(services: Services, as2_keys: As2Keys) -> None:
    """A flood of AS2 messages must not pile readings past B2BGW_INTAKE_CONCURRENCY: no slot, the sweep reads it."""
    import asyncio

    from gateway.api.as2 import _read_after_answer
    from gateway.api.limits import UploadGate, UploadLimits

    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours)
    answer = receive(services.engine, services.settings, message.headers, message.body, read_now=False)
    assert answer.status == 200 and answer.read_document is not None
    gate = UploadGate(UploadLimits(in_flight_bytes=1 << 20, intakes=1, wait_seconds=0.05, retry_after=1))

    async def while_the_only_slot_is_taken() -> None:
        async with gate.intake():
            await _read_after_answer(gate, services.engine, answer)  # gives up after wait_seconds, raises nothing

    asyncio.run(while_the_only_slot_is_taken())
    with session(services.engine) as s:
        stored = s.get(Document, answer.read_document)
        assert stored is not None and stored.state == "received"  # kept for the stranded-file sweep
    asyncio.run(_read_after_answer(gate, services.engine, answer))  # a free slot: read
    with session(services.engine) as s:
        stored = s.get(Document, answer.read_document)
        assert stored is not None and stored.state != "received"
        assert s.exec(select(Document).where(Document.parent_id == stored.id, Document.doc_type == "850")).all()
