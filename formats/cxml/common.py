"""What every cXML 1.2 message shares: lenient reading helpers and strict writing helpers.

cXML is one DTD (``cXML.dtd``, plus ``Fulfill.dtd`` and ``InvoiceDetail.dtd`` that repeat the
common parts), without namespaces. Real documents vary: element case (``cxml``, ``Networkid``),
blanks around values, numbers like ``1505.0`` and dates with or without a time. Reading here is
therefore by case-insensitive local name, with text stripped, and every value that cannot be
understood raises :class:`~formats.errors.MappingError` naming the element's line and path.

Writing is strict: callers append children in the DTD's sequence order (a DTD content model
is a sequence, so order is validity), and :func:`serialize` writes the DOCTYPE of the DTD the
document is valid against.

More information: cXML User's Guide 1.2 (cxml.org), chapter "cXML Basics" (dates are ISO 8601
with a time zone, Money carries an ISO 4217 currency, UnitOfMeasure is UN/CEFACT Rec 20).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from xml.sax.saxutils import escape

from lxml import etree
from pydantic import ValidationError as PydanticValidationError

from formats.codes.units import UnitMap, read_unit_table
from formats.errors import Location, MappingError
from formats.model import Money
from formats.numbers import LIMITS, decimal_value
from formats.xml import attribute_named, line_of, local_name, text_of

CXML_VERSION = "1.2.063"
"""The cXML version we write: the newest DTD in the corpus (``cxml/dtd/1.2.063``)."""

INVOICE_VERSION = "1.2.037"
"""InvoiceDetailRequest is written against the one InvoiceDetail.dtd in the corpus (1.2.037)."""

DTD_URL = "http://xml.cxml.org/schemas/cXML/{version}/{name}"
"""The system identifier of an official cXML DTD, named in the DOCTYPE we write."""

DEFAULT_LANG = "en-US"

_WHOLE = re.compile(r"[0-9]{1,9}", re.ASCII)

# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def where(element: etree._Element, attribute: str | None = None) -> Location:
    """The line and path of ``element`` (and ``@attribute``), for error messages."""
    location = line_of(element)
    if attribute is None:
        return location
    return Location(line=location.line, path=f"{location.path}/@{attribute}")


def children(parent: etree._Element | None, name: str) -> list[etree._Element]:
    """Child elements named ``name`` whatever their case (partners vary it)."""
    if parent is None:
        return []
    wanted = name.lower()
    return [c for c in parent if local_name(c).lower() == wanted]


def child(parent: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element down ``path`` (case-insensitive), or None.

    The spelling the DTD gives is looked up first, in lxml's C code (``iterchildren``); only when it is
    not there are the children compared one by one whatever their case and namespace. Readers
    call this for every element they look at, so the common case must not cost a Python loop.
    """
    node = parent
    for name in path:
        if node is None:
            return None
        found = next(node.iterchildren(name), None)
        if found is None:
            wanted = name.lower()
            found = next((c for c in node if local_name(c).lower() == wanted), None)
        node = found
    return node


class Kids:
    """The children of one element by case-insensitive local name, read in one pass.

    For a reader that asks one element for many names (a Header, a PunchOutSetupRequest): each
    question is then a dictionary lookup. :func:`child` walks every child in Python whenever
    the DTD's spelling is not there, as it is not for each optional element that is absent.
    Leniency is the same as :func:`child` and :func:`children`: case and namespace ignored.
    """

    __slots__ = ("_named",)

    def __init__(self, parent: etree._Element | None) -> None:
        named: dict[str, list[etree._Element]] = {}
        if parent is not None:
            for element in parent:
                name = local_name(element)
                if name:  # not a comment or processing instruction
                    named.setdefault(name.lower(), []).append(element)
        self._named = named

    def first(self, name: str) -> etree._Element | None:
        """The first child named ``name`` (any case), or None."""
        found = self._named.get(name.lower())
        return found[0] if found else None

    def all(self, name: str) -> list[etree._Element]:
        """Every child named ``name`` (any case), in document order."""
        return self._named.get(name.lower(), [])

    def text(self, name: str) -> str:
        """The stripped text of the first child named ``name`` ("" when absent)."""
        return text_of(self.first(name))


def need(parent: etree._Element, name: str, what: str) -> etree._Element:
    """The child ``name``; :class:`MappingError` at ``parent`` when it is missing."""
    found = child(parent, name)
    if found is None:
        location = where(parent)
        raise MappingError(f"{what}: no <{name}> element", Location(line=location.line, path=f"{location.path}/{name}"))
    return found


def text(parent: etree._Element | None, *path: str) -> str:
    """The stripped text content down ``path`` ("" when absent)."""
    return text_of(child(parent, *path) if path else parent)


def optional_text(parent: etree._Element | None, *path: str) -> str | None:
    """The stripped text down ``path``, None when absent or blank."""
    return text(parent, *path) or None


def attribute(element: etree._Element, name: str) -> str | None:
    """An attribute's stripped value whatever its case, None when absent or blank.

    One pass over the element's attribute names at most (:func:`formats.xml.attribute_named`),
    never a value fetched per attribute: lxml's ``items()`` is quadratic in their number.
    """
    value = attribute_named(element, name)
    return None if value is None else value.strip() or None


