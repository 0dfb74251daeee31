"""What the X12 purchase-order family (850, 855) shares: N1 loops, REF, PER, DTM, dates, numbers.

ASC X12 004010 / 005010. The 850 and the 855 name parties (N1 loop: N1, N2, N3, N4, REF, PER),
references (REF, 128 qualifiers), contacts (PER, 366 and 365 qualifiers), dates (DTM, 374
qualifiers) and items (235/234 product ID pairs) the same way, and read dates (DT: CCYYMMDD,
YYMMDD in old partners' files) and numbers (R: "9.25", ".8", "0000000.00") the same way. This
module reads those into the canonical model and writes them back, so ``po850`` and ``poack855``
each keep only what is their own.

Reading is lenient (codes in any case, blanks around values, a missing optional segment) and
precise about what it cannot read: a bad date or number raises
:class:`~formats.errors.MappingError` with the segment position (ST = 1), tag and element.
Anything present that the model has no field for becomes an :class:`~formats.model.Extension`
with ``source`` ``x12:<set>/<TAG>``: elements left over in a mapped segment are named by their
reference designator (``ITD02``); a segment the model has no place for is kept whole, named by
its tag, its elements joined with ``*`` (``PKG`` = ``F*68***PALLETIZE SHIPMENT``).

>>> parse_x12_date("20261123", Location())
datetime.date(2026, 11, 23)
>>> x12_number(Decimal("9.250"))
'9.25'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from pydantic import ValidationError as PydanticValidationError

from formats.codes.units import UnitMap
from formats.errors import Location, MappingError
from formats.model import (
    Address,
    Allowance,
    Contact,
    DatedEvent,
    DateKind,
    Extension,
    ItemId,
    ItemIdKind,
    Money,
    Party,
    PartyId,
    PartyIdKind,
    PartyRole,
    Reference,
)
from formats.x12.envelope import Segment, TransactionSet

T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# Code lists (X12 data elements 98, 66, 374, 235, 366/365)
# --------------------------------------------------------------------------------------------

PARTY_ROLES: dict[str, PartyRole] = {
    "BY": PartyRole.BUYER,
    "SE": PartyRole.SELLER,
    "VN": PartyRole.SELLER,
    "ST": PartyRole.SHIP_TO,
    "BT": PartyRole.BILL_TO,
    "SF": PartyRole.SHIP_FROM,
    "RI": PartyRole.REMIT_TO,
    "SU": PartyRole.SUPPLIER,
}
"""Entity identifier codes (98) with a canonical role; any other code is ``OTHER``."""

ROLE_CODES: dict[PartyRole, str] = {
    PartyRole.BUYER: "BY",
    PartyRole.SELLER: "SE",
    PartyRole.SHIP_TO: "ST",
    PartyRole.BILL_TO: "BT",
    PartyRole.SHIP_FROM: "SF",
    PartyRole.REMIT_TO: "RI",
    PartyRole.SUPPLIER: "SU",
}
"""The 98 code written for a role when the party does not carry its own ``role_code``."""

PARTY_ID_KINDS: dict[str, PartyIdKind] = {
    "1": PartyIdKind.DUNS,
    "9": PartyIdKind.DUNS4,
    "UL": PartyIdKind.GLN,
    "92": PartyIdKind.BUYER_ASSIGNED,
    "91": PartyIdKind.SELLER_ASSIGNED,
    "ZZ": PartyIdKind.MUTUALLY_DEFINED,
    "24": PartyIdKind.TAX,  # employer's identification number
}
"""Identification code qualifiers (66) with a canonical kind; any other is ``OTHER``."""

VAT_REGISTRATION = "VX"  # 128: value-added tax registration number (Europe)
PARTY_ID_QUALIFIERS: dict[PartyIdKind, str] = {
    kind: qualifier for qualifier, kind in PARTY_ID_KINDS.items()
} | {PartyIdKind.OTHER: "ZZ", PartyIdKind.NETWORK: "ZZ"}

DATE_KINDS: dict[str, DateKind] = {
    "001": DateKind.CANCEL_AFTER,
    "002": DateKind.REQUESTED_DELIVERY,
    "004": DateKind.DOCUMENT,  # purchase order
    "010": DateKind.REQUESTED_SHIP,
    "011": DateKind.SHIPPED,
    "035": DateKind.DELIVERY,  # delivered
    "067": DateKind.PROMISED_DELIVERY,  # current schedule delivery
    "068": DateKind.PROMISED_SHIP,  # current schedule ship
}
"""Date/time qualifiers (374) with a canonical meaning; any other is ``OTHER`` (code kept)."""

DATE_QUALIFIERS: dict[DateKind, str] = {kind: code for code, kind in DATE_KINDS.items()}

ITEM_KINDS: dict[str, ItemIdKind] = {
    "VN": ItemIdKind.SELLER,  # vendor's (seller's) item number
    "VP": ItemIdKind.SELLER,  # vendor's (seller's) part number
    "VC": ItemIdKind.SELLER,  # vendor's (seller's) catalog number
    "VA": ItemIdKind.SELLER_AUX,  # vendor's style number
    "BP": ItemIdKind.BUYER,  # buyer's part number
    "IN": ItemIdKind.BUYER,  # buyer's item number
    "CB": ItemIdKind.BUYER,  # buyer's catalog number
    "MG": ItemIdKind.MANUFACTURER,  # manufacturer's part number
    "UP": ItemIdKind.UPC,  # U.P.C. consumer package code
    "UA": ItemIdKind.UPC,  # U.P.C./EAN case code
    "UK": ItemIdKind.GTIN,  # GTIN-14
    "EN": ItemIdKind.GTIN,  # EAN/UCC-13
    "EO": ItemIdKind.GTIN,  # EAN/UCC-8
}
"""Product/service ID qualifiers (235) with a canonical kind; any other is ``OTHER`` (code kept)."""

ITEM_QUALIFIERS: dict[ItemIdKind, str] = {
    ItemIdKind.SELLER: "VP",
    ItemIdKind.SELLER_AUX: "VA",
    ItemIdKind.BUYER: "BP",
    ItemIdKind.MANUFACTURER: "MG",
    ItemIdKind.UPC: "UP",
    ItemIdKind.GTIN: "EN",
}

COMMUNICATION_FIELDS = {"TE": "phone", "FX": "fax", "EM": "email"}
"""Communication number qualifiers (365) the canonical :class:`Contact` has a field for."""

NOTES_CONTAINER = ("L1", "NOTES")
"""The N9 (qualifier L1, "letters or notes") we write to hold the text lines, and read as no reference."""

TEXT_ELEMENTS = {"MSG": (1, 264), "MTX": (2, 4096)}
"""Free-text segments of an N9 loop: the element holding the text and its width.

