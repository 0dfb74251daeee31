"""X12 implementation maps (pyx12 map XML) loaded into immutable, precompiled rules.

The implementation guides we accept and send (850, 855, 856, 810, 846, 832 and 860, 004010 and
005010 families; the
997/999 maps from pyx12) are data: pyx12-format XML files in ``formats/x12/maps`` (see
``maps/README.md``), read once with :func:`load_map` and cached. The same files drive pyx12, so
our validator (:mod:`formats.x12.validator`) and the reference validator judge by one source.

A map is a tree of :class:`LoopRule` (loops, in position order) and :class:`SegmentRule`;
a segment's fields are :class:`ElementRule` or :class:`CompositeRule`. Element types, lengths and
code lists are resolved from ``dataele.xml`` and ``codes.xml`` at load time, and every element
gets a compiled type check, so validation does no lookups on the hot path.

``type="wrapper"`` loops of pyx12's own maps (997/999 HEADER/DETAIL) only group segments; they
are flattened into their parent. The XML is parsed with entity resolution and network off.

>>> imap = load_map("850", "004010VICS")
>>> imap.family, imap.body.children[1].tag
('4010', 'BEG')
>>> imap.element_reference("BEG", 5)
'373'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files

from lxml import etree

from formats.errors import Location, ValidationError
from formats.x12.charsets import carries_non_ascii

MAPS_PACKAGE = "formats.x12.maps"
UNBOUNDED = 1 << 30
"""``max_use`` / ``repeat`` of ``>1``."""

MAP_FILES: dict[tuple[str, str], str] = {
    ("850", "4010"): "850.4010.xml",
    ("850", "5010"): "850.5010.xml",
    ("855", "4010"): "855.4010.xml",
    ("855", "5010"): "855.5010.xml",
    **{(code, family): f"{code}.{family}.xml" for code in ("856", "810", "846", "832", "860")
       for family in ("4010", "5010")},
    ("997", "4010"): "997.4010.xml",
    ("999", "5010"): "999.5010X231.A1.xml",
}
"""(ST01, map family) -> map file; pyx12 itself finds them through ``maps.xml``."""

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

# The X12 extended character set as pyx12 checks it (basic set plus lower case and specials);
# 005010 adds ^ and `.
_CHARACTERS_4010 = r"""A-Z0-9!"&'()*+,\-./:;?= a-z%~@\[\]_{}\\|<>#$"""
_CHARACTERS_5010 = _CHARACTERS_4010 + "^`"
_INVALID_4010 = re.compile(f"[^{_CHARACTERS_4010}]", re.ASCII)
_INVALID_5010 = re.compile(f"[^{_CHARACTERS_5010}]", re.ASCII)
# Beyond ASCII, an interchange in Latin-1, UTF-8 or EBCDIC carries the letters of its character
# set (X12.6: the extended character set is what the partners' encoding holds): from U+00A0 on,
# so that the C1 control characters stay invalid.
_INVALID_4010_EXTENDED = re.compile(f"[^{_CHARACTERS_4010}\u00a0-\U0010ffff]")
_INVALID_5010_EXTENDED = re.compile(f"[^{_CHARACTERS_5010}\u00a0-\U0010ffff]")
CONTROL_CHARACTERS = re.compile(r"[\x01-\x07\x09-\x0d\x11-\x17\x1c-\x1f]")
_NUMBER = re.compile(r"-?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"-?[0-9]*(\.[0-9]+)?", re.ASCII)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)

QUALIFIER_CODESETS = frozenset({"b2bgw_128", "b2bgw_355", "b2bgw_374", "b2bgw_66"})
"""The X12 qualifier lists partners pick from freely (reference 128, unit 355, date/time 374,
identification code 66; ``maps/update/codelists.py`` ``PARTNER_CODESETS``). A partner's validator
rejects a code outside them, and so does ``validate(..., qualifier_lists=True)`` (what we send);
the intake, lenient with what partners send, leaves them out."""

TypeCheck = Callable[[str], str | None]
"""Returns the 723 error code for a value of the wrong type (``"6"``, ``"8"``, ``"9"``) or None."""


def is_valid_time(value: str) -> bool:
    """X12 TM: HHMM, HHMMSS or HHMMSSd..d (at most 8 digits); the length is checked separately."""
    if not _DIGITS.fullmatch(value) or value[0:2] > "23" or value[2:4] > "59":
        return False
    return len(value) <= 4 or (6 <= len(value) <= 8 and value[4:6] <= "59")


def is_valid_date(value: str) -> bool:
    """X12 DT: CCYYMMDD (or YYMMDD before 004010), a real calendar date from 1800 on."""
    if len(value) not in (6, 8, 12) or not _DIGITS.fullmatch(value):
        return False
    if len(value) == 6:
        value = ("20" if int(value[0:2]) < 50 else "19") + value
    year, month, day = int(value[0:4]), int(value[4:6]), int(value[6:8])
    if year < 1800 or not 1 <= month <= 12:
        return False
    if month in (4, 6, 9, 11):
        last = 30
    elif month == 2:
        last = 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    else:
        last = 31
    return 1 <= day <= last and (len(value) != 12 or is_valid_time(value[8:12]))


def invalid_characters(family: str, charset: str = "ascii") -> re.Pattern[str]:
    """What is not an AN/ID character in a ``family`` map for an interchange in ``charset``.

    ASCII interchanges have the X12 basic and extended sets; an interchange whose charset holds
    more (Latin-1, UTF-8, EBCDIC code page 037) also has the letters beyond ASCII, so a Latin-1
    ``PID05`` of "CAFÉ" is valid text there.
    """
    if carries_non_ascii(charset):
        return _INVALID_5010_EXTENDED if family == "5010" else _INVALID_4010_EXTENDED
    return _INVALID_5010 if family == "5010" else _INVALID_4010


def _type_check(data_type: str, family: str) -> TypeCheck:
    if data_type.startswith("N"):
        return lambda v: None if _NUMBER.fullmatch(v) else "6"
    if data_type == "R":
        return lambda v: None if _DECIMAL.fullmatch(v) else "6"
    if data_type in ("ID", "AN"):
        invalid = _INVALID_5010 if family == "5010" else _INVALID_4010
        return lambda v: "6" if invalid.search(v) else None
    if data_type == "DT":
        return lambda v: None if is_valid_date(v) else "8"
    if data_type == "TM":
        return lambda v: None if is_valid_time(v) else "9"
    return lambda v: None


@dataclass(frozen=True, slots=True)
class ElementRule:
    """One simple data element of a segment (or component of a composite)."""

    position: int  # element position in the segment (component position inside a composite)
    reference: str  # data element number, e.g. "373"
    name: str
    usage: str  # R, S, N
    data_type: str  # ID AN N0 N2 R DT TM ...
    min_length: int
    max_length: int
    codes: frozenset[str] | None
    numeric: bool  # lengths of N and R values do not count sign and decimal point
    check_type: TypeCheck
    text_like: bool  # ID/AN: its only type check is the character set, done once per segment first
    qualifier_list: bool = False  # ``codes`` is an X12 qualifier list partners pick from freely (QUALIFIER_CODESETS)


@dataclass(frozen=True, slots=True)
class CompositeRule:
    """A composite data element (C001, C040 ...) and its components."""

    position: int
    reference: str
    usage: str
    components: tuple[ElementRule, ...]


QuickCheck = tuple[int, int, frozenset[str] | None, bool, bool, TypeCheck]
"""An element rule flattened for the validator's fast path: min and max length, codes, numeric,
text-like, type check. Unpacking one tuple is much cheaper than six attribute reads per element."""


def quick_check(field: ElementRule | CompositeRule, lenient: bool = False) -> QuickCheck | None:
    """The fast-path tuple of a simple element that may be used; None sends it down the full checks.

    ``lenient`` leaves out the codes of a qualifier list (see :data:`QUALIFIER_CODESETS`).
    """
    if isinstance(field, CompositeRule) or field.usage == "N":
        return None
    codes = None if lenient and field.qualifier_list else field.codes
    return (field.min_length, field.max_length, codes, field.numeric, field.text_like, field.check_type)


@dataclass(frozen=True, slots=True)
class SegmentRule:
    """A segment at one place of a loop: usage, maximum use, fields and syntax notes."""

    tag: str
    name: str
    usage: str
    max_use: int
    fields: tuple[ElementRule | CompositeRule, ...]
    syntax: tuple[tuple[str, tuple[int, ...], int], ...]  # ("P", (6, 7), lowest position 6) ...
    required: tuple[int, ...]  # positions of the mandatory elements and composites
    invalid_characters: re.Pattern[str]  # the family's character set; one search covers the whole segment
    quick: tuple[QuickCheck | None, ...]  # per field, what a correct simple element must satisfy (None: composite)
    quick_lenient: tuple[QuickCheck | None, ...]  # the same, qualifier lists left out


@dataclass(frozen=True, slots=True)
class LoopRule:
    """A loop: its children in position order; entered by its first segment's tag."""

    loop_id: str
    usage: str
    max_repeat: int
    children: tuple[SegmentRule | LoopRule, ...]
    tags: tuple[str, ...]  # per child: the segment's tag, or the tag that opens the child loop

    @property
    def first_tag(self) -> str:
        """The tag of the segment that opens the loop."""
        return self.tags[0]


def _loop(loop_id: str, usage: str, max_repeat: int, children: list[SegmentRule | LoopRule]) -> LoopRule:
    if not children:
        raise ValidationError(f"map loop {loop_id} is empty")
    tags = tuple(c.tag if isinstance(c, SegmentRule) else c.first_tag for c in children)
    return LoopRule(loop_id, usage, max_repeat, tuple(children), tags)


@dataclass(frozen=True, slots=True)
class ImplementationMap:
    """One implementation guide, ready for :func:`formats.x12.validator.validate`."""

    transaction_set: str  # ST01
    family: str  # "4010" or "5010"
    file: str
    body: LoopRule  # the ST_LOOP: ST, the guide's segments and loops, SE
    segments_by_tag: dict[str, SegmentRule]  # first definition of each tag, for acknowledgments

    def element_reference(self, tag: str, element: int, component: int | None = None) -> str | None:
        """The data element number at ``tag``/``element`` (/``component``), e.g. ``"373"``."""
        segment = self.segments_by_tag.get(tag)
        if segment is None or not 1 <= element <= len(segment.fields):
            return None
        field = segment.fields[element - 1]
        if isinstance(field, CompositeRule):
            if component is None or not 1 <= component <= len(field.components):
                return field.reference
            return field.components[component - 1].reference
        return field.reference


def map_family(version: str) -> str:
    """``"5010"`` for GS08 005010 and later, ``"4010"`` for 004010 and earlier (lenient)."""
    return "5010" if version[:6] >= "005010" else "4010"


def _read(name: str) -> etree._Element:
    data = files(MAPS_PACKAGE).joinpath(name).read_bytes()
    return etree.fromstring(data, _PARSER)


@functools.cache
def _data_elements() -> dict[str, tuple[str, int, int, str]]:
    return {e.get("ele_num", ""): (e.get("data_type", ""), int(e.get("min_len", "0")), int(e.get("max_len", "0")),
                                   e.get("name", "")) for e in _read("dataele.xml").iter("data_ele")}


@functools.cache
def _codesets() -> dict[str, frozenset[str]]:
    return {(c.findtext("id") or ""): frozenset(code.text or "" for code in c.iterfind("version/code"))
            for c in _read("codes.xml").iter("codeset")}


def _repeat(text: str | None) -> int:
    return UNBOUNDED if not text or text.strip() == ">1" else int(text)


def _element(node: etree._Element, family: str, where: str) -> ElementRule:
    reference = node.findtext("data_ele") or ""
    try:
        data_type, min_length, max_length, name = _data_elements()[reference]
    except KeyError:
        raise ValidationError(f"map {where}: data element {reference} is not in dataele.xml") from None
    codes: frozenset[str] | None = None
    valid = node.find("valid_codes")
    if valid is not None:
        external = valid.get("external")
        if external:
            if external not in _codesets():
                raise ValidationError(f"map {where}: codeset {external} is not in codes.xml")
            codes = _codesets()[external]
        else:
            codes = frozenset(code.text or "" for code in valid.iterfind("code"))
    return ElementRule(
        position=int(node.findtext("seq") or "0"), reference=reference, name=node.findtext("name") or name,
        usage=node.findtext("usage") or "S", data_type=data_type, min_length=min_length, max_length=max_length,
        codes=codes, numeric=data_type == "R" or data_type.startswith("N"),
        check_type=_type_check(data_type, family), text_like=data_type in ("ID", "AN"),
        qualifier_list=valid is not None and valid.get("external") in QUALIFIER_CODESETS)


def _segment(node: etree._Element, family: str) -> SegmentRule:
    tag = node.get("xid", "")
    fields: list[ElementRule | CompositeRule] = []
    for child in sorted(node.iterchildren("element", "composite"), key=lambda c: int(c.findtext("seq") or "0")):
        if child.tag == "element":
            fields.append(_element(child, family, tag))
        else:
            components = tuple(_element(c, family, tag) for c in child.iterchildren("element"))
            fields.append(CompositeRule(int(child.findtext("seq") or "0"), child.findtext("data_ele") or "",
                                        child.findtext("usage") or "S", components))
    if [f.position for f in fields] != list(range(1, len(fields) + 1)):
        raise ValidationError(f"map segment {tag}: element positions are not 1..{len(fields)}")
    syntax = []
    for text in (s.text or "" for s in node.iterchildren("syntax")):
        if text[:1] in ("P", "R", "C", "L", "E"):
            elements = tuple(int(text[i:i + 2]) for i in range(1, len(text), 2))
            syntax.append((text[0], elements, min(elements)))
    return SegmentRule(tag, node.findtext("name") or tag, node.findtext("usage") or "S",
                       _repeat(node.findtext("max_use")), tuple(fields), tuple(syntax),
                       tuple(f.position for f in fields if f.usage == "R"),
                       _INVALID_5010 if family == "5010" else _INVALID_4010, tuple(quick_check(f) for f in fields),
                       tuple(quick_check(f, lenient=True) for f in fields))


def _loop_children(node: etree._Element, family: str) -> list[SegmentRule | LoopRule]:
    ordered = sorted(node.iterchildren("segment", "loop"), key=lambda c: int(c.findtext("pos") or "0"))
    out: list[SegmentRule | LoopRule] = []
    for child in ordered:
        if child.tag == "segment":
            out.append(_segment(child, family))
        elif child.get("type") == "wrapper":
            out.extend(_loop_children(child, family))
        else:
            out.append(_loop(child.get("xid", ""), child.findtext("usage") or "S", _repeat(child.findtext("repeat")),
                             _loop_children(child, family)))
    return out


def _index(rule: LoopRule, into: dict[str, SegmentRule]) -> None:
    for child in rule.children:
        if isinstance(child, SegmentRule):
            into.setdefault(child.tag, child)
        else:
            _index(child, into)


@functools.lru_cache(maxsize=32)
def load_map(transaction_set: str, version: str) -> ImplementationMap:
    """The implementation map for ST01 ``transaction_set`` in GS08 ``version`` (cached).

    Raises :class:`~formats.errors.ValidationError` with 718 code ``1`` (transaction set not
    supported) when there is no map for it.
    """
    family = map_family(version)
    name = MAP_FILES.get((transaction_set, family))
    if name is None:
        raise ValidationError(f"no implementation map for transaction set {transaction_set} version {version}",
                              Location(), code="1")
    root = _read(name)
    st_loop = root.find(".//loop[@xid='ST_LOOP']")
    if st_loop is None:
        raise ValidationError(f"map {name} has no ST_LOOP")
    body = _loop("ST_LOOP", "R", 1, _loop_children(st_loop, family))
    by_tag: dict[str, SegmentRule] = {}
    _index(body, by_tag)
    return ImplementationMap(transaction_set, family, name, body, by_tag)


__all__ = [
    "CONTROL_CHARACTERS",
    "QUALIFIER_CODESETS",
    "CompositeRule",
    "ElementRule",
    "ImplementationMap",
    "LoopRule",
    "SegmentRule",
    "invalid_characters",
    "is_valid_date",
    "is_valid_time",
    "load_map",
    "map_family",
]
