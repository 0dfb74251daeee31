"""The ``b2bgw`` command line against real documents and a real database."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import get_settings
from gateway.runtime import GC_THRESHOLDS
from gateway.services import Services
from tests.conftest import corpus_path

from .conftest import OPERATOR_TOKEN

X12 = Path(__file__).resolve().parents[2] / "fixtures" / "x12"


@pytest.fixture
def runner(services: Services, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("B2BGW_DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("B2BGW_OPERATOR_TOKEN", OPERATOR_TOKEN)
    get_settings.cache_clear()
    return CliRunner()


def test_translate_prints_canonical_orders_of_a_corpus_file(runner: CliRunner) -> None:
    result = runner.invoke(app, ["translate", str(corpus_path("x12", "node-x12", "850.edi"))])
    assert result.exit_code == 0, result.output
    [order] = json.loads(result.stdout)
    assert order["po_number"] == "08292233294"
    assert order["document_type"] == "850"
    assert len(order["lines"]) >= 2
    assert order["lines"][0]["quantity"]["value"] == "120"


def test_translate_reports_what_it_cannot_translate_and_prints_the_rest(runner: CliRunner) -> None:
    result = runner.invoke(app, ["translate", str(corpus_path("x12", "bots", "mailbag01.x12"))])
    assert result.exit_code == 1
    printed = json.loads(result.stdout)
    assert printed and all(doc["document_type"] == "850" for doc in printed)
    assert "820" in result.stderr


def test_translate_carries_a_unit_outside_the_355_table_and_names_it(runner: CliRunner) -> None:
    """Lenient in: PO103 "KI" (a real partner's code, in no X12 355 table) does not stop translation."""
    result = runner.invoke(app, ["translate", str(corpus_path("x12", "node-x12", "850_3.edi"))])
    assert result.exit_code == 0, result.output
    [order] = json.loads(result.stdout)
    assert order["lines"][0]["quantity"] == {"value": "1", "unit": "KI"}
    assert "'KI'" in result.stderr and "PO103" in result.stderr and "warning" in result.stderr


def test_translate_to_x12_round_trips(runner: CliRunner, tmp_path: Path) -> None:
    first = runner.invoke(app, ["translate", str(X12 / "850-4010-basic.x12"), "--to", "x12"])
    assert first.exit_code == 0, first.output
    rendered = tmp_path / "again.x12"
    rendered.write_text(first.stdout)
    original = json.loads(runner.invoke(app, ["translate", str(X12 / "850-4010-basic.x12")]).stdout)
    again = json.loads(runner.invoke(app, ["translate", str(rendered)]).stdout)
    assert again == original


def test_validate_names_segment_and_element(runner: CliRunner, tmp_path: Path) -> None:
    good = runner.invoke(app, ["validate", str(X12 / "850-4010-basic.x12")])
    assert good.exit_code == 0, good.output
    raw = (X12 / "850-4010-basic.x12").read_text()
    beg_start = raw.index("BEG")
    beg = raw[beg_start:raw.index("~", beg_start)].split("*")
    broken = tmp_path / "bad-date.x12"
    broken.write_text(raw.replace("*".join(beg), "*".join([*beg[:5], "2026X101", *beg[6:]]), 1))
    bad = runner.invoke(app, ["validate", str(broken)])
    assert bad.exit_code == 1
    assert "BEG05" in bad.stdout


def test_validate_refuses_what_is_not_x12(runner: CliRunner, tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    result = runner.invoke(app, ["validate", str(junk)])
    assert result.exit_code == 1


def test_ingest_worker_documents_replay(runner: CliRunner) -> None:
    ingested = runner.invoke(app, ["ingest", str(X12 / "850-4010-basic.x12"), "--partner", "acme"])
    assert ingested.exit_code == 0, ingested.output
    assert "AK9*A" in ingested.stdout
    defaults = gc.get_threshold()
    try:
        worked = runner.invoke(app, ["worker", "--once"])
        assert gc.get_threshold() == GC_THRESHOLDS  # the long-running processes tune the collector
    finally:
        gc.set_threshold(*defaults)
    assert worked.exit_code == 0 and "processed 1 document" in worked.stdout
    listed = runner.invoke(app, ["documents", "--status", "processed"])
    assert listed.exit_code == 0 and " 850 " in listed.stdout
    doc_id = int(next(line.split()[0] for line in listed.stdout.splitlines()[1:] if " 850 " in line))
    replayed = runner.invoke(app, ["replay", str(doc_id)])
    assert replayed.exit_code == 0 and "queued" in replayed.stdout
    refused = runner.invoke(app, ["replay", "999999"])
    assert refused.exit_code == 1


def test_a_file_from_an_unknown_partner_is_read_again_once_the_partner_is_named(
        runner: CliRunner, services: Services) -> None:
    from gateway.intake.files import receive_file

    refused = receive_file(services.engine, partner_id="nobody", raw=(X12 / "850-4010-basic.x12").read_bytes())
    assert refused.http_status == 404
    replayed = runner.invoke(app, ["replay", str(refused.document_id), "--partner", "acme"])
    assert replayed.exit_code == 0, replayed.output
    assert "accepted" in replayed.stdout


def test_translate_an_x12_order_to_ubl_and_say_what_ubl_cannot_carry(runner: CliRunner) -> None:
    from formats import ubl
    from formats.model import Order

    result = runner.invoke(app, ["translate", str(X12 / "850-4010-basic.x12"), "--to", "ubl"])
    assert result.exit_code == 1  # something was not carried, and it says what
    assert "ubl cannot carry x12:850/ITD" in result.stderr
    order = ubl.parse(result.stdout.encode())
    assert isinstance(order, Order) and order.po_number == "ACME-PO-1001" and len(order.lines) == 3


def test_translate_a_ubl_order_to_x12_names_what_x12_cannot_hold(runner: CliRunner) -> None:
    fixture = X12.parent / "ubl" / "order-acme-demo.xml"
    result = runner.invoke(app, ["translate", str(fixture), "--to", "x12"])
    assert result.exit_code == 1 and "cannot be written as x12" in result.stderr and "N1" in result.stderr
    canonical = runner.invoke(app, ["translate", str(fixture)])
    assert canonical.exit_code == 0 and json.loads(canonical.stdout)[0]["standard"] == "ubl"
    assert runner.invoke(app, ["translate", str(fixture), "--to", "cxml"]).exit_code == 1


@pytest.mark.parametrize(("feed", "partner", "doc_type"), [
    ("inventory", "acme", "846"), ("catalogue", "globex", "832"), ("catalogue", "initech", "Catalogue")])
def test_send_feeds_from_the_erp(runner: CliRunner, services: Services, feed: str, partner: str,
                                 doc_type: str) -> None:
    from sqlmodel import select

    from formats import ubl
    from formats.model import Catalogue
    from formats.x12.validator import validate
    from gateway.store.db import session
    from gateway.store.tables import Document
    from tests.formats.x12.pyx12_harness import pyx12_problems

    from .flow import sets_of

    result = runner.invoke(app, ["send", feed, "--partner", partner])
    assert result.exit_code == 0, result.output
    with session(services.engine) as s:
        [doc] = s.exec(select(Document).where(Document.doc_type == doc_type)).all()
    if doc_type == "Catalogue":
        catalogue = ubl.parse(doc.raw)
        assert isinstance(catalogue, Catalogue) and len(catalogue.items) >= 40  # the demo catalogue
        return
    [ts] = sets_of(doc.raw)
    assert list(validate(ts)) == [] and pyx12_problems(doc.raw) == []
    assert doc.raw.count(b"LIN*") >= 40
    if doc_type == "832":  # GLOBEX's contract: the wholesale list (10 % off list, 12 % from 100) less 3 %
        start = next(i for i, seg in enumerate(ts.segments) if seg[0] == "LIN" and "DEMO-1001" in seg)
        stop = next(i for i in range(start + 1, len(ts.segments)) if ts.segments[i][0] == "LIN")
        prices = [(seg[3], seg[4] if len(seg) > 4 else "") for seg in ts.segments[start:stop] if seg[0] == "CTP"]
        # 1.29 x 0.90 x 0.97; from 100: 1.19 x 0.88 x 0.97; from 500 (a list tier): 1.09 x 0.88 x 0.97
        assert prices == [("1.12617", ""), ("1.015784", "100"), ("0.930424", "500")]
        assert ["REF", "PL", "GLOBEX-NET"] in [list(seg[:3]) for seg in ts.segments]


def test_send_refuses_an_unknown_feed_or_partner(runner: CliRunner) -> None:
    assert runner.invoke(app, ["send", "prices", "--partner", "acme"]).exit_code == 2
    assert runner.invoke(app, ["send", "inventory", "--partner", "nobody"]).exit_code == 1


def test_validate_runs_the_en16931_rules_when_configured(runner: CliRunner, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    pytest.importorskip("saxonche")
    positive = corpus_path("ubl", "samples", "en16931", "BIS3_Invoice_positive.XML")
    monkeypatch.setenv("B2BGW_EN16931_RULES", str(corpus_path("ubl", "rules", "EN16931-UBL-validation.xslt")))
    get_settings.cache_clear()
    good = runner.invoke(app, ["validate", str(positive)])
    assert good.exit_code == 0, good.output
    broken = tmp_path / "no-seller-name.xml"
    broken.write_bytes(positive.read_bytes().replace(b"<cbc:RegistrationName>Company A</cbc:RegistrationName>", b"", 1))
    bad = runner.invoke(app, ["validate", str(broken)])
    assert bad.exit_code == 1 and "[BR-06]" in bad.stdout


def test_translate_between_cxml_x12_and_ubl(runner: CliRunner, tmp_path: Path) -> None:
    from formats import ubl
    from formats.model import Order

    to_cxml = runner.invoke(app, ["translate", str(X12 / "850-4010-basic.x12"), "--to", "cxml"])
    assert "cxml cannot carry x12:850/ITD" in to_cxml.stderr
    cxml_file = tmp_path / "order.xml"
    cxml_file.write_text(to_cxml.stdout)
    [back] = json.loads(runner.invoke(app, ["translate", str(cxml_file)]).stdout)
    assert (back["standard"], back["document_type"], back["po_number"]) == ("cxml", "OrderRequest", "ACME-PO-1001")
    assert len(back["lines"]) == 3
    to_ubl = runner.invoke(app, ["translate", str(X12.parent / "cxml" / "order-request-demo.xml"), "--to", "ubl"])
    order = ubl.parse(to_ubl.stdout.encode())
    assert isinstance(order, Order) and order.po_number == "PO-DEMO-0001"
