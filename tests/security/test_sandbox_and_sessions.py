"""Attacks on the operator's sign-in (/admin sessions) and on the buyer sandbox (/sandbox, /sandbox/oci).

Sessions: the cookie is a random key, never the token, and nothing stored reveals the token; a
cookie stolen before sign-out, after the idle or absolute expiry, after its token was revoked or
``B2BGW_OPERATOR_TOKEN`` changed opens nothing; the old cookie holding the raw token opens nothing;
every form still needs the session's CSRF token; sign-in guesses are locked out.

Sandbox: off unless ``B2BGW_SANDBOX``; when on, anonymous callers get the sign-in (pages) or 401
(posts), the sandbox token works instead of a sign-in; orders and carts are private to it and no
SharedSecret is ever shown; the inbox takes only what the buyer's own gateway would accept, the
SharedSecret we present to that buyer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from gateway.admin.auth import COOKIE
from gateway.app import create_app
from gateway.auth.tables import AdminSession
from gateway.auth.tokens import Role, create_token, revoke_token
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import utcnow
from tests.gateway.admin_session import sandbox_services, sign_in
from tests.gateway.conftest import OPERATOR_TOKEN, make_settings


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def opens_admin(client: TestClient) -> bool:
    """Whether the client's cookie opens an operator page (else it is sent to the sign-in)."""
    answer = client.get("/admin/documents", follow_redirects=False)
    assert answer.status_code in (200, 303)
    return answer.status_code == 200


def with_cookie(services: Services, key: str) -> TestClient:
    """A second browser (an attacker's) holding the cookie value ``key``."""
    thief = TestClient(create_app(services))
    thief.cookies.set(COOKIE, key)
    return thief


def sessions_of(services: Services) -> list[AdminSession]:
    with session(services.engine) as s:
        return list(s.exec(select(AdminSession).order_by(col(AdminSession.id))).all())


def age_sessions(services: Services, **moved: dt.timedelta) -> None:
    """Move the clock: every session's ``moved`` columns so far into the past."""
    with session(services.engine) as s:
        for row in s.exec(select(AdminSession)).all():
            for name, delta in moved.items():
                stored = getattr(row, name)
                stored = stored.replace(tzinfo=dt.UTC) if stored.tzinfo is None else stored
                setattr(row, name, stored - delta)
            s.add(row)
        s.commit()


# -- /admin sessions -------------------------------------------------------------------------


def test_the_cookie_is_a_random_key_and_nothing_stored_is_the_token(client: TestClient, services: Services) -> None:
    sign_in(client)
    first = client.cookies[COOKIE]
    second_browser = TestClient(create_app(services))
    sign_in(second_browser)
    second = second_browser.cookies[COOKIE]
    assert OPERATOR_TOKEN not in first and first != second and len(first) >= 43  # 256 bits, URL-safe base64
    rows = sessions_of(services)
    assert [r.key_hash for r in rows] == [hashlib.sha256(k.encode()).hexdigest() for k in (first, second)]
    for row in rows:
        stored = " ".join(str(v) for v in row.model_dump().values())
        assert OPERATOR_TOKEN not in stored and first not in stored and second not in stored
        assert row.actor == "operator" and row.token_id is None and row.client == "testclient"
    assert opens_admin(client) and opens_admin(second_browser)