MSG (933, 264 characters) up to 004020; from 004030 on the N9 loops carry MTX instead (MTX02,
1551 textual data, 4096 characters): a 005010 grammar refuses MSG there.
"""

MTX_SINCE = "004030"


def text_segments(text: str, version: str) -> list[Segment]:
    """``text`` as the free-text segments of an N9 loop in ``version``: one per line, cut at the width.

    >>> text_segments("Short shipped\\nBackorder follows", "004010")
    [['MSG', 'Short shipped'], ['MSG', 'Backorder follows']]
    >>> text_segments("Short shipped", "005010")
    [['MTX', '', 'Short shipped']]
    """
    tag = "MTX" if version[:6] >= MTX_SINCE else "MSG"
    position, width = TEXT_ELEMENTS[tag]
    return [[tag, *([""] * (position - 1)), line[i:i + width]]
            for line in text.splitlines() if line.strip() for i in range(0, len(line), width)]


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")


def parse_x12_date(text: str, where: Location | None = None) -> dt.date:
    """A DT element: CCYYMMDD, or YYMMDD (years 00-49 taken as 20xx, 50-99 as 19xx)."""
    value = text.strip()
    try:
        if len(value) == 8 and value.isdigit():
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if len(value) == 6 and value.isdigit():
            year = int(value[:2])
            return dt.date(2000 + year if year < 50 else 1900 + year, int(value[2:4]), int(value[4:]))
    except ValueError:
        pass
    raise MappingError(f"{text!r} is not a date (CCYYMMDD or YYMMDD)", where, code="8")


def parse_x12_time(text: str, where: Location | None = None) -> dt.time:
    """A TM element: HHMM, HHMMSS, HHMMSSD or HHMMSSDD."""
    value = text.strip()
    try:
        if value.isdigit() and len(value) in (4, 6, 7, 8):
            seconds = int(value[4:6]) if len(value) >= 6 else 0
            fraction = value[6:]
            micro = int(fraction.ljust(6, "0")) if fraction else 0
            return dt.time(int(value[:2]), int(value[2:4]), seconds, micro)
    except ValueError:
        pass
    raise MappingError(f"{text!r} is not a time (HHMM or HHMMSS)", where, code="9")


def parse_x12_number(text: str, where: Location | None = None) -> Decimal:
    """An R or N0 element as a Decimal; lenient about blanks, a leading ``+`` and thousands commas."""
    value = text.strip().replace(" ", "")
    if "," in value and "." in value:
        value = value.replace(",", "")
    if value.endswith("-") and value[:-1].replace(".", "").isdigit():
        value = "-" + value[:-1]
    if not _NUMBER.match(value):
        raise MappingError(f"{text!r} is not a number", where, code="6")
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid numbers
        raise MappingError(f"{text!r} is not a number", where, code="6") from exc


def x12_number(value: Decimal) -> str:
    """A Decimal written as an X12 R element: no exponent, no trailing zeros, no "+"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def x12_date(value: dt.date) -> str:
    """A date as CCYYMMDD."""
    return value.strftime("%Y%m%d")


