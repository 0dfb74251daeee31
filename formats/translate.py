"""Offline translation: every document in a file to canonical form, and canonical to a standard.

This is what ``b2bgw translate`` and ``b2bgw validate`` run; it is pure (bytes in, values out)
and reports each document it cannot translate with the reason and where, while still
translating the others.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from formats.codes.units import UnitMap
from formats.detect import Standard, detect
from formats.errors import DetectionError, FormatError, Location, MappingError, Problem
from formats.model import Canonical, Order
from formats.x12 import asn856, catalog832, change860, inventory846, invoice810, po850, poack855
from formats.x12.envelope import GroupEnd, Segment, TransactionSet
from formats.x12.envelope_checks import gs_problems, isa_problems, line_count_problems, raw_isa
from formats.x12.reader import read_interchanges
from formats.x12.validator import validate


class X12Codec(Protocol):
    """What a module for one X12 transaction set offers (``po850``, ``poack855`` ...)."""

    def parse(self, ts: TransactionSet, *, units: UnitMap | None = None) -> Canonical:
        """The canonical document of a transaction set."""
        ...

    def render(self, document: Canonical, *, units: UnitMap | None = None, version: str = "004010") -> list[Segment]:  # noqa: D102
        ...


X12_CODECS: dict[str, X12Codec] = {  # type: ignore[dict-item]
    "850": po850, "855": poack855, "856": asn856, "810": invoice810, "860": change860}
"""X12 transaction sets we translate, by ST01."""


class X12Renderer(Protocol):
    """What a render-only X12 module offers (``inventory846``, ``catalog832``)."""

    def render(self, document: Canonical, *, units: UnitMap | None = None, version: str = "004010") -> list[Segment]:  # noqa: D102
        ...


X12_RENDERERS: dict[str, X12Renderer] = {  # type: ignore[dict-item]
    **X12_CODECS, "846": inventory846, "832": catalog832}
"""X12 transaction sets we write, by ST01: every codec, and the sets we only send."""


@dataclass(frozen=True)
class Translation:
    """One document found in a file: its canonical form, or why there is none."""

    standard: Standard
    doc_type: str
    location: Location
    document: Canonical | None = None
    error: FormatError | None = None
    warnings: tuple[Problem, ...] = ()
    """What was translated all the same but is not right: a code outside its code list, carried as received."""


def _set_location(ts: TransactionSet) -> Location:
    return Location(interchange=ts.interchange.control_number, group=ts.group.control_number,
                    transaction=ts.control_number)


def _translate_ubl(raw: bytes) -> Iterator[Translation]:
    from formats.ubl import parse as parse_ubl
    from formats.xml import local_name, parse_xml

    root = parse_xml(raw, what="UBL document")
    location = Location(line=root.sourceline, path=f"/{local_name(root)}")
    try:
        yield Translation(Standard.UBL, local_name(root), location, document=parse_ubl(root))
    except FormatError as exc:
        yield Translation(Standard.UBL, local_name(root), location, error=exc)


def _translate_cxml(raw: bytes) -> Iterator[Translation]:
    from formats.cxml import parse as parse_cxml
    from formats.xml import parse_xml

    root = parse_xml(raw, what="cXML document")
    location = Location(line=root.sourceline, path="/cXML")
    try:
        parsed = parse_cxml(root)
    except FormatError as exc:
        yield Translation(Standard.CXML, "cXML", location, error=exc)
        return
    kind = parsed.envelope.document_type
    if not isinstance(parsed.document, Canonical):
        yield Translation(Standard.CXML, kind, location,
                          error=MappingError(f"cXML {kind} has no canonical document to translate", location))
        return
    yield Translation(Standard.CXML, kind, location, document=parsed.document)


def translate(raw: bytes) -> Iterator[Translation]:
    """Every document in ``raw``, translated (or with its error), in file order."""
    standard = detect(raw[:4096])
    if standard is Standard.UBL:
        yield from _translate_ubl(raw)
        return
    if standard is Standard.CXML:
        yield from _translate_cxml(raw)
        return
    if standard is not Standard.X12:
        what = "not a document of a known standard" if standard is Standard.UNKNOWN else f"{standard} input"
        raise DetectionError(f"{what}: X12, UBL and cXML are translated so far")
    for event in read_interchanges(raw):
        if not isinstance(event, TransactionSet):
            continue
        codec = X12_CODECS.get(event.code)
        location = _set_location(event)
        if codec is None:
            error = MappingError(f"no translation for X12 {event.code} yet", location)
            yield Translation(Standard.X12, event.code, location, error=error)
            continue
        try:
            document = codec.parse(event)
        except FormatError as exc:
            yield Translation(Standard.X12, event.code, location, error=exc)
            continue
        yield Translation(Standard.X12, event.code, location, document=document,
                          warnings=x12_warnings(document, location))


def x12_warnings(document: Canonical, location: Location) -> tuple[Problem, ...]:
    """What an X12 set was translated with although it is outside a code list (lenient in, named here)."""
    if not isinstance(document, Order):
        return ()
    return tuple(Problem(f"PO1 line {line.line_number}: unit of measure {line.quantity.unit!r} (PO103) is not in "
                         "the X12 355 unit table and no partner override maps it; carried as received",
                         location, level="segment")
                 for line in po850.unmapped_units(document))


def check(raw: bytes, *, agreed_codes: Mapping[str, Collection[str]] | None = None) -> list[Problem]:
    """Every problem in ``raw`` against its standard: envelope, implementation map, counts.

    For X12 that is what a partner's validator finds: the reader's envelope findings, the
    implementation map (:mod:`formats.x12.validator`, code lists included), and what the map
    cannot say (:mod:`formats.x12.envelope_checks`: the fixed-length ISA, envelope dates and
    times, CTT01). Every :class:`Problem` returned is an error, located to segment and element.
    ``agreed_codes`` (X12 data element -> codes) are codes the receiving partner uses outside
    the X12 lists, e.g. ``{"355": {"KI"}}`` for its own unit code, accepted where that element is.
    """
    standard = detect(raw[:4096])
    if standard in (Standard.UBL, Standard.CXML):
        reader = _translate_ubl if standard is Standard.UBL else _translate_cxml
        return [problem for item in reader(raw) if item.error for problem in item.error.problems]
    if standard is not Standard.X12:
        raise DetectionError(f"cannot validate {standard} input yet: X12, UBL and cXML are checked so far")
    problems: list[Problem] = []
    interchanges: set[int] = set()
    groups: set[tuple[int, str, str, str]] = set()
    for event in read_interchanges(raw):
        header = event.interchange
        if header.offset not in interchanges:  # the ISA, before anything inside it
            interchanges.add(header.offset)
            problems.extend(isa_problems(raw_isa(raw, header), header.control_number))
        if isinstance(event, TransactionSet | GroupEnd):
            group = event.group
            key = (header.offset, group.control_number, group.date, group.time)
            if key not in groups:
                groups.add(key)
                problems.extend(gs_problems(group, header))
        if isinstance(event, TransactionSet):
            problems.extend(event.problems)
            problems.extend(validate(event, qualifier_lists=True, agreed_codes=agreed_codes))
            problems.extend(line_count_problems(event))
        else:
            problems.extend(event.problems)
    return problems
