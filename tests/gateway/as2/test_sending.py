"""The ``as2`` delivery channel against a partner server where OpenSSL decrypts, verifies and answers the MDN."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.as2.sending import resend_overdue
from gateway.as2.tables import As2Message
from gateway.config import Settings
from gateway.delivery.deliverer import Deliverer
from gateway.delivery.outbox import enqueue
from gateway.delivery.tables import OutboxMessage
from gateway.delivery.transports import TransportContext, build_transports
from gateway.services import Services
from gateway.store.db import session
from tests.gateway.as2.conftest import As2Keys
from tests.gateway.as2.gateway_setup import ORDER, messages, set_up_as2
from tests.gateway.as2.openssl_partner import OpenSslRead, partner_mdn, read_our_message
from tests.loopback import post_server

Received = list[tuple[dict[str, str], OpenSslRead]]


def _queue(services: Services, url: str) -> int:
    with session(services.engine) as s:
        message = enqueue(s, channel="as2", destination=url, kind="document", idempotency_key="as2-test-1",
                          payload=ORDER, content_type="application/edi-x12", partner_id="acme",
                          headers={"filename": "order-855.x12"})
        s.commit()
        return message.id or 0


def _deliver(services: Services, settings: Settings | None = None) -> None:
    settings = settings or services.settings
    transports = build_transports(TransportContext(services.erp, engine=services.engine, settings=settings))
    Deliverer(services.engine, transports, settings, "test-deliverer").drain()


def _outbox(services: Services, message_id: int) -> OutboxMessage:
    with session(services.engine) as s:
        row = s.get(OutboxMessage, message_id)
        assert row is not None
        return row


def _partner(as2_keys: As2Keys, tmp_path: Path, received: Received, *, status: int = 200,
             mdn: Callable[[str, str], tuple[dict[str, str], bytes]] | None = None,
             disposition: str = "automatic-action/MDN-sent-automatically; processed"):
    """A partner's AS2 server: OpenSSL decrypts and verifies, and a signed MDN with its own MIC answers."""

    def answer(headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        read = read_our_message(headers, body, recipient=as2_keys.partner, sender_certificate=as2_keys.ours,
                                work=tmp_path)
        received.append((headers, read))
        if status != 200:
            return status, "text/plain", b"busy"
        message_id = headers["Message-ID"].strip("<>")
        if "Receipt-Delivery-Option" in headers or "Disposition-Notification-To" not in headers:
            return 200, "text/plain", b""
        options = {k.lower(): v for k, v in headers.items()}.get("disposition-notification-options", "")
        asked = options.rpartition(",")[2].strip().replace("-", "") or "sha256"
        mic = read.mic(asked)
        mdn_headers, mdn_body = (mdn or (lambda mid, m: partner_mdn(mid, mic=m, signer=as2_keys.partner,
                                                                    disposition=disposition)))(message_id, mic)
        return 200, mdn_headers["Content-Type"], mdn_body

    return answer


COMBINATIONS = list(itertools.product(("sha256", None), ("aes256-cbc", None), (False, True)))


@pytest.mark.parametrize(("sign", "encrypt", "compress"), COMBINATIONS,
                         ids=[f"{s or 'unsigned'}-{e or 'clear'}-{'compressed' if c else 'plain'}"
                              for s, e, c in COMBINATIONS])
def test_document_reaches_the_partner_and_its_mdn_is_checked(services: Services, as2_keys: As2Keys, tmp_path: Path,
                                                            sign: str | None, encrypt: str | None,
                                                            compress: bool) -> None:
    received: Received = []
    with post_server(_partner(as2_keys, tmp_path, received)) as url:
        set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery=url,
                   options={"sign": sign, "encrypt": encrypt, "compress": compress, "mdn_signed": True})
        outbox_id = _queue(services, url)
        _deliver(services)
    [(headers, read)] = received
    assert read.payload == ORDER
    if sign or encrypt or compress:  # in clear, the file name is an HTTP header, which the OpenSSL reader skips
        assert read.filename == "order-855.x12"
    assert (read.signed, read.encrypted, read.compressed) == (sign is not None, encrypt is not None, compress)
    assert headers["AS2-From"] == "B2BGW" and headers["AS2-To"] == "PARTNER"
    assert _outbox(services, outbox_id).state == "delivered"
    [row] = messages(services.engine, "out")
    assert row.state == "acknowledged" and row.mic == read.mic("sha256") and row.mdn_raw
    assert row.message_id == headers["Message-ID"].strip("<>") and row.outbox_id == outbox_id


