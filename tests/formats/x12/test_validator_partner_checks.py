"""What a partner's X12 validator rejects, found by ``formats.translate.check`` too.

Each case is a real corpus purchase order (node-x12's 004010VICS ``850.edi``) altered in one
place: a qualifier outside its X12 code list (128 reference, 355 unit, 374 date), an impossible
envelope date or time, a CTT01 that does not count the lines, an ISA that is not 106 characters.
Each finding names the segment and the element. The converse holds too: the untouched file,
and the same file carrying Latin-1 or UTF-8 letters in an AN element, have no finding.
"""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

import formats.x12.charsets
import formats.x12.envelope_checks
import formats.x12.implementation_map
from formats.errors import Problem
from formats.translate import check
from formats.x12.envelope import TransactionSet
from formats.x12.implementation_map import QUALIFIER_CODESETS, load_map
from formats.x12.maps.update.codelists import PARTNER_CODESETS
from formats.x12.reader import read_interchanges
from formats.x12.validator import validate
from tests.conftest import corpus_path

PURCHASE_ORDER = ("x12", "node-x12", "850.edi")


def _po() -> str:
    return corpus_path(*PURCHASE_ORDER).read_text("ascii")


def _altered(old: str, new: str) -> bytes:
    text = _po()
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1).encode("ascii")


def _where(problem: Problem) -> tuple[str | None, int | None, int | None]:
    loc = problem.location
    return loc.segment_tag, loc.segment_position, loc.element_position


def test_the_untouched_corpus_order_has_no_finding() -> None:
    assert check(corpus_path(*PURCHASE_ORDER).read_bytes()) == []


@pytest.mark.parametrize(("old", "new", "tag", "position", "element", "reference", "value"), [
    ("REF*DP*038~", "REF*ZZX*038~", "REF", 3, 1, "128", "ZZX"),
    ("PO1*2*220*EA*", "PO1*2*220*KI*", "PO1", 16, 3, "355", "KI"),
    ("DTM*002*20101214~", "DTM*QQQ*20101214~", "DTM", 6, 1, "374", "QQQ"),
], ids=["REF01 not in 128", "PO103 not in 355", "DTM01 not in 374"])
def test_a_code_outside_the_x12_code_list_is_named_with_its_element(
        old: str, new: str, tag: str, position: int, element: int, reference: str, value: str) -> None:
    [problem] = check(_altered(old, new))
    assert _where(problem) == (tag, position, element)
    assert (problem.level, problem.code) == ("element", "7")
    assert f"{value!r} is not a code of X12 element {reference}" in problem.message
    assert f"{tag}{element:02d} (segment {position})" in str(problem)


def test_the_maps_carry_the_code_lists_of_the_coded_elements_we_read_and_write() -> None:
    for code in ("850", "855", "856", "810", "846", "832", "860"):
        for version in ("004010", "005010"):
            segments = load_map(code, version).segments_by_tag
            for tag, element, reference in (("REF", 1, "128"), ("DTM", 1, "374"), ("N1", 1, "98"),
                                            ("N1", 3, "66")):
                if tag not in segments:
                    continue
                rule = segments[tag].fields[element - 1]
                assert rule.reference == reference
                assert getattr(rule, "codes", None), f"{code} {version} {tag}{element:02d} has no code list"
    po1 = load_map("850", "004010").segments_by_tag["PO1"]
    unit = po1.fields[2]
    assert unit.reference == "355" and unit.codes is not None
    assert {"EA", "CA", "BX", "DZ", "LB", "PL"} <= unit.codes and "KI" not in unit.codes


@pytest.mark.parametrize(("old", "new", "tag", "element", "code"), [
    ("*101127*1719*U*", "*261341*1719*U*", "ISA", 9, "014"),
    ("*101127*1719*U*", "*101127*2460*U*", "ISA", 10, "015"),
    ("*20101127*1719*1421*", "*20101341*1719*1421*", "GS", 4, None),
    ("*20101127*1719*1421*", "*20101127*2571*1421*", "GS", 5, None),
], ids=["ISA09 month 13", "ISA10 minute 60", "GS04 month 13", "GS05 hour 25"])
def test_an_impossible_envelope_date_or_time_is_found(old: str, new: str, tag: str, element: int,
                                                     code: str | None) -> None:
    [problem] = check(_altered(old, new))
    assert (problem.location.segment_tag, problem.location.element_position) == (tag, element)
    assert problem.code == code
    assert problem.location.interchange == "000003438"
    assert f"{tag}{element:02d}" in str(problem)


def test_ctt01_must_count_the_line_items() -> None:
    [problem] = check(_altered("CTT*6~", "CTT*5~"))
    assert _where(problem) == ("CTT", 31, 1)
    assert "6 PO1" in problem.message and "'5'" in problem.message


