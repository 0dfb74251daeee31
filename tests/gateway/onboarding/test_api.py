"""``/api/partners``: the operator API, through the application, with real uploads to ``/edi``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gateway.auth.audit import audit_trail
from gateway.auth.tokens import Role, create_token
from gateway.services import Services
from gateway.store.db import session

from ..conftest import OPERATOR_TOKEN
from ..flow import X12

AUTH = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
NORTHWIND = {"id": "northwind", "name": "Northwind Traders", "customer_id": "ACME", "x12_id": "NWIND",
             "settings": {"price_policy": "reject", "delivery": {
                 "channel": "http", "destination": "https://edi.northwind.example/in",
                 "headers": {"Authorization": "Bearer their-api-key"}}}}


def test_only_an_operator_may_manage_partners(client: TestClient, services: Services) -> None:
    assert client.get("/api/partners").status_code == 401
    sales = create_token(services.engine, role=Role.SALES_REP, name="rep", customers=["ACME"], actor="test")
    answer = client.get("/api/partners", headers={"Authorization": f"Bearer {sales.token}"})
    assert answer.status_code == 403
    assert client.post("/api/partners", json=NORTHWIND).status_code == 401


def test_create_read_change_and_list(client: TestClient, services: Services) -> None:
    created = client.post("/api/partners", json=NORTHWIND, headers=AUTH)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "active" and body["x12_qualifier"] == "ZZ" and body["our_x12_id"] == "B2BGWSELLER"
    assert body["settings"]["delivery"]["headers"]["Authorization"] == "(hidden)"
    assert "their-api-key" not in created.text

    changed = client.patch("/api/partners/northwind", headers=AUTH, json={
        "usage": "T", "settings": {"price_tolerance": "1%", "price_policy": None,
                                   "delivery": {"channel": "file", "destination": "/srv/edi/northwind"}}})
    assert changed.status_code == 200, changed.text
    after = changed.json()
    assert after["usage"] == "T" and after["settings"] == {
        "price_tolerance": "1%", "delivery": {"channel": "file", "destination": "/srv/edi/northwind"}}

    listed = client.get("/api/partners", headers=AUTH).json()
    row = next(p for p in listed if p["id"] == "northwind")
    assert row["status"] == "active" and row["delivery"] == "file" and row["credentials"] == 0
    assert {"acme", "globex", "initech"} <= {p["id"] for p in listed}
    with session(services.engine) as s:
        actions = [e.action for e in audit_trail(s, target="partner:northwind")]
        [update] = audit_trail(s, target="partner:northwind", action="partner.update")
    assert actions == ["partner.update", "partner.add"]
    assert update.details["fields"] == {"usage": {"before": "P", "after": "T"}}
    assert update.details["settings"]["price_policy"] == {"before": "reject", "after": None}
    assert "their-api-key" not in repr(update.details)


def test_an_invalid_setting_is_422_naming_the_field(client: TestClient) -> None:
    answer = client.post("/api/partners", headers=AUTH, json={**NORTHWIND, "x12_version": "004020",
                                                               "settings": {"price_tolerance": "abc", "colour": 1}})
    assert answer.status_code == 422
    problems = {tuple(p["loc"]): p["msg"] for p in answer.json()["detail"]}
    assert problems[("body", "settings", "price_tolerance")] == "'abc' is not an amount or a percentage"
    assert problems[("body", "settings", "colour")] == "unknown setting"
    assert "004020" in problems[("body", "x12_version")]
    patch = client.patch("/api/partners/acme", headers=AUTH, json={"settings": {"delivery": {"channel": "as2"}}})
    assert patch.status_code == 422
    assert [p["loc"] for p in patch.json()["detail"]] == [["body", "settings", "delivery", "destination"]]


def test_unknown_is_404_and_duplicate_409(client: TestClient) -> None:
    assert client.get("/api/partners/nobody", headers=AUTH).status_code == 404
    assert client.patch("/api/partners/nobody", headers=AUTH, json={"name": "x"}).status_code == 404
    assert client.post("/api/partners/nobody/disable", headers=AUTH, json={"reason": "x"}).status_code == 404
    assert client.get("/api/partners/nobody/credentials", headers=AUTH).status_code == 404
    assert client.post("/api/partners/nobody/check", headers=AUTH).status_code == 404
    again = client.post("/api/partners", headers=AUTH, json={**NORTHWIND, "id": "acme"})
    assert again.status_code == 409 and "exists already" in again.json()["detail"]
    same_sender = client.post("/api/partners", headers=AUTH, json={**NORTHWIND, "x12_id": "ACMEBUYER"})
    assert same_sender.status_code == 409 and "ZZ:ACMEBUYER" in same_sender.json()["detail"]
    assert client.post("/api/partners/acme/enable", headers=AUTH).status_code == 409


def test_credentials_issued_once_listed_without_secrets_and_revoked(client: TestClient) -> None:
    token = client.post("/api/partners/acme/credentials", headers=AUTH, json={"kind": "token", "label": "VAN"})
    assert token.status_code == 201, token.text
    secret = token.json()["secret"]
    assert secret.startswith("b2bgwp_") and token.json()["credential"]["kind"] == "token"
    generated = client.post("/api/partners/acme/credentials", headers=AUTH, json={"kind": "password"}).json()
    assert generated["secret"] and len(generated["secret"]) >= 12
    chosen = client.post("/api/partners/acme/credentials", headers=AUTH,
                         json={"kind": "password", "password": "correct horse battery"})
    assert chosen.status_code == 201 and chosen.json()["secret"] is None  # what the caller chose is not echoed
    short = client.post("/api/partners/acme/credentials", headers=AUTH, json={"kind": "password", "password": "x"})
    assert short.status_code == 422 and "12 characters" in short.json()["detail"]

    uploaded = client.post("/edi/acme", content=(X12 / "850-4010-basic.x12").read_bytes(),
                           headers={"Authorization": f"Bearer {secret}"})
    assert uploaded.status_code == 202, uploaded.text

    for path in ("/api/partners", "/api/partners/acme", "/api/partners/acme/credentials?include_revoked=true"):
        text = client.get(path, headers=AUTH).text
        assert secret not in text and generated["secret"] not in text and "correct horse" not in text
    listed = client.get("/api/partners/acme/credentials", headers=AUTH).json()
    mine = next(c for c in listed if c["id"] == token.json()["credential"]["id"])
    assert mine["label"] == "VAN" and mine["last_used_at"] is not None
    assert [c["kind"] for c in listed].count("password") == 1  # the chosen one replaced the generated one

    revoked = client.delete(f"/api/partners/acme/credentials/{mine['id']}", headers=AUTH)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.delete(f"/api/partners/acme/credentials/{mine['id']}", headers=AUTH).status_code == 409
    assert client.delete(f"/api/partners/globex/credentials/{mine['id']}", headers=AUTH).status_code == 404
    refused = client.post("/edi/acme", content=(X12 / "850-4010-basic.x12").read_bytes(),
                          headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401


def test_a_disabled_partner_is_refused_until_enabled(client: TestClient) -> None:
    secret = client.post("/api/partners/acme/credentials", headers=AUTH, json={"kind": "token"}).json()["secret"]
    upload = {"content": (X12 / "850-4010-basic.x12").read_bytes(), "headers": {"Authorization": f"Bearer {secret}"}}
    disabled = client.post("/api/partners/acme/disable", headers=AUTH, json={"reason": "unpaid invoices"})
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    assert disabled.json()["disabled_reason"] == "unpaid invoices"
    assert client.post("/edi/acme", **upload).status_code == 403
    assert client.post("/api/partners/acme/disable", headers=AUTH, json={"reason": "again"}).status_code == 409
    enabled = client.post("/api/partners/acme/enable", headers=AUTH)
    assert enabled.status_code == 200 and enabled.json()["status"] == "active"
    assert client.post("/edi/acme", **upload).status_code == 202


def test_check_over_the_api(client: TestClient, tmp_path: object) -> None:
    client.patch("/api/partners/acme", headers=AUTH, json={"settings": {
        "delivery": {"channel": "file", "destination": str(tmp_path)}}})
    answer = client.post("/api/partners/acme/check", headers=AUTH)
    assert answer.status_code == 200
    steps = {s["name"]: s for s in answer.json()["steps"]}
    assert steps["folder"]["ok"] and steps["settings"]["ok"]
    assert answer.json()["ok"] is all(s["ok"] for s in steps.values())


def test_the_openapi_document_describes_the_partner_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/partners", "/api/partners/{partner_id}", "/api/partners/{partner_id}/credentials",
            "/api/partners/{partner_id}/credentials/{credential_id}", "/api/partners/{partner_id}/check",
            "/api/partners/{partner_id}/disable", "/api/partners/{partner_id}/enable"} <= set(spec["paths"])
    create = spec["components"]["schemas"]["PartnerCreate"]["properties"]
    assert create["x12_id"]["description"] and create["settings"]["description"]


def test_patch_null_clears_an_optional_identity_but_not_a_required_one(client: TestClient) -> None:
    assert client.patch("/api/partners/acme", headers=AUTH, json={"as2_id": "ACME-AS2"}).json()["as2_id"] == "ACME-AS2"
    cleared = client.patch("/api/partners/acme", headers=AUTH, json={"as2_id": None, "name": None})
    assert cleared.status_code == 200 and cleared.json()["as2_id"] is None
    assert cleared.json()["name"] == "Acme Retail (X12 4010)"  # null on a required field leaves it as it is
