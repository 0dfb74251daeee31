"""Partner credentials: passwords as scrypt hashes, tokens as HMACs, certificates by fingerprint; revocation at once."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import text, update
from sqlmodel import SQLModel, col

from gateway.auth import audit_trail
from gateway.auth.partner_credentials import (
    VERIFIED,
    CredentialError,
    Refusal,
    add_certificate,
    authenticate_partner,
    credentials_of,
    issue_token,
    revoke_credential,
    set_password,
    verify_password,
)
from gateway.auth.tables import PartnerCredential
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner, utcnow


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def certificate(common_name: str = "acme-edi") -> x509.Certificate:
    """A self-signed client certificate (what a partner's TLS client would present)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))


def pem_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def test_a_password_is_stored_only_as_a_salted_scrypt_hash(services: Services) -> None:
    secret = "correct horse battery staple"
    with session(services.engine) as s:
        issued = set_password(s, "acme", actor="test", password=secret)
        s.commit()
    assert issued.secret == secret
    stored = issued.row.secret_hash or ""
    assert stored.startswith("scrypt$ln=15,r=8,p=1$") and secret not in stored
    assert verify_password(secret, stored) and not verify_password(secret + "!", stored)
    with session(services.engine) as s:  # the secret is in no row of any table (the audit log included)
        for table in SQLModel.metadata.sorted_tables:
            for row in s.execute(table.select()).all():
                assert secret not in repr(tuple(row)), table.name
    with session(services.engine) as s:  # two partners with the same password: different salts
        other = set_password(s, "globex", actor="test", password=secret)
        s.commit()
    assert other.row.secret_hash != stored


def test_a_new_password_revokes_the_old_one_and_short_ones_are_refused(services: Services) -> None:
    with session(services.engine) as s:
        with pytest.raises(CredentialError, match="at least 12 characters"):
            set_password(s, "acme", actor="test", password="short")
        with pytest.raises(CredentialError, match="no partner"):
            set_password(s, "nobody", actor="test", password="long enough password")
        generated = set_password(s, "acme", actor="test")
        s.commit()
    assert generated.secret is not None and len(generated.secret) >= 20
    assert authenticate_partner(services.engine, "acme", authorization=basic("acme", generated.secret),
                                client_certificate=None).ok
    assert not authenticate_partner(services.engine, "acme", authorization=basic("acme", "acme-demo-password"),
                                    client_certificate=None).ok  # the demo password it replaced
    with session(services.engine) as s:
        passwords = [c for c in credentials_of(s, "acme", include_revoked=True) if c.kind == "password"]
    assert [(c.id == generated.row.id, c.revoked_at is None) for c in passwords] == [(False, False), (True, True)]


def test_every_refusal_has_its_reason_and_never_the_wrong_partner(services: Services) -> None:
    with session(services.engine) as s:
        acme = issue_token(s, "acme", actor="test", label="ERP")
        globex = issue_token(s, "globex", actor="test")
        s.commit()
    assert acme.secret and globex.secret

    def why(partner: str, authorization: str | None) -> str:
        result = authenticate_partner(services.engine, partner, authorization=authorization, client_certificate=None)
        return "ok" if result.ok else result.reason

    assert why("acme", f"Bearer {acme.secret}") == "ok"
    assert why("acme", None) == Refusal.NO_CREDENTIAL
    assert why("acme", f"Bearer {globex.secret}") == Refusal.OTHER_PARTNER
    assert why("acme", f"Bearer {acme.secret[:-4]}AAAA") == Refusal.UNKNOWN_TOKEN
    assert why("acme", "Bearer b2bgw_0123456789ab_" + "x" * 43) == Refusal.MALFORMED  # an API token is not one
    assert why("acme", basic("acme", "not-the-password")) == Refusal.WRONG_PASSWORD
    assert why("acme", basic("globex", "globex-demo-password")) == Refusal.WRONG_USER
    assert why("nobody", basic("nobody", "whatever-password")) == Refusal.UNKNOWN_PARTNER
    assert why("acme", "Digest username=acme") == Refusal.MALFORMED
    with session(services.engine) as s:
        revoke_credential(s, acme.row.id or 0, actor="test")
        s.commit()
    assert why("acme", f"Bearer {acme.secret}") == Refusal.REVOKED_TOKEN
    with session(services.engine) as s, pytest.raises(CredentialError, match="already revoked"):
        revoke_credential(s, acme.row.id or 0, actor="test")


def test_a_disabled_partner_is_refused_with_its_own_valid_credential(services: Services) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, "acme")
        assert partner is not None
        partner.disabled_at, partner.disabled_reason = utcnow(), "contract ended"
        s.add(partner)
        s.commit()
    good = authenticate_partner(services.engine, "acme", authorization=basic("acme", "acme-demo-password"),
                                client_certificate=None)
    bad = authenticate_partner(services.engine, "acme", authorization=basic("acme", "wrong-password!"),
                               client_certificate=None)
    assert (good.ok, good.reason, good.status_code) == (False, Refusal.PARTNER_DISABLED, 403)
    assert (bad.ok, bad.reason, bad.status_code) == (False, Refusal.WRONG_PASSWORD, 401)  # a stranger learns nothing


