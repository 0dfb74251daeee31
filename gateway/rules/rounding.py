"""Rounding money to its currency's minor units, with the partner's rounding mode.

ISO 4217 gives each currency its number of decimals (JPY 0, USD 2, KWD 3); an amount a customer
is charged has exactly that many. The mode is a per-partner setting (some buyers' ERPs round
half-even and reject an invoice a cent off), half-up unless the partner says otherwise.

>>> round_amount(Decimal("100.5"), "JPY"), round_amount(Decimal("1.2345"), "KWD")
(Decimal('101'), Decimal('1.235'))
>>> round_amount(Decimal("0.125"), "USD", RoundingMode.HALF_EVEN)
Decimal('0.12')
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from enum import StrEnum
from functools import cache

from formats.model import minor_units


class RoundingMode(StrEnum):
    """The rounding modes of :mod:`decimal`; each value *is* the decimal constant, so it passes as-is."""

    HALF_UP = decimal.ROUND_HALF_UP
    HALF_EVEN = decimal.ROUND_HALF_EVEN
    HALF_DOWN = decimal.ROUND_HALF_DOWN
    UP = decimal.ROUND_UP
    DOWN = decimal.ROUND_DOWN
    CEILING = decimal.ROUND_CEILING
    FLOOR = decimal.ROUND_FLOOR


@cache
def exponent_of(currency: str) -> Decimal:
    """``Decimal('0.01')`` for USD: the quantum of the currency (cached: it is asked per line)."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_amount(amount: Decimal, currency: str, mode: RoundingMode = RoundingMode.HALF_UP) -> Decimal:
    """``amount`` rounded to the minor units of ``currency`` with ``mode``."""
    return amount.quantize(exponent_of(currency), rounding=mode.value)


__all__ = ["RoundingMode", "exponent_of", "round_amount"]
