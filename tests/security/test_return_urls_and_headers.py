"""Attacks on the cart's return address and on the pages' headers (issue #19, items 1 and 2).

Tried, and what now stops each:

* a PunchOutSetupRequest (a real one from the corpus) whose BrowserFormPost URL is ``javascript:``,
  ``data:``, ``vbscript:``, relative, scheme-relative, ``ftp:``, host-less or with a user name:
  refused with a cXML 400 naming the element, on the single and the batched setup path, and no
  session is opened;
* a session stored before that check with a ``javascript:`` address: "Transfer cart" answers a
  page saying why (400) and writes no form, and the cart is not marked transferred;
* the same addresses as an OCI HOOK_URL (the shared rule; ``SAPEVENT:`` stays OCI's);
* framing the operator's pages, the API or the docs (clickjacking): ``frame-ancestors 'none'``
  and ``X-Frame-Options: DENY``; framing the storefront: only the buyer's ``frame_ancestors``;
* a script injected into any page: no page allows one but the transfer pages, whose one line
  runs by a nonce that changes every answer, and whose form may post to the return address only;
* MIME sniffing, Referer leaks, and HTTPS stripping: ``nosniff``, a Referrer-Policy on every
  answer, HSTS over TLS (and not over plain HTTP, nor when an untrusted client claims
  ``X-Forwarded-Proto: https``);
* an answer the error middleware writes (500) carries the headers too; a streamed answer still
  streams through the middleware.

The same attacks in a real browser: ``test_framing_browser.py``.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from xml.sax.saxutils import escape

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlmodel import select

from formats.cxml import envelope
from gateway.api.security_headers import SecurityHeaders
from gateway.app import create_app
from gateway.oci.demo import DEMO_PASSWORD, DEMO_USERNAME
from gateway.onboarding.settings import SettingsError, validate_settings
from gateway.pipeline.states import State
from gateway.punchout.batching import SetupBatcher
from gateway.punchout.demo import DEMO_BUYER
from gateway.punchout.secrets import new_token, token_hash
from gateway.punchout.tables import PunchoutSession
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, Partner, utcnow
from tests.conftest import corpus_path
from tests.gateway.conftest import OPERATOR_TOKEN
from tests.gateway.punchout.conftest import corpus_buyers  # noqa: F401  (the fixture, for the corpus sample)
from tests.gateway.punchout.cxml_requests import setup_request

SAMPLE = ("friendsofcxml", "PunchOutSetupRequest.xml")
SAMPLE_URL = b"https://prominate-platform.com/hook-url"

BAD_RETURN_URLS = [
    ("javascript", "javascript:document.title='pwned'", "javascript:"),
    ("javascript, mixed case and padded", "  JaVaScRiPt:window.name='pwned'", "javascript:"),
    ("data", "data:text/html,<script>alert(document.domain)</script>", "data:"),
    ("vbscript", "vbscript:msgbox(1)", "vbscript:"),
    ("relative", "/punchout/shop/cart", "a relative address"),
    ("scheme-relative", "//evil.example/collect", "a relative address"),
    ("ftp", "ftp://buyer.example/cart", "ftp:"),
    ("no host", "https:///cart", "https: without a host"),
    ("user name", "https://buyer.example@evil.example/cart", "user name or password"),
]


def corpus_setup(url: str) -> bytes:
    """The corpus's PunchOutSetupRequest (buyer prominate) with ``url`` as its BrowserFormPost URL."""
    raw = corpus_path("cxml", "samples", *SAMPLE).read_bytes()
    assert SAMPLE_URL in raw
    return raw.replace(SAMPLE_URL, escape(url).encode())


def sessions_of(services: Services) -> list[PunchoutSession]:
    with session(services.engine) as s:
        return list(s.exec(select(PunchoutSession)).all())


# ---------------------------------------------------------------------------------------------
# Item 1: the return address
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "named"), [(u, n) for _, u, n in BAD_RETURN_URLS],
                         ids=[w for w, _, _ in BAD_RETURN_URLS])