def test_a_cookie_stolen_before_sign_out_opens_nothing_after(client: TestClient, services: Services) -> None:
    sign_in(client)
    stolen = client.cookies[COOKIE]
    thief = with_cookie(services, stolen)
    assert opens_admin(thief)  # before sign-out the cookie is the sign-in: what HttpOnly and Secure protect
    page = client.get("/admin/documents").text
    signed_out = client.post("/admin/logout", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert signed_out.status_code == 303 and f'{COOKIE}=""' in signed_out.headers["set-cookie"]
    assert not opens_admin(thief)
    assert thief.post("/admin/documents/1/replay", data={"csrf": csrf_of(page)},
                      follow_redirects=False).headers["location"].startswith("/admin/login")
    [row] = sessions_of(services)
    assert row.revoked_at is not None
    with session(services.engine) as s:
        from gateway.auth.audit import audit_trail

        assert [e.action for e in audit_trail(s, target="admin")] == ["admin.sign_out", "admin.sign_in"]


def test_an_idle_session_ends(client: TestClient, services: Services) -> None:
    sign_in(client)
    idle = dt.timedelta(minutes=services.settings.admin_session_idle_minutes)
    age_sessions(services, last_seen_at=idle - dt.timedelta(minutes=2))
    assert opens_admin(client)  # used a while ago, not too long: still on, and marked used now
    [row] = sessions_of(services)
    assert utcnow() - row.last_seen_at.replace(tzinfo=dt.UTC) < dt.timedelta(minutes=1)
    age_sessions(services, last_seen_at=idle + dt.timedelta(seconds=1))
    assert not opens_admin(client)


def test_a_short_idle_setting_keeps_a_busy_session_on(services: Services) -> None:
    brief = Services(make_settings(services.settings.database_url, admin_session_idle_minutes=1), services.engine,
                     services.erp)
    with TestClient(create_app(brief)) as client:
        sign_in(client)
        for _ in range(3):  # a page every 40 s: each view counts, though a minute is the usual write interval
            age_sessions(services, last_seen_at=dt.timedelta(seconds=40))
            assert opens_admin(client)
        age_sessions(services, last_seen_at=dt.timedelta(seconds=61))
        assert not opens_admin(client)


def test_a_busy_session_still_ends_at_its_absolute_end(client: TestClient, services: Services) -> None:
    sign_in(client)
    [row] = sessions_of(services)
    assert (row.expires_at - row.created_at) == dt.timedelta(hours=services.settings.admin_session_hours)
    age_sessions(services, created_at=dt.timedelta(hours=8), expires_at=dt.timedelta(hours=8))
    assert not opens_admin(client)  # last seen just now, but past its end


def test_a_short_absolute_lifetime_from_the_settings(services: Services) -> None:
    brief = Services(make_settings(services.settings.database_url, admin_session_hours=1 / 3600), services.engine,
                     services.erp)
    with TestClient(create_app(brief)) as client:
        sign_in(client)
        [row] = sessions_of(services)
        assert row.expires_at - row.created_at == dt.timedelta(seconds=1)


def test_page_views_do_not_write_the_session_every_time(client: TestClient, services: Services) -> None:
    sign_in(client)
    age_sessions(services, last_seen_at=dt.timedelta(seconds=20))
    [before] = sessions_of(services)
    assert opens_admin(client) and opens_admin(client)
    [after] = sessions_of(services)
    assert after.last_seen_at == before.last_seen_at  # seen 20 s ago: not rewritten


def test_revoking_the_token_ends_its_sessions(client: TestClient, services: Services) -> None:
    issued = create_token(services.engine, role=Role.OPERATOR, name="night-shift", actor="test")
    sign_in(client, issued.token)
    [row] = sessions_of(services)
    assert row.token_id == issued.row.id and row.actor == "night-shift"
    assert row.credential_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert opens_admin(client)
    revoke_token(services.engine, issued.row.id or 0, actor="test")
    assert not opens_admin(client)


def test_a_non_operator_token_opens_no_session(client: TestClient, services: Services) -> None:
    manager = create_token(services.engine, role=Role.MANAGER, actor="test")
    refused = client.post("/admin/login", data={"token": manager.token}, follow_redirects=False)
    assert refused.status_code == 401 and COOKIE not in refused.headers.get("set-cookie", "")
    assert sessions_of(services) == []


def test_changing_or_removing_the_operator_token_ends_its_sessions(client: TestClient, services: Services) -> None:
    sign_in(client)
    key = client.cookies[COOKIE]
    url = services.settings.database_url
    for operator_token in ("a-new-operator-token-after-rotation", None):
        rotated = Services(make_settings(url, operator_token=operator_token), services.engine, services.erp)
        assert not opens_admin(with_cookie(rotated, key))
    assert opens_admin(with_cookie(services, key))  # the same setting: still on


def test_the_old_cookie_holding_the_token_itself_is_refused(client: TestClient, services: Services) -> None:
    client.cookies.set(COOKIE, OPERATOR_TOKEN)
    assert not opens_admin(client)
    forged = client.post("/admin/documents/1/replay", data={"csrf": "x"}, follow_redirects=False)
    assert forged.headers["location"].startswith("/admin/login")


def test_forms_still_need_the_csrf_token_of_this_session(client: TestClient, services: Services) -> None:
    sign_in(client)
    other = TestClient(create_app(services))
    sign_in(other)
    foreign_csrf = csrf_of(other.get("/admin/documents").text)
    own_csrf = csrf_of(client.get("/admin/documents").text)
    assert foreign_csrf != own_csrf
    for forged in ("", "forged", foreign_csrf):
        answer = client.post("/admin/documents/1/replay", data={"csrf": forged}, follow_redirects=False)
        assert "expired" in answer.headers["location"]
        client.post("/admin/logout", data={"csrf": forged})
        assert opens_admin(client)  # a forged sign-out does nothing either
    client.post("/admin/logout", data={"csrf": own_csrf})
    assert not opens_admin(client)
    assert opens_admin(other)  # one browser signing out ends only its own session


def test_after_sign_in_never_off_site(client: TestClient) -> None:
    for target in ("//evil.example/admin", "https://evil.example/", "/\\evil.example", "/admin\\@evil.example"):
        answer = client.post("/admin/login", data={"token": OPERATOR_TOKEN, "next": target}, follow_redirects=False)
        assert answer.headers["location"] == "/admin/documents"
    sandbox = client.post("/admin/login", data={"token": OPERATOR_TOKEN, "next": "/sandbox/orders/3"},
                          follow_redirects=False)
    assert sandbox.headers["location"] == "/sandbox/orders/3"


def test_guessing_at_the_sign_in_is_locked_out_even_for_the_right_token(services: Services) -> None:
    from gateway.auth.tables import AuthThrottle

    strict = Services(make_settings(services.settings.database_url, auth_max_failures=3,
                                    auth_client_max_failures=3, auth_lockout_seconds=60),
                      services.engine, services.erp)
    with TestClient(create_app(strict)) as client:
        wrong = [client.post("/admin/login", data={"token": f"guess-{n}"}, follow_redirects=False) for n in range(3)]
        assert [a.status_code for a in wrong] == [401, 401, 401]
        locked = client.post("/admin/login", data={"token": OPERATOR_TOKEN}, follow_redirects=False)
        assert locked.status_code == 401 and "not a valid operator token" in locked.text  # the same page
        assert COOKIE not in locked.headers.get("set-cookie", "") and 0 < int(locked.headers["retry-after"]) <= 60
        assert sessions_of(services) == []
        with session(services.engine) as s:  # the lockout ends
            for row in s.exec(select(AuthThrottle)).all():
                row.locked_until = utcnow() - dt.timedelta(seconds=1)
                s.add(row)
            s.commit()
        sign_in(client)
        assert opens_admin(client)
        with session(services.engine) as s:
            from gateway.auth.audit import audit_trail

            actions = [e.action for e in audit_trail(s)]
        assert actions.count("auth.failed") == 3 and "auth.locked" in actions


# -- the buyer sandbox -----------------------------------------------------------------------

SANDBOX_TOKEN = "sandbox-token-for-onboarding-0123456789abcdef"
OUR_SECRET = "seller-secret-for-contoso"  # the SharedSecret the gateway presents to the demo buyer

PAGES = ("/sandbox", "/sandbox/oci", "/sandbox/carts/1", "/sandbox/orders/1", "/sandbox/oci/carts/1")
POSTS = ("/sandbox/setup", "/sandbox/return/contoso", "/sandbox/carts/1/order", "/sandbox/oci/hook/srm-acme",
         "/sandbox/oci/carts/1/order")


def confirmation_to_contoso(secret: str | None, order_id: str = "EVIL-1") -> bytes:
    """A ConfirmationRequest as the gateway would post it to the demo buyer, with ``secret`` in its Sender."""
    shared = f"<SharedSecret>{secret}</SharedSecret>" if secret is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<cXML payloadID="1.2@attacker.example" timestamp="2026-12-07T12:00:00+00:00">'
        "<Header><From><Credential domain=\"DUNS\"><Identity>b2bgw-seller</Identity></Credential></From>"
        "<To><Credential domain=\"NetworkID\"><Identity>AN01000000042</Identity></Credential></To>"
        f"<Sender><Credential domain=\"DUNS\"><Identity>b2bgw-seller</Identity>{shared}</Credential>"
        "<UserAgent>attacker</UserAgent></Sender></Header>"
        "<Request><ConfirmationRequest><ConfirmationHeader type=\"accept\" noticeDate=\"2026-12-07T12:00:00+00:00\"/>"
        f"<OrderReference orderID=\"{order_id}\"><DocumentReference payloadID=\"x@y\"/></OrderReference>"
        "</ConfirmationRequest></Request></cXML>").encode()


