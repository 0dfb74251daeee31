"""``b2bgw validate`` says of a file what the pre-send gate would say before sending it.

The test processes have every validator of the corpus configured (tests/conftest.py), as an
installation that downloaded them would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import get_settings
from tests.conftest import corpus_path


@pytest.fixture
def runner() -> CliRunner:
    get_settings.cache_clear()
    return CliRunner()


def test_a_peppol_sample_is_valid(runner: CliRunner) -> None:
    answer = runner.invoke(app, ["validate", str(corpus_path("ubl", "samples", "peppol-invoice", "base-example.xml"))])
    assert answer.exit_code == 0, answer.output
    assert answer.stdout.strip().endswith(": valid")


def test_the_xsd_finds_an_element_out_of_place_with_its_line(runner: CliRunner, tmp_path: Path) -> None:
    raw = corpus_path("ubl", "samples", "peppol-invoice", "base-example.xml").read_bytes()
    broken = tmp_path / "invoice.xml"
    broken.write_bytes(raw.replace(b"<cbc:IssueDate>", b"<cbc:IssueDay>", 1).replace(b"</cbc:IssueDate>",
                                                                                      b"</cbc:IssueDay>", 1))
    answer = runner.invoke(app, ["validate", str(broken)])
    line = raw[: raw.index(b"<cbc:IssueDate>")].count(b"\n") + 1
    assert answer.exit_code == 1
    assert re.search(rf"line {line}: .*IssueDay.* \[XSD\]", answer.stdout), answer.stdout


def test_a_peppol_document_is_held_to_the_peppol_rules(runner: CliRunner, tmp_path: Path) -> None:
    raw = corpus_path("ubl", "samples", "peppol-invoice", "base-example.xml").read_bytes()
    stripped = re.sub(rb"\s*<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", b"", raw)
    stripped = re.sub(rb"\s*<cac:OrderReference>.*?</cac:OrderReference>", b"", stripped, flags=re.S)
    file = tmp_path / "invoice.xml"
    file.write_bytes(stripped)
    answer = runner.invoke(app, ["validate", str(file)])
    assert answer.exit_code == 1 and "[PEPPOL-EN16931-R003]" in answer.stdout


def test_a_cxml_document_is_checked_against_its_dtd(runner: CliRunner, tmp_path: Path) -> None:
    raw = corpus_path("cxml", "samples", "friendsofcxml", "ShipNoticeRequest.xml").read_bytes()
    assert runner.invoke(app, ["validate", str(corpus_path("cxml", "samples", "friendsofcxml",
                                                           "ShipNoticeRequest.xml"))]).exit_code == 0
    file = tmp_path / "notice.xml"
    file.write_bytes(raw.replace(b"<ShipNoticeHeader", b"<Unexpected", 1).replace(b"</ShipNoticeHeader>",
                                                                                   b"</Unexpected>", 1))
    answer = runner.invoke(app, ["validate", str(file)])
    assert answer.exit_code == 1 and "[DTD]" in answer.stdout and "Unexpected" in answer.stdout


def test_translate_answers_a_missing_file_in_one_line(runner: CliRunner) -> None:
    answer = runner.invoke(app, ["translate", "/nonexistent"])
    assert answer.exit_code == 1
    assert answer.stderr.strip() == "/nonexistent: cannot read: no such file or directory"
