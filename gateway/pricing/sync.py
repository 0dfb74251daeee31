"""Pulling price lists, customers, items (with their pack sizes) and stock from the ERP port into the pricing tables.

A run asks the port for what changed since the last good run (``since``), less an overlap: a
change the ERP committed late with an earlier timestamp would otherwise fall between two runs.
Pulling a list twice is harmless (the writers compare, so it counts as unchanged), so the
overlap costs a little reading and never a wrong count. Customers, groups and items are read
whole each time: they are small beside price lines and stock, and the port has no ``since`` for them;
an item the ERP no longer sells is dropped, so it is no longer priced.

Each run is a :class:`~gateway.pricing.tables.SyncRun` row: when, from when, what changed, what
could not be applied. It is applied in two transactions:

1. prices - lists, customers, groups, items. A list the rules refuse (a negative price, two
   tiers from one quantity) is left out and reported, the others are applied; then the whole
   catalogue is loaded as the pricing service would, and if the lists are inconsistent *between*
   them (a base list withdrawn, a cycle) the whole price part is rolled back and reported, so the
   service keeps pricing from the last consistent tables;
2. stock - every row the ERP reports changed.

A run that could not reach the ERP is recorded ``failed`` and changes nothing; a run whose
price part was rolled back is ``failed`` too (its stock part stands); the next run asks from the
same ``since`` again, so nothing is skipped. Runs start on the worker's housekeeping schedule
(:func:`sync_due`), on ``POST /api/erp/webhook``, or by hand (``full=True`` re-reads everything).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Sequence

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from erp.port import Customer, CustomerGroup, ErpPort, ErpPriceList, ErpUnavailable, ItemPrice, StockLevel
from gateway.pricing.convert import list_from_port
from gateway.pricing.service import invalidate_all
from gateway.pricing.store import (
    load_catalogue,
    lock_pricing,
    put_customers,
    put_item_units,
    put_items,
    put_stock_levels,
    remove_items_except,
    remove_list,
    replace_groups,
    replace_list,
)
from gateway.pricing.tables import SyncRun
from gateway.rules import PricingError
from gateway.store.db import session
from gateway.store.tables import utcnow

log = logging.getLogger(__name__)

OVERLAP = dt.timedelta(minutes=5)
"""How far before the last good run's start the next run asks from."""

ERP_SOURCE = "erp"

PRICE_KINDS = frozenset({"lists", "removed_lists", "customers", "groups", "items", "item_units", "removed_items"})
"""The kinds of change the price index is built from (stock is not: it is read per question)."""

Clock = Callable[[], dt.datetime]


def last_good_run(s: Session, source: str = ERP_SOURCE) -> SyncRun | None:
    """The latest run from ``source`` that finished without failing."""
    return s.exec(select(SyncRun).where(SyncRun.source == source, col(SyncRun.status).in_(["ok", "partial"]))
                  .order_by(col(SyncRun.started_at).desc(), col(SyncRun.id).desc())).first()


def sync_due(engine: Engine, every: dt.timedelta, *, clock: Clock = utcnow) -> bool:
    """Whether the scheduled sync should run: no ERP run started within ``every``."""
    with session(engine) as s:
        latest = s.exec(select(SyncRun.started_at).where(SyncRun.source == ERP_SOURCE)
                        .order_by(col(SyncRun.started_at).desc())).first()
    if latest is None:
        return True
    latest = latest.replace(tzinfo=dt.UTC) if latest.tzinfo is None else latest
    return clock() - latest >= every


