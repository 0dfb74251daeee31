"""A PEPPOL invoice written as an X12 810 (``b2bgw translate --to x12``) passes our maps and Bots' grammar.

Before: UBL's item schemes went into IT106 (``0160``, ``0088`` are no X12 235 codes) and a charge
without a 1300 code was ``SAC*C****...`` (X12 R0203 wants SAC02 or SAC03).
"""

from __future__ import annotations

import datetime as dt

import pytest

from formats import ubl
from formats.model import Allowance, Invoice, ItemId, ItemIdKind, Money
from formats.translate import check
from formats.x12 import invoice810
from formats.x12.envelope import Delimiters
from formats.x12.segments_common import allowance_segment, item_qualifier
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from tests.conftest import corpus_files
from tests.formats.x12.bots_harness import bots_problems

SAMPLES = [p for p in corpus_files("ubl/samples/peppol-invoice", "*.xml") if b"<CreditNote" not in p.read_bytes()]


def _as_x12_partner_knows_it(invoice: Invoice) -> Invoice:
    """One identifier per party (an N1 has room for one) and no reference without an X12 qualifier."""
    roles = ("seller", "buyer", "bill_to", "ship_to", "remit_to")
    update: dict[str, object] = {role: party.model_copy(update={"ids": party.ids[:1]})
                                 for role in roles if (party := getattr(invoice, role)) is not None}
    update["references"] = tuple(r for r in invoice.references if len(r.qualifier) <= 3)
    return invoice.model_copy(update=update)


def _interchange(invoice: Invoice, version: str) -> bytes:
    isa = "00501" if version.startswith("005") else "00401"
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="B2BGWSELLER", receiver_qualifier="ZZ",
                           receiver_id="BUYER", control_number=1, timestamp=dt.datetime(2026, 12, 8, 9, 0), version=isa,
                           delimiters=Delimiters(repetition="^" if isa == "00501" else None, segment_suffix="\n"))
    group = GroupSpec(functional_id="IN", application_sender="B2BGWSELLER", application_receiver="BUYER",
                      control_number=1, version=version)
    body = invoice810.render(invoice, version=version)
    notes: list[object] = []  # as the gateway writes: a letter X12 cannot carry is replaced, with a note
    return render_interchange(spec, [(group, [TransactionSetSpec("810", "0001", body)])], notes=notes)


@pytest.mark.parametrize("version", ["004010", "005010"])
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_a_peppol_sample_invoice_as_an_810(path: object, version: str) -> None:
    invoice = ubl.parse(path.read_bytes())  # type: ignore[attr-defined]
    assert isinstance(invoice, Invoice)
    raw = _interchange(_as_x12_partner_knows_it(invoice), version)
    assert [str(p) for p in check(raw)] == []
    assert bots_problems(raw) == []


def test_item_schemes_of_other_standards_become_x12_codes() -> None:
    assert item_qualifier(ItemId(kind=ItemIdKind.GTIN, value="7300010000001", qualifier="0160")) == "EN"
    assert item_qualifier(ItemId(kind=ItemIdKind.GTIN, value="17300010000008", qualifier="GTIN")) == "UK"
    assert item_qualifier(ItemId(kind=ItemIdKind.OTHER, value="X", qualifier="0088")) is None


def test_a_charge_without_an_x12_code_is_mutually_defined_and_named() -> None:
    charge = Allowance(is_charge=True, amount=Money(amount="25", currency="EUR"), code="FC")
    assert allowance_segment(charge)[:3] == ["SAC", "C", "ZZZZ"] and allowance_segment(charge)[15] == "FC"
    freight = Allowance(is_charge=True, amount=Money(amount="25", currency="EUR"), code="D240", description="Freight")
    assert allowance_segment(freight)[2] == "D240"
