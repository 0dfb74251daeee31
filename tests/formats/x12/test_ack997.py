"""The 997/999 we write: what they report, that pyx12 accepts them, and reading partners' acks.

Every acknowledgment built here is rendered, then validated by pyx12 against pyx12's own 997/999
maps (our copies in ``formats/x12/maps``, which only add our sets to their code lists), and its
AK3/AK4/AK5 lines are compared with the 997 pyx12 itself writes for the same broken document.
"""

from __future__ import annotations

import datetime as dt

import pytest

from formats.errors import MappingError
from formats.x12.ack997 import (
    IMPLEMENTATION_999,
    FunctionalAck,
    SetAck,
    acknowledgment_group,
    build_acknowledgment,
    parse_acknowledgment,
)
from formats.x12.envelope import Delimiters, GroupEnd, Segment, TransactionSet
from formats.x12.reader import read_interchanges
from formats.x12.validator import validate
from formats.x12.writer import InterchangeSpec, TransactionSetSpec, render_interchange
from tests.conftest import corpus_path
from tests.formats.x12.pyx12_harness import pyx12_problems, replace_once, run_pyx12
from tests.formats.x12.test_validator import ACK_5010, BROKEN_850, PO_18

WHEN = dt.datetime(2026, 11, 23, 9, 30)


def acknowledge(raw: bytes) -> tuple[bytes, list[TransactionSetSpec]]:
    """What the gateway sends back for ``raw``: one FA group per group, rendered, and the specs."""
    groups = []
    specs: list[TransactionSetSpec] = []
    results: list[tuple[TransactionSet, list]] = []
    header = None
    for event in read_interchanges(raw):
        if isinstance(event, TransactionSet):
            header = event.interchange
            results.append((event, [*event.problems, *validate(event)]))
        elif isinstance(event, GroupEnd):
            spec = build_acknowledgment(event.group, results, event, control_number=f"{len(specs) + 1:04d}")
            specs.append(spec)
            groups.append((acknowledgment_group(event.group, control_number=len(specs) + 40), [spec]))
            results = []
    assert header is not None
    five = header.version >= "00501"
    interchange = InterchangeSpec(
        sender_qualifier=header.receiver_qualifier, sender_id=header.receiver_id,
        receiver_qualifier=header.sender_qualifier, receiver_id=header.sender_id, control_number=77,
        timestamp=WHEN, version=header.version, delimiters=Delimiters(repetition="^" if five else None,
                                                                      segment_suffix="\n"))
    return render_interchange(interchange, groups), specs


def lines(spec: TransactionSetSpec, *tags: str) -> list[str]:
    return ["*".join(segment).rstrip("*") for segment in spec.body if segment[0] in tags]


def pyx12_lines(raw: bytes, *tags: str) -> list[str]:
    return [line for line in run_pyx12(raw).acknowledgment.replace("~", "\n").splitlines() if line[:3] in tags]


def sets_of(raw: bytes) -> list[TransactionSet]:
    return [e for e in read_interchanges(raw) if isinstance(e, TransactionSet)]


EXPECTED_997 = {
    "missing BEG": ["AK3*BEG*2**3", "AK5*R*5"],
    "bad BEG01 code": ["AK3*BEG*2**8", "AK4*1*353*7*9Z", "AK5*R*5"],
    "BEG03 too long": ["AK3*BEG*2**8", "AK4*3*324*5*520981520981520981520981", "AK5*R*5"],
    "wrong SE01": ["AK5*R*4"],
    "BEG05 not a date": ["AK3*BEG*2**8", "AK4*5*373*8*20011341", "AK5*R*5"],
    "CTT loop twice": ["AK3*CTT*33**4", "AK5*R*5"],
    "PER used four times": ["AK3*PER*6**5", "AK5*R*5"],
    "unknown segment": ["AK3*ZZZ*5**1", "AK5*R*5"],
    "N1 with no entity code": ["AK3*N1*22**8", "AK4*1*98*1", "AK5*R*5"],
    "PO1 product ID without qualifier": ["AK3*PO1*29**8", "AK4*6*235*2", "AK5*R*5"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_997))
