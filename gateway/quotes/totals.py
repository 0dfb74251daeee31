"""Quote arithmetic, pure: line amounts from the list price and the line discount, totals from rounded lines.

For each line: ``list_amount = round(quantity x list unit price)``; its discount is either a
percentage of that (``round(list_amount x % / 100)``) or a fixed amount off the line, never more
than the line; ``amount = list_amount - discount``. The subtotal is the sum of the rounded line
amounts; the header discount (a percentage of the subtotal, rounded, or a fixed amount) comes off
it to give the total. Rounding is to the currency's minor units, half-up (JPY 0, USD 2, KWD 3).

The *effective discount* -- everything off the list, as a percentage of the list total -- is what
the approval threshold (``B2BGW_QUOTE_APPROVAL_PERCENT``) is compared with.

>>> from decimal import Decimal as D
>>> line = price_line(D("3"), D("33.333"), "USD", discount_percent=D("10"))
>>> line.list_amount, line.discount, line.amount
(Decimal('100.00'), Decimal('10.00'), Decimal('90.00'))
>>> totals([line], "USD", header_discount_amount=D("5")).total
Decimal('85.00')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from formats.model import Money

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class QuoteValueError(ValueError):
    """A discount or quantity that makes no sense (negative, over 100 %, both kinds at once)."""


def rounded(amount: Decimal, currency: str) -> Decimal:
    """``amount`` in the currency's minor units, half-up."""
    return Money(amount=amount, currency=currency).rounded().amount


@dataclass(frozen=True)
class LineAmounts:
    """One line's money: the list amount, the discount off it, what is charged."""

    list_amount: Decimal
    discount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Totals:
    """A quote's money: list total, subtotal of the lines, header discount, total, effective discount %."""

    list_total: Decimal
    subtotal: Decimal
    header_discount: Decimal
    total: Decimal
    discount_percent: Decimal


def _check_discount(what: str, percent: Decimal | None, amount: Decimal | None) -> None:
    if percent is not None and amount is not None:
        raise QuoteValueError(f"{what}: give a discount percentage or a discount amount, not both")
    if percent is not None and not ZERO <= percent <= HUNDRED:
        raise QuoteValueError(f"{what}: a discount percentage is between 0 and 100, not {percent}")
    if amount is not None and amount < ZERO:
        raise QuoteValueError(f"{what}: a discount amount cannot be negative ({amount})")


UNIT_PRICE_PLACES = Decimal("0.000001")


def net_unit_price(amount: Decimal, quantity: Decimal) -> Decimal:
    """A quoted line's amount per unit: exact when it divides, else to six places (the amount stays the quoted one)."""
    price = amount / quantity
    return price if price == price.quantize(UNIT_PRICE_PLACES) else price.quantize(UNIT_PRICE_PLACES)


def price_line(quantity: Decimal, list_unit_price: Decimal, currency: str, *, discount_percent: Decimal | None = None,
               discount_amount: Decimal | None = None, what: str = "line") -> LineAmounts:
    """The rounded amounts of one line (module doc)."""
    if quantity <= ZERO:
        raise QuoteValueError(f"{what}: the quantity must be positive, not {quantity}")
    _check_discount(what, discount_percent, discount_amount)
    list_amount = rounded(quantity * list_unit_price, currency)
    if discount_percent is not None:
        discount = rounded(list_amount * discount_percent / HUNDRED, currency)
    else:
        discount = min(rounded(discount_amount or ZERO, currency), list_amount)
    return LineAmounts(list_amount=list_amount, discount=discount, amount=list_amount - discount)


def totals(lines: Sequence[LineAmounts], currency: str, *, header_discount_percent: Decimal | None = None,
           header_discount_amount: Decimal | None = None) -> Totals:
    """The quote's totals from its rounded lines and the header discount (module doc)."""
    _check_discount("header", header_discount_percent, header_discount_amount)
    list_total = sum((line.list_amount for line in lines), ZERO)
    subtotal = sum((line.amount for line in lines), ZERO)
    if header_discount_percent is not None:
        header = rounded(subtotal * header_discount_percent / HUNDRED, currency)
    else:
        header = min(rounded(header_discount_amount or ZERO, currency), subtotal)
    total = subtotal - header
    percent = ((list_total - total) * HUNDRED / list_total).quantize(Decimal("0.01")) if list_total else ZERO
    return Totals(list_total=list_total, subtotal=subtotal, header_discount=header, total=total,
                  discount_percent=percent)


__all__ = [
    "LineAmounts",
    "QuoteValueError",
    "Totals",
    "net_unit_price",
    "price_line",
    "rounded",
    "totals",
]
