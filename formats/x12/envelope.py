"""The ANSI X12 envelope as immutable values: delimiters, ISA, GS, ST and what a reader yields.

ASC X12.5/X12.6 (interchange control structure). An interchange is ``ISA ... IEA``; inside it,
functional groups ``GS ... GE``; inside those, transaction sets ``ST ... SE``. The ISA segment
fixes the delimiters for the whole interchange: the element separator is its 4th character,
ISA16 is the sub-element (component) separator, the character after ISA16 is the segment
terminator, and from ISA12 ``00402`` on ISA11 is the repetition separator (before that ISA11 is
the "U" standards identifier).

A segment is a plain ``list[str]`` as split from the text: ``segment[0]`` is the tag and
``segment[n]`` is element ``n`` (so ``beg[3]`` is BEG03). Lists rather than objects because a
reader handles hundreds of thousands of segments a second; :func:`element` reads an element that
may be absent.

These values are created by :mod:`formats.x12.reader` and consumed by the validator, the
message modules (``po850``, ``poack855``) and the acknowledgment writers (``ack997``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from formats.errors import Problem

Segment = list[str]

_ASCII_NUMBER = re.compile(r"0*([0-9]{1,18})", re.ASCII)


def element(segment: Segment, position: int, default: str = "") -> str:
    """Element ``position`` (1-based, as X12 numbers them) of ``segment``, or ``default``."""
    return segment[position] if position < len(segment) else default


def ascii_number(value: str) -> int | None:
    """A count or control number written in ASCII digits (blanks and leading zeros allowed), else None.

    Only ``0``-``9`` are digits in X12: ``str.isdigit()`` also accepts superscripts (which
    ``int()`` then refuses) and ``int()`` reads other scripts' digits (``"٣"`` is 3), and refuses
    numbers past 4,300 digits; neither is a number a partner can mean in an envelope.

    >>> ascii_number(" 0001 "), ascii_number("¹"), ascii_number("٣"), ascii_number("9" * 5000)
    (1, None, None, None)
    """
    found = _ASCII_NUMBER.fullmatch(value.strip())
    return int(found.group(1)) if found else None


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The separators of one interchange, taken from its ISA header (never a global).

    ``segment_suffix`` is what follows each terminator when writing (``"\\n"`` or ``"\\r\\n"`` for
    partners who want one segment per line, ``""`` otherwise); readers ignore whitespace there.
    """

    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = None
    segment_suffix: str = ""

    def __post_init__(self) -> None:
        chars = [self.element, self.component, self.segment] + ([self.repetition] if self.repetition else [])
        if any(len(c) != 1 for c in chars):
            raise ValueError(f"delimiters must be single characters: {chars!r}")
        if len(set(chars)) != len(chars):
            raise ValueError(f"delimiters must differ from one another: {chars!r}")


@dataclass(frozen=True, slots=True)
class InterchangeHeader:
    """The ISA segment of an interchange, read field by field."""

    authorization_qualifier: str  # ISA01
    authorization: str  # ISA02
    security_qualifier: str  # ISA03
    security: str  # ISA04
    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06, trailing blanks stripped
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08, trailing blanks stripped
    date: str  # ISA09 YYMMDD
    time: str  # ISA10 HHMM
    standards_id: str  # ISA11 before 00402 ("U"); the repetition separator after
    version: str  # ISA12, e.g. "00401", "00501"
    control_number: str  # ISA13, 9 digits
    ack_requested: str  # ISA14 "0" or "1"
    usage: str  # ISA15 "P" production, "T" test, "I" information
    delimiters: Delimiters
    charset: str = "ascii"  # the codec the bytes were decoded with
    offset: int = 0  # byte offset of "ISA" in the input (first interchange at 0 after BOM/space)


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """The GS segment of a functional group."""

    functional_id: str  # GS01, e.g. "PO", "PR", "FA"
    application_sender: str  # GS02
    application_receiver: str  # GS03
    date: str  # GS04 CCYYMMDD (YYMMDD before 00401)
    time: str  # GS05
    control_number: str  # GS06
    agency: str  # GS07 "X"
    version: str  # GS08, e.g. "004010", "005010", "004010VICS", "005010X231A1"
    segment: Segment = field(default_factory=list, compare=False)


@dataclass(frozen=True, slots=True)
class TransactionSet:
    """One ``ST ... SE`` transaction set with the envelope it arrived in.

    ``segments`` includes the ST and SE segments; the position of ``segments[i]`` in 997/999
    terms is ``i + 1``. ``problems`` are envelope-level findings the reader made (SE01 count,
    ST02/SE02 mismatch, missing SE); the validator adds its own.
    """

    interchange: InterchangeHeader
    group: GroupHeader
    code: str  # ST01, e.g. "850"
    control_number: str  # ST02
    implementation_reference: str | None  # ST03 (005010 on)
    segments: list[Segment]
    problems: tuple[Problem, ...] = ()
    index_in_group: int = 1  # 1-based count of this set inside its group


@dataclass(frozen=True, slots=True)
class GroupEnd:
    """The GE trailer of a group, yielded after the group's last transaction set.

    ``declared_count`` is GE01, ``actual_count`` how many ST the reader saw; ``problems`` hold
    count and control-number mismatches and a missing GE (AK9-level findings).
    """

    interchange: InterchangeHeader
    group: GroupHeader
    declared_count: int | None
    actual_count: int
    control_number: str | None  # GE02
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class InterchangeEnd:
    """The IEA trailer of an interchange, yielded after its last group (TA1-level findings)."""

    interchange: InterchangeHeader
    declared_count: int | None  # IEA01
    actual_count: int
    control_number: str | None  # IEA02
    problems: tuple[Problem, ...] = ()


X12Event = TransactionSet | GroupEnd | InterchangeEnd
"""What :func:`formats.x12.reader.read_interchanges` yields, in file order."""