@pytest.mark.parametrize(("sign", "encrypt"), [("sha384", "aes128-cbc"), ("sha512", "aes256-gcm"),
                                               ("sha1", "des-ede3-cbc")])
def test_other_digests_and_ciphers(services: Services, as2_keys: As2Keys, tmp_path: Path, sign: str,
                                   encrypt: str) -> None:
    received: Received = []
    with post_server(_partner(as2_keys, tmp_path, received)) as url:
        set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery=url,
                   options={"sign": sign, "encrypt": encrypt})
        outbox_id = _queue(services, url)
        _deliver(services)
    assert received[0][1].payload == ORDER
    assert _outbox(services, outbox_id).state == "delivered", _outbox(services, outbox_id).last_error


def test_base64_body_for_partners_that_need_it(services: Services, as2_keys: As2Keys, tmp_path: Path) -> None:
    received: Received = []
    with post_server(_partner(as2_keys, tmp_path, received)) as url:
        set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery=url,
                   options={"transfer_encoding": "base64"})
        outbox_id = _queue(services, url)
        _deliver(services)
    [(headers, read)] = received
    assert headers["Content-Transfer-Encoding"] == "base64" and read.payload == ORDER
    assert _outbox(services, outbox_id).state == "delivered"


def test_negative_mdn_is_a_permanent_failure_shown(services: Services, as2_keys: As2Keys, tmp_path: Path) -> None:
    received: Received = []
    negative = "automatic-action/MDN-sent-automatically; processed/error: decryption-failed"
    with post_server(_partner(as2_keys, tmp_path, received, disposition=negative)) as url:
        set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery=url, options={})
        outbox_id = _queue(services, url)
        _deliver(services)
    outbox = _outbox(services, outbox_id)
    assert outbox.state == "failed" and "decryption-failed" in (outbox.last_error or "")
    [row] = messages(services.engine, "out")
    assert row.state == "negative" and "decryption-failed" in (row.disposition or "")


def test_mic_mismatch_is_a_permanent_failure(services: Services, as2_keys: As2Keys, tmp_path: Path) -> None:
    received: Received = []

    def wrong_mic(message_id: str, _mic: str) -> tuple[dict[str, str], bytes]:
        return partner_mdn(message_id, mic="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=, sha-256",
                           signer=as2_keys.partner)

    with post_server(_partner(as2_keys, tmp_path, received, mdn=wrong_mic)) as url:
        set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery=url, options={})
        outbox_id = _queue(services, url)
        _deliver(services)
    assert _outbox(services, outbox_id).state == "failed"
    [row] = messages(services.engine, "out")
    assert row.state == "negative" and "MIC" in (row.error or "")


def test_unsigned_mdn_when_signed_was_asked_is_refused(services: Services, as2_keys: As2Keys, tmp_path: Path) -> None:
    received: Received = []

    def unsigned(message_id: str, mic: str) -> tuple[dict[str, str], bytes]:
        return partner_mdn(message_id, mic=mic, signer=None)

    with post_server(_partner(as2_keys, tmp_path, received, mdn=unsigned)) as url:
        set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery=url, options={})
        outbox_id = _queue(services, url)
        _deliver(services)
    assert _outbox(services, outbox_id).state == "failed"


def test_5xx_is_retried_with_the_same_message_id(services: Services, as2_keys: As2Keys, tmp_path: Path) -> None:
    received: Received = []
    with post_server(_partner(as2_keys, tmp_path, received, status=503)) as url:
        set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery=url, options={})
        outbox_id = _queue(services, url)
        _deliver(services)
        assert _outbox(services, outbox_id).state == "retry"
    with post_server(_partner(as2_keys, tmp_path, received)) as url2:
        with session(services.engine) as s:
            row = s.get(OutboxMessage, outbox_id)
            assert row is not None
            row.destination, row.next_attempt_at = url2, None
            s.add(row)
            s.commit()
        _deliver(services)
    assert _outbox(services, outbox_id).state == "delivered"
    assert received[0][0]["Message-ID"] == received[1][0]["Message-ID"]
    [row] = messages(services.engine, "out")
    assert row.state == "acknowledged"


