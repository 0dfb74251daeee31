"""Envelope and count fields that are not what they claim: the reader reports them, the writers carry on.

``str.isdigit()`` accepts superscripts and other scripts' digits that ``int()`` refuses or reads
as something else, and ``int()`` refuses numbers past 4,300 digits; an interchange with one of
those in IEA01, GE01 or SE01 once raised ``ValueError`` out of the reader. Non-ASCII values in
GS01, GS06, GS08, ST02 or a segment tag, echoed into the 997/999, made the X12 writer raise,
and so did a value holding one of the interchange's delimiters and a header field wider than its
ISA column. Each case here is a real document with one such fault.
"""

from __future__ import annotations

import datetime as dt

import pytest

from formats.errors import MappingError, Problem
from formats.x12.ack997 import acknowledgment_group, build_acknowledgment, parse_acknowledgment
from formats.x12.envelope import Delimiters, GroupEnd, InterchangeEnd, TransactionSet
from formats.x12.reader import read_interchanges
from formats.x12.standalone import standalone_interchange
from formats.x12.validator import validate
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from tests.conftest import FIXTURES, corpus_path

WHEN = dt.datetime(2026, 11, 23, 9, 30)
BASIC_4010 = FIXTURES / "x12" / "850-4010-basic.x12"
BASIC_5010 = FIXTURES / "x12" / "850-5010-basic.x12"


def _events(raw: bytes) -> list[object]:
    return list(read_interchanges(raw))


def _codes(problems: tuple[Problem, ...]) -> list[str | None]:
    return [p.code for p in problems]


@pytest.mark.parametrize("digit", ["¹", "٣", "\uff17", "9" * 5000])
def test_a_count_that_is_not_ascii_digits_is_a_count_mismatch(digit: str) -> None:
    raw = BASIC_4010.read_text().replace("IEA*1*", f"IEA*{digit}*").replace("GE*1*", f"GE*{digit}*")
    raw = raw.replace("SE*27*", f"SE*{digit}*").encode()
    events = _events(raw)
    [ts] = [e for e in events if isinstance(e, TransactionSet)]
    [group_end] = [e for e in events if isinstance(e, GroupEnd)]
    [end] = [e for e in events if isinstance(e, InterchangeEnd)]
    assert _codes(ts.problems) == ["4"]
    assert group_end.declared_count is None and _codes(group_end.problems) == ["5"]
    assert end.declared_count is None and _codes(end.problems) == ["021"]
    assert digit[:20] in end.problems[0].message


def test_a_superscript_count_in_a_corpus_interchange_is_reported_not_raised() -> None:
    raw = corpus_path("x12", "bots", "850-004010-01.x12").read_bytes()
    head, _, tail = raw.rpartition(b"IEA")
    broken = head + b"IEA" + tail.replace(b"1", "¹".encode(), 1)
    [end] = [e for e in _events(broken) if isinstance(e, InterchangeEnd)]
    assert "021" in _codes(end.problems)


def test_leading_zeros_and_blanks_still_count() -> None:
    raw = BASIC_4010.read_text().replace("GE*1*", "GE*0001*").replace("IEA*1*", "IEA* 1*").encode()
    events = _events(raw)
    [group_end] = [e for e in events if isinstance(e, GroupEnd)]
    [end] = [e for e in events if isinstance(e, InterchangeEnd)]
    assert group_end.declared_count == 1 and group_end.problems == ()
    assert end.declared_count == 1 and end.problems == ()


def _acknowledge(raw: bytes, charset: str | None = None) -> tuple[bytes, list[Problem]]:
    """What the intake writes back for ``raw`` (every group acknowledged), and the writer's notes."""
    groups: list[tuple[GroupSpec, list[TransactionSetSpec]]] = []
    results: list[tuple[TransactionSet, list[Problem]]] = []
    header = None
    for event in read_interchanges(raw, charset=charset):
        if isinstance(event, TransactionSet):
            header = event.interchange
            results.append((event, [*event.problems, *validate(event)]))
        elif isinstance(event, GroupEnd):
            ack = build_acknowledgment(event.group, results, event, control_number="0001")
            groups.append((acknowledgment_group(event.group, control_number=9), [ack]))
            results = []
    assert header is not None
    spec = InterchangeSpec(sender_qualifier=header.receiver_qualifier, sender_id=header.receiver_id,
                           receiver_qualifier=header.sender_qualifier, receiver_id=header.sender_id,
                           control_number=77, timestamp=WHEN, version=header.version, usage=header.usage,
                           delimiters=header.delimiters)
    notes: list[Problem] = []
    return render_interchange(spec, groups, notes=notes), notes


