"""OCI test fixtures: the customers' price lists synced, so the demo OCI buyer (ACME) gets its contract prices.

Only the tests that look at prices ask for it (a sync per test costs seconds on PostgreSQL)."""

from __future__ import annotations

import pytest

from gateway.pricing.sync import sync_from_erp
from gateway.services import Services


@pytest.fixture
def price_lists(services: Services) -> None:
    """ACME's contract list ACME-2026 in the pricing tables: DEMO-1001 at 1.05 (0.95 from 200), DEMO-1024 at 79."""
    sync_from_erp(services.engine, services.erp, trigger="test")
