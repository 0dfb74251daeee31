"""Bad input at POST /as2 (the issue's list): each a precise MDN or 4xx, a stored record, no document, no 5xx."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from sqlmodel import select

from gateway.as2.certificates import CertificateRefused, import_partner_certificate
from gateway.as2.keys import fingerprint
from gateway.as2.tables import As2Message, PartnerCertificate
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner, utcnow
from tests.gateway.as2.conftest import As2Keys
from tests.gateway.as2.gateway_setup import ORDER, inbound_documents, messages, set_up_as2, verify_mdn
from tests.gateway.as2.openssl_partner import partner_message


def _refused(client: TestClient, services: Services, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    answer = client.post("/as2", headers=headers, content=body)
    assert answer.status_code < 500, answer.text
    assert inbound_documents(services.engine) == [], "no document may be made"
    assert len(messages(services.engine)) >= 1, "the attempt is stored"
    return answer.status_code, answer.content


def _disposition(answer_headers: dict[str, str], body: bytes, as2_keys: As2Keys, tmp_path: Path) -> str:
    return verify_mdn(answer_headers, body, signer=as2_keys.ours, work=tmp_path)["Disposition"]


def test_garbage_body_is_an_mdn_not_a_500(client: TestClient, services: Services, as2_keys: As2Keys,
                                          tmp_path: Path) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    headers = dict(partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours).headers)
    answer = client.post("/as2", headers=headers, content=b"\x00\x01garbage" * 100)
    assert answer.status_code == 200
    assert "processed/error" in _disposition(dict(answer.headers), answer.content, as2_keys, tmp_path)
    [row] = messages(services.engine)
    assert row.state == "failed" and row.error and row.document_id is None
    assert inbound_documents(services.engine) == []


def test_missing_headers_are_400_naming_them(client: TestClient, services: Services, as2_keys: As2Keys) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    status, body = _refused(client, services, {"Content-Type": "application/edi-x12"}, ORDER)
    assert status == 400
    assert b"Message-ID" in body and b"AS2-From" in body and b"AS2-To" in body
    status, _ = _refused(client, services, {"Content-Type": "application/edi-x12"}, ORDER)
    assert status == 400 and len(messages(services.engine)) == 2  # two refusals never collide


def test_wrong_certificate_is_authentication_failed(client: TestClient, services: Services, as2_keys: As2Keys,
                                                    tmp_path: Path) -> None:
    """Signed by a stranger's key while naming the partner: the signature does not verify against its certificate."""
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.stranger, recipient=as2_keys.ours)
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert answer.status_code == 200
    assert _disposition(dict(answer.headers), answer.content, as2_keys, tmp_path).endswith(
        "processed/error: authentication-failed")
    [row] = messages(services.engine)
    assert row.state == "failed" and row.disposition == "processed/error: authentication-failed"
    assert inbound_documents(services.engine) == []


def test_encrypted_to_another_key_is_decryption_failed(client: TestClient, services: Services, as2_keys: As2Keys,
                                                       tmp_path: Path) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.stranger)
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert _disposition(dict(answer.headers), answer.content, as2_keys, tmp_path).endswith(
        "processed/error: decryption-failed")
    assert inbound_documents(services.engine) == []


def test_expired_certificate_is_authentication_failed_and_says_so(client: TestClient, services: Services,
                                                                  as2_keys: As2Keys, tmp_path: Path) -> None:
    """The partner's certificate we hold has expired: what it signs is refused, and the MDN says why."""
    set_up_as2(services.engine, ours=as2_keys.ours, partner=None)
    expired = as2_keys.expired.certificate
    with session(services.engine) as s:  # imported while it was valid (an import now is refused)
        s.add(PartnerCertificate(partner_id="acme", usage="both", subject="CN=PARTNER-EXPIRED", issuer="x", serial="1",
                                 certificate_pem=expired.public_bytes(serialization.Encoding.PEM).decode(),
                                 fingerprint=fingerprint(expired), not_before=expired.not_valid_before_utc,
                                 not_after=expired.not_valid_after_utc))
        s.commit()
    message = partner_message(ORDER, sender=as2_keys.expired, recipient=as2_keys.ours)
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert _disposition(dict(answer.headers), answer.content, as2_keys, tmp_path).endswith(
        "processed/error: authentication-failed")
    [row] = messages(services.engine)
    assert "expired" in (row.error or "")
    assert inbound_documents(services.engine) == []


def test_unknown_as2_from_is_refused(client: TestClient, services: Services, as2_keys: As2Keys,
                                     tmp_path: Path) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.stranger, recipient=as2_keys.ours, as2_from="STRANGER")
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert answer.status_code == 200
    assert _disposition(dict(answer.headers), answer.content, as2_keys, tmp_path).endswith("authentication-failed")
    assert b"unknown AS2-From 'STRANGER'" in answer.content
    async_message = partner_message(ORDER, sender=as2_keys.stranger, recipient=as2_keys.ours, as2_from="STRANGER",
                                    mdn="async", mdn_url="http://127.0.0.1:9/never")
    status, body = _refused(client, services, dict(async_message.headers), async_message.body)
    assert status == 403 and b"unknown AS2-From" in body  # no receipt posted to a stranger's URL


