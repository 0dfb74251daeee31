"""Our X12 validator against pyx12 on the same implementation maps, over the whole corpus.

Every corpus 850/855 that pyx12 can read is validated by both; they must agree on accept/reject
and on every finding (segment tag, position, element, X12 code). Deliberately broken variants
of real documents check that both find the same fault. The known, documented differences are
normalised in :func:`pyx12_key`: pyx12 says 720 code 1 for a known segment out of place (we say
2, "unexpected segment"), and reports syntax-note, too-many-elements and composite errors as
segment code 8 without the element (we name the element).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from formats.errors import FormatError, Problem, ValidationError
from formats.x12.envelope import GroupEnd, InterchangeEnd, TransactionSet
from formats.x12.implementation_map import is_valid_date, is_valid_time, load_map
from formats.x12.maps.update.generate_maps import MAPS_DIR as GENERATED_DIR
from formats.x12.maps.update.generate_maps import outputs
from formats.x12.reader import read_interchanges
from formats.x12.validator import validate
from tests.conftest import CORPUS, corpus_files, corpus_path
from tests.formats.x12.pyx12_harness import MAPS_DIR, Pyx12Finding, replace_once, run_pyx12, without_segment

NOT_READ_BY_PYX12: dict[str, str] = {
    "x12/bots/850-004010-01.x12": "ISA12 00302: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004010-02.x12": "ISA12 00300: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004010-03.x12": "ISA12 00200: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004010-05.x12": "ISA12 00403: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004010-07.x12": "ISA12 00403: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004010-08.x12": "ISA12 00403: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004010-09.x12": "ISA12 00403: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004010.15.x12": "ISA12 00305: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004010.16.x12": "ISA12 00403: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004010.17.x12": "ISA12 00300: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004030-01.x12": "ISA12 00400: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004030-02.x12": "ISA12 00400: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004030-03.x12": "ISA12 00403: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/850-004030VICS-01.x12": "ISA12 00403: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/simplemailbag.x12": "ISA12 00400: pyx12 reads only 00401 and 00501 interchanges",
    "x12/node-x12/850.edi": "ISA12 00400: pyx12 reads only 00401 and 00501 interchanges",
    "x12/node-x12/850_2.edi": "ISA12 00400: pyx12 reads only 00401 and 00501 interchanges",
    "x12/node-x12/850_fat.edi": "ISA12 00400: pyx12 reads only 00401 and 00501 interchanges",
    "x12/bots/mailbag01.x12": "eight interchanges, some ISA12 00300/00302/00400/00403: pyx12 stops at the first "
                              "group it has no map for (00400 PO 004030)",
    "x12/bots/850-ebcdic.x12": "EBCDIC: pyx12 reads ASCII only",
    "x12/edinet/x12.850.edi": "UTF-8 BOM and non-ASCII blanks padding the ISA: pyx12 reads ASCII only",
    "x12/edinet/x12.850a.edi": "UTF-8 BOM and non-ASCII blanks padding the ISA: pyx12 reads ASCII only",
    "x12/edinet/x12.850.issue135.edi": "every segment ends with the component separator before its newline "
                                       "terminator: pyx12 reads each last element as a composite and finds no IEA",
    "x12/bots/850-004010-06.x12": "ISA16 '^' is outside pyx12's 00401 character set: pyx12 fails the ISA "
                                  "before any map is used (the set itself is clean for both)",
}
"""Corpus 850/855 files pyx12 cannot read, and why; every other one is compared."""


def _sets_of(path: Path) -> list[TransactionSet]:
    try:
        return [e for e in read_interchanges(path.read_bytes()) if isinstance(e, TransactionSet)]
    except FormatError:
        return []


PURCHASE_ORDER_FILES = [p for p in corpus_files("x12") if any(t.code in ("850", "855") for t in _sets_of(p))]
COMPARED = [p for p in PURCHASE_ORDER_FILES if str(p.relative_to(CORPUS)) not in NOT_READ_BY_PYX12]


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS / "x12"))


def our_findings(raw: bytes) -> list[Problem]:
    """Everything the reader and the validator find in ``raw``: what our 997 would report."""
    found: list[Problem] = []
    for event in read_interchanges(raw):
        if isinstance(event, TransactionSet):
            found += [*event.problems, *validate(event, qualifier_lists=True)]
        elif isinstance(event, GroupEnd | InterchangeEnd):
            found += event.problems
    return found


def our_key(problem: Problem) -> tuple[object, ...]:
    loc = problem.location
    if problem.level == "element" and problem.code in ("2", "3", "10"):
        return ("segment", loc.segment_tag, loc.segment_position, "8")
    if problem.level == "element":
        return ("element", loc.segment_tag, loc.segment_position, loc.element_position, loc.component_position,
                problem.code)
    if problem.level == "segment":
        return ("segment", loc.segment_tag, loc.segment_position, problem.code)
    return (problem.level, problem.code)


def pyx12_key(finding: Pyx12Finding, known_tags: frozenset[str]) -> tuple[object, ...]:
    if finding.level == "element":
        return ("element", finding.segment_tag, finding.segment_position, finding.element_position,
                finding.component_position, finding.code)
    if finding.level == "segment":
        code = "2" if finding.code == "1" and finding.segment_tag in known_tags else finding.code
        return ("segment", finding.segment_tag, finding.segment_position, code)
    return (finding.level, finding.code)


KNOWN_TAGS = frozenset(load_map("850", "004010").segments_by_tag) | frozenset(load_map("855", "004010").segments_by_tag)


def assert_agree(raw: bytes) -> set[tuple[object, ...]]:
    """Both validators accept or both reject ``raw``, with the same findings; returns them."""
    ours = {our_key(p) for p in our_findings(raw)}
    result = run_pyx12(raw)
    theirs = {pyx12_key(f, KNOWN_TAGS) for f in result.findings}
    assert ours == theirs
    assert (not ours) == result.valid
    return ours


def test_every_corpus_purchase_order_is_compared_or_listed_with_its_reason() -> None:
    corpus_path("x12")
    listed = {str(p.relative_to(CORPUS)) for p in PURCHASE_ORDER_FILES} - {str(p.relative_to(CORPUS)) for p in COMPARED}
    assert listed == set(NOT_READ_BY_PYX12)
    assert len(COMPARED) == 16


@pytest.mark.parametrize("path", [CORPUS / name for name in sorted(NOT_READ_BY_PYX12)], ids=str)
def test_pyx12_really_cannot_read_the_listed_files(path: Path) -> None:
    raw = corpus_path(str(path.relative_to(CORPUS))).read_bytes()
    isa12 = {t.interchange.version for t in _sets_of(path)}
    reason = NOT_READ_BY_PYX12[str(path.relative_to(CORPUS))]
    if reason.startswith("ISA12"):
        assert isa12 == {reason[6:11]}
    try:
        result = run_pyx12(raw)
    except Exception as exc:  # pyx12 raises EngineError; decoding fails on non-ASCII
        assert "ascii" in str(exc) or "Map not found" in str(exc)
        return
    assert not result.valid


@pytest.mark.parametrize("path", COMPARED, ids=_id)
def test_ours_and_pyx12_agree_on_the_corpus(path: Path) -> None:
    assert assert_agree(path.read_bytes()) == CODE_LIST_FINDINGS.get(_id(path), set())


CODE_LIST_FINDINGS = {
    "node-x12/850_3.edi": {("element", "PO1", 12, 3, None, "7")},  # "KI" is no X12 unit code (355)
    "node-x12/855.edi": {("element", "REF", 4, 1, None, "7")},  # "ZZZ" is no reference qualifier (128)
}
"""What the qualifier code lists find in corpus files, where pyx12 finds the same."""


PO_18 = "x12/bots/850-004010-18.x12"  # Safeway-style 850, PO 520981 of 2001-10-01, two lines
ACK_5010 = "x12/stedi/855-5010-inbound.edi"  # 855 acknowledging PO 365465413, two lines accepted


def _po18() -> bytes:
    return corpus_path(PO_18).read_bytes()


BROKEN_850 = {
    "missing BEG": (lambda raw: without_segment(raw, b"BEG*00*SA*520981**20011001~\n", b"SE*33*", b"SE*32*"),
                    {("segment", "BEG", 2, "3")}),
    "bad BEG01 code": (lambda raw: replace_once(raw, b"BEG*00*SA*520981", b"BEG*9Z*SA*520981"),
                       {("element", "BEG", 2, 1, None, "7")}),
    "BEG03 too long": (lambda raw: replace_once(raw, b"*520981**", b"*520981520981520981520981**"),
                       {("element", "BEG", 2, 3, None, "5")}),
    "wrong SE01": (lambda raw: replace_once(raw, b"SE*33*", b"SE*36*"), {("transaction", "4")}),
    "BEG05 not a date": (lambda raw: replace_once(raw, b"**20011001~", b"**20011341~"),
                         {("element", "BEG", 2, 5, None, "8")}),
    "CTT loop twice": (lambda raw: replace_once(raw, b"CTT*2**499*LB~\nSE*33*", b"CTT*2**499*LB~\nCTT*2~\nSE*34*"),
                       {("segment", "CTT", 33, "4")}),
    "PER used four times": (lambda raw: replace_once(raw, b"PER*BD*Buyer Name*TE*Buyer Phone number~\n",
                                                     b"PER*BD*A~\nPER*BD*B~\nPER*BD*C~\nPER*BD*D~\n").replace(
                                                         b"SE*33*", b"SE*36*"),
                            {("segment", "PER", 6, "5")}),
    "unknown segment": (lambda raw: replace_once(raw, b"FOB*PP~\n", b"FOB*PP~\nZZZ*1~\n").replace(
                            b"SE*33*", b"SE*34*"), {("segment", "ZZZ", 5, "1")}),
    "N1 with no entity code": (lambda raw: replace_once(raw, b"N1*VN*Your", b"N1**Your"),
                               {("element", "N1", 22, 1, None, "1")}),
    "PO1 product ID without qualifier": (lambda raw: replace_once(raw, b"*UA*043010021900*", b"**043010021900*"),
                                         {("segment", "PO1", 29, "8")}),
}
"""Each: how to break the real 850, and the one finding both validators must report."""


@pytest.mark.parametrize("name", sorted(BROKEN_850))
def test_ours_and_pyx12_find_the_same_fault(name: str) -> None:
    breaker, expected = BROKEN_850[name]
    assert assert_agree(breaker(_po18())) == expected


def test_a_segment_out_of_order_is_unexpected_for_us_and_unknown_for_pyx12() -> None:
    raw = replace_once(_po18(), b"FOB*PP~\nDTM*002*20011011~\n", b"DTM*002*20011011~\nFOB*PP~\n")
    assert assert_agree(raw) == {("segment", "FOB", 5, "2")}
    [finding] = run_pyx12(raw).findings
    assert finding.code == "1"  # pyx12's word for it; ours is 720 code 2


def test_bad_code_in_a_005010_acknowledgment() -> None:
    raw = replace_once(corpus_path(ACK_5010).read_bytes(), b"ACK*IA*4*EA", b"ACK*ZZ*4*EA")
    assert assert_agree(raw) == {("element", "ACK", 15, 1, None, "7")}


def test_problem_locations_name_the_set_and_the_bad_value_position() -> None:
    raw = BROKEN_850["BEG05 not a date"][0](_po18())
    [ts] = [e for e in read_interchanges(raw) if isinstance(e, TransactionSet)]
    [problem] = validate(ts)
    assert (problem.level, problem.code) == ("element", "8")
    loc = problem.location
    assert (loc.transaction, loc.group, loc.interchange) == ("00121001", "121", "000000164")
    assert ts.segments[loc.segment_position - 1][loc.element_position] == "20011341"
    assert str(loc) == "interchange 000000164, group 121, transaction set 00121001, BEG05 (segment 2)"


def test_a_set_without_a_map_is_not_supported() -> None:
    [ts] = [t for t in _sets_of(corpus_path("x12/bots/mailbag01.x12")) if t.code == "820"][:1]
    assert [(p.level, p.code) for p in validate(ts)] == [("transaction", "1")]


def test_missing_po1_loop_is_reported_at_the_segment_that_proves_it() -> None:
    raw = _po18()
    start, end = raw.index(b"PO1*"), raw.index(b"CTT*")
    lines = raw[start:end].count(b"~")
    cut = raw[:start] + raw[end:]
    cut = replace_once(cut, b"SE*33*", f"SE*{33 - lines}*".encode())
    assert assert_agree(cut) == {("segment", "PO1", 33 - lines - 1, "3")}


@pytest.mark.parametrize(("version", "family", "name"), [
    ("004010", "4010", "850.4010.xml"), ("004010VICS", "4010", "850.4010.xml"), ("003040", "4010", "850.4010.xml"),
    ("005010", "5010", "850.5010.xml"), ("005010UCS", "5010", "850.5010.xml")])
def test_load_map_picks_the_family_by_gs08(version: str, family: str, name: str) -> None:
    imap = load_map("850", version)
    assert (imap.family, imap.file) == (family, name)
    assert load_map("850", version) is imap
    assert imap.element_reference("PO1", 7) == "234"
    assert imap.element_reference("REF", 4, 2) == "127"


def test_load_map_refuses_an_unknown_set() -> None:
    with pytest.raises(ValidationError) as caught:
        load_map("820", "004010")
    assert caught.value.code == "1"


@pytest.mark.parametrize(("value", "date_ok"), [
    ("20011001", True), ("20240229", True), ("20230229", False), ("20011341", False), ("2001100", False),
    ("011001", True), ("17991231", False), ("2001-10-", False)])
def test_dates_are_real_calendar_dates(value: str, date_ok: bool) -> None:
    assert is_valid_date(value) is date_ok


@pytest.mark.parametrize(("value", "time_ok"), [("1446", True), ("2359", True), ("2400", False), ("1260", False),
                                                ("144659", True), ("14465", False), ("144659123", False)])
def test_times(value: str, time_ok: bool) -> None:
    assert is_valid_time(value) is time_ok


def test_the_maps_are_what_the_generator_makes() -> None:
    assert GENERATED_DIR == MAPS_DIR
    for name, content in outputs().items():
        assert (MAPS_DIR / name).read_bytes() == content, f"{name} is stale: run generate_maps"