def test_ctt01_of_a_ship_notice_counts_its_hl_segments() -> None:
    raw = corpus_path("x12", "node-x12", "856.edi").read_bytes()
    assert [p for p in check(raw) if p.location.segment_tag == "CTT"] == []
    text = raw.decode("ascii")
    start = text.index("CTT*")
    count = text[start + 4:text.index("~", start)].split("*")[0]
    hl_segments = text.count("~HL*") + text.count("\nHL*")
    assert count == str(hl_segments)
    wrong = text.replace(f"CTT*{count}*", f"CTT*{hl_segments + 1}*", 1).encode("ascii")
    [problem] = [p for p in check(wrong) if p.location.segment_tag == "CTT"]
    assert f"{hl_segments} HL" in problem.message


@pytest.mark.parametrize(("old", "new", "element"), [
    ("*12*4405197800     *", "*12*4405197800*", 6),
    ("ISA*01*0000000000*", "ISA*01*00000000000*", 2),
], ids=["ISA06 not padded", "ISA02 too long"])
def test_an_isa_that_is_not_106_characters_names_the_field(old: str, new: str, element: int) -> None:
    problems = check(_altered(old, new))
    isa = [p for p in problems if p.location.segment_tag == "ISA"]
    assert [(p.location.element_position, p.level) for p in isa] == [(element, "interchange")]
    assert "106" in isa[0].message


@pytest.mark.parametrize("charset", ["latin-1", "utf-8"])
def test_letters_of_the_interchange_charset_are_valid_an(charset: str) -> None:
    """PID05 "CAFÉ WIDGET": the interchange is Latin-1 (or UTF-8), so É is a character of it."""
    raw = _po().replace("PID*F****SMALL WIDGET~", "PID*F****CAFÉ WIDGET~", 1).encode(charset)
    assert check(raw) == []


def test_a_non_ascii_letter_in_an_id_code_is_still_not_a_code() -> None:
    raw = _po().replace("REF*DP*038~", "REF*DÉ*038~", 1).encode("latin-1")
    [problem] = check(raw)
    assert _where(problem) == ("REF", 3, 1) and problem.code == "7"


def test_the_intake_leaves_out_the_qualifier_lists_partners_extend() -> None:
    """The intake takes a partner's own unit code through the partner's unit map (lenient in)."""
    [ts] = [e for e in read_interchanges(_altered("PO1*2*220*EA*", "PO1*2*220*KI*")) if isinstance(e, TransactionSet)]
    assert [(p.location.segment_tag, p.code) for p in validate(ts, qualifier_lists=True)] == [("PO1", "7")]
    assert validate(ts) == ()
    [ts] = [e for e in read_interchanges(_altered("BEG*00*SA*", "BEG*QQ*SA*")) if isinstance(e, TransactionSet)]
    assert [(p.location.segment_tag, p.code) for p in validate(ts)] == [("BEG", "7")]


def test_the_runtime_knows_which_code_lists_are_qualifier_lists() -> None:
    assert set(PARTNER_CODESETS) == QUALIFIER_CODESETS


@pytest.mark.parametrize("name", ["850-004030-03.x12", "850-004030VICS-01.x12"])
def test_the_n9_loop_carries_mtx_from_004030_on(name: str) -> None:
    """Bots' 004030 orders put their notes in MTX inside the N9 loop, as the 004030+ standard has it."""
    raw = corpus_path("x12", "bots", name).read_bytes()
    assert b"\nMTX" in raw or b"~MTX" in raw
    assert check(raw) == []


def test_a_real_partners_short_isa_field_is_found() -> None:
    """EDI.Net's 850 pads ISA08 to 11 characters instead of 15: its ISA is 102 characters long."""
    raw = corpus_path("x12", "edinet", "x12.850a.edi").read_bytes()
    isa = [p for p in check(raw) if p.location.segment_tag == "ISA"]
    assert [(p.location.element_position, p.code) for p in isa] == [(8, "008")]
    assert "ISA08 is 11 characters" in isa[0].message


def test_an_isa_wrapped_at_a_line_width_is_read_without_its_line_breaks() -> None:
    """Bots' sample breaks its lines at 80 columns, inside ISA10; the partner reads it unwrapped."""
    raw = corpus_path("x12", "bots", "850-004010-08.x12").read_bytes()
    assert b"*17\n00*" in raw or b"*17\r\n00*" in raw
    assert [p for p in check(raw) if p.location.segment_tag == "ISA"] == []


@pytest.mark.parametrize("module", [formats.x12.envelope_checks, formats.x12.charsets,
                                    formats.x12.implementation_map])
def test_module_examples(module: ModuleType) -> None:
    failures, tried = doctest.testmod(module)
    assert tried > 0 and failures == 0


def test_codes_a_partner_agreed_to_are_accepted_for_that_partner_only() -> None:
    """A partner's own unit code (its unit override, or the code of the order answered) goes back to it."""
    raw = _altered("PO1*2*220*EA*", "PO1*2*220*KI*")
    assert check(raw, agreed_codes={"355": {"KI"}}) == []
    assert [p.location.segment_tag for p in check(raw, agreed_codes={"128": {"KI"}})] == ["PO1"]
    assert [p.location.segment_tag for p in check(raw)] == ["PO1"]
