"""The one error hierarchy of price resolution: every failure says what and which list or item.

A price that cannot be given must say why, because a sales rep or an operator has to fix the
data (a list, an assignment, a unit table), not the code::

    PricingError                  anything the pricing rules refuse
    ├── PriceListError            the price lists or assignments themselves are inconsistent
    │   └── PriceListCycleError   derived lists form a cycle (the cycle is named, A -> B -> A)
    ├── UnknownItemError          the SKU is not in the catalogue
    ├── UnitConversionError       the ordered unit has no conversion to the item's base unit
    ├── NoPriceError              no price list in force prices the item for this customer
    └── CurrencyMismatchError     cart lines came out in different currencies

Data errors (:class:`PriceListError`) are raised when the catalogue index is built, once, so a
bad import fails loudly instead of mispricing one order later.
"""

from __future__ import annotations


class PricingError(Exception):
    """Base of every error the pricing rules raise."""


class PriceListError(PricingError):
    """A price list, line or assignment is inconsistent (unknown base list, duplicate line ...)."""


class PriceListCycleError(PriceListError):
    """Derived price lists form a cycle; ``cycle`` lists the ids, first repeated at the end."""

    def __init__(self, cycle: tuple[str, ...]) -> None:
        self.cycle = cycle
        super().__init__("price lists derive from each other in a cycle: " + " -> ".join(cycle))


class UnknownItemError(PricingError):
    """The SKU is not in the catalogue the index was built from."""


class UnitConversionError(PricingError):
    """The ordered unit cannot be converted (exactly) to the item's base unit."""


class NoPriceError(PricingError):
    """No price list in force for the customer on the date prices the item at that quantity."""


class CurrencyMismatchError(PricingError):
    """A cart's lines were priced in more than one currency, so they have no single total."""


__all__ = [
    "CurrencyMismatchError",
    "NoPriceError",
    "PriceListCycleError",
    "PriceListError",
    "PricingError",
    "UnitConversionError",
    "UnknownItemError",
]