def test_as2_to_not_ours_is_refused(client: TestClient, services: Services, as2_keys: As2Keys,
                                    tmp_path: Path) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours, as2_to="SOMEONE-ELSE")
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert answer.status_code == 200
    assert _disposition(dict(answer.headers), answer.content, as2_keys, tmp_path).endswith("authentication-failed")
    assert inbound_documents(services.engine) == []


def test_disabled_partner_is_refused(client: TestClient, services: Services, as2_keys: As2Keys,
                                     tmp_path: Path) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    with session(services.engine) as s:
        partner = s.get(Partner, "acme")
        assert partner is not None
        partner.disabled_at, partner.disabled_reason = utcnow(), "contract ended"
        s.add(partner)
        s.commit()
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours)
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert _disposition(dict(answer.headers), answer.content, as2_keys, tmp_path).endswith("authentication-failed")
    assert b"disabled" in answer.content and inbound_documents(services.engine) == []


def test_tampered_signature_is_refused(client: TestClient, services: Services, as2_keys: As2Keys,
                                       tmp_path: Path) -> None:
    """Signed, not encrypted: one byte of the 850 changed after signing."""
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner, options={"require_encryption": False})
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=None)
    tampered = message.body.replace(b"ACME-PO-1001", b"ACME-PO-9001", 1)
    assert tampered != message.body
    answer = client.post("/as2", headers=message.headers, content=tampered)
    assert answer.status_code == 200
    disposition = _disposition(dict(answer.headers), answer.content, as2_keys, tmp_path)
    assert disposition.endswith(("integrity-check-failed", "authentication-failed")), disposition
    assert inbound_documents(services.engine) == []


def test_unsigned_when_a_signature_is_required(client: TestClient, services: Services, as2_keys: As2Keys,
                                               tmp_path: Path) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=None, recipient=as2_keys.ours)
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert _disposition(dict(answer.headers), answer.content, as2_keys, tmp_path).endswith(
        "insufficient-message-security")
    assert inbound_documents(services.engine) == []


def test_replayed_message_id_repeats_the_mdn_and_makes_no_second_document(client: TestClient, services: Services,
                                                                          as2_keys: As2Keys) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours)
    first = client.post("/as2", headers=message.headers, content=message.body)
    documents = len(inbound_documents(services.engine))
    again = client.post("/as2", headers=message.headers, content=message.body)
    assert again.status_code == 200 and again.content == first.content  # the original MDN, byte for byte
    assert len(inbound_documents(services.engine)) == documents
    [row] = messages(services.engine)
    assert row.state == "processed"


def test_racing_copies_of_one_message_make_one_document(client: TestClient, services: Services,
                                                        as2_keys: As2Keys) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours)
    statuses: list[int] = []

    def post() -> None:
        statuses.append(client.post("/as2", headers=message.headers, content=message.body).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(status in (200, 503) for status in statuses) and 200 in statuses
    with session(services.engine) as s:
        rows = s.exec(select(As2Message).where(As2Message.direction == "in")).all()
    assert len(rows) == 1
    assert len([d for d in inbound_documents(services.engine) if d.doc_type == "interchange"]) == 1


def test_too_large_is_413_and_stored(client: TestClient, services: Services, as2_keys: As2Keys) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    limited = services.settings.model_copy(update={"max_upload_bytes": 1000})
    object.__setattr__(services, "settings", limited)
    message = partner_message(ORDER * 10, sender=as2_keys.partner, recipient=as2_keys.ours)
    status, body = _refused(client, services, dict(message.headers), message.body)
    assert status == 413 and b"B2BGW_MAX_UPLOAD_BYTES" in body


def test_expired_certificate_import_is_refused(services: Services, as2_keys: As2Keys) -> None:
    with session(services.engine) as s:
        with pytest.raises(CertificateRefused, match="expired on"):
            import_partner_certificate(s, "acme", as2_keys.expired.certificate_pem)
        with pytest.raises(CertificateRefused, match=r"not an X\.509 certificate"):
            import_partner_certificate(s, "acme", b"not a certificate")
        with pytest.raises(CertificateRefused, match="private key, not a certificate"):
            import_partner_certificate(s, "acme", as2_keys.partner.key_path.read_bytes())


def test_a_failed_message_sent_again_after_a_fix_is_read_afresh(client: TestClient, services: Services,
                                                               as2_keys: As2Keys, tmp_path: Path) -> None:
    """Encrypted to an old key first (decryption-failed), then the partner fixes it and resends the same Message-ID."""
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    wrong = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.stranger, message_id="fix-1@partner")
    first = client.post("/as2", headers=wrong.headers, content=wrong.body)
    assert _disposition(dict(first.headers), first.content, as2_keys, tmp_path).endswith("decryption-failed")
    right = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours, message_id="fix-1@partner")
    again = client.post("/as2", headers=right.headers, content=right.body)
    assert _disposition(dict(again.headers), again.content, as2_keys, tmp_path).endswith("processed")
    [row] = messages(services.engine)
    assert row.state == "processed" and row.document_id is not None
