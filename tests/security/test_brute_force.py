"""Brute force: guessing secrets is counted per credential and per client address, then locked out.

Attacks tried here (issue #19, item 5), against the real database (SQLite, or PostgreSQL when
``B2BGW_DATABASE_URL`` names one):

* many wrong guesses at one credential from one address: locked after ``auth_max_failures``,
  the lockout doubling with each further failure up to the cap;
* one address guessing at many credentials: locked after ``auth_client_max_failures``;
* many addresses guessing at one credential: the credential's counter stops them;
* two processes failing at once: both failures count, neither raises;
* a right secret during the lockout: refused (the caller does not even check it);
* failures forgotten after the window; a success clears the credential's counter, not the client's;
* every failure audited without the secret, every lockout counted in ``/metrics``.

The doors themselves (bearer tokens, OCI call-up, partner uploads) are tried over HTTP at the end.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from gateway.app import create_app
from gateway.auth.tables import AuditEntry, AuthThrottle
from gateway.auth.throttle import Attempt, locked_for, lockout_seconds, purge, record_failure, record_success
from gateway.auth.tokens import Role, create_token
from gateway.config import Settings
from gateway.observability.metrics import AUTH_FAILURES, AUTH_LOCKOUTS
from gateway.oci.demo import DEMO_PASSWORD, DEMO_USERNAME
from gateway.services import Services, build_services
from gateway.store.db import make_engine
from gateway.store.tables import Document
from tests.gateway.conftest import OPERATOR_TOKEN, empty_database, make_settings
from tests.gateway.partner_auth import edi_headers


def limits(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"auth_max_failures": 3, "auth_client_max_failures": 5, "auth_lockout_seconds": 10,
                                 "auth_lockout_max_seconds": 40, "auth_failure_window_seconds": 60}
    values.update(overrides)
    return make_settings(url, **values)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url)
    empty_database(built)
    yield built
    built.dispose()


def guess(engine: Engine, settings: Settings, credential: str = "cxml:contoso", client: str = "203.0.113.7",
          times: int = 1, channel: str = "cxml") -> Attempt:
    attempt = Attempt(channel=channel, credential=credential, client=client)
    for _ in range(times):
        record_failure(engine, attempt, settings, reason="bad_secret")
    return attempt


def counter(engine: Engine, scope: str, key: str) -> AuthThrottle | None:
    with Session(engine) as s:
        return s.exec(select(AuthThrottle).where(AuthThrottle.scope == scope, AuthThrottle.key == key)).first()


def test_a_credential_is_locked_after_the_threshold_not_before(engine: Engine, database_url: str) -> None:
    settings = limits(database_url)
    attempt = guess(engine, settings, times=2)
    assert locked_for(engine, attempt, settings) is None
    guess(engine, settings)
    left = locked_for(engine, attempt, settings)
    assert left is not None and 9 < left <= 10
    other = Attempt(channel="cxml", credential="cxml:acme", client="198.51.100.1")
    assert locked_for(engine, other, settings) is None, "another credential from another address is not locked"


def test_each_further_failure_doubles_the_lockout_up_to_the_cap() -> None:
    settings = Settings(auth_max_failures=3, auth_lockout_seconds=10, auth_lockout_max_seconds=40)
    assert [lockout_seconds(n, 3, settings) for n in range(1, 8)] == [None, None, 10, 20, 40, 40, 40]


def test_doubling_and_cap_are_stored(engine: Engine, database_url: str) -> None:
    settings = limits(database_url, auth_client_max_failures=100)
    attempt = guess(engine, settings, times=4)
    left = locked_for(engine, attempt, settings)
    assert left is not None and 19 < left <= 20
    guess(engine, settings, times=3)
    left = locked_for(engine, attempt, settings)
    assert left is not None and 39 < left <= 40


def test_one_address_guessing_many_credentials_is_locked(engine: Engine, database_url: str) -> None:
    settings = limits(database_url)
    for n in range(5):
        guess(engine, settings, credential=f"cxml:buyer-{n}")
    fresh = Attempt(channel="cxml", credential="cxml:never-tried", client="203.0.113.7")
    assert locked_for(engine, fresh, settings) is not None
    elsewhere = Attempt(channel="cxml", credential="cxml:never-tried", client="198.51.100.1")
    assert locked_for(engine, elsewhere, settings) is None


def test_many_addresses_guessing_one_credential_are_stopped(engine: Engine, database_url: str) -> None:
    settings = limits(database_url)
    for n in range(3):
        guess(engine, settings, client=f"198.51.100.{n}")
    assert locked_for(engine, Attempt("cxml", "cxml:contoso", "192.0.2.99"), settings) is not None


def test_failures_older_than_the_window_are_forgotten(engine: Engine, database_url: str) -> None:
    settings = limits(database_url, auth_failure_window_seconds=0.3, auth_lockout_seconds=0.1,
                      auth_lockout_max_seconds=0.1)
    attempt = guess(engine, settings, times=2)
    time.sleep(0.4)
    guess(engine, settings)
    row = counter(engine, "credential", "cxml:contoso")
    assert row is not None and row.failures == 1
    assert locked_for(engine, attempt, settings) is None


def test_a_lockout_is_remembered_for_a_window_after_it_ends(engine: Engine, database_url: str) -> None:
    """After a lockout the next failure locks again, twice as long: the window counts from the lockout's end."""
    settings = limits(database_url, auth_failure_window_seconds=0.5, auth_lockout_seconds=0.3,
                      auth_lockout_max_seconds=5)
    attempt = guess(engine, settings, times=3)
    time.sleep(0.35)
    assert locked_for(engine, attempt, settings) is None
    guess(engine, settings)
    left = locked_for(engine, attempt, settings)
    assert left is not None and 0.5 < left <= 0.6


