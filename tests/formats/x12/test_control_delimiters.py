"""Interchanges delimited by the ASCII information separators (0x1C-0x1F) are read and written.

Many real interchanges (mainframe and VAN traffic) separate elements with GS ``0x1D``, components
with US ``0x1F`` and segments with FS ``0x1C``: characters that can never be data. Python's
``str.isspace()`` counts them as whitespace, so they must never be judged (or stripped) as such.
The document is a corpus 850 (bots' 850-004010-04) with its ``* > ~`` delimiters replaced.
"""

from __future__ import annotations

import datetime as dt
import doctest
import importlib

import pytest

from formats.detect import Standard, detect
from formats.model import Order
from formats.x12 import po850
from formats.x12.envelope import Delimiters, TransactionSet
from formats.x12.reader import interchange_delimiters, read_interchanges
from formats.x12.validator import validate
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from tests.conftest import corpus_path

ELEMENT, COMPONENT, SEGMENT, REPETITION = "\x1d", "\x1f", "\x1c", "\x1e"


def separated(raw: bytes, *, line_breaks: bool = False) -> bytes:
    """``raw`` (delimited ``* > ~``, one segment a line) delimited by the information separators."""
    assert b"\x1c" not in raw and b"\x1d" not in raw and b"\x1f" not in raw
    text = raw.replace(b"~\r\n", b"~").replace(b"~\n", b"~")
    text = text.replace(b"*", ELEMENT.encode()).replace(b">", COMPONENT.encode())
    return text.replace(b"~", (SEGMENT + ("\n" if line_breaks else "")).encode())


def corpus_order_raw() -> bytes:
    return corpus_path("x12", "bots", "850-004010-04.x12").read_bytes()


def orders(raw: bytes) -> list[tuple[TransactionSet, Order]]:
    return [(e, po850.parse(e)) for e in read_interchanges(raw) if isinstance(e, TransactionSet)]


@pytest.mark.parametrize("line_breaks", [False, True], ids=["one-line", "segment-a-line"])
def test_an_interchange_delimited_by_information_separators_reads_as_the_original(line_breaks: bool) -> None:
    original = corpus_order_raw()
    raw = separated(original, line_breaks=line_breaks)
    assert detect(raw[:4096]) is Standard.X12
    [(ts, order)] = orders(raw)
    [(expected_ts, expected)] = orders(original)
    d = ts.interchange.delimiters
    assert (d.element, d.component, d.segment) == (ELEMENT, COMPONENT, SEGMENT)
    assert ts.problems == () and validate(ts) == validate(expected_ts)
    assert ts.segments == expected_ts.segments
    assert order == expected
    assert interchange_delimiters(raw) == d


def test_a_repetition_separator_that_is_an_information_separator_is_kept() -> None:
    """ISA11 from 00402 on is the repetition separator: RS (0x1E) must not be stripped as a blank."""
    raw = separated(corpus_order_raw()).replace(b"\x1dU\x1d00401\x1d", b"\x1d\x1e\x1d00501\x1d", 1)
    [(ts, _)] = orders(raw)
    assert ts.interchange.delimiters.repetition == REPETITION
    assert ts.interchange.standards_id == REPETITION


@pytest.mark.parametrize("version", ["00401", "00501"])
def test_we_write_to_a_partner_using_them(version: str) -> None:
    delimiters = Delimiters(element=ELEMENT, component=COMPONENT, segment=SEGMENT,
                            repetition=REPETITION if version == "00501" else None)
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="B2BGWSELLER", receiver_qualifier="ZZ",
                           receiver_id="ACMEBUYER", control_number=42, version=version,
                           timestamp=dt.datetime(2026, 12, 8, 9, 30), delimiters=delimiters)
    group = GroupSpec(functional_id="PR", application_sender="B2BGWSELLER", application_receiver="ACMEBUYER",
                      control_number=42, version="005010" if version == "00501" else "004010")
    n9 = ["N9", "L1", "NOTES", "", "", "", "", f"ZZ{COMPONENT}A1"]  # N907 (C040) holds components
    sets = [TransactionSetSpec("855", "0001", [["BAK", "00", "AT", "PO-1", "20261208"], n9, ["CTT", "0"]])]
    for notes in (None, []):
        raw = render_interchange(spec, [(group, sets)], notes=notes)
        assert raw.startswith(b"ISA\x1d00\x1d") and raw.count(b"\x1c") == 9
        assert notes in (None, [])  # nothing had to be replaced
        [ts] = [e for e in read_interchanges(raw) if isinstance(e, TransactionSet)]
        assert ts.interchange.delimiters == delimiters
        assert ts.segments[1:3] == [["BAK", "00", "AT", "PO-1", "20261208"], n9]


@pytest.mark.parametrize("module", ["formats.x12.reader", "formats.x12.writer", "formats.x12.detect",
                                    "formats.x12.segments_common", "formats.detect"])
def test_module_examples(module: str) -> None:
    failures, _ = doctest.testmod(importlib.import_module(module))
    assert failures == 0