def documents_count(services: Services) -> int:
    from gateway.store.tables import Document

    with session(services.engine) as s:
        return len(s.exec(select(Document.id)).all())


@pytest.fixture
def sandbox(database_url: str) -> Iterator[tuple[Services, TestClient]]:
    """The sandbox on, with a sandbox token; an anonymous client."""
    with sandbox_services(database_url, sandbox_token=SANDBOX_TOKEN) as built, \
            TestClient(create_app(built)) as anonymous:
        yield built, anonymous


def test_the_sandbox_is_off_by_default_even_for_the_operator(client: TestClient, services: Services) -> None:
    assert services.settings.sandbox is False
    sign_in(client)
    for path in (*PAGES, "/sandbox/enter"):
        assert client.get(path, follow_redirects=False).status_code == 404, path
    for path in (*POSTS, "/sandbox/inbox", "/sandbox/enter"):
        assert client.post(path, content=b"x", follow_redirects=False).status_code == 404, path
    assert client.post("/sandbox/inbox", content=confirmation_to_contoso(OUR_SECRET)).status_code == 404


def test_anonymous_callers_are_sent_to_sign_in_or_refused(sandbox: tuple[Services, TestClient]) -> None:
    services, anonymous = sandbox
    before = documents_count(services)
    for path in PAGES:
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/admin/login?next=/sandbox"), path
    assert anonymous.get("/sandbox/orders/7?x=1", follow_redirects=False).headers["location"] == (
        "/admin/login?next=/sandbox/orders/7%3Fx%3D1")
    login = anonymous.get("/admin/login?next=/sandbox/orders/7").text
    assert 'href="/sandbox/enter?next=/sandbox/orders/7"' in login  # the way in for a sandbox token holder
    for path in POSTS:
        answer = anonymous.post(path, data={"buyer": "contoso", "secret": "sandbox-secret", "po_number": "X",
                                            "cxml-urlencoded": "<cXML/>"}, follow_redirects=False)
        assert answer.status_code == 401, path
    for forged in ("", OPERATOR_TOKEN, SANDBOX_TOKEN, "0" * 64):  # the token itself is not the cookie
        anonymous.cookies.set("b2bgw_sandbox", forged)
        assert anonymous.get("/sandbox", follow_redirects=False).status_code == 303
    anonymous.cookies.clear()
    assert anonymous.get("/sandbox", headers={"Authorization": "Bearer wrong"}, follow_redirects=False
                         ).status_code == 303
    assert documents_count(services) == before


