"""The OCI item fields: names, lengths and number formats (SAP Open Catalog Interface 4.0 / 5.0).

The catalog returns its cart as HTML form fields ``NEW_ITEM-<FIELD>[n]``; each field has a fixed
length in the buyer's SAP system (``fields.csv`` beside this module: field, length, kind, the OCI
version that brought it). SAP reads numbers as text with a point as the decimal separator, no
thousands separator, at most 3 decimals and 11 digits before the point; anything else is cut or
refused by the receiving function module, so we write numbers only that way
(:func:`format_number`) and read the sloppier forms catalogs really send (:func:`read_number`):

>>> read_number("00000001730.900"), read_number(" 12,5 "), read_number("1.234,56"), read_number("7.00-")
(Decimal('1730.900'), Decimal('12.5'), Decimal('1234.56'), Decimal('-7.00'))
>>> format_number(Decimal("1730.9000")), format_number(Decimal("2")), format_number(Decimal("0.12345"))
('1730.9', '2', '0.123')

More information: SAP, "Open Catalog Interface (OCI) 4.0" and "OCI 5.0" specifications (the
field table of the outbound interface); SAP note 1169483 (OCI 5.0 fields).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Literal

from formats.errors import Location, MappingError
from formats.numbers import LIMITS, decimal_value

OciVersion = Literal["4.0", "5.0"]
VERSIONS: tuple[OciVersion, ...] = ("4.0", "5.0")

LONGTEXT_LINE = 132
"""Characters per LONGTEXT line (the ``:132`` in ``NEW_ITEM-LONGTEXT_n:132[]``)."""

MAX_DECIMALS = 3
MAX_INTEGER_DIGITS = 11
MATNR_LENGTH_40 = 18
"""MATNR held 18 characters up to OCI 4.0; 5.0 has 40."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One ``NEW_ITEM`` field: its name, length in characters, kind and the version that has it."""

    name: str
    length: int
    kind: Literal["text", "number", "integer"]
    since: OciVersion
    meaning: str

    def length_in(self, version: OciVersion) -> int:
        """The field's length in ``version`` (MATNR is shorter before 5.0)."""
        return MATNR_LENGTH_40 if self.name == "MATNR" and version == "4.0" else self.length

    def in_version(self, version: OciVersion) -> bool:
        """Whether ``version`` has this field."""
        return VERSIONS.index(self.since) <= VERSIONS.index(version)


@cache
def _specs() -> MappingProxyType[str, FieldSpec]:
    text = files("formats.oci").joinpath("fields.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return MappingProxyType({row["field"]: FieldSpec(row["field"], int(row["length"]), row["kind"],  # type: ignore[arg-type]
                                                     row["since"], row["meaning"]) for row in rows})  # type: ignore[arg-type]


def field_specs() -> MappingProxyType[str, FieldSpec]:
    """Every standard ``NEW_ITEM`` field (not LONGTEXT, which is lines of 132), in specification order."""
    return _specs()


def field_name(field: str, index: int) -> str:
    """The form field name of ``field`` for item ``index`` (from 1): ``NEW_ITEM-PRICE[3]``."""
    return f"NEW_ITEM-{field}[{index}]"


def longtext_name(index: int) -> str:
    """The form field name of item ``index``'s long text lines: ``NEW_ITEM-LONGTEXT_3:132[]``."""
    return f"NEW_ITEM-LONGTEXT_{index}:{LONGTEXT_LINE}[]"


_SPACES = re.compile(r"[\s\u00a0']+")


def read_number(text: str, where: Location | None = None) -> Decimal | None:
    """A number as catalogs write it: zero-padded, comma or point decimals, blanks, a trailing minus.

    When both a point and a comma appear, the last one is the decimal separator and the other a
    thousands separator; a lone comma is a decimal comma (OCI has no thousands separator). Blank
    is None; anything else unreadable is a :class:`MappingError` at ``where``.
    """
    raw = _SPACES.sub("", text)
    if not raw:
        return None
    negative = raw.endswith("-")
    if negative:
        raw = raw[:-1]
    if "," in raw and "." in raw:
        thousands = "," if raw.rfind(".") > raw.rfind(",") else "."
        raw = raw.replace(thousands, "")
    raw = raw.replace(",", ".")
    value = decimal_value(raw, exponent=True)  # ASCII digits only, of a size an amount or quantity has
    if value is None:
        raise MappingError(f"{text.strip()!r} is not a number ({LIMITS})", where)
    return -value if negative else value


def format_number(value: Decimal, where: Location | None = None) -> str:
    """``value`` as OCI wants it: point decimals, none of them trailing zeros, at most 3, at most 11 digits before.

    More than 3 decimals are rounded half-up (a unit price of 0.12345 becomes 0.123); a negative
    value or one with 12 digits before the point is a :class:`MappingError`, because SAP would
    cut it into a wrong number.
    """
    if not value.is_finite() or value < 0:
        raise MappingError(f"{value} cannot be written as an OCI number (negative or not finite)", where)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        value = value.quantize(Decimal(1).scaleb(-MAX_DECIMALS), rounding=ROUND_HALF_UP)
    text = f"{value.normalize():f}" if value else "0"
    if len(text.split(".")[0]) > MAX_INTEGER_DIGITS:
        raise MappingError(f"{value} has more than {MAX_INTEGER_DIGITS} digits before the point", where)
    return text


def read_integer(text: str, where: Location | None = None) -> int | None:
    """A whole number (LEADTIME): blanks and leading zeros allowed, decimals of .0 accepted."""
    value = read_number(text, where)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise MappingError(f"{text.strip()!r} is not a whole number", where)
    return int(value)


__all__ = ["LONGTEXT_LINE", "MAX_DECIMALS", "MAX_INTEGER_DIGITS", "VERSIONS", "FieldSpec", "OciVersion",
           "field_name", "field_specs", "format_number", "longtext_name", "read_integer", "read_number"]
