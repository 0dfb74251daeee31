"""The smaller fronts of issue #19, each test an attack that must fail.

* links we hand out (StartPage, ProfileResponse URLs) built from a ``Host`` header anyone sends;
  ``serve`` without ``B2BGW_PUBLIC_URL`` outside ``--demo``; the demo's links on the port served;
* ``X-Forwarded-For`` / ``X-Forwarded-Proto`` / the client-certificate header sent by anyone but a
  trusted proxy;
* a partner endpoint (or alert webhook) answering a redirect to the metadata service or another
  host, and destinations that are not http(s) at all;
* a manager approving their own discount, an operator approving one;
* ``/metrics``, ``/docs`` and ``/openapi.json`` read by anyone once ``B2BGW_METRICS_TOKEN`` is set.
"""

from __future__ import annotations

import base64
import re
import socket
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner

from gateway.alerts.incidents import AlertRules, raise_alerts
from gateway.api.client import ForwardedHeaders, client_address, is_https, peer
from gateway.app import create_app
from gateway.as2.sending import http_post
from gateway.auth.audit import audit_trail
from gateway.auth.partner_credentials import add_certificate
from gateway.auth.tokens import Role, create_token
from gateway.cli import app as cli
from gateway.cli import served_url
from gateway.config import get_settings
from gateway.delivery.deliverer import Deliverer
from gateway.delivery.failures import PermanentFailure, TransientFailure
from gateway.delivery.tables import OutboxMessage
from gateway.delivery.transports import HttpTransport, Message, TransportContext, build_transports
from gateway.demo import seed_demo
from gateway.oci.demo import DEMO_OCI_BUYER
from gateway.onboarding.settings import SettingsError, validate_settings
from gateway.pipeline.states import State
from gateway.pricing.sync import sync_from_erp
from gateway.punchout.demo import DEMO_BUYER
from gateway.punchout.transport import CxmlTransport
from gateway.services import Services, build_services
from gateway.store.db import session
from gateway.store.documents import create_document, move
from gateway.store.tables import Partner
from tests.gateway.auth.test_partner_credentials import certificate, pem_of
from tests.gateway.conftest import OPERATOR_TOKEN, empty_database, make_settings
from tests.gateway.punchout.cxml_requests import bare_request, setup_request

PUBLIC = "https://gw.example"

# -- links from the Host header ---------------------------------------------------------------


@pytest.fixture
def public_services(database_url: str) -> Iterator[Services]:
    """The demo data behind a gateway whose public URL is configured."""
    built = build_services(make_settings(database_url, public_url=PUBLIC))
    empty_database(built.engine)
    seed_demo(built.engine)
    yield built
    built.close()


def urls_in(answer: bytes) -> list[str]:
    """Every URL a cXML answer hands the buyer."""
    return [url.text or "" for url in etree.fromstring(answer).iter("URL")]


def test_a_host_header_does_not_decide_the_start_page_url(public_services: Services) -> None:
    with TestClient(create_app(public_services)) as client:
        answer = client.post("/cxml", content=setup_request(), headers={"Content-Type": "text/xml",
                                                                          "Host": "evil.example"})
    assert answer.status_code == 200, answer.text
    [start_page] = urls_in(answer.content)
    assert start_page.startswith(f"{PUBLIC}/punchout/start/")


def test_a_host_header_does_not_decide_the_profile_response_urls(public_services: Services) -> None:
    with TestClient(create_app(public_services)) as client:
        answer = client.post("/cxml", content=bare_request("ProfileRequest"),
                             headers={"Content-Type": "text/xml", "Host": "evil.example",
                                      "X-Forwarded-Host": "evil.example"})
    assert answer.status_code == 200, answer.text
    assert urls_in(answer.content) and set(urls_in(answer.content)) == {f"{PUBLIC}/cxml"}


