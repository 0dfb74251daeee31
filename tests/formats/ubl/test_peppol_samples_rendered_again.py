"""Every PEPPOL BIS Billing sample, read and written again by us, still passes the partner's validators.

Before: the Allowance example failed PEPPOL-EN16931-R040 (we wrote the line total as the base of
an allowance stated as an amount and a percentage of another base) and the VAT-exempt example
failed BR-E-10 (the exemption reason code, VATEX-EU-F, was not read, so not written back).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from formats import ubl
from formats.model import Invoice
from formats.ubl import PEPPOL_BILLING, rules
from tests.conftest import Validator, corpus_files

SAMPLES = corpus_files("ubl/samples/peppol-invoice", "*.xml")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_the_sample_written_again_passes(path: Path, xsd_validate: Validator, en16931_rules: rules.CompiledRules,
                                         peppol_rules: rules.CompiledRules) -> None:
    document = ubl.parse(path.read_bytes())
    assert isinstance(document, Invoice)
    raw = ubl.render(document, profile=PEPPOL_BILLING)
    xsd_validate(raw)
    assert [str(p) for p in rules.fatal(rules.check(en16931_rules, raw))] == []
    assert [str(p) for p in rules.fatal(rules.check(peppol_rules, raw))] == []


def test_the_exemption_reason_code_is_read_and_written() -> None:
    [path] = [p for p in SAMPLES if p.name == "vat-category-E.xml"]
    document = ubl.parse(path.read_bytes())
    assert isinstance(document, Invoice)
    assert [t.exemption_code for t in document.taxes] == ["VATEX-EU-F"]
    again = ubl.parse(ubl.render(document))
    assert isinstance(again, Invoice) and [t.exemption_code for t in again.taxes] == ["VATEX-EU-F"]
