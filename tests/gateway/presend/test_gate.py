"""The gate runs the validators a partner runs, on public documents nobody here wrote.

The PEPPOL BIS samples are valid by their authors' word and must pass; the OASIS UBL 2.1
example invoice predates EN 16931 and breaks its rules; cXML samples pass or fail their DTD.
"""

from __future__ import annotations

import re

import pytest

from gateway.presend.artefacts import ArtefactPaths, Artefacts
from gateway.presend.gate import examine
from tests.conftest import corpus_files, corpus_path

PEPPOL = {"ubl_profile": "peppol"}
PEPPOL_INVOICES = corpus_files("ubl/samples/peppol-invoice", "*.xml")


def _ubl_type(raw: bytes) -> str:
    found = re.search(rb"<(?:\w+:)?(Invoice|CreditNote)[\s>]", raw)
    assert found
    return found.group(1).decode()


@pytest.mark.parametrize("path", PEPPOL_INVOICES, ids=lambda p: p.name)
def test_the_peppol_samples_pass_every_validator(path: object, artefacts: Artefacts) -> None:
    raw = path.read_bytes()  # type: ignore[attr-defined]
    verdict = examine("ubl", _ubl_type(raw), raw, partner_settings=PEPPOL, artefacts=artefacts)
    assert verdict.errors == ()
    assert verdict.ran == ("UBL 2.1 XSD", "EN 16931", "PEPPOL BIS Billing 3")
    assert verdict.ok and verdict.not_configured == ()


def test_the_oasis_example_invoice_breaks_the_european_rules(artefacts: Artefacts) -> None:
    raw = corpus_path("ubl", "samples", "oasis", "UBL-Invoice-2.1-Example.xml").read_bytes()
    verdict = examine("ubl", "Invoice", raw, partner_settings={}, artefacts=artefacts)
    assert not verdict.ok
    assert "PEPPOL BIS Billing 3" not in verdict.ran  # not a PEPPOL partner: its rules are not the partner's
    codes = {p.code for p in verdict.errors}
    assert "BR-01" in codes  # no specification identifier (CustomizationID)
    assert all(p.location.path for p in verdict.errors)  # each named by its XPath


def test_the_peppol_rules_run_for_peppol_partners_only(artefacts: Artefacts) -> None:
    raw = corpus_path("ubl", "samples", "peppol-invoice", "base-example.xml").read_bytes()
    # A PEPPOL document without a buyer reference or an order reference: EN 16931 allows it, PEPPOL does not.
    stripped = re.sub(rb"\s*<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", b"", raw)
    stripped = re.sub(rb"\s*<cac:OrderReference>.*?</cac:OrderReference>", b"", stripped, flags=re.S)
    assert stripped != raw
    assert examine("ubl", "Invoice", stripped, partner_settings={}, artefacts=artefacts).ok
    peppol = examine("ubl", "Invoice", stripped, partner_settings=PEPPOL, artefacts=artefacts)
    assert "PEPPOL-EN16931-R003" in {p.code for p in peppol.errors}


def test_a_document_the_xsd_refuses_is_held_with_the_line(artefacts: Artefacts) -> None:
    raw = corpus_path("ubl", "samples", "peppol-invoice", "base-example.xml").read_bytes()
    broken = raw.replace(b"<cbc:IssueDate>", b"<cbc:IssueDateX>", 1).replace(b"</cbc:IssueDate>", b"</cbc:IssueDateX>",
                                                                           1)
    verdict = examine("ubl", "Invoice", broken, partner_settings={}, artefacts=artefacts)
    [first, *_] = verdict.errors
    assert first.code == "XSD" and "IssueDateX" in first.message
    assert first.location.line == raw[: raw.index(b"<cbc:IssueDate>")].count(b"\n") + 1


CXML_SAMPLES = [("ShipNoticeRequest.xml", "1.2.050/Fulfill.dtd", b"ShipNoticeHeader"),
                ("StatusUpdateRequest.xml", "1.2.050/cXML.dtd", b"StatusUpdateRequest")]


@pytest.mark.parametrize(("name", "dtd", "header"), CXML_SAMPLES)
def test_cxml_documents_are_checked_against_the_dtd_they_name(name: str, dtd: str, header: bytes,
                                                              artefacts: Artefacts) -> None:
    raw = corpus_path("cxml", "samples", "friendsofcxml", name).read_bytes()
    verdict = examine("cxml", name.removesuffix(".xml"), raw, partner_settings={}, artefacts=artefacts)
    assert verdict.ran == (f"cXML DTD {dtd}",)
    assert verdict.ok, verdict.errors
    broken = raw.replace(b"<" + header, b"<Unexpected", 1).replace(b"</" + header + b">", b"</Unexpected>", 1)
    held = examine("cxml", name.removesuffix(".xml"), broken, partner_settings={}, artefacts=artefacts)
    assert not held.ok and {p.code for p in held.errors} == {"DTD"}
    assert any("Unexpected" in p.message for p in held.errors)


def test_a_cxml_document_without_doctype_is_held(artefacts: Artefacts) -> None:
    raw = b'<?xml version="1.0"?><cXML payloadID="1" timestamp="2026-12-08T00:00:00Z"><Request/></cXML>'
    verdict = examine("cxml", "ConfirmationRequest", raw, partner_settings={}, artefacts=artefacts)
    assert not verdict.ok and "DOCTYPE" in verdict.errors[0].message


def test_validators_not_configured_are_named_and_do_not_hold() -> None:
    raw = corpus_path("ubl", "samples", "peppol-invoice", "base-example.xml").read_bytes()
    verdict = examine("ubl", "Invoice", raw, partner_settings=PEPPOL, artefacts=Artefacts(ArtefactPaths()))
    assert verdict.ok and verdict.ran == ()
    assert verdict.not_configured == ("UBL 2.1 XSD (B2BGW_UBL_SCHEMAS)", "EN 16931 (B2BGW_EN16931_RULES)",
                                      "PEPPOL BIS Billing 3 (B2BGW_PEPPOL_RULES)")
    assert "not configured" in verdict.summary()


def test_a_configured_validator_that_cannot_run_holds_the_document(tmp_path: object) -> None:
    raw = corpus_path("ubl", "samples", "peppol-invoice", "base-example.xml").read_bytes()
    missing = Artefacts(ArtefactPaths(en16931_rules=f"{tmp_path}/nowhere.xslt"))
    verdict = examine("ubl", "Invoice", raw, partner_settings={}, artefacts=missing)
    assert not verdict.ok
    assert verdict.errors[0].code == "VALIDATOR" and "nowhere.xslt does not exist" in verdict.errors[0].message


def test_x12_documents_are_checked_against_the_implementation_maps(artefacts: Artefacts) -> None:
    [path, *_] = corpus_files("x12", "*850*")
    raw = path.read_bytes()
    assert examine("x12", "850", raw, partner_settings={}, artefacts=artefacts).ran == ("X12 implementation map",)
    broken = re.sub(rb"(ST\*850\*)", rb"\1", raw).replace(b"SE*", b"SE*9999", 1)
    verdict = examine("x12", "850", broken, partner_settings={}, artefacts=artefacts)
    assert not verdict.ok
