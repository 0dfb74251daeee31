"""CSV export and import of price lists and stock: real files, one transaction, every bad cell named."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import get_settings
from gateway.pricing.csv_io import PRICE_COLUMNS, export_price_lists, import_price_lists, import_stock
from gateway.pricing.service import PricingService
from gateway.pricing.tables import PriceListRow, StockRow, SyncRun
from gateway.services import Services
from gateway.store.db import session
from tests.gateway.pricing.conftest import ON

HEAD = ",".join(PRICE_COLUMNS)


def _file(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def runner(services: Services, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("B2BGW_DATABASE_URL", services.settings.database_url)
    get_settings.cache_clear()
    return CliRunner()


def test_export_then_import_round_trips_and_changes_nothing(services: Services, pricing: PricingService,
                                                            tmp_path: Path) -> None:
    out = io.StringIO()
    assert export_price_lists(services.engine, out) == 6
    exported = tmp_path / "prices.csv"
    exported.write_text(out.getvalue(), encoding="utf-8")
    lines = out.getvalue().splitlines()
    assert lines[0] == HEAD
    assert "ACME-2026,Acme Retail contract 2026-2027,USD,2026-01-01,2027-12-31,tier,item,DEMO-1001,200,0.95,,,,,,,,"\
        in lines
    assert "ACME-2026,Acme Retail contract 2026-2027,USD,2026-01-01,2027-12-31,assignment,,,,,,,,customer,ACME,10,," \
        in lines
    with exported.open(encoding="utf-8") as text:
        result = import_price_lists(services.engine, text)
    assert (result.applied, result.changes) == (True, {})


def test_an_import_replaces_the_lists_it_names(services: Services, pricing: PricingService, runner: CliRunner,
                                               tmp_path: Path) -> None:
    path = _file(tmp_path, "acme.csv", HEAD,
                 "ACME-2026,Acme 2026 renegotiated,USD,2026-01-01,2027-12-31,tier,item,DEMO-1024,0,74.00,,,,,,,,",
                 "ACME-2026,Acme 2026 renegotiated,USD,2026-01-01,2027-12-31,tier,item,DEMO-1024,10,71.50,,,,,,,,",
                 "ACME-2026,Acme 2026 renegotiated,USD,2026-01-01,2027-12-31,assignment,,,,,,,,customer,ACME,10,,",
                 "CLEARANCE,Clearance,USD,,,tier,category,Janitorial,0,,LIST,25,,,,,,",
                 "CLEARANCE,Clearance,USD,,,assignment,,,,,,,,group,wholesale,20,2026-11-01,2026-12-31")
    result = runner.invoke(app, ["prices", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported (2 lists;" in result.stdout
    assert pricing.price("ACME", "DEMO-1024", 12, on=ON).unit_price.amount == Decimal("71.50")
    assert pricing.price("ACME", "DEMO-1001", 1, on=ON).list_id == "LIST"  # the contract's other lines are gone
    assert pricing.price("GLOBEX", "DEMO-1044", 1, on=ON).list_id == "GLOBEX-NET"  # customer list still first
    with session(services.engine) as s:
        row = s.get(PriceListRow, "CLEARANCE")
        assert row is not None and row.source == "csv"
        run = s.exec(select(SyncRun).where(SyncRun.source == "csv")).one()
        assert (run.status, run.changes) == ("ok", {"lists": 2})


def test_every_bad_row_is_reported_and_nothing_is_applied(services: Services, pricing: PricingService,
                                                          runner: CliRunner, tmp_path: Path) -> None:
    path = _file(tmp_path, "bad.csv", HEAD,
                 "ACME-2026,Acme,USD,,,tier,item,DEMO-1024,0,70.00,,,,,,,,",
                 "ACME-2026,Acme,USD,,,tier,item,DEMO-1001,0,1.oo,,,,,,,,",
                 "ACME-2026,Acme,USD,,,tier,shelf,DEMO-1001,0,1.00,,,,,,,,",
                 "ACME-2026,Acme,USD,,,tier,item,DEMO-1003,0,-2,,,,,,,,",
                 "ACME-2026,Acme,USD,,,tier,item,DEMO-1024,0,69.00,,,,,,,,",
                 "ACME-2026,Acme,USD,,,tier,category,Paper,0,1.00,LIST,5,,,,,,",
                 "ACME-2026,Acme,EUR,,,assignment,,,,,,,,customer,ACME,x,,",
                 "NEW,New,USD,,,assignment,,,,,,,,planet,,0,,",
                 "NEW,New,USD,,,tier,global,,0,,LIST,5,,,,,,")
    result = runner.invoke(app, ["prices", "import", str(path)])
    assert result.exit_code == 1
    problems = [line.split(": ", 1)[1] for line in result.stderr.splitlines()[:-1]]
    assert problems == [
        "row 3, column unit_price: '1.oo' is not a number (write it like 1234.50)",
        "row 4, column scope: unknown line scope 'shelf' (item, category or global)",
        "row 5, column unit_price: a unit price cannot be negative (-2)",
        "row 6, column min_quantity: list ACME-2026 has another tier of this line from 0 (row 2 starts the line)",
        "row 7, column unit_price: a tier needs either a unit price (fixed) or a base list (derived), "
        "not both or neither",
        "row 8: list ACME-2026: name, currency or validity differ from row 2",
        "row 8, column priority: 'x' is not a whole number",
        "row 9, column level: unknown assignment level 'planet' (customer, group or default)",
    ]
    assert "nothing imported (8 problem(s)" in result.stderr
    assert pricing.price("ACME", "DEMO-1024", 1, on=ON).unit_price.amount == Decimal("79.00")
    with session(services.engine) as s:
        assert s.get(PriceListRow, "NEW") is None
        run = s.exec(select(SyncRun).where(SyncRun.source == "csv")).one()
        assert (run.status, len(run.errors), run.changes) == ("failed", 8, {})


def test_lists_inconsistent_together_are_refused_whole(services: Services, pricing: PricingService,
                                                       tmp_path: Path) -> None:
    path = _file(tmp_path, "cycle.csv", HEAD,
                 "LIST,List,USD,,,tier,global,,0,,GLOBEX-NET,0,,,,,,",
                 "LIST,List,USD,,,assignment,,,,,,,,default,,0,,")
    with path.open(encoding="utf-8") as text:
        result = import_price_lists(services.engine, text)
    assert not result.applied
    assert [str(p) for p in result.problems] == [
        "file: the lists would be inconsistent: price lists derive from each other in a cycle: "
        "LIST -> GLOBEX-NET -> WHOLESALE -> LIST"]
    assert pricing.price("ACME", "DEMO-1010", 1, on=ON).unit_price.amount == Decimal("1.59")


def test_a_file_without_the_required_columns_is_refused(services: Services, first_sync: SyncRun,
                                                        tmp_path: Path) -> None:
    path = _file(tmp_path, "wrong.csv", "id,price", "LIST,1")
    with path.open(encoding="utf-8") as text:
        result = import_price_lists(services.engine, text)
    assert [str(p) for p in result.problems] == [
        "row 1: missing column(s): list_id, currency, record",
        f"row 1: unknown column(s): id, price (expected {', '.join(PRICE_COLUMNS)})"]


def test_stock_import_sets_warehouses_in_one_go(services: Services, pricing: PricingService, runner: CliRunner,
                                                tmp_path: Path) -> None:
    path = _file(tmp_path, "stock.csv", "sku,warehouse,on_hand,available,unit",
                 "DEMO-1049,MAIN,30,25,EA", "DEMO-1049,WEST,12,,", "DEMO-1001,MAIN,400,400,EA")
    result = runner.invoke(app, ["stock", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported (2 stock;" in result.stdout  # DEMO-1001 in MAIN was already 400
    availability = pricing.availability("DEMO-1049", Decimal(30))
    assert (availability.on_hand, availability.available, availability.in_stock) == (Decimal(42), Decimal(37), True)


def test_stock_import_reports_every_bad_row_and_applies_nothing(services: Services, first_sync: SyncRun,
                                                                tmp_path: Path) -> None:
    path = _file(tmp_path, "stock.csv", "sku,warehouse,on_hand,available,unit",
                 "DEMO-1049,MAIN,30,25,EA", "NOPE,MAIN,1,,", "DEMO-1001,MAIN,-1,,", "DEMO-1002,MAIN,5,6,",
                 "DEMO-1013,MAIN,5,,EA", "DEMO-1049,MAIN,31,,", "DEMO-1003,,5,,")
    with path.open(encoding="utf-8") as text:
        result = import_stock(services.engine, text)
    assert [str(p) for p in result.problems] == [
        "row 3, column sku: unknown item NOPE (not in the catalogue synced from the ERP)",
        "row 4, column on_hand: cannot be negative (-1)",
        "row 5, column available: must be between 0 and on hand (5), not 6",
        "row 6, column unit: EA is not the item's base unit XBX",
        "row 7, column warehouse: DEMO-1049 in MAIN is already set by row 2",
        "row 8, column warehouse: is required",
    ]
    with session(services.engine) as s:
        row = s.get(StockRow, ("DEMO-1049", "MAIN"))
        assert row is not None and row.on_hand == Decimal(0)


def test_prices_sync_from_the_command_line(services: Services, runner: CliRunner) -> None:
    result = runner.invoke(app, ["prices", "sync"])
    assert result.exit_code == 0, result.output
    assert "ok (3 customers, 3 groups, 2 item_units, 50 items, 6 lists, 100 stock)" in result.stdout
