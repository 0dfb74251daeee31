"""OCI fields: lenient reading (numbers, names, indexes, LONGTEXT spellings) and strict writing."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest

import formats.oci.cart
import formats.oci.fields
import formats.oci.form
from formats.errors import MappingError
from formats.oci import OciItem, field_specs, format_number, parse, read_number, render, to_line


@pytest.mark.parametrize("module", [formats.oci.fields, formats.oci.cart, formats.oci.form])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("text", "value"), [
    ("00000001730.900", "1730.900"),
    ("12,5", "12.5"),
    (" 3 ", "3"),
    ("1.234,56", "1234.56"),
    ("1,234.56", "1234.56"),
    ("1 234,5", "1234.5"),
    ("7.00-", "-7.00"),
    ("+2", "2"),
    ("0,001", "0.001"),
])
def test_numbers_as_catalogs_send_them(text: str, value: str) -> None:
    assert read_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["12.3.4", "abc", "1e5x", "NaN", "--1"])
def test_unreadable_numbers_are_refused(text: str) -> None:
    with pytest.raises(MappingError, match="is not a number"):
        read_number(text)


def test_blank_is_no_number() -> None:
    assert read_number("  ") is None


@pytest.mark.parametrize(("value", "text"), [
    ("1730.900", "1730.9"),
    ("1234567.5", "1234567.5"),  # no thousands separator
    ("0.12345", "0.123"),  # at most three decimals, half-up
    ("0.1235", "0.124"),
    ("99999999999.999", "99999999999.999"),  # eleven digits before the point
    ("0", "0"),
    ("0.000", "0"),
    ("1E+3", "1000"),  # never an exponent
])
def test_numbers_are_written_the_oci_way(value: str, text: str) -> None:
    assert format_number(Decimal(value)) == text


@pytest.mark.parametrize("value", ["100000000000", "-1", "Infinity"])
def test_numbers_oci_cannot_carry_are_refused(value: str) -> None:
    with pytest.raises(MappingError):
        format_number(Decimal(value))


def test_field_names_in_any_case_with_blanks_and_index_gaps() -> None:
    cart = parse([(" new_item-Description[ 7 ] ", " Blue pen "), ("NEW_ITEM-QUANTITY[7]", "2"),
                  ("NEW_ITEM-DESCRIPTION[3]", "Red pen"), ("NEW_ITEM-QUANTITY[3]", "1,000"),
                  ("~OkCode", "ADDI")])
    assert [(i.index, i.description, i.quantity) for i in cart.items] == [
        (3, "Red pen", Decimal("1.000")), (7, "Blue pen", Decimal("2"))]
    assert cart.other == (("~OkCode", "ADDI"),)


@pytest.mark.parametrize("name", ["NEW_ITEM-LONGTEXT_4:132[]", "NEW_ITEM-LONGTEXT_4:132", "NEW_ITEM-LONGTEXT_4[]",
                                  "NEW_ITEM-LONGTEXT[4]", "new_item-longtext_4:132[ ]", "NEW_ITEM-LONG_TEXT_4:132[]"])
def test_longtext_spellings(name: str) -> None:
    cart = parse([("NEW_ITEM-DESCRIPTION[4]", "Pen"), (name, "first part, "), (name, "second part")])
    assert cart.items[0].index == 4
    assert cart.items[0].longtext == "first part, second part"


def test_a_bad_number_names_its_field() -> None:
    with pytest.raises(MappingError) as caught:
        parse([("NEW_ITEM-DESCRIPTION[2]", "Pen"), ("NEW_ITEM-PRICE[2]", "12.x")])
    assert caught.value.location.path == "NEW_ITEM-PRICE[2]"
    assert "'12.x' is not a number" in str(caught.value)


def test_a_form_without_items_is_not_a_cart() -> None:
    with pytest.raises(MappingError, match="no NEW_ITEM fields"):
        parse([("HOOK_URL", "https://srm.example/hook")])


def test_a_line_needs_quantity_unit_and_a_currency_for_its_price() -> None:
    with pytest.raises(MappingError) as caught:
        to_line(OciItem(index=5, description="Pen", unit="EA"))
    assert caught.value.location.path == "NEW_ITEM-QUANTITY[5]"
    with pytest.raises(MappingError, match="'XX' is not in the SAP OCI ISO unit table"):
        to_line(OciItem(index=1, quantity=Decimal(1), unit="XX"))
    with pytest.raises(MappingError, match="no CURRENCY"):
        to_line(OciItem(index=1, quantity=Decimal(1), unit="EA", price=Decimal(1)))


FULL = OciItem(
    description="Ballpoint pen, medium point, blue", matnr="100-200", matgroup="OFFICE", quantity=Decimal("12"),
    unit="EA", price=Decimal("1.29"), priceunit=Decimal("1"), currency="USD", leadtime=2, vendor="0000100042",
    vendormat="DEMO-1001", manufactcode="CW", manufactmat="CW-BP-M-BL", contract="4600000012", contract_item="10",
    ext_quote_id="OCI-42", ext_quote_item="1", ext_product_id="DEMO-1001", ext_schema_type="UNSPSC",
    ext_category_id="44121704", ext_category="Writing instruments", attachment="https://seller.example/pen.pdf",
    attachment_title="Data sheet", attachment_purpose="C", cust_field1="A", cust_field2="B", cust_field3="C",
    cust_field4="D", cust_field5="E", parent_id="1", item_type="R", service="X", sld_sys_name="SELLER_CAT",
    longtext="Smooth ink, 0.7 mm.")


def test_every_field_renders_and_reads_back() -> None:
    fields = render([FULL], version="5.0")
    named = dict(fields)
    assert named["NEW_ITEM-PRICE[1]"] == "1.29" and named["NEW_ITEM-QUANTITY[1]"] == "12"
    assert named["NEW_ITEM-LEADTIME[1]"] == "2" and named["NEW_ITEM-VENDOR[1]"] == "0000100042"
    assert named["NEW_ITEM-PARENT_ID[1]"] == "1" and named["NEW_ITEM-ITEM_TYPE[1]"] == "R"
    assert named["NEW_ITEM-LONGTEXT_1:132[]"] == "Smooth ink, 0.7 mm."
    assert {name.split("[")[0].removeprefix("NEW_ITEM-") for name, _ in fields} == {*field_specs(), "LONGTEXT_1:132"}
    again = parse(fields).items[0]
    assert again == FULL.__class__(**{**FULL.__dict__, "index": 1})
    line = to_line(again)
    assert line.classification == "44121704"
    assert {(r.qualifier, r.value) for r in line.references} == {
        ("EXT_QUOTE_ID", "OCI-42"), ("EXT_QUOTE_ITEM", "1"), ("CONTRACT", "4600000012"), ("CONTRACT_ITEM", "10")}


def test_indexes_count_from_one_in_order() -> None:
    fields = render([OciItem(index=9, description="A"), OciItem(index=4, description="B")])
    assert fields == [("NEW_ITEM-DESCRIPTION[1]", "A"), ("NEW_ITEM-DESCRIPTION[2]", "B")]


def test_5_0_fields_are_refused_for_a_4_0_buyer() -> None:
    with pytest.raises(MappingError, match=r"PARENT_ID is an OCI 5\.0 field") as caught:
        render([FULL], version="4.0")
    assert caught.value.location.path == "NEW_ITEM-PARENT_ID[1]"


def test_lengths_are_the_field_table() -> None:
    with pytest.raises(MappingError, match="CUST_FIELD1 'ELEVEN CHAR' is longer than its 10 characters"):
        render([OciItem(cust_field1="ELEVEN CHAR")])
    with pytest.raises(MappingError, match="MATNR"):  # 18 characters up to OCI 4.0, 40 in 5.0
        render([OciItem(matnr="M" * 19)], version="4.0")
    assert dict(render([OciItem(matnr="M" * 40)], version="5.0"))["NEW_ITEM-MATNR[1]"] == "M" * 40
    lengths = {spec.name: spec.length for spec in field_specs().values()}
    assert lengths.items() >= {"DESCRIPTION": 40, "UNIT": 3, "PRICE": 15, "CURRENCY": 5, "VENDOR": 10,
                               "EXT_QUOTE_ID": 35, "CUST_FIELD4": 20, "CUST_FIELD5": 50}.items()


def test_long_descriptions_overflow_into_longtext_lines_of_132() -> None:
    description = "Heavy duty stapler for up to 240 sheets, with adjustable paper guide and staple reload indicator"
    fields = render([OciItem(description=description, longtext="x" * 300)])
    assert dict(fields)["NEW_ITEM-DESCRIPTION[1]"] == description[:40].rstrip()
    lines = [value for name, value in fields if name == "NEW_ITEM-LONGTEXT_1:132[]"]
    assert [len(line) for line in lines] == [132, 132, 132, 1]
    assert "".join(lines) == description + " " + "x" * 300
    assert parse(fields).items[0].longtext == description + " " + "x" * 300


def test_the_charset_limits_what_is_written() -> None:
    item = OciItem(description="Größe 24 € • A4", longtext="Gewicht ≤ 2 kg")
    latin = dict(render([item], charset="iso-8859-1"))
    assert latin["NEW_ITEM-DESCRIPTION[1]"] == "Größe 24 ? ? A4"  # ö and ß exist in Latin-1, € and • do not
    assert latin["NEW_ITEM-LONGTEXT_1:132[]"] == "Gewicht ? 2 kg"
    assert dict(render([item], charset="utf-8"))["NEW_ITEM-DESCRIPTION[1]"] == "Größe 24 € • A4"
    assert dict(render([item], charset="cp1252"))["NEW_ITEM-DESCRIPTION[1]"] == "Größe 24 € • A4"


def test_markup_is_kept_as_text() -> None:
    """Escaping is the page's job: the fields carry the text as it is, quotes and angle brackets too."""
    name = 'Pen "Pro" <script>alert(1)</script>'
    assert dict(render([OciItem(longtext=name)]))["NEW_ITEM-LONGTEXT_1:132[]"] == name
