"""The one pricing interface of the gateway: every price and every availability answer comes from here.

Storefront pages, punchout carts, inbound orders (the price snapshot), quotes and the 832 / UBL
Catalogue feeds all ask :class:`PricingService`, so a buyer sees one price whichever way it
asks. Use :func:`pricing_for` to get the process's instance for an engine::

    pricing = pricing_for(services.engine, services.settings)
    quote = pricing.price("ACME", "DEMO-1001", 12, "EA")        # PriceQuote: the price and why
    cart = pricing.price_cart("ACME", [CartLine("DEMO-1001", Decimal(12))])
    pricer = pricing.pricer("ACME")                             # many items, one customer (a page)
    stock = pricing.availability("DEMO-1001", Decimal(12))      # on hand, available, lead time

What it does:

* reads the pricing tables (:mod:`gateway.pricing.tables`) into a
  :class:`~gateway.rules.CatalogueIndex` once and keeps it; a sync or an import in this process
  that changed prices drops it at once (:func:`invalidate_all`), and every instance also checks,
  at most every ``recheck_seconds``, whether another process changed prices since it loaded (the
  newest ``gw_sync_run`` with ``prices_changed``), so a worker's sync reaches the API process
  within seconds, and a sync that changed only stock (read per question) reloads nothing;
* dates: a price is for a seller's date (``seller_time_zone``), today's unless ``on`` is given;
* errors are :class:`~gateway.rules.PricingError` subclasses saying what is wrong -
  :class:`UnknownCustomerError` here, and the rules' ``UnknownItemError``, ``UnitConversionError``,
  ``NoPriceError``; callers turn them into a 4xx, a rejected line or a refused quote, never a 500;
* availability: stock per warehouse from ``gw_stock``, with a lead time - ``in_stock_lead_days``
  when the available quantity covers the one asked, else ``backorder_lead_days``.

Thread-safe: the index is immutable and replaced whole under a lock.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, func
from sqlmodel import col, select

from gateway.config import Settings
from gateway.pricing.store import Catalogue, load_catalogue
from gateway.pricing.tables import StockRow, SyncRun
from gateway.rules import (
    CartLine,
    CartQuote,
    Customer,
    CustomerPricer,
    PriceQuote,
    PricingError,
    RoundingMode,
    UnknownItemError,
    seller_date,
)
from gateway.store.db import session
from gateway.store.tables import utcnow

ZERO = Decimal(0)


class UnknownCustomerError(PricingError):
    """The customer id is not one pricing knows (not synced from the ERP)."""


class WarehouseStock(BaseModel):
    """Stock of an item in one warehouse."""

    model_config = ConfigDict(frozen=True)

    warehouse: str
    on_hand: Decimal
    available: Decimal


class Availability(BaseModel):
    """An item's stock over every warehouse, and the lead time for the quantity asked."""

    model_config = ConfigDict(frozen=True)

    sku: str
    unit: str
    quantity: Decimal
    on_hand: Decimal
    available: Decimal
    in_stock: bool
    lead_time_days: int
    warehouses: tuple[WarehouseStock, ...]