def test_the_verification_cache_never_admits_a_revoked_password(services: Services) -> None:
    VERIFIED.forget()
    authorization = basic("acme", "acme-demo-password")
    first = authenticate_partner(services.engine, "acme", authorization=authorization, client_certificate=None)
    assert first.ok and len(VERIFIED) == 1
    assert authenticate_partner(services.engine, "acme", authorization=authorization, client_certificate=None).ok
    with session(services.engine) as s:  # revoked here: the cache forgets it
        revoke_credential(s, first.credential_id or 0, actor="test")
        s.commit()
    assert len(VERIFIED) == 0
    assert not authenticate_partner(services.engine, "acme", authorization=authorization, client_certificate=None).ok

    with session(services.engine) as s:  # revoked by another process: this cache still holds the entry
        again = set_password(s, "acme", actor="test", password="a new password here")
        s.commit()
    authorization = basic("acme", "a new password here")
    assert authenticate_partner(services.engine, "acme", authorization=authorization, client_certificate=None).ok
    with session(services.engine) as s:
        s.execute(update(PartnerCredential).where(col(PartnerCredential.id) == again.row.id)
                  .values(revoked_at=utcnow(), revoked_by="elsewhere"))
        s.commit()
    assert len(VERIFIED) == 1
    result = authenticate_partner(services.engine, "acme", authorization=authorization, client_certificate=None)
    assert not result.ok and result.reason == Refusal.NO_PASSWORD


def test_last_used_is_written_at_most_once_a_minute(services: Services) -> None:
    with session(services.engine) as s:
        issued = issue_token(s, "acme", actor="test")
        s.commit()
    authorization = f"Bearer {issued.secret}"

    def last_used() -> dt.datetime | None:
        with session(services.engine) as s:
            row = s.get(PartnerCredential, issued.row.id)
            assert row is not None
            return row.last_used_at

    assert last_used() is None
    assert authenticate_partner(services.engine, "acme", authorization=authorization, client_certificate=None).ok
    first = last_used()
    assert first is not None
    assert authenticate_partner(services.engine, "acme", authorization=authorization, client_certificate=None).ok
    assert last_used() == first  # within the minute: not written again
    with session(services.engine) as s:
        s.execute(update(PartnerCredential).where(col(PartnerCredential.id) == issued.row.id)
                  .values(last_used_at=utcnow() - dt.timedelta(minutes=2)))
        s.commit()
    assert authenticate_partner(services.engine, "acme", authorization=authorization, client_certificate=None).ok
    later = last_used()
    assert later is not None and later.replace(tzinfo=None) > first.replace(tzinfo=None)


