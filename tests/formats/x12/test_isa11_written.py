"""ISA11 from 00402 on is the repetition separator, written as it is, also when the writer carries values.

The gateway writes with ``notes`` (what cannot be written is replaced and noted); the repetition
separator is a delimiter, so carrying ISA11 like data turned every 005010 ISA11 ``^`` into ``?``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from formats.errors import Problem
from formats.x12.envelope import Delimiters, TransactionSet
from formats.x12.reader import read_interchanges
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange


@pytest.mark.parametrize("repetition", ["^", "{", "\x1e"])
def test_isa11_is_the_repetition_separator_we_were_given(repetition: str) -> None:
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="B2BGWSELLER", receiver_qualifier="ZZ",
                           receiver_id="GLOBEXEDI", control_number=5, version="00501",
                           timestamp=dt.datetime(2026, 12, 8, 9, 30),
                           delimiters=Delimiters(repetition=repetition, segment_suffix="\n"))
    group = GroupSpec(functional_id="PR", application_sender="B2BGWSELLER", application_receiver="GLOBEXEDI",
                      control_number=5, version="005010")
    notes: list[Problem] = []
    raw = render_interchange(spec, [(group, [TransactionSetSpec("855", "0001", [["BAK", "00", "AT", "PO-1",
                                                                                 "20261208"]])])], notes=notes)
    assert notes == []
    [ts] = [e for e in read_interchanges(raw) if isinstance(e, TransactionSet)]
    assert ts.interchange.standards_id == repetition == ts.interchange.delimiters.repetition
