"""Sync from the ERP port: what a run records, incremental pulls, refused lists, an unreachable ERP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

from erp.builtin.catalog import set_stock
from erp.builtin.pricelists import put_price_list, withdraw_price_list
from erp.port import ErpPort, ErpPriceLine, ErpPriceList, ErpPriceTier, ErpUnavailable
from gateway.pricing.service import PricingService
from gateway.pricing.sync import OVERLAP, sync_due, sync_from_erp
from gateway.pricing.tables import PriceListRow, StockRow, SyncRun
from gateway.services import Services
from gateway.store.db import session
from tests.gateway.pricing.conftest import ON


def _erp_list(services: Services, list_id: str) -> ErpPriceList:
    return next(p for p in services.erp.get_price_lists() if p.list_id == list_id)


def test_first_run_pulls_everything_and_records_what_changed(services: Services, first_sync: SyncRun) -> None:
    assert first_sync.status == "ok", first_sync.errors
    assert first_sync.since is None and first_sync.finished_at is not None
    assert first_sync.changes == {"customers": 3, "groups": 3, "items": 50, "item_units": 2, "lists": 6,
                                  "stock": 100}  # item_units: the two demo items that come in packs
    with session(services.engine) as s:
        assert sorted(s.exec(select(PriceListRow.id)).all()) == [
            "ACME-2026", "GLOBEX-NET", "INITECH-PROMO-2025", "INITECH-SAFETY", "LIST", "WHOLESALE"]


def test_a_second_run_asks_since_the_first_and_changes_nothing(services: Services, first_sync: SyncRun) -> None:
    again = sync_from_erp(services.engine, services.erp, trigger="schedule")
    assert again.status == "ok"
    started = first_sync.started_at.replace(tzinfo=dt.UTC) if first_sync.started_at.tzinfo is None \
        else first_sync.started_at
    since = again.since.replace(tzinfo=dt.UTC) if again.since and again.since.tzinfo is None else again.since
    assert since == started - OVERLAP
    assert again.changes == {}


def test_a_changed_list_and_stock_arrive_incrementally(services: Services, pricing: PricingService) -> None:
    assert pricing.price("ACME", "DEMO-1024", 1, on=ON).unit_price.amount == Decimal("79.00")
    acme = _erp_list(services, "ACME-2026")
    new_line = ErpPriceLine(scope="item", key="DEMO-1024", tiers=(ErpPriceTier(unit_price=Decimal("77.50")),))
    lines = (*(line for line in acme.lines if line.key != "DEMO-1024"), new_line)
    put_price_list(services.engine, acme.model_copy(update={"lines": lines}))
    set_stock(services.engine, "DEMO-1024", "MAIN", Decimal(7))

    run = sync_from_erp(services.engine, services.erp, trigger="webhook")

    assert run.status == "ok"
    assert run.changes == {"lists": 1, "stock": 1}
    quote = pricing.price("ACME", "DEMO-1024", 1, on=ON)
    assert (quote.unit_price.amount, quote.list_id) == (Decimal("77.50"), "ACME-2026")
    with session(services.engine) as s:
        row = s.get(StockRow, ("DEMO-1024", "MAIN"))
        assert row is not None and row.on_hand == Decimal(7)


def test_a_withdrawn_list_is_removed(services: Services, pricing: PricingService) -> None:
    withdraw_price_list(services.engine, "ACME-2026")
    run = sync_from_erp(services.engine, services.erp)
    assert run.changes == {"removed_lists": 1}
    quote = pricing.price("ACME", "DEMO-1024", 1, on=ON)
    assert (quote.list_id, quote.unit_price.amount) == ("LIST", Decimal("89.99"))


def test_withdrawing_a_base_list_is_refused_whole_and_the_next_run_asks_again(
        services: Services, first_sync: SyncRun, pricing: PricingService) -> None:
    withdraw_price_list(services.engine, "WHOLESALE")  # GLOBEX-NET derives from it
    run = sync_from_erp(services.engine, services.erp)
    assert run.status == "failed"
    assert "GLOBEX-NET derives from unknown price list WHOLESALE" in run.errors[0]
    assert pricing.price("GLOBEX", "DEMO-1010", 1, on=ON).chain == ("GLOBEX-NET", "WHOLESALE", "LIST")
    # the failed run does not move the cursor: the next one asks from the first run again
    assert sync_from_erp(services.engine, services.erp).since == run.since


def test_a_list_the_rules_refuse_is_reported_and_the_others_applied(services: Services, first_sync: SyncRun) -> None:
    bad = ErpPriceList(list_id="BROKEN", currency="USD", updated_at=dt.datetime.now(dt.UTC), lines=(
        ErpPriceLine(scope="item", key="DEMO-1001", tiers=(ErpPriceTier(unit_price=Decimal("-1")),)),))
    put_price_list(services.engine, bad)
    acme = _erp_list(services, "ACME-2026")
    put_price_list(services.engine, acme.model_copy(update={"name": "Acme contract, renamed"}))

    run = sync_from_erp(services.engine, services.erp)

    assert run.status == "partial"
    assert run.errors == ["price list BROKEN: a unit price cannot be negative (-1)"]
    assert run.changes == {"lists": 1}


class UnreachableErp:
    """The built-in ERP whose price calls fail as an unreachable ERP's would."""

    def __init__(self, inner: ErpPort) -> None:
        self.inner = inner

    def get_price_lists(self, *, since: dt.datetime | None = None) -> Sequence[ErpPriceList]:
        raise ErpUnavailable("connection refused")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_an_unreachable_erp_is_a_failed_run_that_changes_nothing(services: Services) -> None:
    run = sync_from_erp(services.engine, UnreachableErp(services.erp))  # type: ignore[arg-type]
    assert (run.status, run.errors, run.changes) == ("failed", ["ERP unavailable: connection refused"], {})
    with session(services.engine) as s:
        assert s.exec(select(PriceListRow)).all() == []


