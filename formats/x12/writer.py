"""Writing X12 interchanges: ISA/GS/ST envelopes with correct counts and the partner's delimiters.

ASC X12.5/X12.6. The caller supplies every control number (allocated from the gateway's
database, never derived from the clock) and the timestamp; this module only formats. Message
modules (``poack855``, ``ack997``) produce the *body* of a transaction set (the segments between
ST and SE); :func:`render_interchange` wraps bodies into ST/SE, GS/GE and ISA/IEA and counts.

X12 has no escape character, and what we write is ASCII. Strict by default: a value holding one
of the interchange's delimiters, a character outside ASCII or an ISA field wider than its column
raises :class:`~formats.errors.MappingError`. A caller writing back what a partner sent (the
997/999 echoes GS01, GS06, GS08, ST02 and segment tags as they arrived) passes ``notes``
instead: what cannot be written as it is is then carried as well as it can be (:func:`carry`:
accents and superscripts folded to ASCII, any other character and any delimiter replaced by
``?``; an ISA field cut to its width; delimiters that are not ASCII replaced by ``* > ~ ^``),
and each change is appended to ``notes`` as a :class:`~formats.errors.Problem` of level ``note``
for the document's record. The output is the same valid X12 either way.

The component separator is the one delimiter a value may hold: composites (C001, C040 ...) come
joined by it. Which elements are simple is the set's implementation map's to say
(:func:`~formats.x12.implementation_map.load_map`); in a simple element the component separator
would split the value for the partner's parser (an e-mail address ``invoices@...`` where ``@``
separates components), so it is refused like any delimiter, or with ``notes`` replaced by ``?``.
A communication number (PER04/06/08) holding a delimiter is left out with its qualifier instead:
a mangled e-mail address or phone number reaches somebody else, a missing one nobody.

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
import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from formats.errors import Location, MappingError, Problem, ValidationError
from formats.x12.envelope import Delimiters, Segment
from formats.x12.implementation_map import ElementRule, load_map

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


def _note(notes: list[Problem], tag: str, position: int | None, message: str) -> None:
    notes.append(Problem(message, Location(segment_tag=tag, element_position=position), level="note"))


def _isa_field(value: str, width: int, name: str, notes: list[Problem] | None) -> str:
    if len(value) > width:
        if notes is None:
            raise MappingError(f"{name} {value!r} is longer than its {width} characters")
        _note(notes, "ISA", int(name[3:]), f"{name} {value!r} is longer than its {width} characters; "
                                            f"written as {value[:width]!r}")
        value = value[:width]
    return value.ljust(width)


def _check_element(value: str, delimiters: Delimiters, where: str) -> None:
    reserved = {delimiters.element, delimiters.segment, delimiters.component}
    if delimiters.repetition:
        reserved.add(delimiters.repetition)
    if any(c in value for c in reserved):
        raise MappingError(f"{where}: value {value!r} contains a delimiter of this interchange")


REPLACEMENT = "?"
"""What stands for a character X12 cannot carry (a space where ``?`` is itself a delimiter)."""


def carry(value: str, reserved: str) -> str:
    """``value`` as ASCII X12 can carry it: printable ASCII without any of ``reserved``.

    Letters with accents and compatibility characters (superscripts, full-width digits) are
    folded to their ASCII form; whatever is left over is replaced by :data:`REPLACEMENT`.

    >>> carry("Café ¹²", "*~")
    'Cafe 12'
    >>> carry("A*B٣", "*~")
    'A?B?'
    """
    if value.isascii() and value.isprintable() and not any(c in value for c in reserved):
        return value
    stand_in = " " if REPLACEMENT in reserved else REPLACEMENT
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", value):
        if unicodedata.combining(char):
            continue  # the accent of a letter folded to its base letter
        out.append(stand_in if not (char.isascii() and char.isprintable()) or char in reserved else char)
    return "".join(out)


def _writable(char: str) -> bool:
    return char.isascii() and not char.isalnum() and char != " "


def writable_delimiters(delimiters: Delimiters, version: str, notes: list[Problem] | None) -> Delimiters:
    """The delimiters to write ISA12 ``version`` with: ``delimiters``, or with ``notes`` repaired.

    Repaired means the usual ``* > ~ ^`` when one of them is not writable ASCII (a letter, a
    blank, an EBCDIC line end), and a repetition separator added from 00402 on when there was
    none; each repair is noted. Without ``notes`` they are returned as they are, and the strict
    writer refuses what they cannot write.
    """
    if notes is None:
        return delimiters
    chars = [delimiters.element, delimiters.component, delimiters.segment]
    if delimiters.repetition:
        chars.append(delimiters.repetition)
    suffix_ok = all(c in "\r\n" for c in delimiters.segment_suffix)
    if not (all(_writable(c) for c in chars) and suffix_ok):
        usual = Delimiters(element="*", component=">", segment="~",
                           repetition="^" if delimiters.repetition else None,
                           segment_suffix=delimiters.segment_suffix if suffix_ok else "\n")
        _note(notes, "ISA", None, f"the delimiters {''.join(chars)!r} cannot be written in ASCII; "
                                  f"written with {usual.element} {usual.component} {usual.segment}")
        delimiters = usual
    if version >= "00402" and not delimiters.repetition:
        used = {delimiters.element, delimiters.component, delimiters.segment}
        repetition = next(c for c in "^|{}!" if c not in used)
        _note(notes, "ISA", 11, f"ISA12 {version} needs a repetition separator; written with {repetition!r}")
        delimiters = replace(delimiters, repetition=repetition)
    return delimiters


def _plain(text: str, delimiters: Delimiters) -> bool:
    """Whether ``text`` is printable ASCII but for its delimiters, which may be control characters (GS, US)."""
    if text.isascii() and text.isprintable():
        return True
    for delimiter in (delimiters.element, delimiters.component, delimiters.repetition):
        if delimiter:
            text = text.replace(delimiter, "")
    return text.isascii() and text.isprintable()


COMMUNICATION_NUMBERS: dict[str, tuple[int, ...]] = {"PER": (4, 6, 8)}
"""Elements holding a communication number (364), each after its qualifier (365)."""

SimpleElements = dict[str, frozenset[int]]
"""Segment tag -> the positions of its simple (not composite) elements."""


@functools.lru_cache(maxsize=64)
def simple_elements(code: str, version: str) -> SimpleElements:
    """The simple elements of each segment of set ``code`` in GS08 ``version``; empty with no map for it."""
    try:
        imap = load_map(code, version)
    except ValidationError:
        return {}
    return {tag: frozenset(f.position for f in rule.fields if isinstance(f, ElementRule))
            for tag, rule in imap.segments_by_tag.items()}


def _split_values(segment: Segment, delimiters: Delimiters, notes: list[Problem] | None,
                  simple: frozenset[int]) -> Segment:
    """``segment`` with no component or repetition separator left in its ``simple`` elements (module doc)."""
    separators = delimiters.component + (delimiters.repetition or "")
    tag = segment[0]
    numbers = COMMUNICATION_NUMBERS.get(tag, ())
    found = [p for p in simple if p < len(segment) and (delimiters.component in segment[p] or (
        p in numbers and any(c in segment[p] for c in separators)))]
    if not found:
        return segment  # a repetition separator elsewhere is the common writer's (carried, noted)
    if notes is None:
        position = min(found)
        raise MappingError(f"{tag}{position:02d}: value {segment[position]!r} contains a delimiter of this "
                           f"interchange (X12 has no escape character)")
    out = list(segment)
    dropped: set[int] = set()
    for position in sorted(found):
        value = segment[position]
        if position in numbers:
            dropped |= {position - 1, position}
            _note(notes, tag, position, f"{tag}{position:02d} {value!r} holds a delimiter of this interchange, "
                                        f"which would split it; left out with its qualifier {tag}{position - 1:02d}")
            continue
        written = carry(value, separators + delimiters.element + delimiters.segment)
        out[position] = written
        _note(notes, tag, position, f"{tag}{position:02d} {value!r} cannot be written in this interchange (ASCII, no "
                                    f"escape for its delimiters); written as {written!r}")
    if dropped:
        pairs = COMMUNICATION_NUMBERS[tag]
        kept = [out[p - 1:p + 1] for p in pairs if p < len(out) and p not in dropped]
        head = out[:pairs[0] - 1]
        tail = out[pairs[-1] + 1:]
        out = [*head, *(value for pair in kept for value in pair),
               *([""] * (2 * (len(pairs) - len(kept))) if tail else []), *tail]
    return out


def _segment_text(segment: Segment, delimiters: Delimiters, notes: list[Problem] | None,
                  simple: SimpleElements | None = None) -> str:
    if simple and segment and segment[0] in simple:
        segment = _split_values(segment, delimiters, notes, simple[segment[0]])
    values = list(segment)
    while len(values) > 1 and values[-1] == "":
        values.pop()
    text = delimiters.element.join(values)
    clean = text.count(delimiters.element) == len(values) - 1 and delimiters.segment not in text and not (
        delimiters.repetition and delimiters.repetition in text)
    if notes is None:
        if not clean:  # some value holds a delimiter: which one
            for position, value in enumerate(values):
                _check_element(value.replace(delimiters.component, ""), delimiters, f"{values[0]}{position:02d}")
    elif not (clean and _plain(text, delimiters)):
        reserved = delimiters.element + delimiters.segment + (delimiters.repetition or "")
        component = delimiters.component  # joins the components of a composite element: kept as it is
        carried = [carry(value, reserved + component) if position == 0 else
                   component.join(carry(part, reserved) for part in value.split(component))
                   for position, value in enumerate(values)]
        for position, (value, written) in enumerate(zip(values, carried, strict=True)):
            if value != written:
                _note(notes, carried[0], position or None,
                      f"{carried[0]}{position:02d} {value!r} cannot be written in this interchange (ASCII, no "
                      f"escape for its delimiters); written as {written!r}")
        text = delimiters.element.join(carried)
    return text + delimiters.segment + delimiters.segment_suffix


def render_segment(segment: Segment, delimiters: Delimiters) -> str:
    """One segment as text, trailing empty elements dropped, terminator and suffix added.

    Components inside an element are passed already joined by ``delimiters.component``; every
    other delimiter inside a value is refused (X12 has no escape character).
    """
    return _segment_text(segment, delimiters, None)


def isa_segment(spec: InterchangeSpec, notes: list[Problem] | None = None) -> str:
    """The fixed-width ISA segment for ``spec``, 106 characters before the suffix.

    With ``notes``, a field wider than its column is cut (and noted) instead of refused.
    """
    d = writable_delimiters(spec.delimiters, spec.version, notes)
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
    if notes is not None:  # ISA11 is the repetition separator itself from 00402 on: a delimiter, not data
        reserved = d.element + d.segment + d.component + (d.repetition or "")
        values[:15] = [value if index == 10 and repetition_era else _carried_isa(value, reserved, index + 1, notes)
                       for index, value in enumerate(values[:15])]
    names = [f"ISA{i:02d}" for i in range(1, 17)]
    fields = [_isa_field(v, w, n, notes) for v, w, n in zip(values, ISA_FIELD_WIDTHS, names, strict=True)]
    return "ISA" + d.element + d.element.join(fields) + d.segment + d.segment_suffix


def _carried_isa(value: str, reserved: str, position: int, notes: list[Problem]) -> str:
    written = carry(value, reserved)
    if written != value:
        _note(notes, "ISA", position, f"ISA{position:02d} {value!r} cannot be written in ASCII; written as {written!r}")
    return written


def render_interchange(
    spec: InterchangeSpec,
    groups: Iterable[tuple[GroupSpec, Sequence[TransactionSetSpec]]],
    *,
    notes: list[Problem] | None = None,
) -> bytes:
    """A whole interchange as bytes (ASCII): ISA, each GS with its sets, GE, IEA.

    SE01 counts the segments of a set including ST and SE; GE01 the sets of a group; IEA01 the
    groups. A value that contains one of the interchange's delimiters, or is not ASCII, raises
    :class:`~formats.errors.MappingError`, since X12 cannot escape it; unless ``notes`` is
    given, which is then told what was written in its place (see the module's docstring).
    """
    d = writable_delimiters(spec.delimiters, spec.version, notes)
    out = [isa_segment(replace(spec, delimiters=d), notes)]
    group_count = 0
    for group, sets in groups:
        group_count += 1
        out.append(_segment_text([
            "GS", group.functional_id, group.application_sender, group.application_receiver,
            spec.timestamp.strftime("%Y%m%d"), spec.timestamp.strftime("%H%M"),
            str(group.control_number), "X", group.version,
        ], d, notes))
        for ts in sets:
            st = ["ST", ts.code, ts.control_number]
            if ts.implementation_reference:
                st.append(ts.implementation_reference)
            out.append(_segment_text(st, d, notes))
            simple = simple_elements(ts.code, group.version)
            out.extend(_segment_text(seg, d, notes, simple) for seg in ts.body)
            out.append(_segment_text(["SE", str(len(ts.body) + 2), ts.control_number], d, notes))
        out.append(_segment_text(["GE", str(len(sets)), str(group.control_number)], d, notes))
    out.append(_segment_text(["IEA", str(group_count), f"{spec.control_number:09d}"], d, notes))
    text = "".join(out)
    try:
        return text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise MappingError(f"outbound X12 must be ASCII: {text[exc.start:exc.end]!r} at {exc.start}") from exc
