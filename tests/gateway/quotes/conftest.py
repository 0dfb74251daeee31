"""Quote tests: the demo data synced into the pricing tables, and one token per role."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from gateway.auth import Role, create_token
from gateway.pricing.service import pricing_for
from gateway.pricing.sync import sync_from_erp
from gateway.services import Services


@dataclass(frozen=True)
class Caller:
    """A token holder calling the API."""

    client: TestClient
    token: str

    def __call__(self, method: str, path: str, body: Any = None) -> Response:
        return self.client.request(method, f"/api/quotes{path}", json=body,
                                   headers={"Authorization": f"Bearer {self.token}"})


@pytest.fixture
def synced(services: Services) -> Services:
    sync_from_erp(services.engine, services.erp, trigger="manual")
    return services


@pytest.fixture
def rep(client: TestClient, synced: Services) -> Caller:
    """Sam, the sales rep of ACME."""
    return Caller(client, create_token(synced.engine, role=Role.SALES_REP, name="sam", customers=["ACME"],
                                       actor="test").token)


@pytest.fixture
def other_rep(client: TestClient, synced: Services) -> Caller:
    """Gina, the sales rep of GLOBEX only."""
    return Caller(client, create_token(synced.engine, role=Role.SALES_REP, name="gina", customers=["GLOBEX"],
                                       actor="test").token)


@pytest.fixture
def manager(client: TestClient, synced: Services) -> Caller:
    """Maria, a manager: every customer, approves discounts."""
    return Caller(client, create_token(synced.engine, role=Role.MANAGER, name="maria", actor="test").token)


def list_price(services: Services, customer: str, sku: str, quantity: str) -> Decimal:
    """What the pricing service says the customer pays per unit (the quote must start from it)."""
    return pricing_for(services.engine, services.settings).price(customer, sku, Decimal(quantity)).unit_price.amount


SMALL = {"customer_id": "ACME", "lines": [{"sku": "DEMO-1001", "quantity": "10", "discount_percent": "5"},
                                          {"sku": "DEMO-1002", "quantity": "3"}]}
"""A quote whose discount stays under the 10 % approval threshold."""

BIG = {"customer_id": "ACME", "lines": [{"sku": "DEMO-1001", "quantity": "10", "discount_percent": "30"}]}
"""A quote taking 30 % off: needs a manager's approval."""
