"""Pricing tests run on the demo data synced from the built-in ERP into the pricing tables."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.pricing.service import PricingService
from gateway.pricing.sync import sync_from_erp
from gateway.pricing.tables import SyncRun
from gateway.services import Services

ON = dt.date(2026, 11, 23)  # inside the ACME contract (2026-2027), after the INITECH 2025 promotion


@pytest.fixture
def first_sync(services: Services) -> SyncRun:
    """The demo price lists, customers, items and stock pulled once from the built-in ERP."""
    return sync_from_erp(services.engine, services.erp, trigger="manual")


@pytest.fixture
def pricing(services: Services, first_sync: SyncRun) -> PricingService:
    """A pricing service over the synced tables (its own instance: no cache shared between tests)."""
    return PricingService(services.engine, recheck_seconds=0)
