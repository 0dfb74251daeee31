"""Validity windows of lists and assignments: inclusive boundaries, open ends, expired never applies."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.rules import Assignment, CatalogueIndex, Level, PriceList, PriceListError, price_item, seller_date
from tests.rules.builders import ACME, D, derived, fixed, index

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
ONE_DAY = dt.timedelta(days=1)


def catalogue(list_window: tuple[dt.date | None, dt.date | None] = (START, END),
              assignment_window: tuple[dt.date | None, dt.date | None] = (None, None)) -> CatalogueIndex:
    promo = PriceList("PROMO", "USD", (fixed("SKU-1", "5.00"),), valid_from=list_window[0], valid_to=list_window[1])
    base = PriceList("LIST", "USD", (fixed("SKU-1", "10.00"),))
    return index([promo, base], [Assignment("PROMO", Level.CUSTOMER, "ACME", valid_from=assignment_window[0],
                                            valid_to=assignment_window[1]), Assignment("LIST", Level.DEFAULT)])


@pytest.mark.parametrize(("day", "expected"), [
    (START - ONE_DAY, "LIST"), (START, "PROMO"), (END, "PROMO"), (END + ONE_DAY, "LIST"),
])
def test_list_window_is_inclusive_at_both_ends(day: dt.date, expected: str) -> None:
    assert price_item(catalogue(), ACME, "SKU-1", 1, on=day).list_id == expected


@pytest.mark.parametrize(("day", "expected"), [
    (START - ONE_DAY, "LIST"), (START, "PROMO"), (END, "PROMO"), (END + ONE_DAY, "LIST"),
])
def test_assignment_window_is_inclusive_at_both_ends(day: dt.date, expected: str) -> None:
    assert price_item(catalogue((None, None), (START, END)), ACME, "SKU-1", 1, on=day).list_id == expected


def test_open_ends() -> None:
    assert price_item(catalogue((None, END)), ACME, "SKU-1", 1, on=dt.date(1990, 1, 1)).list_id == "PROMO"
    assert price_item(catalogue((START, None)), ACME, "SKU-1", 1, on=dt.date(2999, 1, 1)).list_id == "PROMO"


def test_an_expired_base_list_gives_no_derived_price() -> None:
    expired = PriceList("OLD", "USD", (fixed("SKU-1", "1.00"),), valid_to=START - ONE_DAY)
    customer = PriceList("CUST", "USD", (derived("OLD", "10"),))
    fallback = PriceList("LIST", "USD", (fixed("SKU-1", "10.00"),))
    built = index([expired, customer, fallback], [Assignment("CUST", Level.CUSTOMER, "ACME"),
                                                  Assignment("LIST", Level.DEFAULT)])
    assert price_item(built, ACME, "SKU-1", 1, on=START - ONE_DAY).unit_price.amount == D("0.900")
    quote = price_item(built, ACME, "SKU-1", 1, on=START)
    assert (quote.list_id, quote.passed_over) == ("LIST", ("CUST",))


def test_a_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(PriceListError, match="before valid_from"):
        PriceList("X", "USD", valid_from=END, valid_to=START)
    with pytest.raises(PriceListError, match="before valid_from"):
        Assignment("X", Level.DEFAULT, valid_from=END, valid_to=START)


def test_seller_date_is_the_date_in_the_sellers_zone() -> None:
    late_evening_utc = dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC)
    assert seller_date(late_evening_utc, "Europe/Berlin") == dt.date(2026, 4, 1)
    assert seller_date(late_evening_utc, "America/New_York") == dt.date(2026, 3, 31)
    with pytest.raises(ValueError, match="timezone-aware"):
        seller_date(dt.datetime(2026, 3, 31, 22, 30), "Europe/Berlin")
