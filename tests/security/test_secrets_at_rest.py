"""Secrets at rest, and guessing them: attacks tried (issue #19, items 3 and 5 for cXML).

* read a buyer's SharedSecret (or a wrong guess) from a stored request, through /api/documents
  or /admin, or from the log;
* read our own SharedSecret towards a buyer from an outbound document or the outbox;
* rows stored before the fix (migration 0015 redacts them; a pending message still goes out);
* a stored order replayed once its secret is gone;
* OCI passwords and partner credentials (URLs with a password, Authorization headers) shown;
* guess a SharedSecret: lockout, one answer for an unknown buyer, a wrong secret and a lockout.
"""

from __future__ import annotations

import hashlib
import logging
import pathlib
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from formats.cxml import envelope
from formats.model import OrderPurpose
from gateway.app import create_app
from gateway.auth.tables import AuditEntry, AuthThrottle
from gateway.delivery.tables import OutboxMessage
from gateway.demo import seed_demo
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services, build_services
from gateway.store.db import alembic_config, session
from gateway.store.tables import Document, OrderLink, Partner
from tests.databases import fresh_postgres_database, postgres_base_url
from tests.gateway.admin_session import sign_in
from tests.gateway.conftest import OPERATOR_TOKEN, empty_database, make_settings
from tests.gateway.punchout.buyer_endpoint import demo_buyer_endpoint
from tests.gateway.punchout.cxml_requests import demo_routing, order, setup_request

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
GUESS = "Zq8-guess-of-an-attacker"
RIGHT = "sandbox-secret"  # the demo buyer's SharedSecret (gateway.punchout.demo)
OURS = "seller-secret-for-contoso"  # ours towards the demo buyer
NOT_VALID = "the credentials are not valid"


def post(client: TestClient, raw: bytes, address: str | None = None) -> tuple[int, str, int | None]:
    headers = {"X-Forwarded-For": address} if address else None
    answer = client.post("/cxml", content=raw, headers=headers)
    head = envelope.parse(answer.content)
    assert head.status is not None
    doc_id = answer.headers.get("x-document-id")
    return head.status.code, head.status.text, int(doc_id) if doc_id else None


