"""Helpers shared by the order-to-cash set tests: wrap a body in an interchange, read it back, check it."""

from __future__ import annotations

import datetime as dt

from formats.x12.envelope import Delimiters, Segment, TransactionSet
from formats.x12.reader import read_interchanges
from formats.x12.validator import validate
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from tests.formats.x12.pyx12_harness import pyx12_problems

FUNCTIONAL_IDS = {"856": "SH", "810": "IN", "846": "IB", "832": "SC", "860": "PC"}


def transaction_sets(raw: bytes) -> list[TransactionSet]:
    return [event for event in read_interchanges(raw) if isinstance(event, TransactionSet)]


def interchange(code: str, body: list[Segment], version: str, control_number: int = 800001) -> bytes:
    isa_version = "00501" if version.startswith("005") else "00401"
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="B2BGWSELLER", receiver_qualifier="ZZ",
                           receiver_id="ACMEBUYER", control_number=control_number, version=isa_version,
                           timestamp=dt.datetime(2026, 11, 24, 8, 15),
                           delimiters=Delimiters(repetition="^" if isa_version == "00501" else None,
                                                 segment_suffix="\n"))
    group = GroupSpec(functional_id=FUNCTIONAL_IDS[code], application_sender="B2BGWSELLER",
                      application_receiver="ACMEBUYER", control_number=control_number, version=version)
    return render_interchange(spec, [(group, [TransactionSetSpec(code, "0001", body)])])


def checked(code: str, body: list[Segment], version: str) -> TransactionSet:
    """The set ``body`` makes, after both our validator and pyx12 found nothing wrong with it."""
    raw = interchange(code, body, version)
    assert pyx12_problems(raw) == []
    [ts] = transaction_sets(raw)
    assert ts.problems == ()
    assert validate(ts) == ()
    return ts