class PricingService:
    """Prices and availability from the pricing tables, for every part of the gateway (module docstring)."""

    def __init__(self, engine: Engine, *, seller_zone: str = "UTC", rounding: RoundingMode = RoundingMode.HALF_UP,
                 in_stock_lead_days: int = 2, backorder_lead_days: int = 21, recheck_seconds: float = 2.0,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.engine = engine
        self.seller_zone = seller_zone
        self.rounding = RoundingMode(rounding)
        self.in_stock_lead_days = in_stock_lead_days
        self.backorder_lead_days = backorder_lead_days
        self.recheck_seconds = recheck_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._catalogue: Catalogue | None = None
        self._version: int | None = None
        self._checked = float("-inf")

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings) -> PricingService:
        """A service configured by ``settings`` (seller's zone, lead times)."""
        return cls(engine, seller_zone=settings.seller_time_zone, in_stock_lead_days=settings.in_stock_lead_days,
                   backorder_lead_days=settings.backorder_lead_days)

    # -- the cached catalogue ------------------------------------------------------------------

    def _stored_version(self) -> int:
        with session(self.engine) as s:
            newest = s.exec(select(func.max(SyncRun.id)).where(col(SyncRun.prices_changed))).one()
        return int(newest or 0)

    def catalogue(self) -> Catalogue:
        """The compiled catalogue, reloaded when a sync or import changed prices since it was loaded.

        One thread checks and reloads; while it does, the others keep pricing from the catalogue
        they have (a reload of a large catalogue takes seconds), and only wait when there is none.
        """
        current = self._catalogue
        if current is not None and time.monotonic() - self._checked < self.recheck_seconds:
            return current
        if current is not None:
            if not self._lock.acquire(blocking=False):
                return current  # another thread is reloading: keep pricing from what there is
        else:
            self._lock.acquire()
        try:
            if self._catalogue is None or time.monotonic() - self._checked >= self.recheck_seconds:
                version = self._stored_version()
                if self._catalogue is None or version != self._version:
                    with session(self.engine) as s:
                        self._catalogue = load_catalogue(s)
                    self._version = version
                self._checked = time.monotonic()
            assert self._catalogue is not None  # loaded just above when missing
            return self._catalogue
        finally:
            self._lock.release()

    def invalidate(self) -> None:
        """Make the next question check for changed prices at once (after a sync or import in this process).

        The catalogue is not dropped: while one thread reloads, the others keep pricing from it.
        """
        self._checked = float("-inf")

    # -- prices --------------------------------------------------------------------------------

    def today(self) -> dt.date:
        """The seller's date now."""
        return seller_date(self.clock(), self.seller_zone)

    def customer(self, customer_id: str) -> Customer:
        """The customer as pricing knows it (its groups and currency); UnknownCustomerError if none."""
        found = self.catalogue().customers.get(customer_id)
        if found is None:
            raise UnknownCustomerError(f"customer {customer_id} is not known to pricing (not synced from the ERP)")
        return found

    def pricer(self, customer_id: str, on: dt.date | None = None,
               rounding: RoundingMode | None = None) -> CustomerPricer:
        """A pricer for one customer and date: ask it for many items (a storefront page, a feed)."""
        catalogue = self.catalogue()
        customer = catalogue.customers.get(customer_id) or self.customer(customer_id)
        return CustomerPricer(catalogue.index, customer, on or self.today(), rounding or self.rounding)

    def price(self, customer_id: str, sku: str, quantity: Decimal | int | str, unit: str | None = None,
              on: dt.date | None = None, rounding: RoundingMode | None = None) -> PriceQuote:
        """The price of ``quantity`` ``unit`` of ``sku`` for the customer on ``on`` (today), with the reasons."""
        return self.pricer(customer_id, on, rounding).price(sku, quantity, unit)

    def price_cart(self, customer_id: str, lines: Iterable[CartLine], on: dt.date | None = None,
                   rounding: RoundingMode | None = None) -> CartQuote:
        """Every line priced, and the total of the rounded line amounts."""
        return self.pricer(customer_id, on, rounding).price_cart(lines)

    # -- availability --------------------------------------------------------------------------

    def availability_of(self, skus: Sequence[str], quantity: Decimal = Decimal(1)) -> dict[str, Availability]:
        """Availability of many items in one query (a page); items with no stock row count as none in stock."""
        index = self.catalogue().index
        with session(self.engine) as s:
            rows = s.exec(select(StockRow).where(col(StockRow.sku).in_(list(skus)))
                          .order_by(col(StockRow.sku), col(StockRow.warehouse))).all()
        by_sku: dict[str, list[StockRow]] = {}
        for row in rows:
            by_sku.setdefault(row.sku, []).append(row)
        found = {}
        for sku in skus:
            stock = by_sku.get(sku, [])
            item = index.items.get(sku)
            if item is None and not stock:
                continue
            available = sum((row.available for row in stock), ZERO)
            in_stock = available >= quantity
            found[sku] = Availability(
                sku=sku, unit=item.base_unit if item is not None else stock[0].unit, quantity=quantity,
                on_hand=sum((row.on_hand for row in stock), ZERO), available=available, in_stock=in_stock,
                lead_time_days=self.in_stock_lead_days if in_stock else self.backorder_lead_days,
                warehouses=tuple(WarehouseStock(warehouse=row.warehouse, on_hand=row.on_hand,
                                                available=row.available) for row in stock))
        return found

    def availability(self, sku: str, quantity: Decimal = Decimal(1)) -> Availability:
        """Availability of one item for ``quantity`` (base unit); UnknownItemError if neither priced nor stocked."""
        found = self.availability_of([sku], quantity).get(sku)
        if found is None:
            raise UnknownItemError(f"item {sku} is not in the catalogue")
        return found


_SERVICES: weakref.WeakKeyDictionary[Engine, PricingService] = weakref.WeakKeyDictionary()
_SERVICES_LOCK = threading.Lock()


def pricing_for(engine: Engine, settings: Settings | None = None) -> PricingService:
    """The process's pricing service over ``engine`` (made on first use, from ``settings`` when given)."""
    with _SERVICES_LOCK:
        service = _SERVICES.get(engine)
        if service is None:
            service = (PricingService.from_settings(engine, settings) if settings is not None
                       else PricingService(engine))
            _SERVICES[engine] = service
        return service


def invalidate_all() -> None:
    """Drop every instance's catalogue (a sync or import in this process just finished)."""
    with _SERVICES_LOCK:
        services = list(_SERVICES.values())
    for service in services:
        service.invalidate()


__all__ = [
    "Availability",
    "PricingService",
    "UnknownCustomerError",
    "WarehouseStock",
    "invalidate_all",
    "pricing_for",
]
