"""Our key pairs and partners' certificates: ``b2bgw as2``, storage, expiry shown and alerted, never a key in output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from gateway.alerts.incidents import AlertKind, AlertRules, raise_alerts
from gateway.alerts.tables import AlertIncident
from gateway.as2.certificates import certificate_overview
from gateway.as2.keys import generate_key_pair, our_key_pairs, our_signer, store_key_pair
from gateway.as2.tables import As2Identity, As2Message, PartnerCertificate
from gateway.cli import app
from gateway.config import get_settings
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import utcnow
from tests.gateway.as2.conftest import As2Keys
from tests.gateway.as2.gateway_setup import ORDER, set_up_as2
from tests.gateway.as2.openssl_partner import partner_message
from tests.gateway.conftest import OPERATOR_TOKEN


@pytest.fixture
def runner(services: Services, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("B2BGW_DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("B2BGW_KEY_PASSPHRASE", "correct horse battery staple")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_keygen_stores_an_encrypted_key_and_prints_only_the_certificate(runner: CliRunner, services: Services) -> None:
    result = runner.invoke(app, ["as2", "keygen", "--as2-id", "B2BGW", "--days", "365", "--key-type", "ec"])
    assert result.exit_code == 0, result.output
    assert "-----BEGIN CERTIFICATE-----" in result.output and "SHA-256 fingerprint:" in result.output
    assert "PRIVATE KEY" not in result.output
    with session(services.engine) as s:
        [row] = s.exec(select(As2Identity)).all()
        assert row.private_key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert row.fingerprint in result.output
        signer = our_signer(s, "B2BGW", "correct horse battery staple")
    assert signer.certificate.subject.rfc4514_string().startswith("O=b2b-gateway AS2,CN=B2BGW")
    exported = runner.invoke(app, ["as2", "export-cert"])
    assert exported.exit_code == 0 and exported.output.startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE" not in exported.output


def test_import_key_and_partner_certificate_then_list(runner: CliRunner, services: Services, as2_keys: As2Keys,
                                                      tmp_path: Path) -> None:
    encrypted_key = tmp_path / "ours.key.der"
    encrypted_key.write_bytes(as2_keys.ours.key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"file secret")))
    result = runner.invoke(app, ["as2", "import-key", str(encrypted_key), str(as2_keys.ours.certificate_path),
                                 "--passphrase-stdin"], input="file secret\n")
    assert result.exit_code == 0, result.output
    assert "PRIVATE" not in result.output
    der = tmp_path / "partner.der"
    der.write_bytes(as2_keys.partner.certificate.public_bytes(serialization.Encoding.DER))
    assert runner.invoke(app, ["as2", "import-cert", "acme", str(der), "--usage", "signing"]).exit_code == 0
    refused = runner.invoke(app, ["as2", "import-cert", "acme", str(as2_keys.expired.certificate_path)])
    assert refused.exit_code == 1 and "expired on" in refused.output
    refused = runner.invoke(app, ["as2", "import-cert", "acme", str(as2_keys.partner.key_path)])
    assert refused.exit_code == 1 and "private key, not a certificate" in refused.output
    listing = runner.invoke(app, ["as2", "certs"])
    assert listing.exit_code == 0
    assert "ours" in listing.output and "acme" in listing.output and "signing" in listing.output
    with session(services.engine) as s:
        assert len(our_key_pairs(s, "B2BGW", "correct horse battery staple")) == 1
        assert [row.usage for row in s.exec(select(PartnerCertificate)).all()] == ["signing"]


def test_a_key_that_does_not_match_its_certificate_is_refused(runner: CliRunner, as2_keys: As2Keys) -> None:
    result = runner.invoke(app, ["as2", "import-key", str(as2_keys.ours.key_path),
                                 str(as2_keys.partner.certificate_path)])
    assert result.exit_code == 1 and "does not belong to the certificate" in result.output


def test_rollover_old_pair_still_decrypts(services: Services, client: TestClient, as2_keys: As2Keys) -> None:
    """A partner still encrypting to our previous certificate is read while both pairs are unretired."""
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    newer_key, newer_certificate = generate_key_pair("B2BGW", days=700)
    with session(services.engine) as s:
        store_key_pair(s, "B2BGW", newer_key, newer_certificate, passphrase=None)
        s.commit()
        assert our_signer(s, "B2BGW").certificate == newer_certificate
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours)
    answer = client.post("/as2", headers=message.headers, content=message.body)
    assert answer.status_code == 200 and b"processed/error" not in answer.content


def test_expiring_certificates_are_shown_and_alerted_once(services: Services, client: TestClient,
                                                          as2_keys: As2Keys) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)  # both valid 365 days
    with session(services.engine) as s:
        states = {row.owner: row.state for row in certificate_overview(s, warning_days=30)}
    assert states == {"ours": "valid", "acme": "valid"}
    rules = AlertRules(certificate_warning_days=30)
    assert raise_alerts(services.engine, rules).opened == []
    soon = utcnow() + dt.timedelta(days=340)  # within 30 days of the partner's and our certificates' end
    first = raise_alerts(services.engine, rules, now=soon)
    assert sorted(i.kind for i in first.opened) == [AlertKind.CERTIFICATE_EXPIRY.value] * 2
    assert any("acme's AS2 certificate" in i.summary and "expires on" in i.summary for i in first.opened)
    assert raise_alerts(services.engine, rules, now=soon + dt.timedelta(minutes=1)).opened == []  # once each
    with session(services.engine) as s:
        partner_certificate = s.exec(select(PartnerCertificate)).one()
        partner_certificate.revoked_at = utcnow()
        s.add(partner_certificate)
        s.commit()
    closed = raise_alerts(services.engine, rules, now=soon + dt.timedelta(minutes=2)).closed
    assert [i.subject for i in closed] == [f"certificate:acme:{partner_certificate.fingerprint}"]
    with session(services.engine) as s:
        assert len(s.exec(select(AlertIncident)).all()) == 2


def test_admin_page_lists_messages_and_certificates_without_keys(services: Services, client: TestClient,
                                                                 as2_keys: As2Keys) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours)
    client.post("/as2", headers=message.headers, content=message.body)
    client.post("/admin/login", data={"token": OPERATOR_TOKEN, "next": "/admin/as2"}, follow_redirects=False)
    page = client.get("/admin/as2")
    assert page.status_code == 200
    assert message.message_id in page.text and "processed" in page.text and "acme" in page.text
    assert 'id="certificates"' in page.text and "CN=PARTNER" in page.text
    assert "PRIVATE KEY" not in page.text
    with session(services.engine) as s:
        row_id = s.exec(select(As2Message.id)).one()
    detail = client.get(f"/admin/as2/messages/{row_id}")
    assert detail.status_code == 200 and "Received-Content-MIC" in detail.text and "PRIVATE KEY" not in detail.text
    assert "encrypted" in detail.text


def test_document_page_shows_its_as2_message(services: Services, client: TestClient, as2_keys: As2Keys) -> None:
    set_up_as2(services.engine, ours=as2_keys.ours, partner=as2_keys.partner)
    message = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours)
    client.post("/as2", headers=message.headers, content=message.body)
    client.post("/admin/login", data={"token": OPERATOR_TOKEN, "next": "/admin/as2"}, follow_redirects=False)
    with session(services.engine) as s:
        document_id = s.exec(select(As2Message.document_id)).one()
    page = client.get(f"/admin/documents/{document_id}")
    assert page.status_code == 200 and 'id="as2-messages"' in page.text and message.message_id in page.text
    assert 'href="/admin/as2"' in page.text
