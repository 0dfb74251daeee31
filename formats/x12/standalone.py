"""One transaction set as a self-contained interchange: its own ISA/GS/ST ... SE/GE/IEA.

An inbound file may hold many interchanges, groups and sets; the gateway stores each set as its
own document so that it can be read, replayed or edited on its own. The set keeps the envelope
it arrived in (the same ISA and GS fields, delimiters and charset); only the GE and IEA counts
say 1, because the standalone interchange holds one group and one set.

One exception to "the charset it arrived in": a file read without a configured charset starts as
UTF-8 and goes on as Latin-1 from its first byte that is not UTF-8, so a set may hold characters
of both. Such a set is stored in UTF-8, which holds them all and which the reader, sniffing
again, reads back the same.
"""

from __future__ import annotations

from formats.x12.envelope import InterchangeHeader, Segment, TransactionSet

_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1)


def isa_elements(header: InterchangeHeader) -> Segment:
    """The ISA segment of ``header`` as elements, padded to the fixed ISA widths."""
    values = (
        header.authorization_qualifier, header.authorization, header.security_qualifier, header.security,
        header.sender_qualifier, header.sender_id, header.receiver_qualifier, header.receiver_id,
        header.date, header.time, header.standards_id, header.version, header.control_number,
        header.ack_requested, header.usage,
    )
    padded = [v.ljust(w) for v, w in zip(values, _ISA_WIDTHS, strict=True)]
    return ["ISA", *padded, header.delimiters.component]


def standalone_interchange(ts: TransactionSet) -> bytes:
    """``ts`` wrapped in its own ISA/GS and GE/IEA, encoded in the charset it arrived in."""
    d = ts.interchange.delimiters
    group = ts.group
    gs = group.segment or ["GS", group.functional_id, group.application_sender, group.application_receiver,
                           group.date, group.time, group.control_number, group.agency, group.version]
    segments: list[Segment] = [
        isa_elements(ts.interchange), gs, *ts.segments,
        ["GE", "1", group.control_number], ["IEA", "1", ts.interchange.control_number],
    ]
    terminator = d.segment + ("\n" if d.segment not in "\r\n" else "")
    text = terminator.join(d.element.join(segment) for segment in segments) + terminator
    try:
        return text.encode(ts.interchange.charset)
    except UnicodeEncodeError:
        return text.encode("utf-8")


def envelope_controls(raw: bytes) -> tuple[str | None, str | None, str | None]:
    """ISA13, GS06 and ST02 of the first set in ``raw`` (an interchange we wrote), for the document table."""
    from formats.x12.reader import read_interchanges

    for event in read_interchanges(raw):
        if isinstance(event, TransactionSet):
            return event.interchange.control_number, event.group.control_number, event.control_number
    return None, None, None