def x12_time(value: dt.time) -> str:
    """A time as HHMM, or HHMMSS when it has seconds."""
    return value.strftime("%H%M%S" if value.second else "%H%M")


# --------------------------------------------------------------------------------------------
# Reading one transaction set
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetReader:
    """Typed, located reads from the segments of one transaction set.

    ``index`` arguments index ``ts.segments`` (ST is index 0, position 1); element positions are
    X12's (1-based). Every value read through here that cannot be understood raises a
    :class:`MappingError` naming the segment and element.
    """

    ts: TransactionSet
    set_code: str
    tags: tuple[str, ...] = ()
    component: str = ""

    def __post_init__(self) -> None:
        # Tags are read many times per segment while a set is mapped: normalise them once.
        object.__setattr__(self, "tags", tuple(s[0].strip().upper() if s else "" for s in self.ts.segments))
        object.__setattr__(self, "component", self.ts.interchange.delimiters.component)

    def segment(self, index: int) -> Segment:
        """The segment at ``index``."""
        return self.ts.segments[index]

    def tag(self, index: int) -> str:
        """The (upper-cased) tag of the segment at ``index``."""
        return self.tags[index]

    def body(self) -> range:
        """Indices of the segments between ST and SE."""
        segments = self.ts.segments
        end = len(segments) - 1 if segments and self.tag(len(segments) - 1) == "SE" else len(segments)
        start = 1 if segments and self.tag(0) == "ST" else 0
        return range(start, end)

    def beginning(self, tag: str, what: str) -> tuple[range, int]:
        """The body and the index of its beginning segment ``tag`` (BEG, BAK, BIG ...).

        MappingError when the set is another transaction set or has no such segment: ``what``
        says what the set would have been (``"a purchase order"``).
        """
        if self.ts.code.strip() != self.set_code:
            raise MappingError(f"expected an {self.set_code} transaction set, got {self.ts.code!r}",
                               self.location(0, 1))
        body = self.body()
        index = next((i for i in body if self.tag(i) == tag), None)
        if index is None:
            raise MappingError(f"no {tag} segment: not {what}", self.location(body.start, tag=tag))
        return body, index

    def build(self, what: str, make: Callable[[], T]) -> T:
        """``make()``, where a value the canonical model refuses that no check caught is a MappingError."""
        try:
            return make()
        except PydanticValidationError as exc:
            raise MappingError(f"not a valid {what}: {exc.errors()[0]['msg']}", self.location(None)) from exc

    def location(self, index: int | None, element_position: int | None = None, tag: str | None = None) -> Location:
        """Where element ``element_position`` of the segment at ``index`` is."""
        return Location(
            segment_position=None if index is None else index + 1,
            segment_tag=tag or (self.tag(index) if index is not None else None),
            element_position=element_position,
            interchange=self.ts.interchange.control_number,
            group=self.ts.group.control_number,
            transaction=self.ts.control_number,
        )

    def source(self, tag: str) -> str:
        """The ``source`` of an extension from segment ``tag`` (``x12:850/PO4``)."""
        return f"x12:{self.set_code}/{tag}"

    def text(self, index: int, position: int) -> str:
        """Element ``position`` with surrounding blanks dropped ("" when absent)."""
        segment = self.ts.segments[index]
        return segment[position].strip() if position < len(segment) else ""

    def code(self, index: int, position: int) -> str:
        """An ID element: upper case, blanks dropped, first component only."""
        segment = self.ts.segments[index]
        if position >= len(segment):
            return ""
        value = segment[position]
        if self.component in value:
            value = value.split(self.component)[0]
        return value.strip().upper()

    def _typed(self, parse: Callable[[str], T], index: int, position: int) -> T | None:
        """Element ``position`` through ``parse``; None when empty, a located MappingError when wrong.

        The location is built only on failure: most values are fine, and a Location per element
        read is a measurable share of translating a large file.
        """
        value = self.text(index, position)
        if not value:
            return None
        try:
            return parse(value)
        except MappingError as exc:
            raise MappingError(exc.message, self.location(index, position), code=exc.code) from None

    def date(self, index: int, position: int) -> dt.date | None:
        """A DT element, or None when empty."""
        return self._typed(parse_x12_date, index, position)

    def time(self, index: int, position: int) -> dt.time | None:
        """A TM element, or None when empty."""
        return self._typed(parse_x12_time, index, position)

    def number(self, index: int, position: int) -> Decimal | None:
        """An R/N element, or None when empty."""
        return self._typed(parse_x12_number, index, position)

    def required(self, index: int, position: int, what: str) -> str:
        """A text element that must be there; MappingError naming ``what`` otherwise."""
        value = self.text(index, position)
        if not value:
            raise MappingError(f"{self.tag(index)}{position:02d} ({what}) is missing", self.location(index, position))
        return value

    def money(self, amount: Decimal, currency: str, index: int, position: int) -> Money:
        """``amount`` in ``currency``; an unknown currency code is a MappingError at the element."""
        try:
            return Money(amount=amount, currency=currency)
        except PydanticValidationError as exc:
            where = self.location(index, position)
            raise MappingError(f"currency {currency!r} is not an ISO 4217 code", where) from exc

    def unit(self, index: int, position: int, units: UnitMap) -> str:
        """A unit of measure element as its UN/ECE Rec 20 code, through the partner's ``units``."""
        try:
            return units.to_canonical(self.code(index, position))
        except MappingError as exc:
            raise MappingError(exc.message, self.location(index, position), code=exc.code) from None

    def unit_as_received(self, index: int, position: int, units: UnitMap) -> tuple[str, bool]:
        """A unit element as its Rec 20 code when ``units`` maps it, else as received; and whether it mapped.

        Lenient in: partners send codes outside the X12 355 table, and reading does not stop for
        one. The caller keeps the element as an extension when it did not map, so that what the
        partner sent stays visible and the decision to refuse it is the pipeline's business rule.
        A code the canonical model cannot carry at all (empty, or not 1-3 letters and digits)
        is still a MappingError at the element.
        """
        code = self.code(index, position)
        if code in units:
            return units.to_canonical(code), True
        if not code or len(code) > 3 or not code.isascii() or not code.isalnum():
            return self.unit(index, position, units), True  # raises, located
        return code, False

    def leftovers(self, index: int, used: Iterable[int]) -> list[Extension]:
        """Extensions for the non-empty elements of a mapped segment that were not ``used``."""
        segment = self.ts.segments[index]
        taken = used if isinstance(used, set | frozenset) else set(used)
        for position in range(1, len(segment)):
            if position not in taken and segment[position].strip():
                break
        else:
            return []  # the common case: the mapping used everything the partner sent
        tag = self.tag(index)
        return [
            Extension(source=self.source(tag), name=f"{tag}{position:02d}", value=value.strip())
            for position, value in enumerate(segment[1:], start=1)
            if position not in taken and value.strip()
        ]

    def kept_whole(self, index: int) -> Extension:
        """The whole segment at ``index`` as one extension (a segment the model has no place for)."""
        segment = self.ts.segments[index]
        tag = self.tag(index)
        return Extension(source=self.source(tag), name=tag, value="*".join(v.strip() for v in segment[1:]))


