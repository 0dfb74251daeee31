"""Numbers as business documents write them: ASCII digits, of a size an amount or a quantity has.

Every reader of a standard (cXML, UBL, OCI) reads its amounts and quantities through
:func:`decimal_value`, because Python is more generous than any standard: ``Decimal('١٢')`` is 12
(Arabic-Indic digits), ``int()`` reads full-width digits too, ``'²'.isdigit()`` is true while
``int('²')`` fails, and ``Decimal('1e999999')`` is a number no arithmetic of ours can round.
A value the reader takes here is one every later step (rounding to the currency, multiplying
by a price, writing it back out) can handle; anything else is refused where it was read, with
the reader's own error naming the element.

>>> decimal_value(" 12.50 "), decimal_value("\u0661\u0662"), decimal_value("1E3"), decimal_value("1E3", exponent=True)
(Decimal('12.50'), None, None, Decimal('1E+3'))
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?", re.ASCII)
MAX_DIGITS = 32
"""The longest number read, in characters: more than any amount or quantity of a business document."""
MAX_INTEGER_DIGITS = 15
"""Digits before the decimal point (below 10**15): what every ERP and every currency's amounts fit."""
MAX_DECIMALS = 12
"""Significant digits after the decimal point (trailing zeros aside)."""


def decimal_value(value: str, *, exponent: bool = False) -> Decimal | None:
    """``value`` as a Decimal when it is a plain ASCII decimal number of a sensible size, else None.

    Blanks around it are ignored; ``exponent`` also takes ``1.5E3`` (cXML buyers send it). Refused:
    digits other than ASCII 0-9 (Python's ``Decimal`` reads ``'١٢'`` as 12), NaN and infinities,
    numbers of more than :data:`MAX_INTEGER_DIGITS` digits before the point or more than
    :data:`MAX_DECIMALS` after it (arithmetic on them would fail later, far from the input).
    """
    cleaned = value.strip()
    if len(cleaned) > MAX_DIGITS or not _DECIMAL.fullmatch(cleaned):
        return None
    if not exponent and ("e" in cleaned or "E" in cleaned):
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern above already refuses these
        return None
    if number and number.adjusted() >= MAX_INTEGER_DIGITS:
        return None
    exponent_ = number.normalize().as_tuple().exponent
    if isinstance(exponent_, int) and exponent_ < -MAX_DECIMALS:
        return None
    return number


LIMITS = f"ASCII digits, at most {MAX_INTEGER_DIGITS} before the decimal point and {MAX_DECIMALS} after"
"""What :func:`decimal_value` takes, for the readers' error messages."""

__all__ = ["LIMITS", "MAX_DECIMALS", "MAX_DIGITS", "MAX_INTEGER_DIGITS", "decimal_value"]
