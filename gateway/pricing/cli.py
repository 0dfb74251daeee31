"""``b2bgw prices export|import|sync`` and ``b2bgw stock import``: the manual path for prices and stock.

Kept beside the pricing package (like ``gateway.auth.cli``), so ``gateway/cli.py`` only mounts
the two groups. An import prints every problem with its row and column on stderr and exits 1
with nothing applied; otherwise it prints what changed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gateway.config import get_settings
from gateway.pricing.csv_io import ImportResult, export_price_lists, import_price_lists, import_stock
from gateway.pricing.sync import sync_from_erp
from gateway.services import Services, build_services

prices_app = typer.Typer(help="Price lists: CSV export and import, sync from the ERP.", no_args_is_help=True)
stock_app = typer.Typer(help="Stock per warehouse: CSV import.", no_args_is_help=True)


def _services() -> Services:
    from gateway.store.db import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    return build_services(settings)


def _report(result: ImportResult, file: Path) -> None:
    if result.problems:
        for problem in result.problems:
            typer.echo(f"{file}: {problem}", err=True)
        typer.echo(f"{file}: nothing imported ({len(result.problems)} problem(s); run {result.run_id})", err=True)
        raise typer.Exit(1)
    changed = ", ".join(f"{count} {kind}" for kind, count in sorted(result.changes.items())) or "nothing changed"
    typer.echo(f"{file}: imported ({changed}; run {result.run_id})")


@prices_app.command("export")
def prices_export(
    file: Annotated[Path | None, typer.Argument(help="where to write; standard output when absent")] = None,
    list_ids: Annotated[list[str] | None, typer.Option("--list", help="only this list (repeat for more)")] = None,
) -> None:
    """Write the price lists (lines, tiers, assignments) as CSV, in the format ``prices import`` reads."""
    with _services() as services:
        if file is None:
            export_price_lists(services.engine, sys.stdout, list_ids)
            return
        with file.open("w", encoding="utf-8", newline="") as out:
            count = export_price_lists(services.engine, out, list_ids)
    typer.echo(f"{count} price list(s) written to {file}", err=True)


@prices_app.command("import")
def prices_import(file: Path) -> None:
    """Replace the lists the CSV file names; one transaction: any bad row and nothing is applied."""
    with _services() as services, file.open(encoding="utf-8-sig", newline="") as text:
        result = import_price_lists(services.engine, text)
    _report(result, file)


@prices_app.command("sync")
def prices_sync(full: Annotated[bool, typer.Option("--full", help="re-read everything, not only changes")] = False,
                ) -> None:
    """Pull price lists, customers, items and stock from the ERP now."""
    with _services() as services:
        run = sync_from_erp(services.engine, services.erp, trigger="manual", full=full)
    changed = ", ".join(f"{count} {kind}" for kind, count in sorted(run.changes.items())) or "nothing changed"
    typer.echo(f"sync run {run.id}: {run.status} ({changed})")
    for error in run.errors:
        typer.echo(f"  {error}", err=True)
    if run.status == "failed":
        raise typer.Exit(1)


@stock_app.command("import")
def stock_import(file: Path) -> None:
    """Set stock per SKU and warehouse from a CSV file (sku,warehouse,on_hand[,available][,unit])."""
    with _services() as services, file.open(encoding="utf-8-sig", newline="") as text:
        result = import_stock(services.engine, text)
    _report(result, file)


__all__ = ["prices_app", "stock_app"]
