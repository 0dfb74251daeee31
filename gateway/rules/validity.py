"""Validity windows: which day it is for the seller, and whether a list or assignment is in force.

Windows are whole days in the seller's time zone, both ends inclusive, either end open (``None``):
a list "valid to 2026-03-31" still applies on the 31st until midnight in the seller's zone, and
an order placed at 23:30 in New York for a seller in Berlin is already priced on the next day.
Callers turn the moment of the request into the seller's date once, with :func:`seller_date`,
and the rules compare dates only.

>>> in_force(dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 3, 31))
True
>>> seller_date(dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC), "Europe/Berlin")
datetime.date(2026, 4, 1)
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from gateway.rules.errors import PriceListError


def in_force(valid_from: dt.date | None, valid_to: dt.date | None, on: dt.date) -> bool:
    """True when ``valid_from <= on <= valid_to``, an open end being unbounded."""
    return (valid_from is None or valid_from <= on) and (valid_to is None or on <= valid_to)


def check_window(valid_from: dt.date | None, valid_to: dt.date | None, what: str) -> None:
    """Refuse a window that ends before it starts (it could never apply: a data error, not a rule)."""
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise PriceListError(f"{what}: valid_to {valid_to} is before valid_from {valid_from}")


def seller_date(moment: dt.datetime, seller_zone: str | ZoneInfo) -> dt.date:
    """The calendar date of ``moment`` (timezone-aware) in the seller's zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("seller_date needs a timezone-aware datetime; a naive one has no seller date")
    zone = seller_zone if isinstance(seller_zone, ZoneInfo) else ZoneInfo(seller_zone)
    return moment.astimezone(zone).date()


__all__ = ["check_window", "in_force", "seller_date"]
