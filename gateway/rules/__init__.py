"""Business rules of the gateway; for now price resolution (credit control and quotes come next).

Pure Python: no database, no HTTP. The store loads price lists, assignments, items and unit
tables into the frozen types of :mod:`gateway.rules.pricelists`, builds a
:class:`CatalogueIndex` once, and asks :func:`price_item` / :func:`price_cart` (or one
:class:`CustomerPricer` per request) for :class:`PriceQuote` answers that say the price and why.
The precedence rule is written out in :mod:`gateway.rules.pricing`.
"""

from __future__ import annotations

from gateway.rules.errors import (
    CurrencyMismatchError,
    NoPriceError,
    PriceListCycleError,
    PriceListError,
    PricingError,
    UnitConversionError,
    UnknownItemError,
)
from gateway.rules.index import CatalogueIndex
from gateway.rules.pricelists import (
    Assignment,
    Customer,
    Derived,
    Fixed,
    Item,
    Level,
    PriceLine,
    PriceList,
    PriceRule,
    Scope,
    Tier,
)
from gateway.rules.pricing import CartLine, CustomerPricer, price_cart, price_item
from gateway.rules.quote import CartQuote, PriceQuote, PriceStep
from gateway.rules.rounding import RoundingMode, round_amount
from gateway.rules.units import UnitConversions
from gateway.rules.validity import seller_date

__all__ = [
    "Assignment",
    "CartLine",
    "CartQuote",
    "CatalogueIndex",
    "CurrencyMismatchError",
    "Customer",
    "CustomerPricer",
    "Derived",
    "Fixed",
    "Item",
    "Level",
    "NoPriceError",
    "PriceLine",
    "PriceList",
    "PriceListCycleError",
    "PriceListError",
    "PriceQuote",
    "PriceRule",
    "PriceStep",
    "PricingError",
    "RoundingMode",
    "Scope",
    "Tier",
    "UnitConversionError",
    "UnitConversions",
    "UnknownItemError",
    "price_cart",
    "price_item",
    "round_amount",
    "seller_date",
]
