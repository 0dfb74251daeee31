"""What a partner's X12 validator checks beyond the implementation map.

The ISA's fixed widths, envelope dates and times, and the CTT line count. ASC X12.5/X12.6:
the ISA is a fixed-length segment of 106 characters; each of ISA01-ISA15 has exactly its
width (blanks pad the identifiers), ISA16 is one character and the terminator follows;
partners' translators find the delimiters by position, so a short ISA06 is not
"lenient", it is unreadable for them. ISA09/ISA10 and GS04/GS05 must be real dates and times.
CTT01 is "the accumulation of the number of" line segments of the set (PO1 in an 850 or 855,
IT1 in an 810, LIN in an 846 or 832, POC in an 860, HL in an 856; real ship notices count their
LIN items instead, which is accepted too).

Our reader is lenient about all of these (it reads a short ISA by its separators), so they are
found here, for :func:`formats.translate.check`; the findings carry TA1 codes (TA105) for the
ISA, and the location (``ISA06``, ``GS04``, ``CTT01 (segment 31)``) for every one.

>>> [str(p) for p in isa_problems("ISA*00*          *00*          *ZZ*SENDER*ZZ*RECEIVER       "
...                               "*261341*0930*U*00401*000000001*0*P*>~", "000000001")]
["interchange 000000001, ISA06: ISA06 is 6 characters: the ISA's fields have fixed widths (ISA06 15), \
the ISA 106 characters [006]", "interchange 000000001, ISA09: ISA09 '261341' is not a date (YYMMDD) [014]"]
"""

from __future__ import annotations

from formats.errors import Location, Problem
from formats.x12.envelope import GroupHeader, InterchangeHeader, TransactionSet, ascii_number
from formats.x12.implementation_map import is_valid_date, is_valid_time

ISA_LENGTH = 106
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
"""ISA01 ... ISA16: the fixed width of each field."""
ISA_CODES = ("010", "011", "012", "013", "005", "006", "007", "008", "014", "015", "016", "017", "018", "019",
             "020", "027")
"""The TA105 note code of a bad ISA01 ... ISA16 (010 authorization qualifier ... 027 component separator)."""

LINE_SEGMENTS: dict[str, tuple[str, ...]] = {
    "850": ("PO1",), "855": ("PO1",), "810": ("IT1",), "846": ("LIN",), "832": ("LIN",), "860": ("POC",),
    "856": ("HL", "LIN"),
}
"""ST01 -> the segments whose count CTT01 may give (the standard's first)."""


def isa_problems(isa: str, control_number: str) -> list[Problem]:
    """The findings about one ISA segment's text (from ``ISA`` through its terminator)."""
    separator = isa[3:4]
    if not separator:
        return []
    fields = isa.split(separator, 16)[1:]
    if len(fields) < 16:
        return []  # the reader has refused such an ISA already
    fields[15] = fields[15][:1]
    problems = []
    for number, (value, width, code) in enumerate(zip(fields, ISA_WIDTHS, ISA_CODES, strict=True), start=1):
        if len(value) != width:
            problems.append(Problem(
                f"ISA{number:02d} is {len(value)} characters: the ISA's fields have fixed widths "
                f"(ISA{number:02d} {width}), the ISA {ISA_LENGTH} characters",
                _isa_location(control_number, number), code, "interchange"))
    date, time = fields[8].strip(), fields[9].strip()
    if not (len(date) == 6 and is_valid_date(date)):
        problems.append(Problem(f"ISA09 {date!r} is not a date (YYMMDD)", _isa_location(control_number, 9), "014",
                                "interchange"))
    if not (len(time) == 4 and is_valid_time(time)):
        problems.append(Problem(f"ISA10 {time!r} is not a time (HHMM)", _isa_location(control_number, 10), "015",
                                "interchange"))
    return problems


def _isa_location(control_number: str, element: int) -> Location:
    return Location(segment_tag="ISA", element_position=element, interchange=control_number)


def raw_isa(raw: bytes, header: InterchangeHeader) -> str:
    """The text of ``header``'s ISA segment in ``raw``, through its terminator (as written, unpadded).

    Line breaks inside it are left out: files wrapped at a fixed line width (80 columns) break
    the ISA anywhere, and what the partner reads is the text without them, as our reader does.
    """
    window = raw[header.offset:header.offset + 4 * ISA_LENGTH].decode(header.charset, errors="replace")
    start = window.find("ISA", 0, 64)
    if start < 0:
        return ""
    separator = window[start + 3:start + 4]
    fields = window[start:].split(separator, 16)
    if len(fields) < 17:
        return ""
    unwrapped = [field.replace("\r", "").replace("\n", "") for field in fields[:16]]
    return separator.join(unwrapped) + separator + fields[16][:2]


def gs_problems(group: GroupHeader, interchange: InterchangeHeader) -> list[Problem]:
    """GS04 must be a date (CCYYMMDD, YYMMDD before 004010) and GS05 a time."""
    problems = []

    def where(element: int) -> Location:
        return Location(segment_tag="GS", element_position=element, interchange=interchange.control_number,
                        group=group.control_number)

    if not is_valid_date(group.date) or len(group.date) == 12:
        problems.append(Problem(f"GS04 {group.date!r} is not a date (CCYYMMDD)", where(4), None, "group"))
    if not (4 <= len(group.time) <= 8 and is_valid_time(group.time)):
        problems.append(Problem(f"GS05 {group.time!r} is not a time (HHMM[SS[dd]])", where(5), None, "group"))
    return problems


def line_count_problems(ts: TransactionSet) -> list[Problem]:
    """CTT01 against the number of line segments of the set."""
    tags = LINE_SEGMENTS.get(ts.code)
    if tags is None:
        return []
    counts = dict.fromkeys(tags, 0)
    ctt: tuple[int, list[str]] | None = None
    for position, segment in enumerate(ts.segments, start=1):
        tag = segment[0]
        if tag in counts:
            counts[tag] += 1
        elif tag == "CTT" and ctt is None:
            ctt = (position, segment)
    if ctt is None or len(ctt[1]) < 2 or not ctt[1][1]:
        return []  # no CTT (or no CTT01): the map says whether it must be there
    position, segment = ctt
    declared = ascii_number(segment[1])
    if declared in counts.values():
        return []
    counted = " or ".join(f"{count} {tag}" for tag, count in counts.items())
    return [Problem(f"CTT01 {segment[1]!r} is not the number of line items: the set has {counted} segments",
                    Location(segment_position=position, segment_tag="CTT", element_position=1,
                             interchange=ts.interchange.control_number, group=ts.group.control_number,
                             transaction=ts.control_number), None, "element")]


__all__ = ["ISA_LENGTH", "LINE_SEGMENTS", "gs_problems", "isa_problems", "line_count_problems", "raw_isa"]