def test_997_reports_the_fault_and_validates_with_pyx12(name: str) -> None:
    raw = BROKEN_850[name][0](corpus_path(PO_18).read_bytes())
    ack, [spec] = acknowledge(raw)
    assert spec.code == "997"
    assert lines(spec, "AK1", "AK2") == ["AK1*PO*121", "AK2*850*00121001"]
    assert lines(spec, "AK3", "AK4", "AK5") == EXPECTED_997[name]
    assert lines(spec, "AK9") == ["AK9*R*1*1*0"]
    assert pyx12_problems(ack) == []


@pytest.mark.parametrize("name", sorted(set(EXPECTED_997) - {"PO1 product ID without qualifier"}))
def test_our_997_says_what_pyx12s_997_says(name: str) -> None:
    raw = BROKEN_850[name][0](corpus_path(PO_18).read_bytes())
    _, [spec] = acknowledge(raw)
    assert lines(spec, "AK3", "AK4", "AK5", "AK9") == pyx12_lines(raw, "AK3", "AK4", "AK5", "AK9")


def test_syntax_errors_name_the_element_pyx12_does_not() -> None:
    raw = BROKEN_850["PO1 product ID without qualifier"][0](corpus_path(PO_18).read_bytes())
    _, [spec] = acknowledge(raw)
    assert pyx12_lines(raw, "AK3", "AK4") == ["AK3*PO1*29**8"]
    assert lines(spec, "AK3", "AK4") == ["AK3*PO1*29**8", "AK4*6*235*2"]


def test_clean_850_is_accepted_in_the_partners_version() -> None:
    raw = corpus_path("x12/bots/850-004010VICS-01.x12").read_bytes()
    ack, [spec] = acknowledge(raw)
    assert lines(spec, "AK1", "AK9") == ["AK1*PO*3408", "AK9*A*4*4*4"]
    assert lines(spec, "AK2") == [f"AK2*850*00000442{n}" for n in (2, 3, 4, 5)]
    assert lines(spec, "AK5") == ["AK5*A"] * 4
    [ack_set] = sets_of(ack)
    assert (ack_set.group.functional_id, ack_set.group.version) == ("FA", "004010VICS")
    assert pyx12_problems(ack) == []


def test_999_for_a_005010_acknowledgment_with_a_bad_line_status() -> None:
    raw = replace_once(corpus_path(ACK_5010).read_bytes(), b"ACK*IA*4*EA", b"ACK*ZZ*4*EA")
    ack, [spec] = acknowledge(raw)
    assert (spec.code, spec.implementation_reference) == ("999", IMPLEMENTATION_999)
    assert lines(spec, "AK1", "AK2", "IK3", "IK4", "IK5", "AK9") == [
        "AK1*PR*000001746*005010", "AK2*855*0001", "IK3*ACK*15**8", "IK4*1*668*7*ZZ", "IK5*R*5", "AK9*R*1*1*0"]
    [ack_set] = sets_of(ack)
    assert ack_set.group.version == IMPLEMENTATION_999
    assert ack_set.implementation_reference == IMPLEMENTATION_999
    assert (ack_set.group.application_sender, ack_set.group.application_receiver) == ("MYAPPID", "ANOTAPPID")
    assert pyx12_problems(ack) == []


def test_one_bad_set_of_six_makes_the_group_partially_accepted() -> None:
    raw = corpus_path("x12/bots/855-004010UCS-01.x12").read_bytes()
    assert len(sets_of(raw)) == 6
    broken = replace_once(raw, b"BAK*00*AP*194208", b"BAK*00*AP*194208*2003134")
    ack, [spec] = acknowledge(broken)
    assert lines(spec, "AK5") == ["AK5*A", "AK5*R*5", "AK5*A", "AK5*A", "AK5*A", "AK5*A"]
    assert lines(spec, "AK4") == ["AK4*4*373*4*2003134", "AK4*4*373*8*2003134"]
    assert lines(spec, "AK9") == ["AK9*P*6*6*5"]
    assert pyx12_problems(ack) == []