def test_no_mdn_when_sync_was_asked_is_retried(services: Services, as2_keys: As2Keys, tmp_path: Path) -> None:
    with post_server(lambda _h, _b: (200, "text/plain", b"")) as url:
        set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery=url, options={})
        outbox_id = _queue(services, url)
        _deliver(services)
    outbox = _outbox(services, outbox_id)
    assert outbox.state == "retry" and "without the synchronous MDN" in (outbox.last_error or "")


def test_unreachable_partner_is_retried(services: Services, as2_keys: As2Keys) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery="http://127.0.0.1:9/as2",
               options={})
    outbox_id = _queue(services, "http://127.0.0.1:9/as2")
    _deliver(services)
    assert _outbox(services, outbox_id).state == "retry"


def test_missing_partner_certificate_is_permanent_and_says_what_to_do(services: Services, as2_keys: As2Keys) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=None, delivery="http://127.0.0.1:9/as2", options={})
    outbox_id = _queue(services, "http://127.0.0.1:9/as2")
    _deliver(services)
    outbox = _outbox(services, outbox_id)
    assert outbox.state == "failed" and "b2bgw as2 import-cert acme" in (outbox.last_error or "")


def test_async_mdn_is_awaited_then_recorded(client: TestClient, services: Services, as2_keys: As2Keys,
                                            tmp_path: Path) -> None:
    received: Received = []
    settings = services.settings.model_copy(update={"public_url": "https://gateway.example"})
    with post_server(_partner(as2_keys, tmp_path, received)) as url:
        set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery=url,
                   options={"mdn": "async"})
        outbox_id = _queue(services, url)
        _deliver(services, settings)
    [(headers, read)] = received
    assert headers["Receipt-Delivery-Option"] == "https://gateway.example/as2"
    assert _outbox(services, outbox_id).state == "delivered"
    [row] = messages(services.engine, "out")
    assert row.state == "sent" and row.mdn_mode == "async"
    mdn_headers, mdn_body = partner_mdn(row.message_id, mic=read.mic("sha256"), signer=as2_keys.partner)
    answer = client.post("/as2", headers=mdn_headers, content=mdn_body)
    assert answer.status_code == 200 and b"acknowledged" in answer.content
    [row] = messages(services.engine, "out")
    assert row.state == "acknowledged" and row.mdn_raw == mdn_body
    assert messages(services.engine, "in") == []  # an MDN is not a message of its own


def test_negative_async_mdn_fails_the_delivery(client: TestClient, services: Services, as2_keys: As2Keys,
                                               tmp_path: Path) -> None:
    received: Received = []
    settings = services.settings.model_copy(update={"public_url": "https://gateway.example"})
    with post_server(_partner(as2_keys, tmp_path, received)) as url:
        set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery=url,
                   options={"mdn": "async"})
        outbox_id = _queue(services, url)
        _deliver(services, settings)
    [row] = messages(services.engine, "out")
    mdn_headers, mdn_body = partner_mdn(
        row.message_id, mic=None, signer=as2_keys.partner,
        disposition="automatic-action/MDN-sent-automatically; processed/error: authentication-failed")
    assert client.post("/as2", headers=mdn_headers, content=mdn_body).status_code == 200
    outbox = _outbox(services, outbox_id)
    assert outbox.state == "failed" and "authentication-failed" in (outbox.last_error or "")


def test_async_mdn_not_received_in_time_sends_again_then_gives_up(services: Services, as2_keys: As2Keys,
                                                                  tmp_path: Path) -> None:
    received: Received = []
    settings = services.settings.model_copy(update={"public_url": "https://gateway.example", "max_attempts": 2})
    with post_server(_partner(as2_keys, tmp_path, received)) as url:
        set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, delivery=url,
                   options={"mdn": "async"})
        outbox_id = _queue(services, url)
        _deliver(services, settings)
        assert resend_overdue(services.engine, settings) == []  # not overdue yet
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=settings.as2_mdn_wait_hours + 1)
        assert resend_overdue(services.engine, settings, now=later) == [outbox_id]
        assert _outbox(services, outbox_id).state == "retry"
        _deliver(services, settings)
        assert resend_overdue(services.engine, settings, now=later + dt.timedelta(hours=30)) == [outbox_id]
    assert [h["Message-ID"] for h, _ in received] == [received[0][0]["Message-ID"]] * 2  # the same message again
    outbox = _outbox(services, outbox_id)
    assert outbox.state == "dead" and "no MDN" in (outbox.last_error or "")
    with session(services.engine) as s:
        [row] = s.exec(As2Message.__table__.select()).all()  # type: ignore[attr-defined]
    assert row.state == "failed"