def test_a_client_certificate_by_pem_der_or_fingerprint(services: Services) -> None:
    cert, other = certificate(), certificate("stranger")
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    with session(services.engine) as s:
        added = add_certificate(s, "acme", actor="test", pem=pem_of(cert), label="acme TLS client")
        s.commit()
        assert added.secret is None and added.row.public_id == fingerprint
        with pytest.raises(CredentialError, match="already partner acme's"):
            add_certificate(s, "acme", actor="test", fingerprint=":".join(
                fingerprint[i:i + 2].upper() for i in range(0, 64, 2)))
        with pytest.raises(CredentialError, match="already partner acme's"):
            add_certificate(s, "globex", actor="test", pem=cert.public_bytes(serialization.Encoding.DER))
        with pytest.raises(CredentialError, match="not a readable"):
            add_certificate(s, "globex", actor="test", pem=b"-----BEGIN CERTIFICATE-----\nnope\n")
        with pytest.raises(CredentialError, match="SHA-256 fingerprint"):
            add_certificate(s, "globex", actor="test", fingerprint="abc")

    def as_sent(c: x509.Certificate) -> str:  # nginx $ssl_client_escaped_cert
        return quote(pem_of(c).decode())

    ok = authenticate_partner(services.engine, "acme", authorization=None, client_certificate=as_sent(cert))
    assert ok.ok and ok.method == "certificate" and ok.credential_id == added.row.id
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    assert authenticate_partner(services.engine, "acme", authorization=None, client_certificate=der).ok
    assert authenticate_partner(services.engine, "acme", authorization=None,
                                client_certificate=as_sent(other)).reason == Refusal.UNKNOWN_CERTIFICATE
    assert authenticate_partner(services.engine, "globex", authorization=None,
                                client_certificate=as_sent(cert)).reason == Refusal.OTHER_PARTNER
    assert authenticate_partner(services.engine, "acme", authorization=None,
                                client_certificate="garbage").reason == Refusal.UNREADABLE_CERTIFICATE
    with session(services.engine) as s:
        revoke_credential(s, added.row.id or 0, actor="test")
        s.commit()
        with pytest.raises(CredentialError, match="stays revoked"):
            add_certificate(s, "acme", actor="test", fingerprint=fingerprint)
    assert authenticate_partner(services.engine, "acme", authorization=None,
                                client_certificate=as_sent(cert)).reason == Refusal.REVOKED_CERTIFICATE


def test_every_issue_and_revoke_is_audited_without_the_secret(services: Services) -> None:
    with session(services.engine) as s:
        token = issue_token(s, "globex", actor="alice", label="SAP PI")
        password = set_password(s, "globex", actor="alice", password="globex-new-password")
        revoke_credential(s, token.row.id or 0, actor="bob")
        s.commit()
        trail = audit_trail(s, target="partner:globex")
    actions = [(e.actor, e.action, e.details.get("credential")) for e in reversed(trail)]
    assert ("alice", "partner.token_issue", token.row.id) in actions
    replaced = [e for e in trail if e.action == "partner.credential_revoke" and e.details.get("why")]
    assert [(e.actor, e.details["kind"], e.details["why"]) for e in replaced] == [
        ("alice", "password", "replaced by a new password")]  # the demo password
    assert ("alice", "partner.password_set", password.row.id) in actions
    assert actions[-1] == ("bob", "partner.credential_revoke", token.row.id)
    with session(services.engine) as s:
        dump = repr(s.execute(text("SELECT actor, action, target, details FROM gw_audit_log")).all())
    assert token.secret not in dump and "globex-new-password" not in dump


def test_demo_seeding_gives_published_passwords_once_and_keeps_an_operators_change(services: Services) -> None:
    from gateway.demo import DEMO_PASSWORDS, seed_demo

    def works(partner: str, password: str) -> bool:
        return authenticate_partner(services.engine, partner, authorization=basic(partner, password),
                                    client_certificate=None).ok

    assert all(works(partner, password) for partner, password in DEMO_PASSWORDS.items())
    with session(services.engine) as s:
        set_password(s, "acme", actor="operator", password="the operator's own choice")
        s.commit()
    seed_demo(services.engine, with_erp=False)  # seeding again changes nothing
    assert works("acme", "the operator's own choice") and not works("acme", "acme-demo-password")
    with session(services.engine) as s:
        rows = [c for c in credentials_of(s, "globex", include_revoked=True) if c.kind == "password"]
    assert len(rows) == 1 and "demo" in rows[0].label and rows[0].created_by == "demo"
