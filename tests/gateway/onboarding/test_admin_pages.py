"""The /admin partner pages through the application: list, one partner, add, edit, disable, credentials.

Signed in as the operator pages sign in (the token in a cookie), every form with its CSRF field.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from gateway.as2.tables import PartnerCertificate
from gateway.auth.audit import audit_trail
from gateway.auth.tables import PartnerCredential
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner

from ..conftest import OPERATOR_TOKEN
from ..test_admin import csrf_of


@pytest.fixture
def operator(client: TestClient) -> TestClient:
    answer = client.post("/admin/login", data={"token": OPERATOR_TOKEN, "next": "/admin/partners"},
                         follow_redirects=False)
    assert answer.status_code == 303
    return client


def form(operator: TestClient, path: str, **fields: str) -> dict[str, str]:
    return {"csrf": csrf_of(operator.get(path).text), **fields}


def test_the_pages_need_a_signed_in_operator(client: TestClient) -> None:
    for path in ("/admin/partners", "/admin/partners/acme", "/admin/partners/new", "/admin/partners/acme/edit"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/admin/login?next=")
    assert client.post("/admin/partners/acme/disable", data={"reason": "x"}, follow_redirects=False).status_code == 303


def test_list_shows_status_credentials_as2_and_certificate_expiry(operator: TestClient, services: Services) -> None:
    not_after = dt.datetime.now(dt.UTC) + dt.timedelta(days=12)
    with session(services.engine) as s:
        globex = s.get(Partner, "globex")
        assert globex is not None
        globex.as2_id, globex.disabled_at, globex.disabled_reason = "GLOBEX-AS2", dt.datetime.now(dt.UTC), "audit"
        s.add(globex)
        s.add(PartnerCertificate(partner_id="globex", certificate_pem="(pem)", subject="CN=globex", issuer="CN=globex",
                                 serial="1", fingerprint="ab" * 32, not_before=dt.datetime.now(dt.UTC),
                                 not_after=not_after))
        s.commit()
    page = operator.get("/admin/partners").text
    row = re.search(r'<tr id="partner-globex">(.*?)</tr>', page, re.S)
    assert row, page
    assert "disabled: audit" in row.group(1) and "GLOBEX-AS2" in row.group(1)
    assert f"{not_after:%Y-%m-%d}" in row.group(1)
    acme = re.search(r'<tr id="partner-acme">(.*?)</tr>', page, re.S)
    assert acme and ">active<" in acme.group(1) and '<td class="num">1</td>' in acme.group(1)  # its demo password

    detail = operator.get("/admin/partners/globex").text
    assert "CN=globex" in detail and "expires in 11 days" in detail  # within B2BGW_CERTIFICATE_WARNING_DAYS
    assert "Enable</button>" in detail
    assert re.search(r'id="our-as2">Our AS2 name toward globex: <code>B2BGW</code>,\s*<strong[^>]*>no key pair yet',
                     detail)


def test_add_a_partner_through_the_form(operator: TestClient, services: Services) -> None:
    fields = {"id": "northwind", "name": "Northwind", "customer_id": "ACME", "x12_qualifier": "ZZ",
              "x12_id": "NWIND", "our_x12_qualifier": "ZZ", "our_x12_id": "B2BGWSELLER", "x12_version": "005010",
              "usage": "T", "as2_id": "", "x12_application_id": "", "our_x12_application_id": ""}
    refused = operator.post("/admin/partners/new", data=form(
        operator, "/admin/partners/new", **fields, settings='{"price_tolerance": "abc", "colour": "red"}'))
    assert refused.status_code == 422
    assert "settings.price_tolerance: &#39;abc&#39; is not an amount or a percentage" in refused.text
    assert "settings.colour: unknown setting" in refused.text and 'value="NWIND"' in refused.text  # kept
    with session(services.engine) as s:
        assert s.get(Partner, "northwind") is None

    added = operator.post("/admin/partners/new", data=form(
        operator, "/admin/partners/new", **fields, settings='{"price_policy": "reject"}'), follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"].startswith("/admin/partners/northwind?notice=")
    with session(services.engine) as s:
        row = s.get(Partner, "northwind")
        assert row is not None and row.usage == "T" and row.settings == {"price_policy": "reject"}
        assert row.as2_id is None
        [entry] = audit_trail(s, target="partner:northwind")
    assert entry.action == "partner.add" and entry.actor != "cli"


def test_edit_keeps_hidden_secrets_and_shows_refusals(operator: TestClient, services: Services) -> None:
    with session(services.engine) as s:
        acme = s.get(Partner, "acme")
        assert acme is not None
        acme.settings = {**acme.settings, "isa_security": "S3CR3T", "delivery": {
            "channel": "http", "destination": "https://acme.example/edi", "headers": {"Authorization": "Basic eHg="}}}
        s.add(acme)
        s.commit()
    page = operator.get("/admin/partners/acme/edit").text
    assert "S3CR3T" not in page and "eHg=" not in page and "(hidden)" in page
    settings = re.search(r'<textarea id="settings" name="settings"[^>]*>(.*?)</textarea>', page, re.S)
    assert settings
    text = settings.group(1).replace("&#34;", '"').replace("&quot;", '"').replace('"accept"', '"hold"')
    fields = {"name": "Acme Retail", "customer_id": "ACME", "x12_qualifier": "ZZ", "x12_id": "ACMEBUYER",
              "x12_application_id": "ACMEBUYER", "our_x12_qualifier": "ZZ", "our_x12_id": "B2BGWSELLER",
              "our_x12_application_id": "B2BGWSELLER", "x12_version": "004010", "usage": "P", "as2_id": "ACME AS2"}
    saved = operator.post("/admin/partners/acme/edit", data={"csrf": csrf_of(page), **fields, "settings": text},
                          follow_redirects=False)
    assert saved.status_code == 303, saved.text
    with session(services.engine) as s:
        acme = s.get(Partner, "acme")
        assert acme is not None and acme.name == "Acme Retail" and acme.as2_id == "ACME AS2"
        assert acme.settings["price_policy"] == "hold"
        assert acme.settings["isa_security"] == "S3CR3T"  # "(hidden)" kept the stored value
        assert acme.settings["delivery"]["headers"]["Authorization"] == "Basic eHg="
    bad = operator.post("/admin/partners/acme/edit", data={"csrf": csrf_of(page), **fields, "x12_version": "004020",
                                                           "settings": '{"rounding": "sideways"}'})
    assert bad.status_code == 422 and "x12_version" in bad.text and "settings.rounding" in bad.text
    assert operator.post("/admin/partners/acme/edit", data={**fields, "csrf": "forged", "settings": "{}"},
                         follow_redirects=False).headers["location"].endswith("Try%20again.")


def test_invalid_stored_settings_are_shown_by_field(operator: TestClient, services: Services) -> None:
    with session(services.engine) as s:
        acme = s.get(Partner, "acme")
        assert acme is not None
        acme.settings = {**acme.settings, "price_tolerance": "abc"}
        s.add(acme)
        s.commit()
    page = operator.get("/admin/partners/acme").text
    assert 'id="problems"' in page and "settings.price_tolerance: &#39;abc&#39; is not an amount" in page
    assert "1 invalid setting" in operator.get("/admin/partners").text


def test_issue_a_token_shown_once_then_revoke(operator: TestClient, services: Services) -> None:
    answer = operator.post("/admin/partners/acme/credentials", data=form(
        operator, "/admin/partners/acme", kind="token", label="their VAN"))
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    secret = re.search(r'<div class="notice" role="alert" id="issued-secret">.*?<pre>(b2bgwp_[^<]+)</pre>',
                       answer.text, re.S)
    assert secret, answer.text
    later = operator.get("/admin/partners/acme").text
    assert secret.group(1) not in later and "their VAN" in later
    assert secret.group(1) not in operator.get("/admin/partners").text
    assert secret.group(1) not in operator.get("/admin/audit").text
    with session(services.engine) as s:
        token = s.exec(select(PartnerCredential).where(PartnerCredential.label == "their VAN")).one()
    password = operator.post("/admin/partners/acme/credentials", data=form(
        operator, "/admin/partners/acme", kind="password"))
    shown = re.search(r"<pre>([^<]+)</pre>", password.text)
    assert shown and shown.group(1) not in operator.get("/admin/partners/acme").text

    revoked = operator.post(f"/admin/partners/acme/credentials/{token.id}/revoke",
                            data=form(operator, "/admin/partners/acme"), follow_redirects=False)
    assert revoked.status_code == 303 and "revoked" in revoked.headers["location"]
    with session(services.engine) as s:
        row = s.get(PartnerCredential, token.id)
        assert row is not None and row.revoked_at is not None and row.revoked_by != "cli"
    elsewhere = operator.post(f"/admin/partners/globex/credentials/{token.id}/revoke",
                              data=form(operator, "/admin/partners/globex"), follow_redirects=False)
    assert "Not%20revoked" in elsewhere.headers["location"]


def test_disable_enable_and_check_from_the_page(operator: TestClient, services: Services, tmp_path: object) -> None:
    disabled = operator.post("/admin/partners/acme/disable", data=form(
        operator, "/admin/partners/acme", reason="unpaid invoices"), follow_redirects=False)
    assert disabled.status_code == 303
    page = operator.get("/admin/partners/acme").text
    assert "unpaid invoices" in page and "Enable</button>" in page
    checked = operator.post("/admin/partners/acme/check", data=form(operator, "/admin/partners/acme"))
    assert checked.status_code == 200
    assert re.search(r"FAILED</td><td>enabled</td><td>disabled since .*?unpaid invoices", checked.text)
    assert operator.post("/admin/partners/acme/enable", data=form(operator, "/admin/partners/acme"),
                         follow_redirects=False).status_code == 303
    with session(services.engine) as s:
        acme = s.get(Partner, "acme")
        assert acme is not None and acme.disabled_at is None
    assert operator.get("/admin/partners/nobody").status_code == 404