def test_the_operator_signed_in_or_the_sandbox_token_opens_it(sandbox: tuple[Services, TestClient]) -> None:
    services, browser = sandbox
    assert browser.get("/sandbox", headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}).status_code == 200
    assert browser.get("/sandbox/oci", headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}).status_code == 200
    wrong = browser.post("/sandbox/enter", data={"token": "guess", "next": "/sandbox"}, follow_redirects=False)
    assert wrong.status_code == 401 and "b2bgw_sandbox" not in wrong.headers.get("set-cookie", "")
    entered = browser.post("/sandbox/enter", data={"token": SANDBOX_TOKEN, "next": "//evil.example/"},
                           follow_redirects=False)
    assert entered.status_code == 303 and entered.headers["location"] == "/sandbox"
    cookie = entered.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/sandbox" in cookie
    assert SANDBOX_TOKEN not in cookie
    assert browser.get("/sandbox").status_code == 200
    rotated = Services(make_settings(services.settings.database_url, sandbox=True,
                                     sandbox_token="a-rotated-sandbox-token-9876543210"), services.engine, services.erp)
    with TestClient(create_app(rotated)) as after:
        after.cookies.set("b2bgw_sandbox", browser.cookies["b2bgw_sandbox"])
        assert after.get("/sandbox", follow_redirects=False).status_code == 303  # a new token ends the old cookie
    operator = TestClient(create_app(services))
    sign_in(operator)
    assert operator.get("/sandbox").status_code == 200


