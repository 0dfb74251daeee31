"""ASCII decimal numbers of a business document's size, as every reader reads them (formats.numbers)."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest

import formats.numbers
from formats.errors import MappingError
from formats.numbers import decimal_value
from formats.oci import parse as parse_oci
from formats.oci import read_number


def test_doctests() -> None:
    result = doctest.testmod(formats.numbers)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("text", "value"), [
    ("12", "12"), (" 7 ", "7"), ("+.5", "0.5"), ("-3.", "-3"), ("1505.0", "1505.0"), ("-0", "-0"),
    ("999999999999999", "999999999999999"),  # 15 digits before the point
    ("0.000000000001", "0.000000000001"),  # 12 after
    ("1.50000000000000000000", "1.50000000000000000000"),  # trailing zeros are no precision
])
def test_plain_numbers_are_read(text: str, value: str) -> None:
    assert decimal_value(text) == Decimal(value)


@pytest.mark.parametrize("text", [
    "\u0661\u0662",  # Arabic-Indic 12, which Decimal() reads as 12
    "\u00b2", "\uff11\uff12", "\U0001d7d7", "\u00bd",  # superscript two, full-width 12, bold nine, one half
    "NaN", "Infinity", "-inf", "sNaN", "1_000", "0x10", "", " ", "+", ".", "1.2.3", "1,5",
    "1000000000000000",  # 16 digits before the point
    "0.0000000000001",  # 13 after
    "9" * 33,  # longer than any number we read
    "1e3",  # an exponent, unless asked for
])
def test_other_numbers_are_refused(text: str) -> None:
    assert decimal_value(text) is None


def test_exponents_when_asked_for_within_the_same_bounds() -> None:
    assert decimal_value("1.5E3", exponent=True) == Decimal(1500)
    assert decimal_value("1e15", exponent=True) is None and decimal_value("1e-13", exponent=True) is None
    assert decimal_value("1e99999", exponent=True) is None  # the exponent has at most four digits


@pytest.mark.parametrize("text", ["\u0661\u0662", "\uff11\uff12", "1e999", "12\u00b2"])
def test_oci_numbers_are_ascii_too(text: str) -> None:
    with pytest.raises(MappingError, match="is not a number"):
        read_number(text)


def test_an_oci_index_in_other_digits_is_not_an_item_field() -> None:
    """``NEW_ITEM-PRICE[²]`` matched ``\\d`` and made ``int()`` fail; a full-width one was read as item 1."""
    cart = parse_oci([("NEW_ITEM-DESCRIPTION[1]", "Pen"), ("NEW_ITEM-PRICE[\u00b2]", "1.00"),
                      ("NEW_ITEM-QUANTITY[\uff11]", "2"), ("NEW_ITEM-PRICE[1234567890123]", "1")])
    assert [item.index for item in cart.items] == [1]
    assert cart.items[0].quantity is None
    assert [name for name, _ in cart.other] == ["NEW_ITEM-PRICE[\u00b2]", "NEW_ITEM-QUANTITY[\uff11]",
                                                  "NEW_ITEM-PRICE[1234567890123]"]