def sync_from_erp(engine: Engine, erp: ErpPort, *, trigger: str = "manual", full: bool = False,
                  clock: Clock = utcnow) -> SyncRun:
    """Run one sync (see the module docstring) and return its record."""
    with session(engine) as s:
        previous = None if full else last_good_run(s)
        since = previous.started_at - OVERLAP if previous is not None else None
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)  # SQLite gives naive UTC back
        run = SyncRun(source=ERP_SOURCE, trigger=trigger, since=since, started_at=clock())
        s.add(run)
        s.commit()
        s.refresh(run)
    try:
        lists = erp.get_price_lists(since=since)
        customers = erp.list_customers()
        groups = erp.get_customer_groups()
        items = erp.get_prices()
        stock = erp.get_stock(since=since)
    except ErpUnavailable as exc:
        return _finish(engine, run, Counter(), [f"ERP unavailable: {exc}"], failed=True, clock=clock)
    except Exception as exc:  # an adapter fault: recorded on the run and logged, never a run left "running"
        log.exception("price sync %s: the ERP's answer could not be read", run.id)
        return _finish(engine, run, Counter(), [f"{type(exc).__name__}: {exc}"], failed=True, clock=clock)

    changes: Counter[str] = Counter()
    errors: list[str] = []
    try:
        rolled_back = _apply(engine, lists, customers, groups, items, stock, changes, errors)
    except Exception as exc:  # recorded on the run and logged; the next run asks from the same since
        log.exception("price sync %s failed", run.id)
        return _finish(engine, run, Counter(), [f"{type(exc).__name__}: {exc}"], failed=True, clock=clock)
    return _finish(engine, run, changes, errors, failed=rolled_back, clock=clock)


def _apply(engine: Engine, lists: Sequence[ErpPriceList], customers: Sequence[Customer],
           groups: Sequence[CustomerGroup], items: Sequence[ItemPrice], stock: Sequence[StockLevel],
           changes: Counter[str], errors: list[str]) -> bool:
    """Apply a pull in its two transactions (module docstring); whether the price part was rolled back."""
    rolled_back = False
    with session(engine) as s:
        lock_pricing(s)
        _apply_lists(s, lists, changes, errors)
        changes["customers"] += put_customers(s, {c.customer_id: (c.name, c.currency) for c in customers})
        changes["groups"] += replace_groups(s, {g.group_id: (g.name, g.members) for g in groups})
        changes["items"] += put_items(s, {i.sku: (i.description, i.unit, i.category) for i in items})
        s.flush()  # the items before their pack sizes
        changes["item_units"] += put_item_units(s, {i.sku: {u.unit: u.factor for u in i.alternative_units}
                                                    for i in items})
        if items:  # an ERP answering no items at all is a fault upstream, not the end of the catalogue
            changes["removed_items"] += remove_items_except(s, (item.sku for item in items))
        else:
            errors.append("the ERP listed no items; none were removed")
        s.flush()
        try:
            load_catalogue(s)
        except PricingError as exc:
            s.rollback()
            for kind in PRICE_KINDS:
                changes.pop(kind, None)
            errors.append(f"prices not applied, the lists are inconsistent: {exc}")
            rolled_back = True
        else:
            s.commit()
    with session(engine) as s:
        lock_pricing(s)
        changes["stock"] += put_stock_levels(s, {(level.sku, level.warehouse): (level.on_hand, level.available,
                                                                                level.unit) for level in stock})
        s.commit()
    return rolled_back


def _apply_lists(s: Session, lists: Sequence[ErpPriceList], changes: Counter[str], errors: list[str]) -> None:
    for erp_list in lists:
        if not erp_list.active:
            changes["removed_lists"] += remove_list(s, erp_list.list_id)
            continue
        try:
            price_list, assignments = list_from_port(erp_list)
        except PricingError as exc:
            errors.append(str(exc))
            continue
        changes["lists"] += replace_list(s, price_list, assignments, source=ERP_SOURCE)


def _finish(engine: Engine, run: SyncRun, changes: Counter[str], errors: list[str], *, failed: bool,
            clock: Clock) -> SyncRun:
    with session(engine) as s:
        stored = s.get(SyncRun, run.id)
        assert stored is not None  # written at the start of this run
        stored.changes = {kind: count for kind, count in sorted(changes.items()) if count}
        stored.errors = errors
        stored.status = "failed" if failed else ("partial" if errors else "ok")
        stored.prices_changed = any(kind in changes for kind in PRICE_KINDS)
        stored.finished_at = clock()
        s.add(stored)
        s.commit()
        s.refresh(stored)
    log.info("price sync %s (%s): %s, changes %s, %d error(s)", stored.id, stored.trigger, stored.status,
             stored.changes, len(errors))
    if stored.prices_changed:
        invalidate_all()
    return stored


__all__ = ["OVERLAP", "PRICE_KINDS", "last_good_run", "sync_due", "sync_from_erp"]
