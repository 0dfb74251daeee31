"""``GET /api/prices``, ``GET /api/stock`` and ``POST /api/erp/webhook`` over HTTP, against the real database."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from erp.builtin.catalog import set_stock
from gateway.app import create_app
from gateway.auth.tokens import Role, create_token
from gateway.pricing.tables import SyncRun
from gateway.services import Services
from tests.gateway.conftest import OPERATOR_TOKEN, make_settings

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
WEBHOOK_TOKEN = "erp-shared-webhook-token"


@pytest.fixture
def api(services: Services, first_sync: SyncRun, database_url: str) -> Iterator[TestClient]:
    """The app with an ERP webhook token configured, over the synced demo data."""
    configured = Services(settings=make_settings(database_url, erp_webhook_token=WEBHOOK_TOKEN),
                          engine=services.engine, erp=services.erp)
    with TestClient(create_app(configured, workers=0)) as client:
        yield client


def _rep(services: Services, *customers: str) -> dict[str, str]:
    issued = create_token(services.engine, role=Role.SALES_REP, customers=customers, actor="test")
    return {"Authorization": f"Bearer {issued.token}"}


def test_the_price_and_why(api: TestClient) -> None:
    answer = api.get("/api/prices", params={"customer": "GLOBEX", "sku": "DEMO-1007", "qty": "2", "unit": "EA",
                                            "date": "2026-11-23"}, headers=OPERATOR)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    quote = body["quote"]
    assert (quote["list_id"], quote["level"], quote["assigned_to"]) == ("GLOBEX-NET", "customer", "GLOBEX")
    assert quote["amount"] == {"amount": "10.70", "currency": "USD"}
    assert [(s["list_id"], s["line_scope"], s["line_key"], s["rule"]) for s in quote["steps"]] == [
        ("GLOBEX-NET", "global", None, "derived"), ("WHOLESALE", "category", "Paper", "derived"),
        ("LIST", "item", "DEMO-1007", "fixed")]
    assert body["explanation"].startswith("5.351005 USD per EA for DEMO-1007: list GLOBEX-NET by customer assignment")
    assert body["availability"]["available"] == "800" and body["availability"]["lead_time_days"] == 2


def test_the_tier_reached_is_named(api: TestClient) -> None:
    quote = api.get("/api/prices", params={"customer": "ACME", "sku": "DEMO-1001", "qty": "200",
                                           "date": "2026-11-23"}, headers=OPERATOR).json()["quote"]
    assert (quote["steps"][0]["tier_min_quantity"], quote["unit_price"]["amount"]) == ("200", "0.95")


@pytest.mark.parametrize(("params", "status", "says"), [
    ({"customer": "NOBODY", "sku": "DEMO-1001"}, 404, "customer NOBODY is not known"),
    ({"customer": "ACME", "sku": "NOPE"}, 404, "item NOPE is not in the catalogue"),
    ({"customer": "ACME", "sku": "DEMO-1003", "unit": "CS"}, 422,
     "item DEMO-1003: no conversion from unit XCS to its base unit EA"),  # DEMO-1003 has no case size
    ({"customer": "ACME", "sku": "DEMO-1001", "unit": "ZZZ"}, 422, "no conversion from unit ZZZ to its base unit EA"),
    ({"customer": "ACME", "sku": "DEMO-1001", "qty": "0"}, 422, "greater than 0"),
    ({"customer": "ACME", "sku": "DEMO-1001", "date": "2026-13-01"}, 422, "date"),
])
def test_refusals_are_4xx_naming_the_problem(api: TestClient, params: dict[str, str], status: int, says: str) -> None:
    answer = api.get("/api/prices", params=params, headers=OPERATOR)
    assert answer.status_code == status
    assert says in answer.text


def test_a_sales_rep_prices_only_its_own_customers(api: TestClient, services: Services) -> None:
    rep = _rep(services, "ACME")
    assert api.get("/api/prices", params={"customer": "ACME", "sku": "DEMO-1001"}, headers=rep).status_code == 200
    refused = api.get("/api/prices", params={"customer": "GLOBEX", "sku": "DEMO-1001"}, headers=rep)
    assert refused.status_code == 403 and "GLOBEX" in refused.json()["detail"]
    assert api.get("/api/prices", params={"customer": "ACME", "sku": "DEMO-1001"}).status_code == 401


def test_stock_per_warehouse(api: TestClient, services: Services) -> None:
    stock = api.get("/api/stock", params={"sku": "DEMO-1050", "qty": "10"}, headers=_rep(services, "ACME"))
    assert stock.status_code == 200
    body = stock.json()
    assert (body["on_hand"], body["in_stock"], body["lead_time_days"]) == ("8", False, 21)
    assert {w["warehouse"]: w["available"] for w in body["warehouses"]} == {"EAST": "3", "MAIN": "5"}
    assert api.get("/api/stock", params={"sku": "NOPE"}, headers=OPERATOR).status_code == 404


def test_the_erp_webhook_pulls_what_changed(api: TestClient, services: Services) -> None:
    set_stock(services.engine, "DEMO-1050", "MAIN", Decimal(40))
    answer = api.post("/api/erp/webhook", json={"event": "stock-changed"},
                      headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["changes"], body["errors"]) == ("ok", {"stock": 1}, [])
    stock = api.get("/api/stock", params={"sku": "DEMO-1050", "qty": "10"}, headers=OPERATOR).json()
    assert (stock["available"], stock["in_stock"]) == ("43", True)


def test_the_operator_reads_the_recent_runs(api: TestClient, services: Services) -> None:
    api.post("/api/erp/webhook", headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"})
    runs = api.get("/api/prices/sync-runs", params={"limit": 5}, headers=OPERATOR)
    assert runs.status_code == 200
    assert [(r["source"], r["trigger"], r["status"]) for r in runs.json()] == [
        ("erp", "webhook", "ok"), ("erp", "manual", "ok")]
    assert runs.json()[1]["changes"]["lists"] == 6
    assert api.get("/api/prices/sync-runs", headers=_rep(services, "ACME")).status_code == 403


def test_the_webhook_takes_the_shared_token_or_an_integration_token(api: TestClient, services: Services) -> None:
    assert api.post("/api/erp/webhook").status_code == 401
    assert api.post("/api/erp/webhook", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert api.post("/api/erp/webhook", headers=_rep(services, "ACME")).status_code == 403
    integration = create_token(services.engine, role=Role.INTEGRATION, actor="test").token
    answer = api.post("/api/erp/webhook", json={"full": True}, headers={"Authorization": f"Bearer {integration}"})
    assert answer.status_code == 200 and answer.json()["since"] is None