def stored(services: Services, doc_id: int | None) -> Document:
    with session(services.engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        return doc


def shown(client: TestClient, doc_id: int | None) -> str:
    """What /api/documents/{id} and the /admin document page show of a document."""
    api = client.get(f"/api/documents/{doc_id}", headers=OPERATOR)
    assert api.status_code == 200
    sign_in(client)
    page = client.get(f"/admin/documents/{doc_id}")
    assert page.status_code == 200
    return api.text + page.text


# --------------------------------------------------------------------------------------------
# The buyer's SharedSecret in what we keep
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("routing", "marker"), [
    (demo_routing(secret=GUESS), "[redacted: wrong]"),
    (demo_routing(secret=GUESS, from_=("NetworkID", "AN-NOBODY")), "[redacted: unknown buyer]"),
    (demo_routing(), "[redacted: matched]"),
], ids=["wrong secret", "unknown buyer", "right secret"])
def test_a_presented_secret_is_neither_stored_nor_shown(routing: object, marker: str, client: TestClient,
                                                        services: Services, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    code, _text, doc_id = post(client, setup_request(routing=routing))  # type: ignore[arg-type]
    doc = stored(services, doc_id)
    assert marker.encode() in doc.raw
    assert GUESS.encode() not in doc.raw and RIGHT.encode() not in doc.raw
    page = shown(client, doc_id)
    assert marker in page and GUESS not in page and RIGHT not in page
    assert GUESS not in caplog.text and RIGHT not in caplog.text
    assert code == (200 if marker.endswith("matched]") else 401)


@pytest.mark.parametrize("how", ["api", "cli"])
def test_a_stored_order_replays_without_its_secret_and_is_placed_once(how: str, client: TestClient, services: Services,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    code, _text, doc_id = post(client, order("PO-SEC-1", [("DEMO-1001", "2", "1.29")]))
    assert code == 201
    worker = Worker(services.engine, services.erp, services.settings, worker_id="t")
    worker.drain()
    first = stored(services, doc_id)
    assert first.state == State.PROCESSED.value and b"[redacted: matched]" in first.raw
    assert RIGHT.encode() not in first.raw
    if how == "api":
        replayed = client.post(f"/api/documents/{doc_id}/replay", headers=OPERATOR)
        assert replayed.status_code == 200, replayed.text
    else:
        from typer.testing import CliRunner

        from gateway.cli import app
        from gateway.config import get_settings

        monkeypatch.setenv("B2BGW_DATABASE_URL", services.settings.database_url)
        get_settings.cache_clear()
        try:
            ran = CliRunner().invoke(app, ["replay", str(doc_id)])
        finally:
            get_settings.cache_clear()
        assert ran.exit_code == 0, ran.output
    worker.drain()
    again = stored(services, doc_id)
    assert again.state == State.PROCESSED.value and again.erp_order_id == first.erp_order_id
    with session(services.engine) as s:
        links = s.exec(select(OrderLink).where(OrderLink.po_number == "PO-SEC-1")).all()
    assert len(links) == 1
    code, text, _ = post(client, order("PO-SEC-1", [("DEMO-1001", "2", "1.29")]))  # payloadID dedupe by orderID
    assert code == 200 and "already received" in text
    code, _text, _ = post(client, order("PO-SEC-1", [("DEMO-1001", "3", "1.29")], purpose=OrderPurpose.CHANGE))
    assert code == 201  # the update finds the order placed from the redacted request


# --------------------------------------------------------------------------------------------
# Our own SharedSecret in what we send
# --------------------------------------------------------------------------------------------


def test_our_secret_is_not_stored_in_outbound_documents_but_reaches_the_buyer(client: TestClient,
                                                                              services: Services) -> None:
    with demo_buyer_endpoint(services.engine, 200) as buyer:
        assert post(client, order("PO-SEC-2", [("DEMO-1001", "2", "1.29")]))[0] == 201
        Worker(services.engine, services.erp, services.settings, worker_id="t").drain()
        [sent] = buyer.of_type("ConfirmationRequest")
    assert OURS.encode() in sent  # the buyer gets our secret, filled in as it left
    with session(services.engine) as s:
        [confirmation] = s.exec(select(Document).where(Document.doc_type == "ConfirmationRequest")).all()
        [message] = s.exec(select(OutboxMessage).where(OutboxMessage.document_id == confirmation.id)).all()
    assert message.channel == "cxml" and message.state == "delivered"
    for kept in (confirmation.raw, message.payload):
        assert OURS.encode() not in kept and b"<SharedSecret>[redacted]</SharedSecret>" in kept
    page = shown(client, confirmation.id)
    assert OURS not in page
    listed = client.get("/api/outbox", headers=OPERATOR)
    assert listed.status_code == 200 and OURS not in listed.text


def test_a_cxml_buyer_routed_to_plain_http_still_gets_our_secret(client: TestClient, services: Services) -> None:
    with demo_buyer_endpoint(services.engine, 200) as buyer:
        with session(services.engine) as s:
            partner = s.get(Partner, "contoso")
            assert partner is not None
            partner.settings = {**partner.settings, "delivery": {"channel": "http", "destination": buyer.url}}
            s.add(partner)
            s.commit()
        assert post(client, order("PO-SEC-3", [("DEMO-1001", "2", "1.29")]))[0] == 201
        Worker(services.engine, services.erp, services.settings, worker_id="t").drain()
        [sent] = buyer.of_type("ConfirmationRequest")
    assert OURS.encode() in sent
    with session(services.engine) as s:
        [message] = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "document")).all()
    assert message.channel == "cxml" and OURS.encode() not in message.payload


def test_a_cxml_buyer_on_a_file_drop_gets_our_secret_in_the_file(client: TestClient, services: Services,
                                                                    tmp_path: pathlib.Path) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, "contoso")
        assert partner is not None
        partner.settings = {**partner.settings, "delivery": {"channel": "file", "destination": str(tmp_path)}}
        s.add(partner)
        s.commit()
    assert post(client, order("PO-SEC-4", [("DEMO-1001", "2", "1.29")]))[0] == 201
    Worker(services.engine, services.erp, services.settings, worker_id="t").drain()
    [written] = list(tmp_path.iterdir())
    assert OURS.encode() in written.read_bytes()  # nothing else would write it in
    with session(services.engine) as s:
        [confirmation] = s.exec(select(Document).where(Document.doc_type == "ConfirmationRequest")).all()
    assert OURS.encode() not in confirmation.raw  # the document stays redacted; the outbox payload carries it