def refill(segment: Segment, extensions: Iterable[Extension], source: str) -> Segment:
    """``segment`` with the leftover elements of ``extensions`` from ``source`` put back in place."""
    out = list(segment)
    tag = out[0]
    for ext in extensions:
        if ext.source != source or not ext.name.startswith(tag) or not ext.name[len(tag):].isdigit():
            continue
        position = int(ext.name[len(tag):])
        while len(out) <= position:
            out.append("")
        if not out[position]:
            out[position] = ext.value
    return out


# --------------------------------------------------------------------------------------------
# REF, PER, DTM
# --------------------------------------------------------------------------------------------


REFERENCE_QUALIFIERS: dict[str, str] = {
    "BillingReference": "OI",  # the invoice a credit note credits (UBL cac:BillingReference, EN 16931 BT-25)
}
"""Canonical reference qualifiers that are no X12 128 code, and the 128 code that carries each.

Read back into the canonical name, so that a credit note read from an 810 names the invoice it
credits as one read from UBL does.
"""

CANONICAL_REFERENCES: dict[str, str] = {code: name for name, code in REFERENCE_QUALIFIERS.items()}

_REFERENCE_CODE = re.compile(r"[A-Z0-9]{2,3}")
"""The shape of a 128 code: the two-character space is all but fully assigned, three-character codes exist."""


