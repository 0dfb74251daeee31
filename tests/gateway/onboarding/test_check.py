"""``b2bgw partners check``: each step against real local servers and folders.

A plain HTTP server and an HTTPS one (with a certificate made here) play the partner's receiving
URL; what they answer to the check's ``HEAD`` decides the step. The TLS step verifies the
certificate as a delivery does: the self-signed one is refused until it is trusted.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from gateway.as2.tables import PartnerCertificate
from gateway.cli import app
from gateway.config import get_settings
from gateway.onboarding.check import CheckStep, check_partner
from gateway.onboarding.service import add_partner
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner
from tests.browser import free_port


@contextmanager
def head_server(status: int, tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A loopback server answering every HEAD with ``status``; yields its URL and the headers it was sent."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            seen.append(dict(self.headers.items()))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}/edi/in", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def certificate(folder: Path, *, days: int = 30, name: str = "127.0.0.1") -> tuple[Path, Path, x509.Certificate]:
    """A self-signed certificate for 127.0.0.1 valid ``days`` more days (negative: expired); PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=400))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / f"{name}-{days}.pem", folder / f"{name}-{days}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path, cert


def route(services: Services, partner_id: str, delivery: dict[str, object] | None, **columns: object) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, partner_id)
        assert partner is not None
        settings = {k: v for k, v in partner.settings.items() if k != "delivery"}
        partner.settings = {**settings, **({"delivery": delivery} if delivery else {})}
        for name, value in columns.items():
            setattr(partner, name, value)
        s.add(partner)
        s.commit()


def steps_of(services: Services, partner_id: str = "acme") -> dict[str, CheckStep]:
    return {step.name: step for step in check_partner(services.engine, services.settings, partner_id)}


def test_http_route_reachable_with_our_headers(services: Services) -> None:
    with head_server(405) as (url, seen):
        route(services, "acme", {"channel": "http", "destination": url, "headers": {"Authorization": "Bearer k"}})
        steps = steps_of(services)
    assert steps["connect"].ok and steps["HTTP"].ok and "405" in steps["HTTP"].detail
    assert "TLS" not in steps  # plain http: no handshake to check
    assert seen[0]["Authorization"] == "Bearer k"  # the route's headers go with the check, as with a delivery


@pytest.mark.parametrize(("status", "says"), [(401, "refuses our credentials"), (403, "refuses our credentials"),
                                              (404, "no such address"), (503, "server fails")])
def test_http_route_failures_say_what_failed(services: Services, status: int, says: str) -> None:
    with head_server(status) as (url, _seen):
        route(services, "acme", {"channel": "http", "destination": url})
        steps = steps_of(services)
    assert steps["connect"].ok and not steps["HTTP"].ok and says in steps["HTTP"].detail


def test_nobody_listening(services: Services) -> None:
    route(services, "acme", {"channel": "http", "destination": f"http://127.0.0.1:{free_port()}/edi"})
    steps = steps_of(services)
    assert not steps["connect"].ok and "HTTP" not in steps