def test_guessing_the_sandbox_token_is_locked_out(database_url: str) -> None:
    with sandbox_services(database_url, sandbox_token=SANDBOX_TOKEN, auth_max_failures=2,
                          auth_client_max_failures=2) as built, \
            TestClient(create_app(built)) as client:
        for guess in ("one", "two"):
            assert client.post("/sandbox/setup", headers={"Authorization": f"Bearer {guess}"}).status_code == 401
        right = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
        assert client.get("/sandbox", headers=right, follow_redirects=False).status_code == 303
        assert client.post("/sandbox/enter", data={"token": SANDBOX_TOKEN}).status_code == 401


def test_orders_and_carts_are_private_and_no_page_shows_a_secret(sandbox: tuple[Services, TestClient]) -> None:
    import html

    from formats.cxml.redaction import fill_secret
    from gateway.pipeline.worker import Worker
    from gateway.punchout.demo import DEMO_SECRET
    from gateway.store.tables import Document
    from tests.gateway.punchout.test_sandbox import transfer_form

    services, anonymous = sandbox
    user = TestClient(create_app(services))
    user.headers["Authorization"] = f"Bearer {SANDBOX_TOKEN}"
    setup = user.post("/sandbox/setup", data={"buyer": "contoso", "secret": DEMO_SECRET})
    assert setup.status_code == 200 and DEMO_SECRET not in setup.text and "[redacted]" in setup.text
    start = html.unescape(re.search(r'id="start-page" href="([^"]+)"', setup.text).group(1))  # type: ignore[union-attr]
    user.get(start.replace("http://testserver", ""))
    user.post("/punchout/shop/cart", data={"sku": "DEMO-1001", "quantity": "2", "mode": "add"})
    action, fields = transfer_form(user)
    cart_page = user.post(action.replace("http://testserver", ""), data=fields)
    cart_id = int(re.search(r"/sandbox/carts/(\d+)/order", cart_page.text).group(1))  # type: ignore[union-attr]
    ordered = user.post(f"/sandbox/carts/{cart_id}/order", data={"secret": DEMO_SECRET, "po_number": "SBX-SEC-1"})
    order_id = int(re.search(r"OrderRequest document (\d+)", ordered.text).group(1))  # type: ignore[union-attr]
    Worker(services.engine, services.erp, services.settings, worker_id="test").drain()
    with session(services.engine) as s:
        [sent] = s.exec(select(Document).where(Document.doc_type == "ConfirmationRequest")).all()
    assert anonymous.post("/sandbox/inbox", content=fill_secret(sent.raw, OUR_SECRET)).status_code == 200

    for path in (f"/sandbox/carts/{cart_id}", f"/sandbox/orders/{order_id}"):
        refused = anonymous.get(path, follow_redirects=False)
        assert refused.status_code == 303 and "DEMO-1001" not in refused.text, path
        shown = user.get(path)
        assert shown.status_code == 200 and DEMO_SECRET not in shown.text and OUR_SECRET not in shown.text, path
    order_page = user.get(f"/sandbox/orders/{order_id}").text
    assert "ConfirmationRequest (document" in order_page and "&lt;SharedSecret&gt;[redacted" in order_page
    with session(services.engine) as s:
        kept = s.exec(select(Document).where(Document.filename == "sandbox")).all()
    assert {d.doc_type for d in kept} == {"PunchOutOrderMessage", "ConfirmationRequest"}
    assert not any(OUR_SECRET.encode() in d.raw or DEMO_SECRET.encode() in d.raw for d in kept)


