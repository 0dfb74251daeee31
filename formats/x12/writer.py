"""Writing X12 interchanges: ISA/GS/ST envelopes with correct counts and the partner's delimiters.

ASC X12.5/X12.6. The caller supplies every control number (allocated from the gateway's
database, never derived from the clock) and the timestamp; this module only formats. Message
modules (``poack855``, ``ack997``) produce the *body* of a transaction set (the segments between
ST and SE); :func:`render_interchange` wraps bodies into ST/SE, GS/GE and ISA/IEA and counts.

>>> spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="SELLER", receiver_qualifier="ZZ",
...     receiver_id="BUYER", control_number=7, version="00401",
...     timestamp=dt.datetime(2026, 11, 23, 9, 30))
>>> group = GroupSpec(functional_id="PR", application_sender="SELLER", application_receiver="BUYER",
...     control_number=7, version="004010")
>>> out = render_interchange(spec, [(group, [TransactionSetSpec("855", "0001", [["BAK", "00", "AD"]])])])
>>> out.decode().splitlines()[0][:41]
'ISA*00*          *00*          *ZZ*SELLER'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from formats.errors import MappingError
from formats.x12.envelope import Delimiters, Segment

ISA_FIELD_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)


@dataclass(frozen=True, slots=True)
class InterchangeSpec:
    """What an outbound ISA says: who to whom, which version, which control number, when."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    control_number: int
    timestamp: dt.datetime
    version: str = "00401"  # ISA12
    usage: str = "P"  # ISA15
    ack_requested: bool = False  # ISA14
    delimiters: Delimiters = field(default_factory=lambda: Delimiters(segment_suffix="\n"))


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """What an outbound GS says."""

    functional_id: str  # GS01: "PR" for 855, "FA" for 997/999
    application_sender: str
    application_receiver: str
    control_number: int
    version: str = "004010"  # GS08


@dataclass(frozen=True, slots=True)
class TransactionSetSpec:
    """One transaction set to write: its code, ST02 and the body segments between ST and SE."""

    code: str
    control_number: str
    body: Sequence[Segment]
    implementation_reference: str | None = None  # ST03, 005010 only


def _isa_field(value: str, width: int, name: str) -> str:
    if len(value) > width:
        raise MappingError(f"{name} {value!r} is longer than its {width} characters")
    return value.ljust(width)


def _check_element(value: str, delimiters: Delimiters, where: str) -> None:
    reserved = {delimiters.element, delimiters.segment, delimiters.component}
    if delimiters.repetition:
        reserved.add(delimiters.repetition)
    if any(c in value for c in reserved):
        raise MappingError(f"{where}: value {value!r} contains a delimiter of this interchange")


def render_segment(segment: Segment, delimiters: Delimiters) -> str:
    """One segment as text, trailing empty elements dropped, terminator and suffix added.

    Components inside an element are passed already joined by ``delimiters.component``; every
    other delimiter inside a value is refused (X12 has no escape character).
    """
    values = list(segment)
    while len(values) > 1 and values[-1] == "":
        values.pop()
    text = delimiters.element.join(values)
    if text.count(delimiters.element) != len(values) - 1 or delimiters.segment in text or (
            delimiters.repetition and delimiters.repetition in text):  # some value holds a delimiter: which one
        for position, value in enumerate(values):
            _check_element(value.replace(delimiters.component, ""), delimiters, f"{values[0]}{position:02d}")
    return text + delimiters.segment + delimiters.segment_suffix


def isa_segment(spec: InterchangeSpec) -> str:
    """The fixed-width ISA segment for ``spec``, 106 characters before the suffix."""
    d = spec.delimiters
    repetition_era = spec.version >= "00402"
    if repetition_era and not d.repetition:
        raise MappingError(f"ISA12 {spec.version} needs a repetition separator in ISA11")
    values = [
        "00", "", "00", "",
        spec.sender_qualifier, spec.sender_id, spec.receiver_qualifier, spec.receiver_id,
        spec.timestamp.strftime("%y%m%d"), spec.timestamp.strftime("%H%M"),
        d.repetition if repetition_era and d.repetition else "U",
        spec.version, f"{spec.control_number:09d}", "1" if spec.ack_requested else "0",
        spec.usage, d.component,
    ]
    names = [f"ISA{i:02d}" for i in range(1, 17)]
    fields = [_isa_field(v, w, n) for v, w, n in zip(values, ISA_FIELD_WIDTHS, names, strict=True)]
    return "ISA" + d.element + d.element.join(fields) + d.segment + d.segment_suffix


def render_interchange(
    spec: InterchangeSpec,
    groups: Iterable[tuple[GroupSpec, Sequence[TransactionSetSpec]]],
) -> bytes:
    """A whole interchange as bytes (ASCII): ISA, each GS with its sets, GE, IEA.

    SE01 counts the segments of a set including ST and SE; GE01 the sets of a group; IEA01 the
    groups. A value that contains one of the interchange's delimiters raises
    :class:`~formats.errors.MappingError`, since X12 cannot escape it.
    """
    d = spec.delimiters
    out = [isa_segment(spec)]
    group_count = 0
    for group, sets in groups:
        group_count += 1
        out.append(render_segment([
            "GS", group.functional_id, group.application_sender, group.application_receiver,
            spec.timestamp.strftime("%Y%m%d"), spec.timestamp.strftime("%H%M"),
            str(group.control_number), "X", group.version,
        ], d))
        for ts in sets:
            st = ["ST", ts.code, ts.control_number]
            if ts.implementation_reference:
                st.append(ts.implementation_reference)
            out.append(render_segment(st, d))
            out.extend(render_segment(seg, d) for seg in ts.body)
            out.append(render_segment(["SE", str(len(ts.body) + 2), ts.control_number], d))
        out.append(render_segment(["GE", str(len(sets)), str(group.control_number)], d))
    out.append(render_segment(["IEA", str(group_count), f"{spec.control_number:09d}"], d))
    text = "".join(out)
    try:
        return text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise MappingError(f"outbound X12 must be ASCII: {text[exc.start:exc.end]!r} at {exc.start}") from exc
