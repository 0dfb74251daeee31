"""Properties of OCI reading and writing: numbers survive the trip, junk is refused with our own error."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from formats.errors import MappingError
from formats.oci import OciItem, format_number, parse, read_number, render

AMOUNTS = st.decimals(min_value=0, max_value=Decimal("99999999999.999"), places=3, allow_nan=False,
                      allow_infinity=False)
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=300)


@given(AMOUNTS)
def test_a_written_number_reads_back_equal(value: Decimal) -> None:
    text = format_number(value)
    assert "," not in text and "E" not in text and len(text) <= 15
    assert read_number(text) == value


@given(AMOUNTS, st.integers(min_value=0, max_value=12))
def test_zero_padding_and_a_decimal_comma_change_nothing(value: Decimal, padding: int) -> None:
    text = "0" * padding + format_number(value)
    assert read_number(text) == value
    assert read_number(f" {text.replace('.', ',')} ") == value


@given(st.lists(st.tuples(TEXT, TEXT), max_size=12))
def test_any_form_is_a_cart_or_our_error(pairs: list[tuple[str, str]]) -> None:
    try:
        cart = parse(pairs)
    except MappingError as error:
        assert str(error)  # says what it could not read
    else:
        indexes = [item.index for item in cart.items]
        assert indexes == sorted(set(indexes)) and indexes
        assert len(cart.other) < len(pairs)  # at least one field made an item


@given(TEXT, TEXT, AMOUNTS, st.integers(min_value=1, max_value=5))
def test_descriptions_and_long_texts_survive_the_trip(description: str, longtext: str, price: Decimal,
                                                       items: int) -> None:
    sent = [OciItem(description=description or None, longtext=longtext or None, price=price, currency="EUR",
                    quantity=Decimal(n)) for n in range(1, items + 1)]
    fields = render(sent)
    assert all(len(v) <= 40 for k, v in fields if k.startswith("NEW_ITEM-DESCRIPTION"))
    assert all(len(v) <= 132 for k, v in fields if k.startswith("NEW_ITEM-LONGTEXT"))
    back = parse(fields).items
    assert [i.price for i in back] == [price] * items and [i.quantity for i in back] == list(range(1, items + 1))
    words = " ".join(description.split())
    whole = " ".join(filter(None, [words if len(words) > 40 else "", " ".join(longtext.split())]))
    assert " ".join((back[0].longtext or "").split()) == whole
