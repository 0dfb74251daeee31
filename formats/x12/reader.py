"""Streaming reader of ANSI X12 interchanges: bytes in, one transaction set at a time out.

ASC X12.5/X12.6 interchange control structure (ISA/IEA, GS/GE, ST/SE), ISA12 versions 00200
to 00501 and later. Every interchange brings its own delimiters in its ISA header: the element
separator is the character after ``ISA``, ISA16 the component separator, the character after
ISA16 the segment terminator, and from 00402 on ISA11 the repetition separator. The ISA is split
on its separator rather than cut at fixed columns, because real files pad its fields with other
blanks (EDI.Net's samples use UTF-8 non-breaking spaces). A file may hold many interchanges, each
with many groups of many transaction sets; the reader holds no more than a chunk of the input
plus the set being read, so a 100 MB file costs no more memory than a small one.

Lenient once an ISA is readable: envelope faults become :class:`~formats.errors.Problem` values
on the events, with the code the acknowledgment reports:

=====================================  ===========  ==============================================
fault                                  level        code
=====================================  ===========  ==============================================
SE missing before ST/GS/GE/IEA/EOF     transaction  718 ``2`` transaction set trailer missing
ST02 and SE02 differ                   transaction  718 ``3``
SE01 is not the number of segments     transaction  718 ``4``
GE missing before GS/IEA/EOF           group        716 ``3`` functional group trailer missing
GE02 and GS06 differ                   group        716 ``4``
GE01 is not the number of sets         group        716 ``5``
IEA02 and ISA13 differ                 interchange  TA1 I18 ``001``
IEA01 is not the number of groups      interchange  TA1 I18 ``021``
IEA missing (end of input, next ISA)   interchange  TA1 I18 ``023`` improper (premature) end of file
segments outside any ST ... SE         interchange  TA1 I18 ``024`` invalid interchange content
data after an IEA that is not an ISA   interchange  TA1 I18 ``022`` invalid control structure
=====================================  ===========  ==============================================

Transaction-set problems are on the :class:`TransactionSet`, group ones on the :class:`GroupEnd`,
interchange ones on the :class:`InterchangeEnd` (each located by tag, element and control
numbers). Duplicate control numbers are the validator's business, not the reader's.

Layout that is not data is dropped: whitespace after terminators (indented files, one segment a
line), line breaks inside segments (files wrapped at 80 columns) unless the line break is the
terminator, a component separator right before the terminator (a trailing empty component,
which X12.6 says to suppress: EDI.Net's issue 135 sample ends every segment with ISA16 before its
newline terminator), a missing terminator after the last segment, and a DOS end-of-file mark.
Input that is not X12, or an unreadable ISA, raises :class:`~formats.errors.X12SyntaxError`.

Fast on purpose (mailbags are large): decoded chunks are cut with one ``str.split`` on the
terminator, each segment with one ``str.split`` on the element separator, and the per-segment
Python work is a set lookup of the tag and an append.

>>> data = (b"ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *261123*0930*U*00401"
...         b"*000000001*0*P*>~GS*PO*BUYER*SELLER*20261123*0930*1*X*004010~ST*850*0001~BEG*00*SA*PO-1**20261123~"
...         b"SE*3*0001~GE*1*1~IEA*1*000000001~")
>>> [type(event).__name__ for event in read_interchanges(data)]
['TransactionSet', 'GroupEnd', 'InterchangeEnd']
>>> next(read_interchanges(data)).segments[1]
['BEG', '00', 'SA', 'PO-1', '', '20261123']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import IO

from formats.errors import Location, Problem, X12SyntaxError
from formats.x12.charsets import ChunkDecoder
from formats.x12.envelope import (
    Delimiters,
    GroupEnd,
    GroupHeader,
    InterchangeEnd,
    InterchangeHeader,
    Segment,
    TransactionSet,
    X12Event,
    ascii_number,
    element,
)

__all__ = ["BLANKS", "Source", "interchange_delimiters", "read_interchanges", "read_isa"]

Source = bytes | bytearray | memoryview | IO[bytes] | Iterable[bytes]

BLANKS = " \t\r\n\x0b\x0c\x00\x1a\x85\ufeff"  # layout around segments and interchanges, never data
# Padding of an ISA field: any whitespace but the ASCII information separators FS GS RS US (0x1C-0x1F),
# which str.isspace() and str.strip() count as whitespace and real interchanges use as delimiters.
_ISA_PADDING = re.compile(r"^[^\S\x1c-\x1f]+|[^\S\x1c-\x1f]+$")
_LINE_BREAKS = "\r\n"
_INLINE_BLANKS = "".join(c for c in BLANKS if c not in _LINE_BREAKS)
_CONTROL = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})
_SNIFF_BYTES = 256  # enough to see a byte-order mark or EBCDIC "ISA" behind leading blanks
_ISA_MAX = 512  # an ISA is 106 characters; padding and wrapped lines may add some, not this many
_SEGMENT_MAX = 16 << 20  # characters without a terminator: the ISA lied about it, or this is not X12


def read_interchanges(source: Source, *, charset: str | None = None, chunk_size: int = 1 << 16) -> Iterator[X12Event]:
    """Every transaction set, group end and interchange end of ``source``, in file order.

    ``source`` is the whole input as bytes, a binary file object (read ``chunk_size`` bytes at a
    time) or an iterable of byte chunks. ``charset`` is the partner's agreed encoding; ``None``
    sniffs it (UTF-8 byte-order mark, EBCDIC) and reads UTF-8, falling back to Latin-1.
    """
    decoder = ChunkDecoder(charset)
    texts = _texts(_sniffable(_byte_chunks(source, chunk_size)), decoder)
    return _Reader(decoder).read(texts)


def _byte_chunks(source: Source, chunk_size: int) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source).cast("B")
        for start in range(0, len(view), chunk_size):
            yield view[start:start + chunk_size].tobytes()
    elif hasattr(source, "read"):
        read = source.read
        while chunk := read(chunk_size):
            yield bytes(chunk)
    else:
        for chunk in source:
            if chunk:
                yield bytes(chunk)


def _sniffable(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The same bytes, the first chunk at least :data:`_SNIFF_BYTES` long (for charset sniffing)."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= _SNIFF_BYTES:
            break
    if head:
        yield head
    yield from chunks


def _texts(chunks: Iterator[bytes], decoder: ChunkDecoder) -> Iterator[str]:
    for chunk in chunks:
        if text := decoder.decode(chunk):
            yield text
    if tail := decoder.decode(b"", final=True):
        yield tail


def interchange_delimiters(raw: bytes, charset: str | None = None) -> Delimiters:
    """The delimiters of the interchange ``raw`` starts with, read from its ISA header alone.

    What an answer written later needs of a stored order (a ship notice, an invoice): not its
    segments. Raises :class:`X12SyntaxError` when ``raw`` does not start with a readable ISA.

    >>> interchange_delimiters(b"ISA|00|          |00|          |ZZ|ACMEBUYER      |ZZ|B2BGWSELLER    "
    ...                        b"|261120|0930|U|00401|000001004|0|P|\\\\!\\nGS|PO")
    Delimiters(element='|', component='\\\\', segment='!', repetition=None, segment_suffix='\\n')
    """
    decoder = ChunkDecoder(charset)
    text = decoder.decode(bytes(raw[:_ISA_MAX + _SNIFF_BYTES]), final=len(raw) <= _ISA_MAX + _SNIFF_BYTES)
    text = text.lstrip(BLANKS)
    if not text.startswith("ISA"):
        raise X12SyntaxError(f"not an X12 interchange: expected 'ISA', found {text[:20]!r}", Location(offset=0))
    isa = read_isa(text, 0, decoder.charset, eof=True)
    assert isa is not None  # eof=True: read, or raised
    return isa[0].delimiters


def read_isa(text: str, offset: int, charset: str, eof: bool) -> tuple[InterchangeHeader, int] | None:
    """The ISA header at the start of ``text`` and its length up to its terminator.

    None when ``text`` is too short to tell yet (more input may follow). Raises
    :class:`X12SyntaxError` when the header cannot be read.
    """
    where = Location(segment_tag="ISA", offset=offset)
    separator = text[3:4]
    if not separator:
        if eof:
            raise X12SyntaxError("ISA header cut short: the input ends after 'ISA'", where)
        return None
    if separator.isalnum() or separator in BLANKS or _ISA_PADDING.match(separator):
        raise X12SyntaxError(f"ISA header: {separator!r} cannot be the element separator", where)
    fields = text[:_ISA_MAX].split(separator, 16)
    tail = fields[-1] if len(fields) == 17 else ""
    if len(tail) < 4 and not eof and len(text) < _ISA_MAX:
        return None  # wait for ISA16, the terminator and the line break that may follow it
    if len(tail) < 2:
        raise X12SyntaxError(
            f"ISA header cannot be read: {len(fields) - 1} elements and no terminator after ISA16", where)
    component, terminator = tail[0], tail[1]
    if terminator.isalnum():
        raise X12SyntaxError(f"ISA header: {terminator!r} after ISA16 cannot be the segment terminator", where)
    values = [_ISA_PADDING.sub("", f.replace("\r", "").replace("\n", "")) for f in fields[1:16]]
    version, isa11 = values[11], values[10]
    repetition = isa11 if version >= "00402" and len(isa11) == 1 and not isa11.isalnum() else None
    suffix = tail[2:4] if terminator not in _LINE_BREAKS else tail[2:3]
    suffix = suffix[:len(suffix) - len(suffix.lstrip(_LINE_BREAKS))]
    try:
        delimiters = Delimiters(separator, component, terminator, repetition, suffix)
    except ValueError:
        try:
            delimiters = Delimiters(separator, component, terminator, None, suffix)
        except ValueError as exc:
            raise X12SyntaxError(f"ISA header: the delimiters are not distinct characters: {exc}", where) from exc
    header = InterchangeHeader(
        authorization_qualifier=values[0], authorization=values[1], security_qualifier=values[2],
        security=values[3], sender_qualifier=values[4], sender_id=values[5], receiver_qualifier=values[6],
        receiver_id=values[7], date=values[8], time=values[9], standards_id=isa11, version=version,
        control_number=values[12], ack_requested=values[13], usage=values[14], delimiters=delimiters,
        charset=charset, offset=offset,
    )
    return header, len(separator.join(fields[:16])) + len(separator) + 2


class _Interchange:
    """The reading state of one interchange: its open group and set, its counts and problems.

    Completed events are appended to ``out``; ``end`` is set once the interchange is over.
    """

    def __init__(self, header: InterchangeHeader, out: list[X12Event]) -> None:
        self.header = header
        self.delimiters = header.delimiters
        self.out = out
        self.group: GroupHeader | None = None
        self.group_sets = 0
        self.groups = 0
        self.st: Segment = []
        self.body: list[Segment] | None = None  # the open transaction set's segments
        self.problems: list[Problem] = []
        self.stray_tag: str | None = None
        self.stray_count = 0
        self.end: InterchangeEnd | None = None
        d = self.delimiters
        self.blank_run = re.compile(re.escape(d.segment) + "[" + re.escape(_INLINE_BLANKS) + "]+")
        self.boundary_tags = ("IEA" + d.element, "ISA" + d.element)

    def find_boundary(self, text: str) -> tuple[int, str] | None:
        """Position and tag of the first IEA or ISA segment in ``text``."""
        found: tuple[int, str] | None = None
        for tag in self.boundary_tags:
            pos = text.find(tag)
            while pos >= 0 and not self._starts_segment(text, pos):
                pos = text.find(tag, pos + 1)
            if pos >= 0 and (found is None or pos < found[0]):
                found = (pos, tag[:3])
        return found

    def _starts_segment(self, text: str, pos: int) -> bool:
        term = self.delimiters.segment
        pos -= 1
        while pos >= 0 and text[pos] != term and text[pos] in BLANKS:
            pos -= 1
        return pos < 0 or text[pos] == term

    def feed(self, region: str) -> str:
        """Read the segments of ``region`` (whole segments); return what follows the interchange end."""
        d = self.delimiters
        term = d.segment
        for brk in _LINE_BREAKS:
            if brk != term and brk in region:
                region = region.replace(brk, "")
        region = self.blank_run.sub(term, region.lstrip(_INLINE_BLANKS))
        trailing_component = d.component + term
        if trailing_component in region:
            region = region.replace(trailing_component, term)
        parts = region.split(term)
        if "" in parts:
            parts = [p for p in parts if p]
        separator = d.element
        control = _CONTROL
        body = self.body
        for raw in parts:
            segment = raw.split(separator)
            if segment[0] in control:
                self.control(segment)
                if self.end is not None:
                    index = parts.index(raw) + (segment[0] != "ISA")
                    return term.join(parts[index:]) + term if index < len(parts) else ""
                body = self.body
            elif body is not None:
                body.append(segment)
            else:
                self.stray(segment)
        return ""

    def control(self, segment: Segment) -> None:
        """An envelope segment: open or close a set, a group or the interchange."""
        tag = segment[0]
        if tag == "ST":
            if self.group is None:
                return self.stray(segment)
            self._close_strays()
            if self.body is not None:
                self._end_set(None)
            self.group_sets += 1
            self.st = segment
            self.body = [segment]
        elif tag == "SE":
            if self.body is None:
                return self.stray(segment)
            self.body.append(segment)
            self._end_set(segment)
        elif tag == "GS":
            self._close_strays()
            self._end_group(None)
            self.groups += 1
            self.group_sets = 0
            gs = [element(segment, i) for i in range(1, 9)]
            self.group = GroupHeader(functional_id=gs[0], application_sender=gs[1], application_receiver=gs[2],
                                     date=gs[3], time=gs[4], control_number=gs[5], agency=gs[6], version=gs[7],
                                     segment=segment)
        elif tag == "GE":
            if self.group is None:
                return self.stray(segment)
            self._close_strays()
            self._end_group(segment)
        elif tag == "IEA":
            self._close_strays()
            self._end_group(None)
            self._end(segment)
        else:  # "ISA": a new interchange begins before this one's IEA
            self.close()
        return None

    def stray(self, segment: Segment) -> None:
        """A segment outside any transaction set: one problem per run of them."""
        if self.stray_tag is None:
            self.stray_tag = segment[0]
        self.stray_count += 1

    def _close_strays(self) -> None:
        if self.stray_tag is None:
            return
        message = f"{self.stray_count} segment(s) outside a transaction set, starting with {self.stray_tag!r}"
        where = Location(segment_tag=self.stray_tag, interchange=self.header.control_number,
                         group=self.group.control_number if self.group else None)
        self.problems.append(Problem(message, where, "024", "interchange"))
        self.stray_tag, self.stray_count = None, 0

    def close(self) -> None:
        """End the interchange where the input (or the next ISA) cut it short."""
        self._close_strays()
        self._end_group(None)
        self._end(None)

    def _end_set(self, se: Segment | None) -> None:
        body, st, group = self.body, self.st, self.group
        assert body is not None and group is not None
        control = element(st, 2)
        problems: list[Problem] = []

        def where(position: int, element_position: int | None = None) -> Location:
            return Location(segment_position=position, segment_tag="SE", element_position=element_position,
                            interchange=self.header.control_number, group=group.control_number, transaction=control)

        if se is None:
            problems.append(Problem(f"transaction set {control} has no SE trailer", where(len(body) + 1), "2",
                                    "transaction"))
        else:
            if ascii_number(element(se, 1)) != len(body):
                problems.append(Problem(f"SE01 says {element(se, 1)!r} segments, the set has {len(body)}",
                                        where(len(body), 1), "4", "transaction"))
            if element(se, 2) != control:
                problems.append(Problem(f"SE02 {element(se, 2)!r} differs from ST02 {control!r}",
                                        where(len(body), 2), "3", "transaction"))
        self.out.append(TransactionSet(
            interchange=self.header, group=group, code=element(st, 1), control_number=control,
            implementation_reference=element(st, 3) or None, segments=body, problems=tuple(problems),
            index_in_group=self.group_sets,
        ))
        self.body = None

    def _end_group(self, ge: Segment | None) -> None:
        if self.body is not None:
            self._end_set(None)
        group = self.group
        if group is None:
            return
        problems: list[Problem] = []

        def where(element_position: int | None = None) -> Location:
            return Location(segment_tag="GE", element_position=element_position,
                            interchange=self.header.control_number, group=group.control_number)

        if ge is None:
            problems.append(Problem(f"functional group {group.control_number} has no GE trailer", where(), "3",
                                    "group"))
            declared, control = None, None
        else:
            declared, control = ascii_number(element(ge, 1)), element(ge, 2)
            if declared != self.group_sets:
                problems.append(Problem(f"GE01 says {element(ge, 1)!r} transaction sets, the group has "
                                        f"{self.group_sets}", where(1), "5", "group"))
            if control != group.control_number:
                problems.append(Problem(f"GE02 {control!r} differs from GS06 {group.control_number!r}",
                                        where(2), "4", "group"))
        self.out.append(GroupEnd(self.header, group, declared, self.group_sets, control, tuple(problems)))
        self.group = None

    def _end(self, iea: Segment | None) -> None:
        header = self.header

        def where(element_position: int | None = None) -> Location:
            return Location(segment_tag="IEA", element_position=element_position, interchange=header.control_number)

        if iea is None:
            self.problems.append(Problem(f"interchange {header.control_number} has no IEA trailer", where(), "023",
                                         "interchange"))
            declared, control = None, None
        else:
            declared, control = ascii_number(element(iea, 1)), element(iea, 2)
            if declared != self.groups:
                self.problems.append(Problem(f"IEA01 says {element(iea, 1)!r} functional groups, the interchange "
                                             f"has {self.groups}", where(1), "021", "interchange"))
            if control != header.control_number:
                self.problems.append(Problem(f"IEA02 {control!r} differs from ISA13 {header.control_number!r}",
                                             where(2), "001", "interchange"))
        self.end = InterchangeEnd(header, declared, self.groups, control, tuple(self.problems))


class _Reader:
    """Cuts decoded text into interchanges and their segments, in order, chunk by chunk."""

    def __init__(self, decoder: ChunkDecoder) -> None:
        self.decoder = decoder
        self.out: list[X12Event] = []
        self.current: _Interchange | None = None
        self.pending_end: InterchangeEnd | None = None  # held until we know what follows its IEA
        self.byte_offset = 0  # of the start of the unread text
        self.seen_isa = False

    def read(self, texts: Iterator[str]) -> Iterator[X12Event]:
        buf, eof = "", False
        while True:
            more = True
            while more and buf:
                if self.current is None:
                    buf, more = self._between_interchanges(buf, eof)
                else:
                    buf, more = self._inside_interchange(buf)
                if self.out:
                    events = self.out[:]
                    self.out.clear()
                    yield from events
            if eof:
                break
            text = next(texts, None)
            if text is None:
                eof = True
                if self.current is not None and buf.strip(BLANKS):
                    buf += self.current.delimiters.segment  # the last segment lacks its terminator
            else:
                buf += text
        if self.current is not None:
            self.current.close()
            self.pending_end = self.current.end
        if not self.seen_isa:
            raise X12SyntaxError("not an X12 interchange: no ISA header", Location(offset=0))
        if self.pending_end is not None:
            self.out.append(self.pending_end)
        yield from self.out

    def _consume(self, text: str) -> None:
        if text.isascii() or self.decoder.charset in ("latin-1", "cp037", "ascii"):
            self.byte_offset += len(text)
        else:
            self.byte_offset += len(text.encode(self.decoder.charset, errors="replace"))

    def _between_interchanges(self, buf: str, eof: bool) -> tuple[str, bool]:
        """Expecting an ISA: read it, or note what is there instead."""
        text = buf.lstrip(BLANKS)
        self._consume(buf[:len(buf) - len(text)])
        if not text:
            return "", False
        if not text.startswith("ISA"):
            if len(text) < 3 and not eof:
                return text, False
            return self._junk_after_interchange(text, eof)
        isa = read_isa(text, self.byte_offset, self.decoder.charset, eof)
        if isa is None:
            return text, False
        header, length = isa
        if self.pending_end is not None:
            self.out.append(self.pending_end)
            self.pending_end = None
        self.seen_isa = True
        self.current = _Interchange(header, self.out)
        self._consume(text[:length])
        return text[length:], True

    def _junk_after_interchange(self, text: str, eof: bool) -> tuple[str, bool]:
        ended = self.pending_end
        if ended is None:
            raise X12SyntaxError(f"not an X12 interchange: expected 'ISA', found {text[:20]!r}",
                                 Location(offset=self.byte_offset))
        found = text.find("ISA", 1)
        keep = found if found > 0 else (len(text) if eof else len(text) - 2)
        if not ended.problems or ended.problems[-1].code != "022":
            where = Location(interchange=ended.interchange.control_number, offset=self.byte_offset)
            problem = Problem(f"data after the IEA is not an interchange: {text[:20]!r}", where, "022", "interchange")
            self.pending_end = replace(ended, problems=(*ended.problems, problem))
        self._consume(text[:keep])
        return text[keep:], keep > 0

    def _inside_interchange(self, buf: str) -> tuple[str, bool]:
        """Read the whole segments of ``buf`` up to the interchange's end; return the rest."""
        current = self.current
        assert current is not None
        term = current.delimiters.segment
        boundary = current.find_boundary(buf)
        if boundary is not None and boundary[1] == "IEA":
            end = buf.find(term, boundary[0]) + 1
            if end == 0:
                return buf, False
        elif boundary is not None:  # the next ISA, without an IEA before it
            end = boundary[0]
        else:
            end = buf.rfind(term) + 1
            if end == 0:
                if len(buf) > _SEGMENT_MAX:
                    raise X12SyntaxError(
                        f"no segment terminator {term!r} in {len(buf):,} characters",
                        Location(interchange=current.header.control_number, offset=self.byte_offset))
                return buf, False
        region, rest = buf[:end], buf[end:]
        leftover = current.feed(region)
        self._consume(region[:len(region) - len(leftover)])
        if boundary is not None and current.end is None:
            current.close()
        if current.end is not None:
            self.pending_end = current.end
            self.current = None
            return leftover + rest, True
        return rest, True