def reference_qualifier(qualifier: str) -> str:
    """The X12 128 code a canonical reference ``qualifier`` is written with.

    Its own when it is one (``VN``), the code of a canonical name (:data:`REFERENCE_QUALIFIERS`);
    any other name is a :class:`MappingError` naming it: a REF01 that is no 128 code makes the
    whole set invalid for the partner, and guessing a code would tell it something else.

    >>> reference_qualifier("BillingReference"), reference_qualifier("VN")
    ('OI', 'VN')
    """
    code = REFERENCE_QUALIFIERS.get(qualifier, qualifier)
    if not _REFERENCE_CODE.fullmatch(code):
        raise MappingError(f"reference {qualifier!r} has no X12 128 qualifier to be written with")
    return code


def read_reference(reader: SetReader, index: int) -> tuple[Reference, list[Extension]]:
    """REF (or N9): qualifier 128, identification, description; the rest as extensions.

    A 128 code that stands for a canonical name (:data:`CANONICAL_REFERENCES`) is read as that name.
    """
    qualifier = reader.code(index, 1)
    value = reader.text(index, 2)
    description = reader.text(index, 3) or None
    if not qualifier or not (value or description):
        raise MappingError(f"{reader.tag(index)} without a qualifier and a value", reader.location(index, 1))
    reference = Reference(qualifier=CANONICAL_REFERENCES.get(qualifier, qualifier), value=value,
                          description=description)
    return reference, reader.leftovers(index, (1, 2, 3))


def reference_segment(reference: Reference, tag: str = "REF") -> Segment:
    """A REF (or N9) for ``reference``, its qualifier as a 128 code (:func:`reference_qualifier`)."""
    return [tag, reference_qualifier(reference.qualifier), reference.value, reference.description or ""]


def read_contact(reader: SetReader, index: int) -> tuple[Contact, list[Extension]]:
    """PER: function code (366) as ``role``, name, and up to three communication numbers."""
    fields: dict[str, str] = {}
    extensions: list[Extension] = []
    used = {1, 2}
    for position in (3, 5, 7):
        qualifier, number = reader.code(index, position), reader.text(index, position + 1)
        name = COMMUNICATION_FIELDS.get(qualifier)
        if name and number and name not in fields:
            fields[name] = number
            used |= {position, position + 1}
    extensions.extend(reader.leftovers(index, used))
    contact = Contact(name=reader.text(index, 2) or None, role=reader.code(index, 1) or None, **fields)
    return contact, extensions


def contact_segment(contact: Contact) -> Segment:
    """A PER for ``contact`` (function code IC, information contact, when it has no role)."""
    segment = ["PER", contact.role or "IC", contact.name or ""]
    for qualifier, number in (("TE", contact.phone), ("EM", contact.email), ("FX", contact.fax)):
        if number:
            segment += [qualifier, number]
    return segment


def read_dated_event(reader: SetReader, index: int, qualifier_at: int = 1, date_at: int = 2,
                     time_at: int | None = 3) -> DatedEvent:
    """A 374-qualified date (DTM01/02/03, or SCH05/06/07 with other positions)."""
    qualifier = reader.code(index, qualifier_at)
    date = reader.date(index, date_at)
    if date is None and reader.tag(index) == "DTM" and reader.code(index, 5) == "D8":
        date = reader.date(index, 6)  # DTM05 D8 with the date in DTM06 instead of DTM02
    if date is None:
        raise MappingError(f"{reader.tag(index)} {qualifier} has no date", reader.location(index, date_at))
    time = reader.time(index, time_at) if time_at else None
    return DatedEvent(kind=DATE_KINDS.get(qualifier, DateKind.OTHER), date=date, time=time, qualifier=qualifier)


def date_segment(event: DatedEvent) -> Segment:
    """A DTM for ``event``; a kind with no 374 code of its own needs its ``qualifier``."""
    qualifier = event.qualifier or DATE_QUALIFIERS.get(event.kind)
    if not qualifier:
        raise MappingError(f"a {event.kind.value} date has no X12 374 qualifier to be written with")
    return ["DTM", qualifier, x12_date(event.date), x12_time(event.time) if event.time else ""]


# --------------------------------------------------------------------------------------------
# Product ID pairs (235/234)
# --------------------------------------------------------------------------------------------


def read_item_ids(reader: SetReader, index: int, first: int, last: int) -> tuple[list[ItemId], set[int]]:
    """The product ID pairs of elements ``first``..``last`` and the positions they used."""
    items: list[ItemId] = []
    used: set[int] = set()
    segment = reader.segment(index)
    for position in range(first, min(last, len(segment) - 1), 2):
        value = segment[position + 1].strip()
        if not value:
            continue
        qualifier = reader.code(index, position)
        if qualifier:
            items.append(ItemId(kind=ITEM_KINDS.get(qualifier, ItemIdKind.OTHER), value=value, qualifier=qualifier))
            used.add(position)
            used.add(position + 1)
    return items, used