def test_success_clears_the_credential_but_not_the_address(engine: Engine, database_url: str) -> None:
    settings = limits(database_url)
    attempt = guess(engine, settings, times=2)
    assert locked_for(engine, attempt, settings) is None
    record_success(engine, attempt, settings)
    assert counter(engine, "credential", "cxml:contoso") is None
    client = counter(engine, "client", "203.0.113.7")
    assert client is not None and client.failures == 2


def test_success_without_failures_writes_nothing(engine: Engine, database_url: str) -> None:
    settings = limits(database_url)
    attempt = Attempt("token", "token:0123456789ab", "203.0.113.7")
    statements: list[str] = []

    def spy(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    from sqlalchemy import event
    event.listen(engine, "before_cursor_execute", spy)
    try:
        assert locked_for(engine, attempt, settings) is None
        record_success(engine, attempt, settings)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT")


def test_two_processes_failing_at_once_both_count(engine: Engine, database_url: str) -> None:
    settings = limits(database_url, auth_max_failures=1000, auth_client_max_failures=1000)
    engines = [make_engine(database_url) for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def hammer(own: Engine) -> None:
        try:
            start.wait()
            guess(own, settings, times=5)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=hammer, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert errors == []
    row = counter(engine, "credential", "cxml:contoso")
    assert row is not None and row.failures == 20
    client = counter(engine, "client", "203.0.113.7")
    assert client is not None and client.failures == 20


def test_failures_and_lockouts_are_audited_without_the_secret(engine: Engine, database_url: str) -> None:
    settings = limits(database_url)
    guess(engine, settings, times=3)
    with Session(engine) as s:
        entries = s.exec(select(AuditEntry).order_by(AuditEntry.id)).all()  # type: ignore[arg-type]
    failed = [e for e in entries if e.action == "auth.failed"]
    locked = [e for e in entries if e.action == "auth.locked"]
    assert len(failed) == 3 and len(locked) == 1
    assert {e.actor for e in entries} == {"203.0.113.7"} and {e.target for e in entries} == {"cxml:contoso"}
    assert failed[-1].details["failures"] == 3 and failed[-1].details["channel"] == "cxml"
    assert failed[-1].details["reason"] == "bad_secret" and failed[-1].details["locked_until"]
    assert locked[0].details["scope"] == "credential"


def test_refusals_during_a_lockout_are_counted_not_written(engine: Engine, database_url: str) -> None:
    settings = limits(database_url)
    attempt = guess(engine, settings, times=3, channel="oci", credential="oci:SRM")
    with Session(engine) as s:
        before = s.exec(select(func.count()).select_from(AuditEntry)).one()
    locked_before = AUTH_FAILURES.labels("oci", "locked")._value.get()
    record_failure(engine, attempt, settings, reason="locked")
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == before
    assert AUTH_FAILURES.labels("oci", "locked")._value.get() == locked_before + 1
    row = counter(engine, "credential", "oci:SRM")
    assert row is not None and row.failures == 3


def test_lockouts_are_counted_in_metrics(engine: Engine, database_url: str) -> None:
    settings = limits(database_url)
    credential = AUTH_LOCKOUTS.labels("edi", "credential")._value.get()
    client = AUTH_LOCKOUTS.labels("edi", "client")._value.get()
    failures = AUTH_FAILURES.labels("edi", "bad_secret")._value.get()
    for n in range(5):
        guess(engine, settings, channel="edi", credential=f"edi:p{n % 2}")
    assert AUTH_LOCKOUTS.labels("edi", "credential")._value.get() == credential + 1  # edi:p0 at its 3rd
    assert AUTH_LOCKOUTS.labels("edi", "client")._value.get() == client + 1
    assert AUTH_FAILURES.labels("edi", "bad_secret")._value.get() == failures + 5


def test_an_uncounted_credential_locks_only_the_address(engine: Engine, database_url: str) -> None:
    """``token:unknown`` is every token not in our format: locking it would lock the operator's own token out."""
    settings = limits(database_url)
    for n in range(4):
        record_failure(engine, Attempt("token", "token:unknown", f"198.51.100.{n}", lock_credential=False),
                       settings, reason="bad_token")
    assert counter(engine, "credential", "token:unknown") is None
    assert locked_for(engine, Attempt("token", "token:unknown", "192.0.2.1", lock_credential=False), settings) is None
    for _ in range(5):
        record_failure(engine, Attempt("token", "token:unknown", "192.0.2.1", lock_credential=False),
                       settings, reason="bad_token")
    assert locked_for(engine, Attempt("token", "token:unknown", "192.0.2.1", lock_credential=False), settings)


def test_a_long_guessed_credential_is_cut_not_refused(engine: Engine, database_url: str) -> None:
    settings = limits(database_url)
    attempt = guess(engine, settings, credential="cxml:" + "x" * 5000, client="y" * 500, times=3)
    assert locked_for(engine, attempt, settings) is not None


def test_a_nul_in_a_guessed_name_or_address_is_counted(engine: Engine, database_url: str) -> None:
    """PostgreSQL refuses NUL in text: a guess carrying one must be counted, not crash the door with a 500."""
    settings = limits(database_url)
    attempt = guess(engine, settings, credential="oci:srm\x00demo", client="203.0.113.7\x00", times=3)
    assert locked_for(engine, attempt, settings) is not None
    assert counter(engine, "credential", "oci:srm\\0demo") is not None


def test_purge_deletes_forgotten_counters_only(engine: Engine, database_url: str) -> None:
    settings = limits(database_url, auth_failure_window_seconds=0.2, auth_lockout_seconds=0.05,
                      auth_lockout_max_seconds=0.05)
    guess(engine, settings, credential="cxml:old")
    time.sleep(0.3)
    guess(engine, settings, credential="cxml:new", client="198.51.100.1")
    assert purge(engine, settings) == 2  # cxml:old and its address
    assert counter(engine, "credential", "cxml:new") is not None


def test_locked_for_is_one_cheap_read(engine: Engine, database_url: str) -> None:
    """The success path's cost: reported by ``pytest -s``; bounded loosely so a slow CI box passes."""
    settings = limits(database_url)
    guess(engine, settings, credential="cxml:other", client="198.51.100.1")
    attempt = Attempt("token", "token:0123456789ab", "203.0.113.7")
    locked_for(engine, attempt, settings)
    runs = 300
    started = time.perf_counter()
    for _ in range(runs):
        locked_for(engine, attempt, settings)
    each = (time.perf_counter() - started) / runs
    print(f"locked_for on {engine.dialect.name}: {each * 1e6:.0f} us")
    assert each < 0.02


# -- the doors, over HTTP --------------------------------------------------------------------------------------

ATTACKER = ("203.0.113.66", 40000)
BYSTANDER = ("198.51.100.20", 40000)
LOCKOUT = 1.0
"""Long enough for a handful of requests inside it, short enough to wait out."""


@pytest.fixture
def doors(database_url: str) -> Iterator[Services]:
    """Services with small limits (3 per credential, 5 per address) and a webhook token, demo data seeded."""
    from gateway.demo import seed_demo
    built = build_services(limits(database_url, auth_lockout_seconds=LOCKOUT, auth_lockout_max_seconds=LOCKOUT,
                                  erp_webhook_token="erp-webhook-token-for-tests-0123456789"))
    empty_database(built.engine)
    seed_demo(built.engine)
    yield built
    built.close()


def http(services: Services, address: tuple[str, int]) -> TestClient:
    return TestClient(create_app(services, workers=0), client=address)


def same_answer(a: Response, b: Response) -> bool:
    """Same status, body and challenge: nothing tells the two refusals apart (a page's CSP nonce aside)."""
    def body(r: Response) -> str:
        return re.sub(r'nonce="[^"]*"', "", r.text)
    return (a.status_code, body(a), a.headers.get("www-authenticate")) == \
        (b.status_code, body(b), b.headers.get("www-authenticate"))


def bearer_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_tokens_lock_out_by_public_id_then_recover(doors: Services) -> None:
    issued = create_token(doors.engine, role=Role.OPERATOR, name="ops", actor="test")
    other = create_token(doors.engine, role=Role.OPERATOR, name="other", actor="test")
    wrong = issued.token[:-4] + ("AAAA" if not issued.token.endswith("AAAA") else "BBBB")
    with http(doors, ATTACKER) as attacker, http(doors, BYSTANDER) as bystander:
        wrong_answer = attacker.get("/api/partners", headers=bearer_header(wrong))
        assert wrong_answer.status_code == 401
        unknown = attacker.get("/api/partners", headers=bearer_header("b2bgw_0123456789ab_" + "x" * 43))
        assert same_answer(unknown, wrong_answer), "an unknown token reads as a wrong one"
        attacker.get("/api/partners", headers=bearer_header(wrong))
        attacker.get("/api/partners", headers=bearer_header(wrong))
        locked = attacker.get("/api/partners", headers=bearer_header(issued.token))
        assert same_answer(locked, wrong_answer), "the right token is refused while locked, alike"
        assert bystander.get("/api/partners", headers=bearer_header(issued.token)).status_code == 401, \
            "the credential itself is locked, from any address"
        assert bystander.get("/api/partners", headers=bearer_header(other.token)).status_code == 200
        assert bystander.get("/api/documents", headers=bearer_header(other.token)).status_code == 200
        time.sleep(LOCKOUT + 0.1)
        assert attacker.get("/api/partners", headers=bearer_header(issued.token)).status_code == 200
    assert counter(doors.engine, "credential", f"token:{issued.row.public_id}") is None, "success forgave it"
    with Session(doors.engine) as s:
        targets = {e.target for e in s.exec(select(AuditEntry).where(AuditEntry.action == "auth.locked")).all()}
    assert targets == {f"token:{issued.row.public_id}"}


def test_guessing_the_operator_token_locks_the_guesser_not_the_operator(doors: Services) -> None:
    with http(doors, ATTACKER) as attacker, http(doors, BYSTANDER) as bystander:
        for n in range(5):
            assert attacker.get("/api/documents", headers=bearer_header(f"guess-{n}")).status_code == 401
        refused = attacker.get("/api/documents", headers=bearer_header(OPERATOR_TOKEN))
        assert refused.status_code == 401, "the guessing address is locked, whatever it sends"
        assert bystander.get("/api/documents", headers=bearer_header(OPERATOR_TOKEN)).status_code == 200
        assert bystander.get("/api/partners", headers=bearer_header(OPERATOR_TOKEN)).status_code == 200


def test_the_erp_webhook_token_is_throttled_like_any_token(doors: Services) -> None:
    with http(doors, ATTACKER) as attacker:
        for n in range(5):
            assert attacker.post("/api/erp/webhook", headers=bearer_header(f"guess-{n}")).status_code == 401
        locked = attacker.post("/api/erp/webhook", headers=bearer_header("erp-webhook-token-for-tests-0123456789"))
        assert locked.status_code == 401


def oci_login(client: TestClient, username: str, password: str) -> Response:
    return client.post("/oci", data={"USERNAME": username, "PASSWORD": password,
                                     "HOOK_URL": "https://srm.example.com/hook"}, follow_redirects=False)


def test_the_oci_call_up_locks_out_a_username_then_recovers(doors: Services) -> None:
    with http(doors, ATTACKER) as attacker, http(doors, BYSTANDER) as bystander:
        wrong = oci_login(attacker, DEMO_USERNAME, "guess-1")
        assert wrong.status_code == 401
        assert same_answer(oci_login(attacker, "nobody-at-all", "guess"), wrong), "unknown user reads as wrong"
        oci_login(attacker, DEMO_USERNAME, "guess-2")
        oci_login(attacker, DEMO_USERNAME, "guess-3")
        stored = len(oci_documents(doors))
        locked = oci_login(attacker, DEMO_USERNAME, DEMO_PASSWORD)
        assert same_answer(locked, wrong), "the right password is refused while locked, alike"
        assert len(oci_documents(doors)) == stored, "a locked refusal costs no write"
        assert oci_login(bystander, DEMO_USERNAME, DEMO_PASSWORD).status_code == 401, "the username is locked"
        assert oci_login(bystander, "someone-else", "x").status_code == 401
        time.sleep(LOCKOUT + 0.1)
        assert oci_login(attacker, DEMO_USERNAME, DEMO_PASSWORD).status_code == 303
    assert counter(doors.engine, "credential", f"oci:{DEMO_USERNAME}") is None


def oci_documents(services: Services) -> list[Document]:
    with Session(services.engine) as s:
        return list(s.exec(select(Document).where(Document.standard == "oci")).all())


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_partner_uploads_lock_out_a_partner_then_recover(doors: Services) -> None:
    order = (Path(__file__).resolve().parents[2] / "fixtures" / "x12" / "850-4010-basic.x12").read_bytes()
    with http(doors, ATTACKER) as attacker, http(doors, BYSTANDER) as bystander:
        wrong = attacker.post("/edi/acme", content=order, headers=basic("acme", "guess-1"))
        assert wrong.status_code == 401
        assert same_answer(attacker.post("/edi/nobody", content=order, headers=basic("nobody", "x")), wrong)
        attacker.post("/edi/acme", content=order, headers=basic("acme", "guess-2"))
        attacker.post("/edi/acme", content=order, headers=basic("acme", "guess-3"))
        locked = attacker.post("/edi/acme", content=order, headers=basic("acme", "acme-demo-password"))
        assert same_answer(locked, wrong), "the right password is refused while locked, alike"
        assert bystander.post("/edi/acme", content=order,
                              headers=basic("acme", "acme-demo-password")).status_code == 401
        assert bystander.post("/edi/globex", content=order,
                              headers=edi_headers(doors.engine, "globex")).status_code != 401
        time.sleep(LOCKOUT + 0.1)
        assert attacker.post("/edi/acme", content=order,
                             headers=basic("acme", "acme-demo-password")).status_code == 202
        metrics = attacker.get("/metrics", headers=bearer_header(OPERATOR_TOKEN)).text
    assert re.search(r'^b2bgw_auth_lockouts_total\{channel="edi",scope="credential"\} [1-9]', metrics, re.M)
    assert re.search(r'^b2bgw_auth_failures_total\{channel="edi",reason="locked"\} [1-9]', metrics, re.M)


def test_the_client_address_behind_a_trusted_proxy_is_the_forwarded_one(database_url: str) -> None:
    """Behind the proxy every request comes from its address: the lockout must hit the client, not the proxy."""
    from gateway.demo import seed_demo
    built = build_services(limits(database_url, trusted_proxies="10.0.0.1"))
    empty_database(built.engine)
    seed_demo(built.engine)
    try:
        with http(built, ("10.0.0.1", 40000)) as proxy:
            for n in range(5):
                proxy.get("/api/documents", headers={**bearer_header(f"guess-{n}"), "X-Forwarded-For": "203.0.113.9"})
            answer = proxy.get("/api/documents", headers={**bearer_header(OPERATOR_TOKEN),
                                                         "X-Forwarded-For": "198.51.100.3"})
            assert answer.status_code == 200
            assert counter(built.engine, "client", "203.0.113.9") is not None
            assert counter(built.engine, "client", "10.0.0.1") is None
    finally:
        built.close()
