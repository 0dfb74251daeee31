"""The streaming X12 reader over every public corpus interchange, chunked input and broken input."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from formats.errors import X12SyntaxError
from formats.x12.detect import looks_like_x12
from formats.x12.envelope import GroupEnd, InterchangeEnd, TransactionSet, X12Event
from formats.x12.reader import read_interchanges
from tests.conftest import CORPUS, corpus_files, corpus_path

X12 = CORPUS / "x12"
FOLDERS = ("node-x12", "bots", "edinet", "stedi", "imsweb")
CORPUS_FILES = [path for folder in FOLDERS for path in corpus_files(f"x12/{folder}")]

# The corpus files whose envelopes really are inconsistent: (file, {(code, level), ...}).
KNOWN_PROBLEMS: dict[str, set[tuple[str, str]]] = {
    "edinet/x12.832.edi": {("4", "transaction")},  # SE*17 on a 12-segment set
    "edinet/x12.850.edi": {("001", "interchange")},  # IEA02 000000001, ISA13 000000055
    "edinet/x12.850a.edi": {("001", "interchange")},
    "imsweb/x12_999_accepted.txt": {("001", "interchange")},  # IEA02 000000001, ISA13 000000286
}


def _name(path: Path) -> str:
    return path.relative_to(X12).as_posix()


def _read(relative: str, **kwargs: object) -> list[X12Event]:
    return list(read_interchanges(corpus_path("x12", relative).read_bytes(), **kwargs))  # type: ignore[arg-type]


def _sets(events: list[X12Event]) -> list[TransactionSet]:
    return [e for e in events if isinstance(e, TransactionSet)]


def _ends(events: list[X12Event]) -> list[InterchangeEnd]:
    return [e for e in events if isinstance(e, InterchangeEnd)]


def _chunks(data: bytes, size: int) -> Iterator[bytes]:
    return (data[i:i + size] for i in range(0, len(data), size))


def test_the_corpus_folders_are_all_there() -> None:
    for folder in FOLDERS:
        corpus_path("x12", folder)
    assert len(CORPUS_FILES) == 54


@pytest.mark.parametrize("path", CORPUS_FILES, ids=_name)
def test_every_corpus_file_reads_with_only_its_known_problems(path: Path) -> None:
    events = list(read_interchanges(path.read_bytes()))
    problems = {(p.code, p.level) for e in events for p in e.problems}
    assert problems == KNOWN_PROBLEMS.get(_name(path), set())
    sets = _sets(events)
    assert sets and all(ts.segments[0][0] == "ST" and ts.segments[-1][0] == "SE" for ts in sets)
    assert all(ts.code == ts.segments[0][1] and ts.control_number == ts.segments[0][2] for ts in sets)
    ends = _ends(events)
    assert [e.actual_count for e in ends] == [sum(isinstance(g, GroupEnd) and g.interchange is e.interchange
                                                  for g in events) for e in ends]
    assert isinstance(events[-1], InterchangeEnd)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=_name)
def test_chunked_and_file_input_read_the_same_as_whole_bytes(path: Path) -> None:
    data = path.read_bytes()
    whole = list(read_interchanges(data))
    assert list(read_interchanges(_chunks(data, 1))) == whole
    assert list(read_interchanges(_chunks(data, 7))) == whole
    assert list(read_interchanges(io.BytesIO(data), chunk_size=13)) == whole
    assert list(read_interchanges(memoryview(bytearray(data)), chunk_size=64)) == whole


def test_node_x12_850_tilde_and_newline() -> None:
    events = _read("node-x12/850.edi")
    (ts,) = _sets(events)
    header = ts.interchange
    assert (header.version, header.control_number, header.sender_id, header.receiver_id) == (
        "00400", "000003438", "4405197800", "999999999")
    assert (header.delimiters.element, header.delimiters.component, header.delimiters.segment) == ("*", ">", "~")
    assert header.delimiters.repetition is None and header.delimiters.segment_suffix == "\n"
    assert (ts.code, ts.control_number, ts.group.version, ts.index_in_group) == ("850", "000000010", "004010VICS", 1)
    assert len(ts.segments) == 33 == int(ts.segments[-1][1])
    assert ts.segments[1] == ["BEG", "00", "SA", "08292233294", "", "20101127", "610385385"]


def test_node_x12_newline_terminator() -> None:
    (ts,) = _sets(_read("node-x12/850_2.edi"))
    assert ts.interchange.delimiters.segment == "\n"
    assert ts.segments[1][3] == "08292233294"


def test_node_x12_fat_file_holds_two_interchanges() -> None:
    events = _read("node-x12/850_fat.edi")
    assert [type(e) for e in events] == [TransactionSet, GroupEnd, InterchangeEnd] * 2
    first, second = _ends(events)
    assert first.interchange.offset == 0 and second.interchange.offset == 1115
    assert [ts.segments[1][3] for ts in _sets(events)] == ["08292233294", "08292233294"]


def test_node_x12_856_repetition_separator_from_00406() -> None:
    (ts,) = _sets(_read("node-x12/856.edi"))
    assert ts.interchange.version == "00406" and ts.interchange.delimiters.repetition == "-"
    assert ts.segments[1] == ["BSN", "14", "829716", "20111206", "142428", "0002"]


def test_bots_vics_delete_as_element_separator_and_nak_as_terminator() -> None:
    sets = _sets(_read("bots/850-004010VICS-01.x12"))
    d = sets[0].interchange.delimiters
    assert (d.element, d.component, d.segment) == ("\x7f", ">", "\x15")
    assert [ts.segments[1][3] for ts in sets] == ["15918851602", "15918861602", "15918871602", "15918881602"]
    assert [len(ts.segments) for ts in sets] == [421, 369, 171, 174]
    assert [ts.index_in_group for ts in sets] == [1, 2, 3, 4]


def test_bots_00300_plus_component_two_groups_four_sets() -> None:
    events = _read("bots/850-004010-02.x12")
    groups = [e for e in events if isinstance(e, GroupEnd)]
    (end,) = _ends(events)
    assert end.interchange.version == "00300" and end.interchange.delimiters.component == "+"
    assert end.interchange.delimiters.repetition is None and end.interchange.standards_id == "U"
    assert (end.declared_count, end.actual_count, len(groups), len(_sets(events))) == (2, 2, 2, 4)
    assert [(g.declared_count, g.actual_count) for g in groups] == [(2, 2), (2, 2)]
    assert [ts.index_in_group for ts in _sets(events)] == [1, 2, 1, 2]
    assert _sets(events)[0].segments[1][3] == "95018017"


def test_bots_ebcdic_is_decoded_as_cp037() -> None:
    (ts,) = _sets(_read("bots/850-ebcdic.x12"))
    assert ts.interchange.charset == "cp037"
    assert ts.interchange.sender_id == "1234567890" and ts.interchange.control_number == "000000183"
    assert ts.segments[1] == ["BEG", "00", "NE", "12345678", "", "20070831"]  # BEG03 is the PO number
    assert len(ts.segments) == 9


def test_bots_00403_caret_repetition_separator() -> None:
    sets = _sets(_read("bots/810-004030-01.x12"))
    assert sets[0].interchange.delimiters.repetition == "^" and sets[0].interchange.standards_id == "^"
    assert [ts.segments[1][2] for ts in sets] == ["465266", "465267"]  # BIG02 invoice numbers


def test_bots_mailbag_mixes_interchanges_versions_and_delimiters() -> None:
    events = _read("bots/mailbag01.x12")
    ends = _ends(events)
    # Eight ISA in all (the last line holds two interchanges back to back).
    assert [e.interchange.control_number for e in ends] == [
        "000001816", "001000113", "017000934", "112240001", "000000005", "000001000", "000000010", "000000183"]
    assert [e.interchange.version for e in ends] == ["00401", "00400", "00400", "00302", "00300", "00401", "00403",
                                                     "00401"]
    assert [e.interchange.delimiters.segment for e in ends] == ["\x15", "\x15", "\x15", "\n", "~", "\x15", "~", "~"]
    sets = _sets(events)
    assert {ts.code for ts in sets} == {"820", "850", "997"}
    assert {ts.group.version for ts in sets} == {"004010VICS", "004030", "004010"}
    assert len(sets) == 14


def test_edinet_byte_order_mark_indentation_and_non_breaking_spaces() -> None:
    (ts,) = _sets(_read("edinet/x12.850.edi"))
    header = ts.interchange
    assert header.charset == "utf-8" and header.offset == 3  # after the 3-byte BOM
    assert (header.authorization, header.sender_id, header.receiver_id) == ("", "000123456", "PARTNERID")
    assert ts.segments[1] == ["BEG", "00", "SA", "1000012", "", "20090827"]
    (invoice,) = _sets(_read("edinet/x12.810a.edi"))
    assert invoice.segments[0] == ["ST", "810", "0001"]  # was indented with tabs
    assert invoice.segments[1][:3] == ["BIG", "20030310", "DO091003TESTINV01"]


def test_edinet_issue135_duplicate_st02_and_trailing_component_separators() -> None:
    events = _read("edinet/x12.850.issue135.edi")
    first, second = _sets(events)
    assert first.interchange.delimiters.component == "~" and first.interchange.delimiters.segment == "\n"
    assert first.control_number == second.control_number == "0001"
    assert (len(first.segments), len(second.segments)) == (87, 95)
    assert first.group.version == "004010" and first.segments[1] == ["BEG", "05", "CP", "740150", "", "20191001"]
    assert first.segments[5] == ["PO1", "10", "13200", "SF", "", "", "ST", "F07EXPLBA1818"]
    assert not any(e.problems for e in events)


def test_imsweb_999_iea02_differs_from_isa13() -> None:
    (end,) = _ends(_read("imsweb/x12_999_accepted.txt"))
    (problem,) = end.problems
    assert (problem.code, problem.level) == ("001", "interchange")
    assert (problem.location.segment_tag, problem.location.element_position) == ("IEA", 2)
    assert (end.control_number, end.interchange.control_number) == ("000000001", "000000286")
    events = _read("imsweb/x12_999_rejected.txt")
    (ts,) = _sets(events)
    assert ts.interchange.delimiters.component == "|" and ts.interchange.version == "00501"
    assert ts.implementation_reference == "005010X231A1"
    assert ts.segments[3] == ["IK3", "NM", "17", "", "1"]


def test_stedi_5010_855() -> None:
    (ts,) = _sets(_read("stedi/855-5010-inbound.edi"))
    assert (ts.code, ts.group.version, ts.interchange.usage) == ("855", "005010", "T")
    assert ts.segments[1][:4] == ["BAK", "00", "AD", "365465413"]


# --- written here: small interchanges with one fault each -------------------------------------------

ISA = "ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *261123*0930*U*00401*000000042*0*P*>~\n"
GS = "GS*PO*BUYER*SELLER*20261123*0930*7*X*004010~\n"
SET = "ST*850*0001~\nBEG*00*SA*PO-4711**20261123~\nPO1*1*12*EA*9.25**VP*SKU-1~\nCTT*1~\nSE*5*0001~\n"
GOOD = ISA + GS + SET + "GE*1*7~\n" + "IEA*1*000000042~\n"


def _problems(text: str) -> list[tuple[str | None, str, str | None, int | None, int | None]]:
    events = list(read_interchanges(text.encode()))
    return [(p.code, p.level, p.location.segment_tag, p.location.segment_position, p.location.element_position)
            for e in events for p in e.problems]


def test_a_clean_interchange_has_no_problems() -> None:
    events = list(read_interchanges(GOOD.encode()))
    assert [type(e) for e in events] == [TransactionSet, GroupEnd, InterchangeEnd]
    assert _problems(GOOD) == []
    assert events[0].segments[2] == ["PO1", "1", "12", "EA", "9.25", "", "VP", "SKU-1"]


@pytest.mark.parametrize(("good", "bad", "expected"), [
    ("SE*5*0001", "SE*6*0001", ("4", "transaction", "SE", 5, 1)),
    ("SE*5*0001", "SE*5*0002", ("3", "transaction", "SE", 5, 2)),
    ("GE*1*7", "GE*2*7", ("5", "group", "GE", None, 1)),
    ("GE*1*7", "GE*1*8", ("4", "group", "GE", None, 2)),
    ("IEA*1*000000042", "IEA*3*000000042", ("021", "interchange", "IEA", None, 1)),
    ("IEA*1*000000042", "IEA*1*000000043", ("001", "interchange", "IEA", None, 2)),
])
def test_a_wrong_trailer_is_one_problem_at_its_element(good: str, bad: str, expected: tuple[object, ...]) -> None:
    assert _problems(GOOD.replace(good, bad)) == [expected]


def test_missing_trailers() -> None:
    assert _problems(GOOD.replace("SE*5*0001~\n", "")) == [("2", "transaction", "SE", 5, None)]
    assert _problems(GOOD.replace("GE*1*7~\n", "")) == [("3", "group", "GE", None, None)]
    assert _problems(GOOD.replace("IEA*1*000000042~\n", "")) == [("023", "interchange", "IEA", None, None)]
    # An ISA before the previous interchange's IEA ends it, and both are read.
    two = GOOD.replace("IEA*1*000000042~\n", "") + GOOD
    assert _problems(two) == [("023", "interchange", "IEA", None, None)]
    assert len(_sets(list(read_interchanges(two.encode())))) == 2


def test_a_second_st_before_se_closes_the_first_set() -> None:
    text = GOOD.replace("SE*5*0001~\n", "").replace("CTT*1~\n", "CTT*1~\n" + SET.replace("0001", "0002"))
    events = list(read_interchanges(text.encode()))
    first, second = _sets(events)
    assert [(p.code, p.location.transaction) for p in first.problems] == [("2", "0001")]
    assert second.problems == () and second.index_in_group == 2
    assert events[2].actual_count == 2 and [p.code for p in events[2].problems] == ["5"]  # GE01 still says 1


def test_segments_outside_a_set_are_interchange_content_problems() -> None:
    stray = "REF*ZZ*STRAY~\nN1*ST*NOWHERE~\n"
    between_groups = ISA + GS + SET + "GE*1*7~\n" + stray + GS + SET + "GE*1*7~\nIEA*2*000000042~"
    assert _problems(between_groups) == [("024", "interchange", "REF", None, None)]
    events = list(read_interchanges(between_groups.encode()))
    assert len(_sets(events)) == 2 and events[-1].actual_count == 2
    (problem,) = events[-1].problems
    assert problem.message.startswith("2 segment(s) outside a transaction set") and problem.location.group is None
    in_group = GOOD.replace("GE*", "DTM*002*20261201~\nGE*")
    assert _problems(in_group) == [("024", "interchange", "DTM", None, None)]
    assert list(read_interchanges(in_group.encode()))[-1].problems[0].location.group == "7"
    after_iea = GOOD + "THIS IS NOT X12\n"
    assert _problems(after_iea) == [("022", "interchange", None, None, None)]


def test_truncated_corpus_file_yields_what_was_read() -> None:
    data = corpus_path("x12", "node-x12", "850.edi").read_bytes()
    events = list(read_interchanges(data[:len(data) // 2]))
    assert [type(e) for e in events] == [TransactionSet, GroupEnd, InterchangeEnd]
    ts = events[0]
    assert ts.segments[1][3] == "08292233294" and len(ts.segments) == 15
    assert [(p.code, p.location.segment_position) for p in ts.problems] == [("2", 16)]
    assert [p.code for p in events[1].problems] == ["3"]
    assert [p.code for p in events[2].problems] == ["023"]


def test_last_segment_without_terminator_and_dos_eof_mark() -> None:
    assert _problems(GOOD.rstrip("~\n")) == []
    assert _problems(GOOD + "\x1a") == []
    assert _problems("\ufeff \r\n\t" + GOOD) == []


@pytest.mark.parametrize(("data", "offset"), [
    (b"", 0),
    (b"UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER'", 0),
    (b"\xef\xbb\xbf  <?xml version='1.0'?><cXML/>", 5),
])
def test_input_that_is_not_x12_raises(data: bytes, offset: int) -> None:
    with pytest.raises(X12SyntaxError) as raised:
        list(read_interchanges(data))
    assert raised.value.location.offset == offset


@pytest.mark.parametrize("data", [
    b"ISA",
    b"ISA*00*          *00*          *ZZ*BUYER",
    b"ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *261123*0930*U*00401*000000042*0*P",
    b"ISAX00X",
])
def test_an_unreadable_isa_raises(data: bytes) -> None:
    with pytest.raises(X12SyntaxError) as raised:
        list(read_interchanges(data))
    assert raised.value.location.segment_tag == "ISA" and raised.value.location.offset == 0


def test_charsets() -> None:
    latin = GOOD.replace("PO-4711", "PO-4711 Café").encode("latin-1")
    (ts,) = _sets(list(read_interchanges(latin)))
    assert ts.interchange.charset == "latin-1" and ts.segments[1][3] == "PO-4711 Café"
    (ts,) = _sets(list(read_interchanges(latin.replace(b"\xe9", b"\xc3\xa9"))))
    assert ts.interchange.charset == "utf-8" and ts.segments[1][3] == "PO-4711 Café"
    (ts,) = _sets(list(read_interchanges(latin, charset="latin-1")))
    assert ts.segments[1][3] == "PO-4711 Café"
    with pytest.raises(X12SyntaxError) as raised:
        list(read_interchanges(latin, charset="ascii"))
    assert raised.value.location.offset == latin.index(b"\xe9")


@pytest.mark.parametrize(("prefix", "expected"), [
    (b"ISA*00*", True),
    (b"\xef\xbb\xbf\r\n  ISA*00*", True),
    (b"ISA\x7f00\x7f", True),
    (b"\xc9\xe2\xc1\\\xf0\xf0", True),
    (b"ISAAC NEWTON", False),
    (b"<?xml version='1.0'?>", False),
    (b"UNB+UNOC:3", False),
    (b"", False),
])
def test_looks_like_x12(prefix: bytes, expected: bool) -> None:
    assert looks_like_x12(prefix) is expected


@pytest.mark.parametrize("path", CORPUS_FILES, ids=_name)
def test_every_corpus_file_looks_like_x12(path: Path) -> None:
    assert looks_like_x12(path.read_bytes()[:64])


def test_an_unknown_charset_name_is_a_syntax_error() -> None:
    with pytest.raises(X12SyntaxError, match="unknown character set 'klingon'"):
        list(read_interchanges(GOOD.encode(), charset="klingon"))


def test_a_terminator_that_never_comes_is_a_syntax_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("formats.x12.reader._SEGMENT_MAX", 1000)
    endless = ISA + (GS + SET).replace("~", "|") * 20  # the ISA says '~', the rest ends segments with '|'
    with pytest.raises(X12SyntaxError, match="no segment terminator '~'"):
        list(read_interchanges(_chunks(endless.encode(), 100)))