# --------------------------------------------------------------------------------------------
# Rows stored before the fix: migration 0015
# --------------------------------------------------------------------------------------------


@pytest.fixture
def empty_url(tmp_path: object) -> Iterator[str]:
    """A database with no tables yet: SQLite, or a fresh PostgreSQL database when configured."""
    base = postgres_base_url()
    if base is None:
        yield f"sqlite:///{tmp_path}/migrate.db"
        return
    with fresh_postgres_database(base, "b2bgw_secrets") as url:
        yield url


OLD_REQUEST = setup_request(routing=demo_routing(secret=GUESS))
OLD_CONFIRMATION = (b"<?xml version='1.0' encoding='UTF-8'?><cXML payloadID='1@gw' timestamp='2026-01-01T00:00:00Z'>"
                    b"<Header><From><Credential domain='DUNS'><Identity>b2bgw-seller</Identity></Credential></From>"
                    b"<To><Credential domain='NetworkID'><Identity>AN01000000042</Identity></Credential></To>"
                    b"<Sender><Credential domain='DUNS'><Identity>b2bgw-seller</Identity>"
                    b"<SharedSecret>" + OURS.encode() + b"</SharedSecret></Credential>"
                    b"<UserAgent>b2b-gateway</UserAgent></Sender></Header><Request/></cXML>")


def test_migration_0015_redacts_what_was_stored_before(empty_url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(empty_url), "0014")
    engine = create_engine(empty_url)
    x12 = b"ISA*00*          *00*          *ZZ*A*ZZ*B*<SharedSecret>x</SharedSecret>~"
    try:
        with Session(engine) as s:  # the tables at 0014 are the models' (0015 changes no schema)
            s.add(Partner(id="contoso", name="Contoso", customer_id="ACME", x12_id="CONTOSO", our_x12_id="B2BGW"))
            s.flush()
            docs = [Document(direction=direction, standard=standard, doc_type=doc_type, partner_id="contoso",
                             state="sent", raw=raw, sha256=hashlib.sha256(raw).hexdigest())
                    for direction, standard, doc_type, raw in [
                        ("in", "cxml", "PunchOutSetupRequest", OLD_REQUEST),
                        ("out", "cxml", "ConfirmationRequest", OLD_CONFIRMATION),
                        ("out", "cxml", "ConfirmationRequest", OLD_CONFIRMATION),
                        ("out", "cxml", "ConfirmationRequest", OLD_CONFIRMATION),
                        ("in", "x12", "850", x12)]]
            s.add_all(docs)
            s.flush()
            for doc, (state, channel) in zip(docs[1:4], [("delivered", "cxml"), ("pending", "http"),
                                                         ("retry", "file")], strict=True):
                s.add(OutboxMessage(channel=channel, destination="https://buyer.test/cxml", kind="document",
                                    idempotency_key=f"document:{doc.id}", payload=OLD_CONFIRMATION,
                                    content_type="text/xml", partner_id="contoso", document_id=doc.id, state=state))
            s.commit()
            ids = [d.id for d in docs]
        command.upgrade(alembic_config(empty_url), "head")
        with engine.connect() as conn:
            rows = {i: (bytes(r), h) for i, r, h in conn.execute(text("SELECT id, raw, sha256 FROM gw_document")).all()}
            messages = conn.execute(text("SELECT state, channel, payload FROM gw_outbox ORDER BY id")).all()
    finally:
        engine.dispose()
    request, *confirmations, edi = (rows[i] for i in ids)
    assert request[0] == OLD_REQUEST.replace(GUESS.encode(), b"[redacted]")  # every other byte as it was
    assert request[1] == hashlib.sha256(request[0]).hexdigest()  # no digest of the secret's bytes left
    for raw, _ in confirmations:
        assert raw == OLD_CONFIRMATION.replace(OURS.encode(), b"[redacted]")
    assert edi[0] == x12  # not cXML: not touched
    delivered, pending, on_file = messages
    assert delivered[:2] == ("delivered", "cxml") and OURS.encode() not in bytes(delivered[2])
    assert pending[:2] == ("pending", "cxml") and OURS.encode() not in bytes(pending[2])  # goes by the filling channel
    assert on_file[:2] == ("retry", "file") and OURS.encode() in bytes(on_file[2])  # nothing would fill it back in


