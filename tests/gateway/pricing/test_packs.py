"""Pack sizes in pricing: a case priced as its eaches, tiers compared in eaches, an unknown pack refused.

The demo ERP sells DEMO-1001 by the each (ACME-2026: 1.05, 0.95 from 200) in cases of 12 (``XCS``)
and boxes of 50 (``XBX``); DEMO-1003 has no pack size. The sync brings the sizes into
``gw_price_item_unit``; ``GET /api/prices`` answers a case price and says how it was made.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from erp.builtin.catalog import set_pack_size
from gateway.app import create_app
from gateway.pricing.service import PricingService
from gateway.pricing.sync import sync_from_erp
from gateway.pricing.tables import PriceItemUnitRow, SyncRun
from gateway.rules import UnitConversionError
from gateway.services import Services
from gateway.store.db import session
from tests.gateway.conftest import OPERATOR_TOKEN

from .conftest import ON

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


@pytest.fixture
def api(services: Services, first_sync: SyncRun) -> Iterator[TestClient]:
    with TestClient(create_app(services, workers=0)) as client:
        yield client


def _price(api: TestClient, **params: str) -> dict[str, object]:
    answer = api.get("/api/prices", params={"customer": "ACME", "date": ON.isoformat(), **params}, headers=OPERATOR)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_sync_stores_each_items_pack_sizes(services: Services, first_sync: SyncRun) -> None:
    with session(services.engine) as s:
        rows = s.exec(select(PriceItemUnitRow).order_by(PriceItemUnitRow.sku, PriceItemUnitRow.unit)).all()
    assert [(r.sku, r.unit, r.factor) for r in rows] == [
        ("DEMO-1001", "XBX", Decimal(50)), ("DEMO-1001", "XCS", Decimal(12)), ("DEMO-1002", "XCS", Decimal(12))]
    assert first_sync.changes["item_units"] == 2


def test_two_cases_cost_the_each_price_times_the_pack_and_say_so(api: TestClient) -> None:
    body = _price(api, sku="DEMO-1001", qty="2", unit="CS")  # CS: the case code of Rec 20 before 2012
    quote = body["quote"]
    assert quote["quantity"] == {"value": "2", "unit": "XCS"}
    assert quote["base_quantity"] == {"value": "24", "unit": "EA"}
    assert (quote["unit_price"]["amount"], quote["base_unit_price"]["amount"], quote["amount"]["amount"]) == (
        "12.60", "1.05", "25.20")
    assert quote["unit_factor"] == "12"
    assert str(body["explanation"]).startswith(
        "12.60 USD per XCS for DEMO-1001 (1 XCS = 12 EA: 2 XCS = 24 EA at 1.05 per EA): list ACME-2026")
    assert body["availability"]["quantity"] == "24"  # availability is asked for the eaches
    assert _price(api, sku="DEMO-1001", qty="2", unit="XCS")["quote"] == quote  # the current code, the same


def test_tiers_are_reached_by_the_eaches_in_the_cases(api: TestClient) -> None:
    quote = _price(api, sku="DEMO-1001", qty="17", unit="XCS")["quote"]  # 204 EA: the tier from 200
    assert (quote["steps"][0]["tier_min_quantity"], quote["unit_price"]["amount"], quote["amount"]["amount"]) == (
        "200", "11.40", "193.80")
    box = _price(api, sku="DEMO-1001", qty="1", unit="XBX")["quote"]
    assert (box["base_quantity"]["value"], box["unit_price"]["amount"]) == ("50", "52.50")


def test_a_case_of_an_item_with_no_case_size_is_refused_naming_both(api: TestClient) -> None:
    answer = api.get("/api/prices", params={"customer": "ACME", "sku": "DEMO-1003", "qty": "2", "unit": "CS"},
                     headers=OPERATOR)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("item DEMO-1003: no conversion from unit XCS to its base unit EA")


def test_a_pack_size_the_erp_changes_or_drops_reaches_pricing_with_the_next_sync(
        services: Services, pricing: PricingService) -> None:
    assert pricing.price("ACME", "DEMO-1001", 1, "XCS", on=ON).base_quantity.value == 12
    set_pack_size(services.engine, "DEMO-1001", "XCS", Decimal(24))
    set_pack_size(services.engine, "DEMO-1002", "XCS", None)
    run = sync_from_erp(services.engine, services.erp)
    assert run.changes.get("item_units") == 2 and run.prices_changed
    assert pricing.price("ACME", "DEMO-1001", 1, "XCS", on=ON).base_quantity.value == 24
    with pytest.raises(UnitConversionError, match="item DEMO-1002: no conversion from unit XCS"):
        pricing.price("ACME", "DEMO-1002", 1, "XCS", on=ON)
    assert sync_from_erp(services.engine, services.erp).changes.get("item_units") is None  # unchanged: no write