def item_id_elements(items: Sequence[ItemId], limit: int, where: str) -> list[str]:
    """The items as qualifier/value pairs, at most ``limit`` pairs."""
    if len(items) > limit:
        raise MappingError(f"{where}: {len(items)} item identifiers, X12 has room for {limit}")
    out: list[str] = []
    for item in items:
        qualifier = item_qualifier(item)
        if not qualifier:
            raise MappingError(f"{where}: item identifier {item.value!r} of kind {item.kind.value} has no 235 code"
                               + (f" (its scheme {item.qualifier!r} is another standard's)" if item.qualifier else ""))
        out += [qualifier, item.value]
    return out


def item_qualifier(item: ItemId) -> str | None:
    """The X12 235 code of an item identifier: its own when it is one, else the code of its kind.

    An identifier read from UBL or cXML keeps that standard's scheme (``0160``, ``GTIN``), which
    no X12 partner reads; a GTIN of 14 digits is a ``UK``, other GTINs an ``EN``.

    >>> item_qualifier(ItemId(kind=ItemIdKind.GTIN, value="10614141999996", qualifier="0160"))
    'UK'
    >>> item_qualifier(ItemId(kind=ItemIdKind.BUYER, value="A-1", qualifier="IN"))
    'IN'
    """
    if item.qualifier and X12_QUALIFIER.fullmatch(item.qualifier):
        return item.qualifier
    if item.kind is ItemIdKind.GTIN and len(item.value) == 14:
        return "UK"
    return ITEM_QUALIFIERS.get(item.kind)


X12_QUALIFIER = re.compile(r"[A-Z0-9]{2}")
"""What an X12 235 product/service ID qualifier looks like (two letters or digits)."""


# --------------------------------------------------------------------------------------------
# N1 loop
# --------------------------------------------------------------------------------------------

REGION_LOCATION = "SP"
"""N405 (309 location qualifier) "state/province": N406 then names a region that is no two-letter code."""


def n4_segment(address: Address) -> Segment:
    """N4: city, state (N402, a two-letter code), postal code, country; a longer region in N405/N406.

    >>> n4_segment(Address(city="London", region="Greater London", postal_code="E1 6AN", country="GB"))
    ['N4', 'London', '', 'E1 6AN', 'GB', 'SP', 'Greater London']
    """
    region = address.region or ""
    n4 = ["N4", address.city or "", region if len(region) <= 2 else "", address.postal_code or "",
          address.country or ""]
    return [*n4, REGION_LOCATION, region] if len(region) > 2 else n4


PARTY_LOOP_TAGS = frozenset({"N2", "N3", "N4", "NX2", "REF", "PER", "SI", "FOB", "TD1", "TD5", "TD3", "TD4", "PKG"})
"""Segments that belong to the N1 loop they follow (the 850/855 header and PO1-level N1 loops)."""


def read_party(reader: SetReader, start: int, stop: int) -> tuple[Party, int]:
    """The N1 loop starting at ``start`` (reading no further than ``stop``) and the index after it."""
    role_code = reader.code(start, 1)
    if not role_code:
        raise MappingError("N101 (entity identifier code) is missing", reader.location(start, 1))
    ids: list[PartyId] = []
    id_qualifier, id_value = reader.code(start, 3), reader.text(start, 4)
    if id_value:
        ids.append(PartyId(kind=PARTY_ID_KINDS.get(id_qualifier, PartyIdKind.OTHER), value=id_value,
                           qualifier=id_qualifier or None))
    extensions = reader.leftovers(start, (1, 2, 3, 4))
    lines: list[str] = []
    address: dict[str, str] = {}
    contacts: list[Contact] = []
    index = start + 1
    while index < stop and reader.tag(index) in PARTY_LOOP_TAGS:
        tag = reader.tag(index)
        if tag == "N3":
            lines += [v for v in (reader.text(index, 1), reader.text(index, 2)) if v]
            extensions += reader.leftovers(index, (1, 2))
        elif tag == "N4":
            for position, name in ((1, "city"), (2, "region"), (3, "postal_code"), (4, "country")):
                value = reader.code(index, position) if name in ("region", "country") else reader.text(index, position)
                if value:
                    address[name] = value
            used = (1, 2, 3, 4)
            if not address.get("region") and reader.code(index, 5) == REGION_LOCATION and reader.text(index, 6):
                address["region"], used = reader.text(index, 6), (1, 2, 3, 4, 5, 6)
            extensions += reader.leftovers(index, used)
        elif tag == "PER":
            contact, more = read_contact(reader, index)
            contacts.append(contact)
            extensions += more
        elif tag == "N2":
            extensions += reader.leftovers(index, ())
        elif tag == "REF" and reader.code(index, 1) == VAT_REGISTRATION and reader.text(index, 2):
            ids.append(PartyId(kind=PartyIdKind.TAX, value=reader.text(index, 2), qualifier="VAT"))
            extensions += reader.leftovers(index, (1, 2))
        elif tag == "REF":
            reference, more = read_reference(reader, index)
            extensions.append(Extension(source=reader.source("REF"), name=reader.code(index, 1), value=reference.value))
            extensions += more + ([Extension(source=reader.source("REF"), name="REF03", value=reference.description)]
                                  if reference.description else [])
        else:
            extensions.append(reader.kept_whole(index))
        index += 1
    party = Party(
        role=PARTY_ROLES.get(role_code, PartyRole.OTHER),
        name=reader.text(start, 2) or None,
        ids=tuple(ids),
        address=Address(lines=tuple(lines), **address) if lines or address else None,
        contacts=tuple(contacts),
        role_code=role_code,
        extensions=tuple(extensions),
    )
    return party, index