@pytest.fixture
def serve_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """``b2bgw serve`` on a temporary SQLite database, uvicorn replaced by a recorder that serves nothing.

    The recorder gets the app and the settings as ``serve`` built them, and (while the database is
    still open) runs ``on_serve`` on the app when a test sets it.
    """
    for name in ("PUBLIC_URL", "OPERATOR_TOKEN", "SANDBOX_TOKEN", "METRICS_TOKEN", "DEMO", "SANDBOX"):
        monkeypatch.delenv(f"B2BGW_{name}", raising=False)
    monkeypatch.setenv("B2BGW_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("B2BGW_DEMO_KEYS_DIR", str(tmp_path / "demo-as2"))
    monkeypatch.setattr("gateway.runtime.tune_garbage_collector", lambda: None)
    seen: dict[str, Any] = {"runs": []}

    def run(app: FastAPI, **options: Any) -> None:
        services: Services = app.state.services
        seen["runs"].append({"options": options, "public_url": services.settings.public_url})
        if seen.get("on_serve"):
            seen["on_serve"](app)

    monkeypatch.setattr("uvicorn.run", run)
    get_settings.cache_clear()
    yield seen
    get_settings.cache_clear()


def test_serve_refuses_to_start_without_a_public_url(serve_env: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli, ["serve", "--port", "8123"])
    assert result.exit_code == 2
    assert "B2BGW_PUBLIC_URL is not set" in result.output
    assert serve_env["runs"] == []  # nothing was served


def test_serve_demo_starts_without_a_public_url_and_links_to_the_address_served(
        serve_env: dict[str, Any]) -> None:
    answers: list[bytes] = []
    serve_env["on_serve"] = lambda app: answers.append(TestClient(app).post(
        "/cxml", content=setup_request(), headers={"Content-Type": "text/xml", "Host": "evil.example"}).content)
    result = CliRunner().invoke(cli, ["serve", "--demo", "--port", "8123"])
    assert result.exit_code == 0, result.output
    [run] = serve_env["runs"]
    assert run["options"]["port"] == 8123 and run["public_url"] == "http://127.0.0.1:8123"
    [start_page] = urls_in(answers[0])
    assert start_page.startswith("http://127.0.0.1:8123/punchout/start/")


@pytest.mark.parametrize(("host", "tls", "url"), [
    ("127.0.0.1", False, "http://127.0.0.1:8123"), ("0.0.0.0", False, "http://127.0.0.1:8123"),
    ("::", True, "https://[::1]:8123"), ("fe80::1", False, "http://[fe80::1]:8123"),
    ("gw.internal", True, "https://gw.internal:8123")])
def test_the_demo_url_is_the_address_served(host: str, tls: bool, url: str) -> None:
    assert served_url(host, 8123, tls=tls) == url


def order_url(services: Services, partner_id: str) -> str:
    """Where a partner's documents are delivered (its ``delivery`` setting's destination)."""
    with session(services.engine) as s:
        partner = s.get(Partner, partner_id)
        assert partner is not None
        return str(partner.settings["delivery"]["destination"])


def order_url_in(database_url: str, partner_id: str) -> str:
    """:func:`order_url` in the database at ``database_url``."""
    with build_services(make_settings(database_url)) as services:
        return order_url(services, partner_id)


def test_the_demo_seeds_order_urls_on_the_base_url_given(public_services: Services) -> None:
    assert order_url(public_services, DEMO_BUYER) == "http://127.0.0.1:8000/sandbox/inbox"  # nothing said: 8000
    seed_demo(public_services.engine, base_url="http://127.0.0.1:9321/")
    for buyer in (DEMO_BUYER, DEMO_OCI_BUYER):
        assert order_url(public_services, buyer) == "http://127.0.0.1:9321/sandbox/inbox"


def test_reseeding_the_demo_keeps_an_order_url_an_operator_chose(public_services: Services) -> None:
    with session(public_services.engine) as s:
        partner = s.get(Partner, DEMO_BUYER)
        assert partner is not None
        partner.settings = {**partner.settings, "delivery": {"channel": "cxml",
                                                              "destination": "https://buyer.example/orders"}}
        s.add(partner)
        s.commit()
    seed_demo(public_services.engine, base_url="http://127.0.0.1:9321")
    assert order_url(public_services, DEMO_BUYER) == "https://buyer.example/orders"


def test_serve_demo_seeds_order_urls_on_the_port_served(serve_env: dict[str, Any]) -> None:
    for port in (8124, 8125):  # a second demo on another port moves the seeded URLs along
        result = CliRunner().invoke(cli, ["serve", "--demo", "--port", str(port)])
        assert result.exit_code == 0, result.output
        url = get_settings().database_url
        for buyer in (DEMO_BUYER, DEMO_OCI_BUYER):
            assert order_url_in(url, buyer) == f"http://127.0.0.1:{port}/sandbox/inbox"
        get_settings.cache_clear()


# -- X-Forwarded-* and the client-certificate header from anyone but a trusted proxy -------------------------------

X12_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "x12"
ORDER_850 = (X12_DIR / "850-4010-basic.x12").read_bytes()
CERT_HEADER = "X-SSL-Client-Cert"
SPOOFED = {"X-Forwarded-For": "198.51.100.77", "X-Forwarded-Proto": "https"}


def probe(trusted_proxies: str) -> Starlette:
    """A bare app behind :class:`ForwardedHeaders` that answers what the gateway would believe."""

    async def who(request: Request) -> JSONResponse:
        return JSONResponse({"client": client_address(request), "peer": peer(request), "https": is_https(request)})

    return Starlette(routes=[Route("/who", who)], middleware=[Middleware(ForwardedHeaders,
                                                                         trusted_proxies=trusted_proxies)])


@pytest.mark.parametrize(("setting", "peer_address", "believed"), [
    ("127.0.0.1,::1", "127.0.0.1", True),
    ("127.0.0.1,::1", "::1", True),
    ("127.0.0.1,::1", "203.0.113.7", False),
    ("127.0.0.1,::1", "127.0.0.2", False),
    ("10.0.0.0/8", "10.200.3.4", True),           # a CIDR network
    ("10.0.0.0/8", "11.0.0.1", False),
    ("10.0.0.0/8", "::ffff:10.200.3.4", True),    # the same proxy reaching a dual-stack (::) listener
    ("2001:db8::/32", "2001:db8::1", True),
    ("", "127.0.0.1", False),                      # nobody trusted
    ("*", "203.0.113.7", False),                   # not a wildcard: a bad entry
])
def test_forwarded_headers_are_believed_from_trusted_proxies_only(setting: str, peer_address: str,
                                                                  believed: bool) -> None:
    with TestClient(probe(setting), client=(peer_address, 40000)) as client:
        seen = client.get("/who", headers=SPOOFED).json()
    assert seen["peer"] == peer_address
    if believed:
        assert (seen["client"], seen["https"]) == ("198.51.100.77", True)
    else:
        assert (seen["client"], seen["https"]) == (peer_address, False)


def test_a_proxy_chain_names_the_first_address_no_trusted_proxy_vouches_for() -> None:
    with TestClient(probe("10.0.0.0/8"), client=("10.0.0.1", 40000)) as client:
        seen = client.get("/who", headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.77, 10.0.0.9"}).json()
    assert seen["client"] == "198.51.100.77"  # 6.6.6.6 is what the client itself claimed


def test_a_bad_trusted_proxy_entry_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR", logger="gateway.api.client"), \
            TestClient(probe("proxy.internal, 10.0.0.0/8, 300.1.1.1"), client=("10.1.1.1", 40000)) as client:
        seen = client.get("/who", headers=SPOOFED).json()
    assert seen["client"] == "198.51.100.77"  # the good entry still counts
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "'proxy.internal'" in logged and "'300.1.1.1'" in logged


@pytest.fixture
def proxied(database_url: str) -> Iterator[Services]:
    """The demo behind a TLS terminator at 10.0.0.0/8 that passes client certificates on."""
    built = build_services(make_settings(database_url, client_cert_header=CERT_HEADER, trusted_proxies="10.0.0.0/8"))
    empty_database(built.engine)
    seed_demo(built.engine)
    yield built
    built.close()


def refusals(services: Services) -> list[str]:
    """Who the audit log says tried a wrong partner credential, oldest first."""
    with session(services.engine) as s:
        return [entry.actor for entry in reversed(audit_trail(s, action="partner.auth_failed"))]


def test_a_spoofed_x_forwarded_for_does_not_change_the_audited_client(proxied: Services) -> None:
    app = create_app(proxied)
    wrong = ("acme", "not-the-password")
    with TestClient(app, client=("203.0.113.7", 40000)) as direct:
        assert direct.post("/edi/acme", content=ORDER_850, auth=wrong, headers=SPOOFED).status_code == 401
    with TestClient(app, client=("10.1.2.3", 40000)) as through_the_proxy:
        assert through_the_proxy.post("/edi/acme", content=ORDER_850, auth=wrong,
                                      headers=SPOOFED).status_code == 401
    assert refusals(proxied) == ["203.0.113.7", "198.51.100.77"]


def sign_in(client: TestClient, headers: dict[str, str]) -> Any:
    """The operator signs in to /admin (the answer, not followed)."""
    return client.post("/admin/login", data={"token": OPERATOR_TOKEN, "next": "/admin/documents"},
                       headers=headers, follow_redirects=False)


def test_x_forwarded_proto_from_anyone_does_not_make_secure_cookies_or_hsts(proxied: Services) -> None:
    app = create_app(proxied)
    with TestClient(app, client=("203.0.113.7", 40000)) as direct:
        answer = sign_in(direct, {"X-Forwarded-Proto": "https"})
    assert answer.status_code == 303 and answer.headers["set-cookie"]
    assert "secure" not in answer.headers["set-cookie"].lower()
    assert "strict-transport-security" not in answer.headers
    with TestClient(app, client=("10.1.2.3", 40000)) as through_the_proxy:
        answer = sign_in(through_the_proxy, {"X-Forwarded-Proto": "https"})
    assert answer.status_code == 303 and "secure" in answer.headers["set-cookie"].lower()
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_the_client_certificate_header_is_believed_from_a_trusted_peer_only(proxied: Services) -> None:
    pem = pem_of(certificate())
    with session(proxied.engine) as s:
        add_certificate(s, "acme", actor="test", pem=pem)
        s.commit()
    passed_on = {CERT_HEADER: quote(pem.decode())}
    app = create_app(proxied)
    # The peer is outside; saying it is forwarding for a trusted address changes nothing.
    with TestClient(app, client=("203.0.113.7", 40000)) as direct:
        answer = direct.post("/edi/acme", content=ORDER_850, headers={**passed_on, "X-Forwarded-For": "10.1.2.3"})
    assert answer.status_code == 401
    # The peer is the trusted terminator: its header counts whoever the client it names is.
    with TestClient(app, client=("10.1.2.3", 40000)) as through_the_proxy:
        answer = through_the_proxy.post("/edi/acme", content=ORDER_850,
                                        headers={**passed_on, "X-Forwarded-For": "203.0.113.9"})
    assert answer.status_code == 202, answer.text
    assert refusals(proxied) == ["203.0.113.7"]  # the first attempt, from the address the peer really had


# -- deliveries: no redirect followed, nothing but http(s) -------------------------------------------------------


@contextmanager
def recording(status: int, headers: dict[str, str], path: str) -> Iterator[tuple[str, list[str]]]:
    """A server on loopback answering every request (any method) with ``status`` and ``headers``.

    Yields its URL and the list of requests it got, each as ``METHOD path body``.
    """
    got: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.append(f"{self.command} {self.path} {body.decode('latin-1')}")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_HEAD = answer

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}", got
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def redirecting(status: int, location: str) -> Any:
    """A partner endpoint answering every request with a redirect to ``location``."""
    return recording(status, {"Location": location}, "/edi/inbound")


def follow_up() -> Any:
    """The host a redirect points at (the metadata service, another company): it must see no request at all."""
    return recording(200, {}, "/latest/meta-data/")


def message(destination: str, payload: bytes = ORDER_850) -> Message:
    """An outbox message as a transport sees it."""
    return Message(id=1, channel="http", destination=destination, kind="850", idempotency_key="test:1",
                   payload=payload, headers={"Authorization": "Bearer partner-api-key"})


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_an_http_delivery_does_not_follow_a_redirect(status: int) -> None:
    with follow_up() as (elsewhere, seen_elsewhere), redirecting(status, elsewhere) as (endpoint, seen), \
            pytest.raises(PermanentFailure, match=f"HTTP {status} .* redirect to {re.escape(elsewhere)}"):
        HttpTransport(timeout_seconds=5).deliver(message(endpoint))
    assert len(seen) == 1 and seen[0].startswith("POST /edi/inbound ISA*") and seen_elsewhere == []


@pytest.mark.parametrize("destination", [
    "file:///etc/passwd", "ftp://files.example/in/", "gopher://127.0.0.1:70/_POST", "data:text/plain,hello",
    "http:///no-host", "https:relative", "/edi/inbound", "javascript:alert(1)", "HTTP//missing-colon"])
def test_an_http_delivery_goes_to_http_urls_only(destination: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_io(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("opened a connection or a file")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_io)
    monkeypatch.setattr(socket, "create_connection", no_io)
    with pytest.raises(PermanentFailure, match="not an http:// or https:// URL"):
        HttpTransport(timeout_seconds=5).deliver(message(destination))


def test_an_as2_post_does_not_follow_a_redirect() -> None:
    with follow_up() as (elsewhere, seen_elsewhere), redirecting(302, elsewhere) as (endpoint, seen), \
            pytest.raises(PermanentFailure, match=f"HTTP 302 .* redirect to {re.escape(elsewhere)}"):
        http_post(endpoint, {"AS2-From": "B2BGW", "AS2-To": "ACME"}, b"signed and encrypted", timeout=5)
    assert seen == ["POST /edi/inbound signed and encrypted"] and seen_elsewhere == []


@pytest.mark.parametrize("destination", ["file:///etc/passwd", "ftp://files.example/", "http:///no-host"])
def test_an_as2_post_goes_to_http_urls_only(destination: str) -> None:
    with pytest.raises(PermanentFailure, match="not an http:// or https:// URL"):
        http_post(destination, {}, b"signed and encrypted", timeout=5)


def test_a_cxml_delivery_does_not_follow_a_redirect() -> None:
    """The cxml channel carries our SharedSecret for the buyer: a redirect must not take it elsewhere."""
    with follow_up() as (elsewhere, seen_elsewhere), redirecting(302, elsewhere) as (endpoint, seen), \
            suppress(PermanentFailure, TransientFailure):
        CxmlTransport(timeout_seconds=5).deliver(message(endpoint, b"<cXML/>"))
    assert len(seen) == 1 and seen_elsewhere == []


def outbox(services: Services) -> list[OutboxMessage]:
    with session(services.engine) as s:
        return list(s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def test_an_alert_webhook_redirected_elsewhere_is_not_followed(services: Services) -> None:
    with session(services.engine) as s:
        doc = create_document(s, raw=ORDER_850, direction="in", doc_type="850", state=State.QUEUED, actor="test",
                              partner_id="acme", standard="x12", po_number="PO-1", error="ERP unavailable")
        move(s, doc, State.PROCESSING, actor="test")
        move(s, doc, State.DEAD, actor="test")
        s.commit()
    with follow_up() as (elsewhere, seen_elsewhere), redirecting(302, elsewhere) as (hook, seen):
        assert raise_alerts(services.engine, AlertRules(webhooks=(hook, "file:///var/log/alerts"))).notifications == 2
        Deliverer(services.engine, build_transports(TransportContext(services.erp)), services.settings,
                  "test").drain()
    assert len(seen) == 1 and seen_elsewhere == []
    redirected, not_http = outbox(services)  # one per webhook, in the configured order
    assert (redirected.state, not_http.state) == ("failed", "failed")  # permanent: no retry
    assert f"redirect to {elsewhere}, not followed" in (redirected.last_error or "")
    assert "not an http:// or https:// URL" in (not_http.last_error or "")


@pytest.mark.parametrize("destination", ["file:///etc/passwd", "ftp://files.example/in/", "gopher://127.0.0.1/",
                                         "//buyer.example/orders", "javascript:alert(1)"])
@pytest.mark.parametrize("channel", ["http", "cxml", "as2"])
def test_a_partner_url_destination_must_be_http(channel: str, destination: str) -> None:
    with pytest.raises(SettingsError) as refused:
        validate_settings({"delivery": {"channel": channel, "destination": destination}})
    assert refused.value.fields == ["settings.delivery"]
    assert f"{destination!r} is not an http:// or https:// URL (channel {channel})" in str(refused.value)


# -- approving one's own discount ---------------------------------------------------------------------------------

BIG_DISCOUNT = {"customer_id": "ACME", "lines": [{"sku": "DEMO-1001", "quantity": "10", "discount_percent": "30"}]}
"""30 % off the list: over the 10 % threshold, so it needs a manager's approval."""


@pytest.fixture
def tokens(services: Services) -> dict[str, str]:
    """A bearer token per person: a rep of ACME, two managers, and the installation's operator token."""
    sync_from_erp(services.engine, services.erp, trigger="manual")
    made = {name: create_token(services.engine, role=role, name=name, customers=["ACME"], actor="test").token
            for name, role in (("sam", Role.SALES_REP), ("maria", Role.MANAGER), ("mike", Role.MANAGER))}
    return {**made, "operator": OPERATOR_TOKEN}


def quotes_api(client: TestClient, tokens: dict[str, str], who: str, method: str, path: str,
               body: Any = None) -> Any:
    """Call ``/api/quotes`` as ``who``."""
    return client.request(method, f"/api/quotes{path}", json=body, headers={"Authorization": f"Bearer {tokens[who]}"})


def test_a_manager_cannot_approve_a_quote_they_made(client: TestClient, tokens: dict[str, str]) -> None:
    made = quotes_api(client, tokens, "maria", "POST", "", BIG_DISCOUNT)
    assert made.status_code == 201 and made.json()["needs_approval"] is True
    number = made.json()["number"]
    assert quotes_api(client, tokens, "maria", "POST", f"/{number}/submit").status_code == 200
    refused = quotes_api(client, tokens, "maria", "POST", f"/{number}/approve")
    assert refused.status_code == 403
    assert "maria set the terms" in refused.json()["detail"] and "another manager" in refused.json()["detail"]
    approved = quotes_api(client, tokens, "mike", "POST", f"/{number}/approve")
    assert approved.status_code == 200 and approved.json()["approved_by"] == "mike"


def test_a_manager_who_raised_a_reps_discount_cannot_approve_it(client: TestClient, tokens: dict[str, str]) -> None:
    small = {"customer_id": "ACME", "lines": [{"sku": "DEMO-1001", "quantity": "10", "discount_percent": "5"}]}
    number = quotes_api(client, tokens, "sam", "POST", "", small).json()["number"]
    edited = quotes_api(client, tokens, "maria", "PUT", f"/{number}", {"lines": BIG_DISCOUNT["lines"]})
    assert edited.status_code == 200 and edited.json()["needs_approval"] is True
    assert quotes_api(client, tokens, "sam", "POST", f"/{number}/submit").status_code == 200
    assert quotes_api(client, tokens, "maria", "POST", f"/{number}/approve").status_code == 403
    assert quotes_api(client, tokens, "mike", "POST", f"/{number}/approve").json()["state"] == "approved"


def test_an_operator_cannot_approve_a_discount(client: TestClient, tokens: dict[str, str],
                                               services: Services) -> None:
    operator_token = create_token(services.engine, role=Role.OPERATOR, name="olga", actor="test").token
    number = quotes_api(client, tokens, "sam", "POST", "", BIG_DISCOUNT).json()["number"]
    assert quotes_api(client, tokens, "sam", "POST", f"/{number}/submit").status_code == 200
    for token in (tokens["operator"], operator_token):  # the environment's token and an operator-role token
        refused = client.post(f"/api/quotes/{number}/approve", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 403 and "operator token may not approve" in refused.json()["detail"]
    assert quotes_api(client, tokens, "sam", "POST", f"/{number}/approve").status_code == 403  # nor the rep
    shown = quotes_api(client, tokens, "sam", "GET", f"/{number}").json()
    assert (shown["state"], shown["approved_by"]) == ("pending_approval", None)


# -- /metrics, /docs and /openapi.json behind B2BGW_METRICS_TOKEN ---------------------------------------------------

METRICS_TOKEN = "m3trics-Token-for-Prometheus-0123456789abcdef"
GUARDED = ["/metrics", "/docs", "/openapi.json"]


@pytest.fixture
def metrics_guarded(database_url: str) -> Iterator[TestClient]:
    """The API with ``B2BGW_METRICS_TOKEN`` set."""
    built = build_services(make_settings(database_url, metrics_token=METRICS_TOKEN))
    empty_database(built.engine)
    seed_demo(built.engine)
    with TestClient(create_app(built)) as client:
        yield client
    built.close()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize("path", GUARDED)
def test_metrics_and_docs_are_open_without_a_metrics_token(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", GUARDED)
def test_metrics_and_docs_need_the_metrics_token_once_it_is_set(metrics_guarded: TestClient, path: str) -> None:
    for authorization in (None, "Bearer wrong-token", f"Bearer {METRICS_TOKEN[:-1]}", f"Token {METRICS_TOKEN}",
                          basic("prometheus", "wrong"), f"Bearer {METRICS_TOKEN}x"):
        refused = metrics_guarded.get(path, headers={"Authorization": authorization} if authorization else {})
        assert refused.status_code == 401, authorization
        assert "Basic" in refused.headers["www-authenticate"] and "Bearer" in refused.headers["www-authenticate"]
        assert "b2b_gateway" not in refused.text and "paths" not in refused.text
    for authorization in (f"Bearer {METRICS_TOKEN}", basic("prometheus", METRICS_TOKEN),
                          f"Bearer {OPERATOR_TOKEN}", basic("", OPERATOR_TOKEN)):
        assert metrics_guarded.get(path, headers={"Authorization": authorization}).status_code == 200, authorization


def test_the_guarded_pages_answer_their_content_to_the_token(metrics_guarded: TestClient) -> None:
    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    assert "b2bgw_" in metrics_guarded.get("/metrics", headers=bearer).text
    assert "/api/quotes" in metrics_guarded.get("/openapi.json", headers=bearer).json()["paths"]
    assert "swagger-ui" in metrics_guarded.get("/docs", headers=bearer).text


def test_a_manager_token_does_not_open_the_metrics(metrics_guarded: TestClient) -> None:
    services: Services = metrics_guarded.app.state.services  # type: ignore[attr-defined]
    manager = create_token(services.engine, role=Role.MANAGER, name="maria", actor="test").token
    assert metrics_guarded.get("/metrics", headers={"Authorization": f"Bearer {manager}"}).status_code == 401