# --------------------------------------------------------------------------------------------
# OCI passwords, partner credentials
# --------------------------------------------------------------------------------------------

HOOK = "https://srm.example.com/sap/bc/bsp/sap/bbp_oci/hook.htm?sap-client=100"


@pytest.mark.parametrize("password", ["oci-demo", "Zq8-oci-guess"], ids=["right", "wrong"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_oci_password_is_neither_stored_nor_shown(method: str, password: str, client: TestClient,
                                                     services: Services) -> None:
    from gateway.oci.demo import DEMO_USERNAME

    fields = {"USERNAME": DEMO_USERNAME, "PASSWORD": password, "HOOK_URL": HOOK}
    answer = (client.get("/oci", params=fields, follow_redirects=False) if method == "GET"
              else client.post("/oci", data=fields, follow_redirects=False))
    assert answer.status_code == (303 if password == "oci-demo" else 401)
    with session(services.engine) as s:
        docs = s.exec(select(Document).where(Document.standard == "oci")).all()
    assert docs, "the call-up is kept"
    for doc in docs:
        assert password.encode() not in doc.raw and password not in str(doc.canonical)
        assert password not in shown(client, doc.id)


URL_WITH_PASSWORD = "https://bob:Zq8-url-pass@edi.northwind.example/in"


def test_partner_credentials_are_not_shown(client: TestClient, services: Services,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from gateway.auth.tables import AuditEntry
    from gateway.cli import app
    from gateway.config import get_settings

    body = {"id": "northwind", "name": "Northwind", "customer_id": "ACME", "x12_id": "NWIND",
            "settings": {"delivery": {"channel": "http", "destination": URL_WITH_PASSWORD}}}
    refused = client.post("/api/partners", json=body, headers=OPERATOR)
    assert refused.status_code == 422 and "Zq8-url-pass" not in refused.text
    assert "delivery.headers.Authorization" in refused.text
    body["settings"] = {"delivery": {"channel": "http", "destination": "https://edi.northwind.example/in",
                                     "headers": {"Authorization": "Basic Zq8-basic"}}}
    assert client.post("/api/partners", json=body, headers=OPERATOR).status_code == 201
    with session(services.engine) as s:  # a partner stored before URL passwords were refused
        partner = s.get(Partner, "northwind")
        assert partner is not None
        partner.settings = {"delivery": {**partner.settings["delivery"], "destination": URL_WITH_PASSWORD}}
        s.add(partner)
        s.commit()
    detail = client.get("/api/partners/northwind", headers=OPERATOR)
    assert detail.status_code == 200
    delivery = detail.json()["settings"]["delivery"]
    assert delivery["destination"] == "https://bob:(hidden)@edi.northwind.example/in"
    assert delivery["headers"]["Authorization"] == "(hidden)"
    # what was shown comes back unchanged (a form, an API client): the stored URL stays as it was
    changed = client.patch("/api/partners/northwind", headers=OPERATOR,
                           json={"settings": {"delivery": delivery, "price_policy": "hold"}})
    assert changed.status_code == 200, changed.text
    with session(services.engine) as s:
        partner = s.get(Partner, "northwind")
        assert partner is not None and partner.settings["delivery"]["destination"] == URL_WITH_PASSWORD
        assert partner.settings["delivery"]["headers"]["Authorization"] == "Basic Zq8-basic"
        audits = s.exec(select(AuditEntry).where(AuditEntry.target == "partner:northwind")).all()
    assert audits and all("Zq8" not in str(a.details) for a in audits)
    sign_in(client)
    page = client.get("/admin/partners/northwind")
    assert page.status_code == 200 and "Zq8" not in page.text
    monkeypatch.setenv("B2BGW_DATABASE_URL", services.settings.database_url)
    get_settings.cache_clear()
    try:
        printed = CliRunner().invoke(app, ["partners", "show", "northwind"])
    finally:
        get_settings.cache_clear()
    assert printed.exit_code == 0 and "northwind" in printed.output and "Zq8" not in printed.output


# --------------------------------------------------------------------------------------------
# Guessing a SharedSecret
# --------------------------------------------------------------------------------------------


@pytest.fixture
def guarded(database_url: str) -> Iterator[tuple[TestClient, Services]]:
    """The API with small limits: 3 failures lock a buyer for a second; an address gets 6."""
    built = build_services(make_settings(database_url, auth_max_failures=3, auth_client_max_failures=6,
                                         auth_lockout_seconds=1.0, auth_lockout_max_seconds=2.0))
    empty_database(built.engine)
    seed_demo(built.engine)
    # from 127.0.0.1, a trusted proxy by default: X-Forwarded-For names each test's client address
    with TestClient(create_app(built, workers=0), client=("127.0.0.1", 50000)) as test_client:
        yield test_client, built
    built.close()


def failures(kind: str, channel: str = "cxml") -> float:
    from gateway.observability.metrics import AUTH_FAILURES

    return AUTH_FAILURES.labels(channel, kind)._value.get()  # type: ignore[attr-defined,no-any-return]


def test_guesses_lock_the_buyer_and_the_right_secret_waits(guarded: tuple[TestClient, Services]) -> None:
    client, services = guarded
    before, locked_before = failures("bad_secret"), failures("locked")
    for _ in range(3):
        assert post(client, setup_request(routing=demo_routing(secret=GUESS)), "198.51.100.7")[:2] == (401, NOT_VALID)
    started = time.perf_counter()
    answer = post(client, setup_request(), "198.51.100.7")  # the right secret, during the lockout
    assert answer[:2] == (401, NOT_VALID)
    assert b"[redacted: not checked]" in stored(services, answer[2]).raw
    assert time.perf_counter() - started < 1.0
    assert failures("bad_secret") - before == 3 and failures("locked") - locked_before >= 1
    with session(services.engine) as s:
        audits = s.exec(select(AuditEntry).where(AuditEntry.action.in_(["auth.failed", "auth.locked"]))).all()
        counters = s.exec(select(AuthThrottle)).all()
    assert {a.action for a in audits} == {"auth.failed", "auth.locked"}
    assert all(GUESS not in str(a.details) and RIGHT not in str(a.details) for a in audits)
    assert {(c.scope, c.key) for c in counters} >= {("credential", "cxml:contoso")}
    time.sleep(1.2)  # the lockout passes
    assert post(client, setup_request(), "198.51.100.7")[0] == 200


def test_a_locked_buyer_does_not_lock_another_buyer_from_another_address(guarded: tuple[TestClient, Services]) -> None:
    client, services = guarded
    from gateway.punchout.buyers import add_buyer

    with session(services.engine) as s:
        add_buyer(s, partner_id="fabrikam", name="Fabrikam", customer_id="ACME", from_domain="NetworkID",
                  from_identity="AN-FABRIKAM", shared_secret="fabrikam-secret")
        s.commit()
    for _ in range(3):
        post(client, setup_request(routing=demo_routing(secret=GUESS)), "198.51.100.7")
    assert post(client, setup_request(), "198.51.100.7")[0] == 401
    other = setup_request(routing=demo_routing(secret="fabrikam-secret", from_=("NetworkID", "AN-FABRIKAM")))
    assert post(client, other, "203.0.113.9")[0] == 200


def test_an_unknown_buyer_a_wrong_secret_and_a_lockout_answer_alike(guarded: tuple[TestClient, Services]) -> None:
    client, _services = guarded
    unknown = post(client, setup_request(routing=demo_routing(secret=GUESS, from_=("NetworkID", "AN-NOBODY"))),
                   "192.0.2.1")
    wrong = post(client, setup_request(routing=demo_routing(secret=GUESS)), "192.0.2.2")
    missing = post(client, setup_request(routing=demo_routing(secret=None)), "192.0.2.3")
    for _ in range(3):
        post(client, setup_request(routing=demo_routing(secret=GUESS)), "192.0.2.4")
    locked = post(client, setup_request(), "192.0.2.5")
    assert {a[:2] for a in (unknown, wrong, missing, locked)} == {(401, NOT_VALID)}


def test_an_unknown_buyer_costs_the_time_of_a_wrong_secret(guarded: tuple[TestClient, Services]) -> None:
    from gateway.punchout import buyers
    from gateway.punchout.secrets import verify_secret

    calls: list[str] = []
    original = buyers.verify_secret

    def counting(presented: str | None, stored_hash: str) -> bool:
        calls.append(stored_hash.split("$")[1])
        return verify_secret(presented, stored_hash)

    client, _services = guarded
    cost: list[int] = []
    buyers.verify_secret = counting  # type: ignore[assignment]
    try:
        routings = [demo_routing(secret=GUESS), demo_routing(secret=GUESS, from_=("NetworkID", "AN-X")),
                    demo_routing(secret=None)]
        for n, routing in enumerate(routings):
            calls.clear()
            post(client, setup_request(routing=routing), f"192.0.2.{n + 10}")
            assert calls and all(int(rounds) >= 60_000 for rounds in calls)  # a full PBKDF2 each time
            cost.append(len(calls))
    finally:
        buyers.verify_secret = original  # type: ignore[assignment]
    assert cost == [1, 1, 1]  # a wrong secret, an unknown buyer, no secret: one PBKDF2 each, no more, no less


def test_many_buyers_guessed_from_one_address_lock_the_address(guarded: tuple[TestClient, Services]) -> None:
    client, _services = guarded
    for n in range(6):
        post(client, setup_request(routing=demo_routing(secret=GUESS, from_=("NetworkID", f"AN-GUESS-{n}"))),
             "198.51.100.66")
    assert post(client, setup_request(), "198.51.100.66")[:2] == (401, NOT_VALID)
    assert post(client, setup_request(), "198.51.100.67")[0] == 200  # the buyer itself is not locked


def test_guessed_orders_are_counted_too(guarded: tuple[TestClient, Services]) -> None:
    client, _services = guarded
    for _ in range(3):
        post(client, order("PO-GUESS", [("DEMO-1001", "1", "1.29")], routing=demo_routing(secret=GUESS)),
             "198.51.100.90")
    assert post(client, order("PO-GUESS", [("DEMO-1001", "1", "1.29")]), "198.51.100.91")[:2] == (401, NOT_VALID)
    with session(_services.engine) as s:
        assert s.exec(select(Document).where(Document.po_number == "PO-GUESS")).all() == []




def test_a_batch_of_setups_asks_the_limits_once_per_buyer_and_address(services: Services) -> None:
    from sqlalchemy import event

    from gateway.punchout.batching import SetupBatcher

    batcher = SetupBatcher(services.engine, services.erp, services.settings)
    batch = [p for n in range(13) if (p := batcher.read(setup_request(cookie=f"c-{n}"), base_url="http://gw.test",
                                                         max_bytes=1_000_000, client="198.51.100.5")) is not None]
    statements: list[str] = []
    event.listen(services.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_rest: statements.append(statement))
    batcher.answer(batch)
    assert [p.answer.result(timeout=0).code for p in batch] == [200] * 13
    reads = [q for q in statements if "gw_auth_throttle" in q and q.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1  # one read of the limits for the lot


def test_an_outbox_destination_stored_with_a_password_is_shown_hidden(services: Services,
                                                                      client: TestClient) -> None:
    """A URL with ``user:password@`` stored before such URLs were refused: /api/outbox never shows the password."""
    with session(services.engine) as s:
        s.add(OutboxMessage(channel="http", destination="https://edi:hunter2-partner@partner.example/in",
                            kind="document", idempotency_key="old-url-with-password", partner_id="acme",
                            payload=b"ISA*...", state="failed",
                            last_error="POST https://edi:hunter2-partner@partner.example/in: HTTP 500"))
        s.commit()
    shown = client.get("/api/outbox", headers=OPERATOR)
    assert shown.status_code == 200
    assert "hunter2-partner" not in shown.text
    row = next(m for m in shown.json() if m["destination"].endswith("partner.example/in"))
    assert row["destination"] == "https://edi:(hidden)@partner.example/in" and "(hidden)" in row["last_error"]
