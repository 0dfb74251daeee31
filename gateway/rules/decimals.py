"""Exact numbers in: Decimal, int or a numeric string, never float.

Price lists arrive from a database, a CSV import or a test; a float there (``0.1``) is already
wrong before any arithmetic, so it is refused rather than converted.

>>> exact(12, "factor"), exact("9.95", "price")
(Decimal('12'), Decimal('9.95'))
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def exact(value: Decimal | int | str, what: str) -> Decimal:
    """``value`` as a finite Decimal; :class:`TypeError` for float, :class:`ValueError` for junk."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"{what} must be a Decimal, int or numeric string, not {type(value).__name__} ({value!r})")
    else:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{what} {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{what} {value!r} is not a finite number")
    return number


__all__ = ["exact"]