def test_the_inbox_takes_only_what_carries_our_secret_for_a_sandbox_buyer(
        sandbox: tuple[Services, TestClient]) -> None:
    from gateway.punchout.buyers import buyer_settings
    from gateway.store.tables import Document, Partner

    services, anonymous = sandbox
    before = documents_count(services)
    for body, code in ((confirmation_to_contoso(None), 401), (confirmation_to_contoso(""), 401),
                       (confirmation_to_contoso("seller-secret-for-contos"), 401),
                       (confirmation_to_contoso("seller-secret-for-srm-acme"), 401),  # another buyer's secret
                       (b"anything at all", 400),
                       (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><cXML>&e;</cXML>', 400),
                       (confirmation_to_contoso(OUR_SECRET) + b" " * services.settings.cxml_max_bytes, 413)):
        answer = anonymous.post("/sandbox/inbox", content=body)
        assert answer.status_code == code and f'code="{code}"'.encode() in answer.content, (code, answer.content)
    assert documents_count(services) == before  # nothing stored

    with session(services.engine) as s:  # contoso's order URL is a real one now: not a sandbox buyer any more
        partner = s.get(Partner, "contoso")
        assert partner is not None
        partner.settings = buyer_settings("https://procurement.example/cxml")
        s.add(partner)
        s.commit()
    assert anonymous.post("/sandbox/inbox", content=confirmation_to_contoso(OUR_SECRET)).status_code == 401
    assert documents_count(services) == before
    with session(services.engine) as s:
        partner = s.get(Partner, "contoso")
        assert partner is not None
        partner.settings = buyer_settings("http://127.0.0.1:8000/sandbox/inbox")
        s.add(partner)
        s.commit()
    kept = anonymous.post("/sandbox/inbox", content=confirmation_to_contoso(OUR_SECRET))
    assert kept.status_code == 200 and b'code="200"' in kept.content
    with session(services.engine) as s:
        [doc] = s.exec(select(Document).where(Document.filename == "sandbox")).all()
    assert doc.partner_id == "contoso" and doc.po_number == "EVIL-1" and OUR_SECRET.encode() not in doc.raw
    assert b"<SharedSecret>[redacted: matched]</SharedSecret>" in doc.raw


def test_demo_credentials_are_shown_only_in_the_demo(sandbox: tuple[Services, TestClient]) -> None:
    from gateway.oci.demo import DEMO_PASSWORD
    from gateway.punchout.demo import DEMO_SECRET

    services, _ = sandbox
    auth = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    with TestClient(create_app(services)) as client:
        pages = client.get("/sandbox", headers=auth).text + client.get("/sandbox/oci", headers=auth).text
    assert DEMO_SECRET not in pages and DEMO_PASSWORD not in pages
    demo = Services(make_settings(services.settings.database_url, sandbox=True, demo=True,
                                  sandbox_token=SANDBOX_TOKEN), services.engine, services.erp)
    with TestClient(create_app(demo)) as client:
        pages = client.get("/sandbox", headers=auth).text + client.get("/sandbox/oci", headers=auth).text
    assert DEMO_SECRET in pages and DEMO_PASSWORD in pages  # published demo credentials, with --demo only


def test_guesses_from_one_address_do_not_lock_the_sign_in_for_another(services: Services) -> None:
    """The sign-in counts guesses per token and per address: nobody locks every operator out."""
    strict = Services(make_settings(services.settings.database_url, auth_max_failures=2,
                                    auth_client_max_failures=2, auth_lockout_seconds=60), services.engine, services.erp)
    app = create_app(strict)
    with TestClient(app, client=("203.0.113.9", 40000)) as attacker:
        for n in range(4):
            guess = attacker.post("/admin/login", data={"token": f"guess-{n}"}, follow_redirects=False)
            assert guess.status_code == 401
        assert attacker.post("/admin/login", data={"token": OPERATOR_TOKEN}, follow_redirects=False).status_code == 401
    with TestClient(app, client=("198.51.100.7", 40000)) as operator:
        sign_in(operator)
        assert opens_admin(operator)