@pytest.mark.usefixtures("corpus_buyers")
def test_a_setup_with_an_unsafe_browser_form_post_is_refused_400(client: TestClient, services: Services, url: str,
                                                                  named: str) -> None:
    raw = corpus_setup(url)
    answer = client.post("/cxml", content=raw, headers={"Content-Type": "text/xml"})
    head = envelope.parse(answer.content)
    assert answer.status_code == 400 and head.status is not None and head.status.code == 400
    assert head.status.text.startswith("BrowserFormPost URL ") and " is refused: " in head.status.text
    assert named in head.status.text and "only an absolute http or https address" in head.status.text
    assert etree.fromstring(answer.content).find("Response/PunchOutSetupResponse") is None
    assert sessions_of(services) == []
    with session(services.engine) as s:
        doc = s.get(Document, int(answer.headers["x-document-id"]))
    assert doc is not None and doc.state == State.REJECTED.value and escape(url).encode() in doc.raw  # kept, to see
    assert doc.error is not None and "BrowserFormPost URL" in doc.error


@pytest.mark.usefixtures("corpus_buyers")
def test_the_corpus_setup_itself_still_opens_a_session(client: TestClient, services: Services) -> None:
    answer = client.post("/cxml", content=corpus_setup("https://prominate-platform.com/hook-url?sid=1"))
    assert answer.status_code == 200, answer.text
    assert [row.browser_form_post for row in sessions_of(services)] == ["https://prominate-platform.com/hook-url?sid=1"]


def test_the_batched_setup_path_refuses_the_same(services: Services) -> None:
    batcher = SetupBatcher(services.engine, services.erp)
    raws = [setup_request(cookie="good"), setup_request(cookie="evil", form_post="javascript:alert(1)"),
            setup_request(cookie="data", form_post="data:text/html,hi")]
    batch = [p for raw in raws if (p := batcher.read(raw, base_url="http://gateway.test", max_bytes=1_000_000))]
    assert len(batch) == 3
    batcher.answer(batch)
    answers = [p.answer.result(timeout=0) for p in batch]
    assert [a.code for a in answers] == [200, 400, 400]
    assert "BrowserFormPost URL 'javascript:alert(1)' is refused" in answers[1].text
    assert "data: is not an address" in answers[2].text
    assert [row.buyer_cookie for row in sessions_of(services)] == ["good"]


def enter_stored_session(client: TestClient, services: Services, form_post: str) -> int:
    """A session stored as if before the check (its return address as given), entered by its StartPage."""
    token = new_token()
    later = utcnow() + dt.timedelta(hours=1)
    with session(services.engine) as s:
        row = PunchoutSession(partner_id=DEMO_BUYER, operation="create", buyer_cookie="old-cookie",
                              browser_form_post=form_post, extrinsics={}, cart=[], token_hash=token_hash(token),
                              token_expires_at=later, expires_at=later)
        s.add(row)
        s.commit()
        row_id = row.id or 0
    assert client.get(f"/punchout/start/{token}", follow_redirects=False).status_code == 303
    assert client.post("/punchout/shop/cart", data={"sku": "DEMO-1001", "quantity": "2"}).status_code == 200
    return row_id


@pytest.mark.parametrize("form_post", ["javascript:document.title='pwned'", "data:text/html,<b>x</b>",
                                       "/sandbox/return/contoso"])
def test_a_stored_session_with_an_unsafe_address_is_not_posted_to(client: TestClient, services: Services,
                                                                    form_post: str) -> None:
    row_id = enter_stored_session(client, services, form_post)
    page = client.post("/punchout/shop/transfer")
    assert page.status_code == 400
    assert "is not an address a cart can be posted to" in page.text and "Start again" in page.text
    assert "<form" not in page.text.split("<main>")[1] and "<script" not in page.text
    assert "pwned" not in page.text
    with session(services.engine) as s:
        row = s.get(PunchoutSession, row_id)
    assert row is not None and row.transferred_at is None


@pytest.mark.parametrize(("hook", "named"), [("vbscript:msgbox(1)", "vbscript:"), ("ftp://srm.example/hook", "ftp:"),
                                             ("https:///hook", "https: without a host")])
def test_oci_refuses_the_same_hook_urls(client: TestClient, hook: str, named: str) -> None:
    page = client.post("/oci", data={"USERNAME": DEMO_USERNAME, "PASSWORD": DEMO_PASSWORD, "HOOK_URL": hook},
                       follow_redirects=False)
    assert page.status_code == 400 and named in page.text and "http, https or SAPEVENT only" in page.text


