"""The translation registry: every X12 codec it lists keeps the same contract.

Each codec turns the fixtures of its set into canonical documents, renders them back to segments
that translate to the same document, and refuses a set that is not its own with a FormatError.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from formats.detect import Standard
from formats.errors import DetectionError, FormatError
from formats.translate import X12_CODECS, check, translate
from formats.x12.envelope import Delimiters, TransactionSet
from formats.x12.reader import read_interchanges
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from tests.conftest import FIXTURES

X12_FIXTURES = sorted((FIXTURES / "x12").glob("*.x12"))


def _sets(raw: bytes) -> list[TransactionSet]:
    return [e for e in read_interchanges(raw) if isinstance(e, TransactionSet)]


def _delimiters_of(ts: TransactionSet) -> Delimiters:
    """The delimiters the set arrived with (its data may hold our default ones), with a repetition one."""
    d = ts.interchange.delimiters
    return Delimiters(element=d.element, component=d.component, segment=d.segment,
                      repetition=d.repetition or "^", segment_suffix="\n")


@pytest.mark.parametrize("path", X12_FIXTURES, ids=lambda p: p.name)
def test_every_fixture_set_translates_and_renders_back(path: Path) -> None:
    for ts in _sets(path.read_bytes()):
        codec = X12_CODECS[ts.code]
        document = codec.parse(ts)
        version = ts.group.version[:6]
        body = codec.render(document, version=version)
        interchange = InterchangeSpec(sender_qualifier="ZZ", sender_id="US", receiver_qualifier="ZZ",
                                      receiver_id="THEM", control_number=1, timestamp=dt.datetime(2026, 11, 23),
                                      version="00501" if version >= "005" else "00401",
                                      delimiters=_delimiters_of(ts))
        group = GroupSpec(functional_id="PO", application_sender="US", application_receiver="THEM",
                          control_number=1, version=version)
        again = _sets(render_interchange(interchange, [(group, [TransactionSetSpec(ts.code, "0001", body)])]))
        assert [t.code for t in again] == [ts.code]
        assert codec.parse(again[0]) == document


@pytest.mark.parametrize("code", sorted(X12_CODECS))
def test_every_codec_refuses_a_set_that_is_not_its_own(code: str) -> None:
    raw = (FIXTURES / "x12" / "850-4010-basic.x12").read_bytes()
    [ts] = _sets(raw)
    foreign = ts if code != "850" else TransactionSet(
        interchange=ts.interchange, group=ts.group, code="855", control_number=ts.control_number,
        implementation_reference=None, segments=[["ST", "855", ts.control_number], ts.segments[-1]],
        problems=(), index_in_group=0)
    with pytest.raises(FormatError):
        X12_CODECS[code].parse(foreign)


def test_translate_reports_each_document_and_goes_on() -> None:
    raw = (FIXTURES / "x12" / "850-4010-multi-po.x12").read_bytes()
    results = list(translate(raw))
    assert len(results) == len(_sets(raw)) > 1
    assert all(r.standard is Standard.X12 and r.document is not None for r in results)
    assert len({r.document.po_number for r in results if r.document is not None}) == len(results)


@pytest.mark.parametrize("junk", [b"", b"hello, world", b"\x00\x01\x02binary", b"<html><body>no</body></html>"])
def test_junk_is_refused_with_a_format_error(junk: bytes) -> None:
    with pytest.raises(FormatError):
        list(translate(junk))
    with pytest.raises(DetectionError):
        check(junk)