def entity_code(party: Party, role: PartyRole | None = None) -> str | None:
    """The 98 code of ``party`` written as ``role`` (its own role by default).

    The code the party was read with (``role_code``) when it names that role (``VN`` for a
    seller), else the role's own code: a party copied into another slot (the buyer billed as
    the bill-to) keeps the code of the slot it came from, which would name the wrong party.

    >>> buyer = Party(role=PartyRole.BUYER, role_code="BY", name="ACME")
    >>> entity_code(buyer), entity_code(buyer, PartyRole.BILL_TO)
    ('BY', 'BT')
    """
    role = role or party.role
    if party.role_code and PARTY_ROLES.get(party.role_code, PartyRole.OTHER) == role:
        return party.role_code
    return ROLE_CODES.get(role) or party.role_code


def party_segments(party: Party, set_code: str, role: PartyRole | None = None) -> list[Segment]:
    """The N1 loop for ``party`` in the slot of ``role`` (its own role by default).

    N1 (its code from :func:`entity_code`), N2 and REF kept from its extensions, N3, N4, REF*VX,
    PER. N1 holds one identifier; a party with more raises :class:`MappingError` rather than
    silently sending fewer. A VAT number is not that identifier: it goes in ``REF*VX``. A
    company register number (an ``other`` id qualified ``legal``) has no place in X12 and is
    left out: it is a legal mention for invoices in UBL, not a way to address a party.

    A party with neither a name nor an identifier (a buyer an 850 names only by its ``PER*BD``
    contact) has no N1 loop: N1 needs N102 or N103/N104, and the N1 loops of the sets we write
    are optional, so the partner gets a valid document without a party it never named rather
    than no document at all.
    """
    role_code = entity_code(party, role)
    if not role_code:
        raise MappingError(f"party {party.name!r} with role {(role or party.role).value} has no X12 98 entity code")
    vat_ids = [i for i in party.ids if i.kind == PartyIdKind.TAX]
    ids = [i for i in party.ids if i.kind != PartyIdKind.TAX and not _is_legal_registration(i)]
    if len(ids) > 1:
        raise MappingError(f"N1 {role_code}: {len(ids)} identifiers, N1 has room for one")
    if not party.name and not ids:
        return []
    n1 = ["N1", role_code, party.name or ""]
    if ids:
        first = ids[0]
        n1 += [x12_party_qualifier(first), first.value]
    segments = [refill(n1, party.extensions, f"x12:{set_code}/N1")]
    n2 = refill(["N2"], party.extensions, f"x12:{set_code}/N2")
    if len(n2) > 1:
        segments.append(n2)
    address = party.address
    if address is not None:
        segments += [["N3", *address.lines[i:i + 2]] for i in range(0, len(address.lines), 2)]
        if address.city or address.region or address.postal_code or address.country:
            segments.append(refill(n4_segment(address), party.extensions, f"x12:{set_code}/N4"))
    segments += [["REF", e.name, e.value] for e in party.extensions
                 if e.source == f"x12:{set_code}/REF" and not e.name.startswith("REF")]
    segments += [["REF", VAT_REGISTRATION, vat.value] for vat in vat_ids]
    segments += [contact_segment(contact) for contact in party.contacts]
    return segments