def required_attribute(element: etree._Element, name: str, what: str) -> str:
    """An attribute that must be there; :class:`MappingError` naming it when it is not."""
    value = attribute(element, name)
    if value is None:
        raise MappingError(f"{what}: attribute {name!r} is missing or empty", where(element, name))
    return value


At = Location | etree._Element
"""Where a value was read: a Location, or the element (its path is then worked out only for an error).

``where()`` asks lxml for the element's path, which counts its same-named siblings: done for
every line of a document it is quadratic in the lines, so the readers pass the element and
the path is found only when there is an error to report."""


def locate(at: At, attribute_name: str | None = None) -> Location:
    """The Location of ``at`` (and ``@attribute_name``)."""
    return where(at, attribute_name) if isinstance(at, etree._Element) else at


def number(value: str, at: At, what: str, attribute_name: str | None = None) -> Decimal:
    """A decimal from cXML text (``1505.0``, `` 2 ``, ``.5``, ``1.5E3``); :class:`MappingError` otherwise.

    Only ASCII digits, and a size an amount or quantity can have (:func:`formats.numbers.decimal_value`).
    """
    number_ = decimal_value(value, exponent=True)
    if number_ is None:
        raise MappingError(f"{what} {value!r} is not a number ({LIMITS})", locate(at, attribute_name))
    return number_


def whole_number(value: str) -> int | None:
    """An ASCII whole number (``30``, `` 7 ``) of at most 9 digits, None otherwise (``'²'``, ``'1e3'``, ``'-1'``)."""
    cleaned = value.strip()
    return int(cleaned) if _WHOLE.fullmatch(cleaned) else None


def number_attribute(element: etree._Element, name: str, what: str) -> Decimal | None:
    """A numeric attribute, None when absent."""
    value = attribute(element, name)
    return None if value is None else number(value, element, what, name)


def parse_datetime(value: str, at: At, what: str, attribute_name: str | None = None) -> dt.datetime | dt.date:
    """A cXML date: ISO 8601 with time and zone, or a bare date; :class:`MappingError` otherwise."""
    cleaned = value.strip()
    try:
        if not cleaned.isascii():
            raise ValueError("not ASCII")
        if len(cleaned) == 10:
            return dt.date.fromisoformat(cleaned)
        return dt.datetime.fromisoformat(cleaned.replace(" ", "T", 1) if "T" not in cleaned else cleaned)
    except ValueError as exc:
        raise MappingError(f"{what} {value!r} is not an ISO 8601 date", locate(at, attribute_name)) from exc


def date_attribute(element: etree._Element, name: str, what: str) -> dt.datetime | dt.date | None:
    """A date attribute as a datetime (or date when the document gave no time), None when absent."""
    value = attribute(element, name)
    return None if value is None else parse_datetime(value, element, what, name)


