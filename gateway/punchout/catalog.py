"""The storefront's catalogue: the ERP's items at one buyer's prices, with availability.

Prices come through one small interface, :class:`Pricing` (``price(customer_id, sku, quantity,
unit, on) -> Money | None``): by default the gateway's price-list engine
(:mod:`gateway.pricing.service`, the customer's contract and group prices), and the ERP's list
price for whatever it has no price for; :class:`ErpListPricing` answers list prices only.
Availability is the ERP's stock (available, summed over warehouses); the manufacturer's part
number and name and the lead time come from ``gw_punchout_item`` where the seller maintains them.

A :class:`Catalog` is built per request: it reads the price list and stock once and answers
categories, search and product pages from that snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import select

from erp.port import ErpPort, ItemPrice
from formats.model import Money
from gateway.pricing.service import PricingService, pricing_for
from gateway.punchout.tables import PunchoutItem
from gateway.rules import PricingError
from gateway.store.db import session


class Pricing(Protocol):
    """What the storefront asks of pricing: this customer's unit price of a SKU, or None if not sold."""

    def price(self, customer_id: str, sku: str, quantity: Decimal, unit: str, on: dt.date) -> Money | None:
        """The unit price for ``quantity`` of ``sku`` in ``unit`` on ``on``."""
        ...


class ErpListPricing:
    """The ERP's list price for everyone (the default until customer price lists are configured)."""

    def __init__(self, erp: ErpPort) -> None:
        self.erp = erp

    def price(self, customer_id: str, sku: str, quantity: Decimal, unit: str, on: dt.date) -> Money | None:
        """The list price of ``sku``; None when the ERP does not sell it."""
        found = self.erp.get_prices([sku])
        return found[0].price if found else None


class PriceListPricing:
    """The price-list engine (:class:`gateway.pricing.service.PricingService`) behind :class:`Pricing`.

    A customer or item the engine does not know (price lists not synced yet, an item without a
    list price) answers None, and the storefront shows the ERP's list price for it.
    """

    def __init__(self, service: PricingService) -> None:
        self.service = service

    def price(self, customer_id: str, sku: str, quantity: Decimal, unit: str, on: dt.date) -> Money | None:
        """The customer's unit price from its price lists; None when the engine has none."""
        try:
            return self.service.price(customer_id, sku, quantity, unit, on).unit_price
        except PricingError:
            return None


def default_pricing(erp: ErpPort, engine: Engine) -> Pricing:
    """The gateway's one pricing interface (customer price lists), over the ERP's list prices."""
    return PriceListPricing(pricing_for(engine))


@dataclass(frozen=True)
class Product:
    """One item as the storefront shows it and the cart message carries it."""

    sku: str
    description: str
    category: str | None
    unspsc: str | None
    unit: str
    price: Money
    available: Decimal
    manufacturer_part_id: str | None = None
    manufacturer_name: str | None = None
    lead_time_days: int | None = None

    @property
    def in_stock(self) -> bool:
        """Whether any is available now."""
        return self.available > 0


class Catalog:
    """A snapshot of the catalogue at one customer's prices (see module doc)."""

    def __init__(self, erp: ErpPort, engine: Engine, pricing: Pricing, customer_id: str,
                 *, skus: Sequence[str] | None = None, on: dt.date | None = None) -> None:
        listed: Sequence[ItemPrice] = erp.get_prices(list(skus) if skus is not None else None)
        stock: dict[str, Decimal] = {}
        for level in erp.get_stock([p.sku for p in listed]):
            stock[level.sku] = stock.get(level.sku, Decimal(0)) + level.available
        with session(engine) as s:
            extras = {i.sku: i for i in s.exec(select(PunchoutItem)).all()}
        self.pricing, self.customer_id, self.day = pricing, customer_id, on or dt.date.today()
        products: dict[str, Product] = {}
        for item in listed:
            price = item.price
            if not isinstance(pricing, ErpListPricing):
                price = (pricing.price(customer_id, item.sku, Decimal(1), item.unit, self.day) or item.price).rounded()
            extra = extras.get(item.sku)
            products[item.sku] = Product(
                sku=item.sku, description=item.description, category=item.category,
                unspsc=item.unspsc, unit=item.unit, price=price,
                available=stock.get(item.sku, Decimal(0)),
                manufacturer_part_id=extra.manufacturer_part_id if extra else None,
                manufacturer_name=extra.manufacturer_name if extra else None,
                lead_time_days=extra.lead_time_days if extra else None)
        self.products = products

    def unit_price(self, product: Product, quantity: Decimal) -> Money:
        """The customer's unit price of ``product`` for ``quantity`` (tiers), in the currency's minor units."""
        if isinstance(self.pricing, ErpListPricing) or quantity <= 0:
            return product.price
        found = self.pricing.price(self.customer_id, product.sku, quantity, product.unit, self.day)
        return found.rounded() if found is not None else product.price

    def categories(self) -> list[tuple[str, int]]:
        """(category, number of items), alphabetically."""
        counts: dict[str, int] = {}
        for product in self.products.values():
            if product.category:
                counts[product.category] = counts.get(product.category, 0) + 1
        return sorted(counts.items())

    def in_category(self, category: str) -> list[Product]:
        """The items of one category."""
        return [p for p in self.products.values() if p.category == category]

    def search(self, query: str) -> list[Product]:
        """Items whose SKU, description, category or manufacturer contain every word of ``query``."""
        words = [w for w in query.lower().split() if w]
        if not words:
            return []

        def haystack(p: Product) -> str:
            return " ".join(filter(None, (p.sku, p.description, p.category, p.manufacturer_name,
                                          p.manufacturer_part_id))).lower()

        return [p for p in self.products.values() if all(w in haystack(p) for w in words)]

    def get(self, sku: str) -> Product | None:
        """One item, or None when it is not sold."""
        return self.products.get(sku)


__all__ = ["Catalog", "ErpListPricing", "PriceListPricing", "Pricing", "Product", "default_pricing"]