def test_a_wrong_ge01_is_noted_but_the_sets_are_accepted() -> None:
    raw = replace_once(corpus_path(PO_18).read_bytes(), b"GE*1*121", b"GE*3*121")
    ack, [spec] = acknowledge(raw)
    assert lines(spec, "AK9") == ["AK9*E*3*1*1*5"]
    assert pyx12_problems(ack) == []


def test_render_read_parse_round_trip() -> None:
    raw = BROKEN_850["BEG05 not a date"][0](corpus_path(PO_18).read_bytes())
    ack, _ = acknowledge(raw)
    [ack_set] = sets_of(ack)
    parsed = parse_acknowledgment(ack_set)
    assert parsed == FunctionalAck(
        acknowledgment_code="997", functional_id="PO", group_control_number="121", version=None, status="R",
        declared_count=1, received_count=1, accepted_count=0, codes=(), sets=parsed.sets)
    [one] = parsed.sets
    assert (one.code, one.control_number, one.status, one.codes) == ("850", "00121001", "R", ("5",))
    found = [(p.level, p.location.segment_tag, p.location.segment_position, p.location.element_position, p.code)
             for p in one.problems]
    assert found == [("segment", "BEG", 2, None, "8"), ("element", "BEG", 2, 5, "8")]


def test_acknowledgment_group_swaps_sender_and_receiver() -> None:
    [ts] = sets_of(corpus_path(PO_18).read_bytes())
    group = acknowledgment_group(ts.group, control_number=9)
    assert (group.functional_id, group.application_sender, group.application_receiver, group.version) == (
        "FA", "Your ID", "8019721193", "004010")
    assert acknowledgment_group(ts.group, control_number=9, our_application_id="SELLER").application_sender == "SELLER"


def test_parse_a_partners_997() -> None:
    [ack] = sets_of(corpus_path("x12/bots/997-004010VICS-01.x12").read_bytes())
    assert parse_acknowledgment(ack) == FunctionalAck(
        acknowledgment_code="997", functional_id="PR", group_control_number="10001", version=None, status="A",
        declared_count=1, received_count=1, accepted_count=1, codes=(),
        sets=(SetAck("855", "1294", "A", (), ()),))


def test_parse_a_partners_rejecting_999() -> None:
    [ack] = sets_of(corpus_path("x12/imsweb/x12_999_rejected.txt").read_bytes())
    parsed = parse_acknowledgment(ack)
    assert (parsed.functional_id, parsed.group_control_number, parsed.version, parsed.status) == (
        "HC", "28", "005010X223A2", "R")
    [one] = parsed.sets
    assert (one.code, one.control_number, one.status, one.codes) == ("837", "0028", "R", ("5",))
    [problem] = one.problems
    assert (problem.location.segment_tag, problem.location.segment_position, problem.code) == ("NM", 17, "1")


def test_parse_a_partners_accepting_999() -> None:
    [ack] = sets_of(corpus_path("x12/imsweb/x12_999_accepted.txt").read_bytes())
    parsed = parse_acknowledgment(ack)
    assert [(s.code, s.control_number, s.status) for s in parsed.sets] == [("837", "0001", "A")]
    assert (parsed.status, parsed.accepted_count) == ("A", 1)


def test_parse_refuses_what_is_not_an_acknowledgment() -> None:
    [ts] = sets_of(corpus_path(PO_18).read_bytes())
    with pytest.raises(MappingError):
        parse_acknowledgment(ts)
    body: list[Segment] = [["AK1", "PO", "1"]]
    broken = TransactionSet(interchange=ts.interchange, group=ts.group, code="997", control_number="1",
                            implementation_reference=None, segments=[["ST", "997", "1"], *body, ["SE", "3", "1"]])
    with pytest.raises(MappingError, match="AK9"):
        parse_acknowledgment(broken)