def test_https_certificate_verified_as_a_delivery_would(services: Services, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key, _ = certificate(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    with head_server(200, tls) as (url, _seen):
        route(services, "acme", {"channel": "http", "destination": url})
        untrusted = steps_of(services)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the partner's CA, trusted as the system would
        trusted = steps_of(services)
    assert untrusted["connect"].ok and not untrusted["TLS"].ok and "certificate" in untrusted["TLS"].detail
    assert "HTTP" not in untrusted
    assert trusted["TLS"].ok and "TLSv1" in trusted["TLS"].detail and trusted["HTTP"].ok


def test_file_route(services: Services, tmp_path: Path) -> None:
    route(services, "acme", {"channel": "file", "destination": str(tmp_path)})
    assert steps_of(services)["folder"].ok
    assert list(tmp_path.iterdir()) == []  # the probe file was removed
    route(services, "acme", {"channel": "file", "destination": str(tmp_path / "not-mounted")})
    assert "does not exist" in steps_of(services)["folder"].detail
    (tmp_path / "a-file").write_text("x")
    route(services, "acme", {"channel": "file", "destination": str(tmp_path / "a-file")})
    assert "is not a folder" in steps_of(services)["folder"].detail


def test_no_route_means_the_outbox(services: Services) -> None:
    route(services, "acme", None)
    delivery = steps_of(services)["delivery"]
    assert delivery.ok and "wait in the outbox" in delivery.detail


def test_as2_route_is_delegated_to_the_as2_check(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    route(services, "acme", {"channel": "as2", "destination": "https://as2.acme.example/as2"}, as2_id="ACME-AS2")
    if importlib.util.find_spec("gateway.as2.check") is None:
        assert steps_of(services)["AS2"].detail.startswith("AS2 check not available")
        return
    import gateway.as2.check as as2_check  # type: ignore[import-not-found,unused-ignore]

    calls: list[str] = []

    def fake(engine: object, settings: object, partner: Partner) -> list[CheckStep]:
        calls.append(partner.id)
        return [CheckStep("AS2 MDN", False, "no MDN within the timeout")]

    monkeypatch.setattr(as2_check, "check_as2", fake)
    steps = steps_of(services)
    assert calls == ["acme"] and not steps["AS2 MDN"].ok


def test_set_up_steps(services: Services) -> None:
    with session(services.engine) as s:
        add_partner(s, {"id": "northwind", "name": "Northwind", "customer_id": "ACME", "x12_id": "NWIND"},
                    {"standard": "ubl"}, actor="test")
        s.commit()
    assert steps_of(services, "northwind")["settings"].ok
    route(services, "northwind", None, disabled_at=dt.datetime.now(dt.UTC), disabled_reason="contract ended",
          settings={"standard": "ubl", "price_tolerance": "abc"})  # stored by hand, as before onboarding existed
    steps = steps_of(services, "northwind")
    assert not steps["settings"].ok and "settings.price_tolerance: 'abc'" in steps["settings"].detail
    assert not steps["enabled"].ok and "contract ended" in steps["enabled"].detail
    assert not steps["inbound credential"].ok and "401" in steps["inbound credential"].detail
    assert "password" in steps_of(services, "acme")["inbound credential"].detail  # the demo's published one


def test_as2_certificates_expiring_and_expired(services: Services, tmp_path: Path) -> None:
    route(services, "globex", None, as2_id="GLOBEX-AS2")
    assert not steps_of(services, "globex")["AS2 certificate"].ok  # an AS2 partner without a certificate
    with session(services.engine) as s:
        for days in (-2, 10, 300):
            _, _, cert = certificate(tmp_path, days=days, name=f"globex-{days}")
            s.add(PartnerCertificate(
                partner_id="globex", certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
                subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
                serial=str(cert.serial_number), fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
                not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc))
        s.commit()
    found = [step for step in check_partner(services.engine, services.settings, "globex")
             if step.name.startswith("AS2 certificate")]
    assert [step.ok for step in found] == [False, True, True]
    assert "EXPIRED" in found[0].detail and "expires in 9 days" in found[1].detail
    assert "valid until" in found[2].detail


def test_cli_prints_each_step_and_exits_1_on_a_failure(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B2BGW_DATABASE_URL", services.settings.database_url)
    get_settings.cache_clear()
    try:
        route(services, "acme", {"channel": "http", "destination": f"http://127.0.0.1:{free_port()}/edi"})
        failed = CliRunner().invoke(app, ["partners", "check", "acme"])
        with head_server(200) as (url, _seen):
            route(services, "acme", {"channel": "http", "destination": url})
            passed = CliRunner().invoke(app, ["partners", "check", "acme"])
    finally:
        get_settings.cache_clear()
    assert failed.exit_code == 1 and "FAILED  connect: 127.0.0.1:" in failed.output
    assert "ok      settings: identities and settings valid" in failed.output
    assert passed.exit_code == 0, passed.output
    assert "ok      HTTP: HEAD http://127.0.0.1:" in passed.output


def test_the_erp_customer_is_looked_up(services: Services) -> None:
    steps = {s.name: s for s in check_partner(services.engine, services.settings, "acme", erp=services.erp)}
    assert steps["ERP customer"].ok and steps["ERP customer"].detail.startswith("ACME: ")
    route(services, "acme", None, customer_id="NOBODY")
    steps = {s.name: s for s in check_partner(services.engine, services.settings, "acme", erp=services.erp)}
    assert not steps["ERP customer"].ok and "no customer 'NOBODY'" in steps["ERP customer"].detail