# ---------------------------------------------------------------------------------------------
# Item 2: the headers
# ---------------------------------------------------------------------------------------------


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: [sources]}."""
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def csp(answer: object) -> dict[str, list[str]]:
    return directives(answer.headers["content-security-policy"])  # type: ignore[attr-defined]


def assert_common(answer: object, referrer: str) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == referrer
    assert "strict-transport-security" not in headers  # plain http


def start_punchout(client: TestClient, form_post: str = "https://buyer.test/return?sid=7") -> None:
    answer = client.post("/cxml", content=setup_request(form_post=form_post))
    assert answer.status_code == 200, answer.text
    url = etree.fromstring(answer.content).findtext("Response/PunchOutSetupResponse/StartPage/URL") or ""
    assert client.get(url.replace("http://testserver", ""), follow_redirects=False).status_code == 303


def set_frame_ancestors(services: Services, origins: list[str]) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, DEMO_BUYER)
        assert partner is not None
        partner.settings = {**partner.settings, **validate_settings({"frame_ancestors": origins})}
        s.add(partner)
        s.commit()


def test_api_json_cxml_and_healthz_answers_allow_nothing(client: TestClient) -> None:
    answers = [client.get("/api/documents", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}),
               client.get("/api/documents"),  # a 401 too
               client.post("/cxml", content=setup_request()),
               client.get("/healthz"),
               client.get("/openapi.json")]
    for answer in answers:
        assert_common(answer, "no-referrer")
        policy = csp(answer)
        assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert "script-src" not in policy and answer.headers["x-frame-options"] == "DENY"
    assert answers[0].status_code == 200 and answers[1].status_code == 401


def test_admin_pages_run_no_script_and_cannot_be_framed(client: TestClient) -> None:
    for answer in (client.get("/admin/login"), client.get("/admin", follow_redirects=False)):
        assert_common(answer, "same-origin")
        policy = csp(answer)
        assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
        assert answer.headers["x-frame-options"] == "DENY"


def test_storefront_pages_are_framed_only_by_the_buyers_own_origins(client: TestClient, services: Services) -> None:
    start_punchout(client)
    page = client.get("/punchout/shop")
    assert page.status_code == 200 and "Catalogue" in page.text
    assert_common(page, "strict-origin-when-cross-origin")
    policy = csp(page)
    assert policy["frame-ancestors"] == ["'none'"] and policy["script-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["default-src"] == ["'none'"]
    assert "x-frame-options" not in page.headers  # frame-ancestors decides, per buyer

    set_frame_ancestors(services, ["https://s1.ariba.com/", "https://*.coupahost.com"])
    for path in ("/punchout/shop", "/punchout/shop/cart", "/punchout/shop/search?q=pen"):
        assert csp(client.get(path))["frame-ancestors"] == ["https://s1.ariba.com", "https://*.coupahost.com"]
    client.cookies.clear()
    lost = client.get("/punchout/shop")  # no session: nobody to ask, so nobody may frame it
    assert lost.status_code == 410 and csp(lost)["frame-ancestors"] == ["'none'"]


def test_the_transfer_page_posts_only_to_the_return_address_and_runs_only_its_own_line(
        client: TestClient, services: Services) -> None:
    set_frame_ancestors(services, ["https://s1.ariba.com"])
    start_punchout(client)
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1001", "quantity": "1"})
    nonces = []
    for _ in range(2):
        page = client.post("/punchout/shop/transfer")
        assert page.status_code == 200
        policy = csp(page)
        assert policy["form-action"] == ["https://buyer.test/return"]  # origin and path: not 'self', not others
        assert policy["frame-ancestors"] == ["https://s1.ariba.com"]
        (script,) = policy["script-src"]
        nonce = re.fullmatch(r"'nonce-([A-Za-z0-9_-]{22,})'", script)
        assert nonce is not None
        assert f'<script nonce="{nonce.group(1)}">document.getElementById("transfer").submit();</script>' in page.text
        assert page.text.count("<script") == 1
        nonces.append(nonce.group(1))
    assert nonces[0] != nonces[1]


@pytest.mark.parametrize(("hook", "action"), [
    ("https://srm.example.com/sap/bc/bsp/sap/bbp_oci/hook.htm?sap-client=100", "https://srm.example.com/sap/bc/bsp/sap/bbp_oci/hook.htm"),
    ("SAPEVENT:POST", "sapevent:"),
])
def test_the_oci_transfer_page_posts_only_to_its_hook(client: TestClient, hook: str, action: str) -> None:
    entered = client.post("/oci", data={"USERNAME": DEMO_USERNAME, "PASSWORD": DEMO_PASSWORD, "HOOK_URL": hook},
                          follow_redirects=False)
    assert entered.status_code == 303
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1001", "quantity": "1"})
    page = client.post("/punchout/shop/transfer")
    assert page.status_code == 200 and 'id="oci-return"' in page.text
    policy = csp(page)
    assert policy["form-action"] == [action]
    nonce = policy["script-src"][0].removeprefix("'nonce-").removesuffix("'")
    assert f'<script nonce="{nonce}">' in page.text
    validate = client.post("/oci", data={"USERNAME": DEMO_USERNAME, "PASSWORD": DEMO_PASSWORD, "HOOK_URL": hook,
                                         "FUNCTION": "VALIDATE", "PRODUCTID": "DEMO-1001"})
    assert validate.status_code == 200 and csp(validate)["form-action"] == [action]


def test_docs_load_swagger_from_its_cdn_and_its_inline_script_by_hash(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
    policy = csp(page)
    (inline,) = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert policy["script-src"] == ["https://cdn.jsdelivr.net", f"'sha256-{digest}'"]
    assert "https://cdn.jsdelivr.net" in policy["style-src"] and policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert int(page.headers["content-length"]) == len(page.content)


@pytest.fixture
def proxied(services: Services) -> Iterator[TestClient]:
    """The app as seen through the trusted proxy 127.0.0.1 (the default B2BGW_TRUSTED_PROXIES)."""
    with TestClient(create_app(services), client=("127.0.0.1", 5555)) as test_client:
        yield test_client


def test_hsts_only_over_https_and_only_when_a_trusted_proxy_says_so(proxied: TestClient, client: TestClient,
                                                                   services: Services) -> None:
    over_tls = proxied.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert over_tls.headers["strict-transport-security"] == f"max-age={services.settings.hsts_seconds}"
    assert "strict-transport-security" not in proxied.get("/healthz").headers  # the proxy said nothing: http
    claimed = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})  # "testclient" is no trusted proxy
    assert "strict-transport-security" not in claimed.headers
    assert "strict-transport-security" in client.get("https://testserver/healthz").headers  # TLS to us directly
    admin = proxied.get("/admin/login", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" in admin.headers and admin.headers["x-frame-options"] == "DENY"


def test_an_unexpected_error_answer_carries_the_headers(services: Services) -> None:
    app = create_app(services)

    @app.get("/test-only/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        answer = test_client.get("/test-only/boom")
    assert answer.status_code == 500
    assert answer.headers["x-content-type-options"] == "nosniff" and csp(answer)["default-src"] == ["'none'"]


def test_a_streamed_answer_passes_through_chunk_by_chunk() -> None:
    async def streaming(scope: dict, receive: object, send: object) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/csv")]})
        await send({"type": "http.response.body", "body": b"a,b\n", "more_body": True})
        await send({"type": "http.response.body", "body": b"1,2\n", "more_body": False})

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/api/orders/export", "scheme": "http", "headers": [], "server": ("x", 80),
             "query_string": b"", "root_path": "", "method": "GET"}
    asyncio.run(SecurityHeaders(streaming, hsts_seconds=60)(scope, None, send))  # type: ignore[arg-type]
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body", "http.response.body"]
    assert sent[1]["more_body"] is True and sent[2]["body"] == b"1,2\n"
    names = [name for name, _ in sent[0]["headers"]]
    assert b"content-security-policy" in names and b"strict-transport-security" not in names


@pytest.mark.parametrize("origin", ["https://s1.ariba.com/path", "https://a.example; script-src *", "'unsafe-inline'",
                                    "ftp://a.example", "https://", "*", "https://a.example https://b.example",
                                    "https://a.example:99999999"])
def test_frame_ancestors_setting_takes_origins_only(origin: str) -> None:
    with pytest.raises(SettingsError) as refused:
        validate_settings({"frame_ancestors": [origin]})
    assert refused.value.fields == ["settings.frame_ancestors"]


def test_frame_ancestors_setting_is_normalised() -> None:
    assert validate_settings({"frame_ancestors": ["HTTPS://S1.Ariba.com/", "http://localhost:8080"]}) == {
        "frame_ancestors": ["https://s1.ariba.com", "http://localhost:8080"]}