def test_the_schedule_is_due_when_no_run_started_within_the_interval(services: Services) -> None:
    every = dt.timedelta(minutes=15)
    assert sync_due(services.engine, every)
    run = sync_from_erp(services.engine, services.erp)
    started = run.started_at.replace(tzinfo=dt.UTC) if run.started_at.tzinfo is None else run.started_at
    assert not sync_due(services.engine, every, clock=lambda: started + dt.timedelta(minutes=14))
    assert sync_due(services.engine, every, clock=lambda: started + dt.timedelta(minutes=15))


def test_overlapping_runs_apply_one_after_the_other(services: Services, first_sync: SyncRun) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func

    from gateway.pricing.tables import PriceLineRow

    with session(services.engine) as s:
        lines_before = s.exec(select(func.count()).select_from(PriceLineRow)).one()
    acme = _erp_list(services, "ACME-2026")
    put_price_list(services.engine, acme.model_copy(update={"name": "Acme, again"}))
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda _: sync_from_erp(services.engine, services.erp, trigger="webhook", full=True),
                             range(4)))
    assert [run.status for run in runs] == ["ok"] * 4, [run.errors for run in runs]
    assert sum(run.changes.get("lists", 0) for run in runs) == 1  # applied once, found unchanged by the others
    with session(services.engine) as s:
        assert s.exec(select(func.count()).select_from(PriceLineRow)).one() == lines_before


class BrokenErp(UnreachableErp):
    """The built-in ERP whose adapter fails unexpectedly while answering stock (a bug, not an outage)."""

    def get_price_lists(self, *, since: dt.datetime | None = None) -> Sequence[ErpPriceList]:
        return self.inner.get_price_lists(since=since)

    def get_stock(self, skus: Sequence[str] | None = None, *, since: dt.datetime | None = None) -> Sequence[Any]:
        raise RuntimeError("adapter bug: stock answer could not be decoded")


def test_an_unexpected_failure_is_recorded_on_the_run(services: Services, first_sync: SyncRun) -> None:
    run = sync_from_erp(services.engine, BrokenErp(services.erp))  # type: ignore[arg-type]
    assert run.status == "failed" and run.finished_at is not None
    assert run.errors == ["RuntimeError: adapter bug: stock answer could not be decoded"]


def test_an_item_the_erp_stops_selling_is_no_longer_priced(services: Services, pricing: PricingService) -> None:
    from erp.builtin.catalog import update_product
    from gateway.rules import UnknownItemError

    update_product(services.engine, "DEMO-1040", active=False)
    run = sync_from_erp(services.engine, services.erp)
    assert run.changes == {"removed_items": 1}
    with pytest.raises(UnknownItemError, match="DEMO-1040"):
        pricing.price("ACME", "DEMO-1040", 1, on=ON)