@pytest.mark.parametrize(("fixture", "old", "new", "where"), [
    (BASIC_4010, "GS*PO*", "GS*PÖ*", "AK101"),  # GS01
    (BASIC_4010, "*1001*X*", "*10٣1*X*", "AK102"),  # GS06
    (BASIC_5010, "*X*005010~", "*X*00501\u0660~", "AK103"),  # GS08, echoed by a 999
    (BASIC_4010, "ST*850*0001~", "ST*850*000¹~", "AK202"),  # ST02
    (BASIC_4010, "CUR*BY*USD~", "CÜR*BY*USD~", "AK301"),  # a segment tag
    (BASIC_4010, "BEG*00*SA*", "BEG*00*S€*", "AK404"),  # a bad value copied into AK404
])
def test_non_ascii_envelope_values_are_replaced_in_the_acknowledgment(fixture: object, old: str, new: str,
                                                                      where: str) -> None:
    raw = fixture.read_text().replace(old, new, 1).encode()  # type: ignore[attr-defined]
    ack, notes = _acknowledge(raw)
    assert ack.isascii()
    [ack_set] = [e for e in read_interchanges(ack) if isinstance(e, TransactionSet)]
    parse_acknowledgment(ack_set)
    if where != "AK404":  # AK404 copies only safe characters anyway
        assert any(where in str(n) for n in notes), notes


def test_the_acknowledgment_of_a_group_whose_values_hold_our_delimiters_is_still_written() -> None:
    raw = BASIC_5010.read_text().replace("*X*005010~", "*X*005010^VICS~").replace("CUR*", "C^R*", 1).encode()
    ack, notes = _acknowledge(raw)
    [ack_set] = [e for e in read_interchanges(ack) if isinstance(e, TransactionSet)]
    assert parse_acknowledgment(ack_set).version == "005010?VICS"
    assert {str(n.location.segment_tag) for n in notes} >= {"AK1", "IK3"}


def test_a_header_field_too_wide_for_its_isa_column_is_cut_and_noted() -> None:
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="SELLER", receiver_qualifier="ZZ",
                           receiver_id="A-RECEIVER-ID-LONGER-THAN-15", control_number=1, timestamp=WHEN,
                           usage="?P")
    group = GroupSpec(functional_id="FA", application_sender="SELLER", application_receiver="BUYER",
                      control_number=1)
    notes: list[Problem] = []
    out = render_interchange(spec, [(group, [TransactionSetSpec("997", "0001", [["AK1", "PO", "1"]])])],
                             notes=notes)
    [ts] = [e for e in read_interchanges(out) if isinstance(e, TransactionSet)]
    assert ts.interchange.receiver_id == "A-RECEIVER-ID-L" and ts.interchange.usage == "?"
    assert [n.location.segment_tag for n in notes] == ["ISA", "ISA"]


def test_delimiters_that_cannot_be_written_in_ascii_are_replaced_by_the_usual_ones() -> None:
    ebcdic = corpus_path("x12", "bots", "850-ebcdic.x12").read_bytes()
    [ts] = [e for e in read_interchanges(ebcdic) if isinstance(e, TransactionSet)]
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="SELLER", receiver_qualifier="ZZ", receiver_id="BUYER",
                           control_number=1, timestamp=WHEN, delimiters=ts.interchange.delimiters)
    group = GroupSpec(functional_id="FA", application_sender="SELLER", application_receiver="BUYER",
                      control_number=1)
    notes: list[Problem] = []
    out = render_interchange(spec, [(group, [TransactionSetSpec("997", "0001", [["AK1", "PO", "1"]])])],
                             notes=notes)
    assert out.isascii()
    [again] = [e for e in read_interchanges(out) if isinstance(e, TransactionSet)]
    assert again.interchange.delimiters.segment == "~"
    assert notes and "delimiter" in notes[0].message


def test_without_notes_the_writer_still_refuses_what_it_cannot_carry() -> None:
    """Our own documents (855, 856, 810) keep the strict check unless the caller takes notes."""
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="SELLER", receiver_qualifier="ZZ", receiver_id="BUYER",
                           control_number=1, timestamp=WHEN)
    group = GroupSpec(functional_id="PR", application_sender="SELLER", application_receiver="BUYER",
                      control_number=1)
    with pytest.raises(MappingError, match="BAK03"):
        render_interchange(spec, [(group, [TransactionSetSpec("855", "0001", [["BAK", "00", "AD", "PO*1"]])])])


def test_a_standalone_set_is_written_even_when_its_text_outgrew_the_sniffed_charset() -> None:
    """UTF-8 text before a byte that is not UTF-8: the reader reads on as Latin-1, the set keeps both."""
    raw = BASIC_4010.read_bytes().replace(b"CUR*BY*USD~", "N9*ZZ*ق~".encode() + b"N9*ZZ*\xe9~", 1)
    [ts] = [e for e in read_interchanges(raw) if isinstance(e, TransactionSet)]
    again = standalone_interchange(ts)
    [reread] = [e for e in read_interchanges(again) if isinstance(e, TransactionSet)]
    assert reread.segments[2:4] == [["N9", "ZZ", "ق"], ["N9", "ZZ", "é"]]


def test_a_partners_ack_counts_are_read_as_ascii_digits_only() -> None:
    raw = corpus_path("x12", "bots", "997-004010VICS-01.x12").read_text(encoding="latin-1")
    [ts] = [e for e in read_interchanges(raw.encode("latin-1")) if isinstance(e, TransactionSet)]
    ak9 = next(s for s in ts.segments if s[0] == "AK9")
    ak9[2] = "٣"
    with pytest.raises(MappingError, match="AK902"):
        parse_acknowledgment(ts)


def test_delimiters_must_still_differ() -> None:
    with pytest.raises(ValueError, match="differ"):
        Delimiters(element="*", component="*")