def x12_party_qualifier(identifier: PartyId) -> str:
    """The X12 66 qualifier of an identifier: its own when it is one, else its kind's.

    A GLN read from UBL carries the ISO 6523 scheme ``0088``; in X12 it is ``UL``.
    """
    qualifier = identifier.qualifier
    if qualifier and (PARTY_ID_KINDS.get(qualifier) == identifier.kind or (identifier.kind in (
            PartyIdKind.OTHER, PartyIdKind.MUTUALLY_DEFINED) and len(qualifier) <= 2)):
        return qualifier
    return PARTY_ID_QUALIFIERS[identifier.kind]


def _is_legal_registration(identifier: PartyId) -> bool:
    return identifier.kind == PartyIdKind.OTHER and (identifier.qualifier or "").split(":")[0] == "legal"


def place_party(party: Party, slots: dict[PartyRole, Party | None], others: list[Party]) -> None:
    """Put ``party`` in the first free canonical slot for its role, else among ``others``."""
    if party.role in slots and slots[party.role] is None:
        slots[party.role] = party
    else:
        others.append(party)


# --------------------------------------------------------------------------------------------
# SAC allowances and charges
# --------------------------------------------------------------------------------------------

MUTUALLY_DEFINED_CHARGE = "ZZZZ"
"""SAC02 (1300) of an allowance or charge the X12 list has no code for; its SAC15 text says what it is."""

CHARGE_CODE = re.compile(r"[A-Z][0-9]{3}|[A-Z]{4}")
"""What an X12 1300 code looks like (``D240`` freight, ``C310`` discount, ``ZZZZ``): four characters."""


def allowance_segment(allowance: Allowance) -> Segment:
    """SAC: A allowance / C charge, code 1300, amount SAC05 (N2: implied cents), percent SAC07, text SAC15.

    A code of another standard (UBL's UNCL 5189/7161 ``95``, cXML's ``Shipping``) is no 1300 code:
    the charge goes as ``ZZZZ`` (mutually defined) and is named by its text, or by that code when
    it has none. SAC needs SAC02 or SAC03 (X12 R0203), and an amount or a percent to mean anything.
    """
    if allowance.amount is None and allowance.percent is None:
        raise MappingError(f"SAC {allowance.code or ''}: an allowance or charge needs an amount or a percent")
    if not allowance.code and not allowance.description:
        raise MappingError("SAC02 (allowance or charge code) is missing: the allowance has no code and no text")
    code = allowance.code if allowance.code and CHARGE_CODE.fullmatch(allowance.code) else MUTUALLY_DEFINED_CHARGE
    text = allowance.description or (allowance.code if code == MUTUALLY_DEFINED_CHARGE else "") or ""
    cents = x12_number((allowance.amount.amount * 100).quantize(Decimal(1))) if allowance.amount else ""
    percent = x12_number(allowance.percent) if allowance.percent is not None else ""
    return ["SAC", "C" if allowance.is_charge else "A", code, "", "", cents, "", percent, "", "", "", "", "", "", "",
            text]


def read_allowance(r: SetReader, index: int, currency: str) -> tuple[Allowance, list[Extension]]:
    """SAC as :func:`allowance_segment` writes it (``ZZZZ`` reads as no code); the leftovers as extensions."""
    indicator = r.code(index, 1)
    cents = r.number(index, 5)
    amount = r.money(cents.scaleb(-2), currency, index, 5) if cents is not None else None
    code = r.code(index, 2) or None
    allowance = Allowance(is_charge=indicator == "C", amount=amount, percent=r.number(index, 7),
                          code=None if code == MUTUALLY_DEFINED_CHARGE else code,
                          description=r.text(index, 15) or None)
    used = {2, 5, 7, 15} | ({1} if indicator in ("A", "C") else set())
    return allowance, r.leftovers(index, used)


__all__ = [
    "CANONICAL_REFERENCES",
    "DATE_KINDS",
    "ITEM_KINDS",
    "NOTES_CONTAINER",
    "PARTY_ID_KINDS",
    "PARTY_LOOP_TAGS",
    "PARTY_ROLES",
    "REFERENCE_QUALIFIERS",
    "TEXT_ELEMENTS",
    "SetReader",
    "allowance_segment",
    "contact_segment",
    "date_segment",
    "entity_code",
    "item_id_elements",
    "parse_x12_date",
    "parse_x12_number",
    "parse_x12_time",
    "party_segments",
    "place_party",
    "read_allowance",
    "read_contact",
    "read_dated_event",
    "read_item_ids",
    "read_party",
    "read_reference",
    "reference_qualifier",
    "reference_segment",
    "refill",
    "text_segments",
    "x12_date",
    "x12_number",
    "x12_time",
]
