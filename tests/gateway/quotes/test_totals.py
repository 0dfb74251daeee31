"""Quote arithmetic: rounded per currency (USD 2, JPY 0, KWD 3), totals from rounded lines, discounts bounded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.quotes.totals import QuoteValueError, price_line, totals

D = Decimal


@pytest.mark.parametrize(("currency", "unit_price", "amount"), [
    ("USD", "0.125", "0.38"),  # 3 x 0.125 = 0.375, half-up
    ("JPY", "0.5", "2"),  # 3 x 0.5 = 1.5 -> 2 yen
    ("KWD", "0.3335", "1.001"),  # 3 x 0.3335 = 1.0005 -> 1.001
])
def test_line_amounts_round_half_up_to_the_currencys_minor_units(currency: str, unit_price: str, amount: str) -> None:
    assert price_line(D(3), D(unit_price), currency).amount == D(amount)


def test_a_fixed_discount_never_takes_more_than_the_line_and_both_kinds_are_refused() -> None:
    assert price_line(D(1), D(5), "USD", discount_amount=D(9)).amount == 0
    with pytest.raises(QuoteValueError, match="not both"):
        price_line(D(1), D(5), "USD", discount_amount=D(1), discount_percent=D(1))
    with pytest.raises(QuoteValueError, match="between 0 and 100"):
        price_line(D(1), D(5), "USD", discount_percent=D(101))
    with pytest.raises(QuoteValueError, match="must be positive"):
        price_line(D(0), D(5), "USD")


def test_the_header_discount_comes_off_the_sum_of_rounded_lines() -> None:
    lines = [price_line(D(1), D("0.333"), "USD"), price_line(D(1), D("0.333"), "USD")]
    money = totals(lines, "USD", header_discount_percent=D(50))
    assert (money.subtotal, money.header_discount, money.total) == (D("0.66"), D("0.33"), D("0.33"))
    assert money.discount_percent == D("50.00")


amounts = st.decimals(min_value=D("0.001"), max_value=D("10000"), places=3)
percents = st.none() | st.decimals(min_value=D(0), max_value=D(100), places=2)


@given(st.lists(st.tuples(st.integers(1, 500), amounts, percents), min_size=1, max_size=20), percents,
       st.sampled_from(["USD", "JPY", "KWD"]))
def test_totals_are_sums_of_rounded_lines_and_never_negative(lines: list[tuple[int, D, D | None]],
                                                             header: D | None, currency: str) -> None:
    places = {"USD": 2, "JPY": 0, "KWD": 3}[currency]
    priced = [price_line(D(q), price, currency, discount_percent=pct) for q, price, pct in lines]
    money = totals(priced, currency, header_discount_percent=header)
    for line in priced:
        assert line.amount == line.list_amount - line.discount and 0 <= line.discount <= line.list_amount
        assert -line.amount.as_tuple().exponent <= places  # type: ignore[operator]
    assert money.subtotal == sum(line.amount for line in priced)
    assert money.total == money.subtotal - money.header_discount and 0 <= money.total <= money.list_total
    assert D(0) <= money.discount_percent <= D(100)