def date_part(value: dt.datetime | dt.date | None) -> dt.date | None:
    """The calendar date of a value read by :func:`date_attribute`."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def time_part(value: dt.datetime | dt.date | None) -> dt.time | None:
    """The (zone-aware) time of a value, None for a bare date or midnight UTC (what we write for a date)."""
    if not isinstance(value, dt.datetime):
        return None
    if value.time() == dt.time(0) and value.utcoffset() in (None, dt.timedelta(0)):
        return None
    return value.timetz()


def money(element: etree._Element, what: str) -> Money:
    """The ``Money`` child of ``element`` (or ``element`` itself if it is a Money)."""
    node = element if local_name(element).lower() == "money" else need(element, "Money", what)
    currency = required_attribute(node, "currency", f"{what} Money")
    amount = number(text(node), node, f"{what} amount")
    try:
        return Money(amount=amount, currency=currency)
    except PydanticValidationError as exc:
        raise MappingError(f"{what}: unknown currency {currency!r} (not ISO 4217)", where(node, "currency")) from exc


def optional_money(parent: etree._Element | None, name: str, what: str) -> Money | None:
    """The Money inside child ``name`` of ``parent``, None when there is none or it is empty."""
    node = child(parent, name)
    if node is None:
        return None
    inner = child(node, "Money")
    if inner is None or not text(inner):
        return None
    return money(node, what)


def raw_xml(element: etree._Element) -> str:
    """An element serialised as it was received (for extensions keeping what has no field)."""
    return etree.tostring(element, encoding="unicode", with_tail=False)


def inner_xml(element: etree._Element) -> str:
    """The content of ``element`` as XML, verbatim: text escaped as XML, children serialised, blanks kept."""
    parts = [escape(element.text or "")]
    parts.extend(etree.tostring(c, encoding="unicode", with_tail=True) for c in element)
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------

LEGACY_UNITS: tuple[tuple[str, str], ...] = (
    ("BX", "XBX"), ("CS", "XCS"), ("CT", "XCT"), ("PK", "XPK"), ("BG", "XBG"), ("BO", "XBO"),
    ("DR", "XDR"), ("RO", "XRO"), ("TU", "XTU"), ("PCE", "H87"), ("PC", "H87"), ("EACH", "EA"),
    ("DZ", "DZN"), ("KG", "KGM"), ("LB", "LBR"), ("BOX", "XBX"),
)
"""Codes buyers still send from Rec 20 before revision 8 (package codes without the ``X``) and
common habits, read to the current Rec 20 code; we write the current code back."""

EXTRA_REC20 = ("EA", "H87", "C62", "PR", "SET", "XPK", "XBX", "XCS", "XPA", "XSA", "XPL", "XRL", "LTR", "HUR", "E48")


def default_units() -> UnitMap:
    """The cXML unit map: Rec 20 codes as themselves, plus the legacy codes of :data:`LEGACY_UNITS`."""
    from importlib.resources import files

    rows = read_unit_table(files("formats.codes").joinpath("units.csv").read_text(encoding="utf-8"))
    rec20 = dict.fromkeys([*EXTRA_REC20, *(row.canonical for row in rows)])
    return UnitMap.from_pairs([*((code, code) for code in rec20), *LEGACY_UNITS], "cXML (UN/ECE Rec 20)")


_DEFAULT_UNITS: list[UnitMap] = []


def units_or_default(units: UnitMap | None) -> UnitMap:
    """``units``, or the cXML default map (built once)."""
    if units is not None:
        return units
    if not _DEFAULT_UNITS:
        _DEFAULT_UNITS.append(default_units())
    return _DEFAULT_UNITS[0]


def unit_of(units: UnitMap, node: etree._Element, code: str | None = None) -> str:
    """The Rec 20 code of the UnitOfMeasure ``node`` (or of ``code`` read there); MappingError at ``node``."""
    try:
        return units.to_canonical(text(node) if code is None else code)
    except MappingError as exc:  # located only now: where() costs a walk of the node's siblings
        raise MappingError(exc.message, where(node)) from exc


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def sub(parent: etree._Element, tag: str, value: str | None = None, /, **attributes: str | None) -> etree._Element:
    """Append element ``tag`` with text ``value`` and the attributes that are not None."""
    element = etree.SubElement(parent, tag)
    for key, attr_value in attributes.items():
        if attr_value is not None:
            element.set(_attribute_name(key), attr_value)
    if value is not None:
        element.text = value
    return element


def _attribute_name(key: str) -> str:
    if key == "lang":
        return "{http://www.w3.org/XML/1998/namespace}lang"
    return key.rstrip("_")


def decimal_text(value: Decimal) -> str:
    """A decimal written plainly (no exponent), as cXML's %r8 and Money expect."""
    return format(value, "f")


def money_element(parent: etree._Element, name: str | None, amount: Money, negate: bool = False) -> etree._Element:
    """Append ``<name><Money currency=..>amount</Money></name>`` (or a bare Money when name is None)."""
    holder = parent if name is None else sub(parent, name)
    value = -amount.amount if negate else amount.amount
    sub(holder, "Money", decimal_text(value), currency=amount.currency)
    return holder


def datetime_text(value: dt.date, time: dt.time | None = None) -> str:
    """An ISO 8601 date-time with zone, as cXML's %datetime.tz requires (midnight UTC for a date)."""
    if isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    else:
        clock = time or dt.time(0)
        stamp = dt.datetime.combine(value, clock)
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.isoformat()


def description(parent: etree._Element, value: str | None, lang: str = DEFAULT_LANG) -> etree._Element:
    """Append a ``Description`` (``xml:lang`` is required by the DTD)."""
    return sub(parent, "Description", value or "", lang=lang)


def extensions_named(extensions: Iterable[object], source: str) -> list[tuple[str, str]]:
    """(name, value) of the extensions from ``source`` (duck-typed to avoid importing the model)."""
    return [(e.name, e.value) for e in extensions if getattr(e, "source", None) == source]  # type: ignore[attr-defined]


def serialize(root: etree._Element, dtd_name: str = "cXML.dtd", version: str = CXML_VERSION) -> bytes:
    """The document as UTF-8 bytes with the XML declaration and the DOCTYPE naming its DTD."""
    doctype = f'<!DOCTYPE cXML SYSTEM "{DTD_URL.format(version=version, name=dtd_name)}">'
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", doctype=doctype, pretty_print=True)


def order_elements(parent: etree._Element, sequence: tuple[str, ...]) -> None:
    """Sort ``parent``'s children into the DTD ``sequence`` (stable; unknown names go last).

    Kept elements (extensions holding partner XML) are appended after the ones we build, so
    they are put back where the DTD wants them.
    """
    rank = {name: index for index, name in enumerate(sequence)}
    ordered = sorted(parent, key=lambda c: rank.get(local_name(c), len(sequence)))
    for element in ordered:
        parent.append(element)


__all__ = [
    "CXML_VERSION",
    "DEFAULT_LANG",
    "DTD_URL",
    "INVOICE_VERSION",
    "At",
    "Kids",
    "attribute",
    "child",
    "children",
    "date_attribute",
    "datetime_text",
    "default_units",
    "locate",
    "money",
    "money_element",
    "need",
    "number",
    "serialize",
    "sub",
    "text",
    "unit_of",
    "where",
    "whole_number",
]
