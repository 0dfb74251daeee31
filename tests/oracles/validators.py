"""The independent oracles, by name, and which of them judge each document.

* ``ubl-xsd``: the OASIS UBL 2.1 schemas (every UBL document);
* ``en16931``: the CEN EN 16931 Schematron for UBL, compiled to XSLT, run by saxonche (every
  UBL Invoice and CreditNote); fatal findings only, as the partner's validator rejects on those;
* ``peppol-bis3``: OpenPEPPOL's BIS Billing 3 Schematron (Invoice and CreditNote to a partner
  on the PEPPOL profile), fatal findings;
* ``bots``: Bots' X12 grammars (:mod:`tests.formats.x12.bots_harness`);
* ``pyx12``: pyx12 with our implementation maps (:mod:`tests.formats.x12.pyx12_harness`);
* ``cxml-dtd``: the cXML DTD the document's DOCTYPE names, from the corpus, with lxml.

Each runner takes the raw document and returns its findings as text, ``[]`` when it passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from formats.ubl import rules
from gateway.outbound import ubl_profile
from gateway.store.tables import Partner
from tests.conftest import Validator, corpus_path
from tests.formats.x12.bots_harness import bots_problems
from tests.formats.x12.pyx12_harness import pyx12_problems

from .matrix import Expected

Runner = Callable[[bytes], list[str]]

INVOICES = ("Invoice", "CreditNote")


def oracles_for(expected: Expected, partner: Partner) -> tuple[str, ...]:
    """The oracles that judge the document of ``expected`` (module doc)."""
    if expected.standard == "x12":
        return ("bots", "pyx12")
    if expected.standard == "cxml":
        return ("cxml-dtd",)
    names = ["ubl-xsd"]
    if expected.doc_type in INVOICES:
        names.append("en16931")
        if ubl_profile(partner, expected.doc_type) is not None:
            names.append("peppol-bis3")
    return tuple(names)


def xsd_runner(xsd_validate: Validator) -> Runner:
    def run(raw: bytes) -> list[str]:
        try:
            xsd_validate(raw)
        except AssertionError as exc:
            head = str(exc).split("\n<?xml", 1)[0]  # the findings, without the document the fixture appends
            return head.splitlines()[1:] or [head]
        return []
    return run


def schematron_runner(compiled: rules.CompiledRules) -> Runner:
    def run(raw: bytes) -> list[str]:
        return [f"{p.code}: {p.message}" for p in rules.fatal(rules.check(compiled, raw))]
    return run


def pyx12_runner(raw: bytes) -> list[str]:
    return [f"{f.segment_tag or f.level}{f.element_position or ''} (segment {f.segment_position}): "
            f"[{f.code}] {f.message}" + (f" {f.value!r}" if f.value else "") for f in pyx12_problems(raw)]


_DOCTYPE = re.compile(rb'<!DOCTYPE\s+\w+\s+SYSTEM\s+"http://xml\.cxml\.org/schemas/cXML/([\d.]+)/(\w+\.dtd)"')


def dtd_runner() -> Runner:
    """The corpus DTD of the version and file the DOCTYPE names (each loaded once)."""
    cache: dict[tuple[str, str], etree.DTD] = {}

    def run(raw: bytes) -> list[str]:
        match = _DOCTYPE.search(raw[:600])
        if match is None:
            return [f"no cXML DOCTYPE naming a DTD: {raw[:200]!r}"]
        key = (match.group(1).decode(), match.group(2).decode())
        if key not in cache:
            cache[key] = etree.DTD(str(corpus_path("cxml", "dtd", *key)))
        dtd = cache[key]
        if dtd.validate(etree.fromstring(raw)):
            return []
        return [f"{'/'.join(key)}: {e.line}: {e.message}" for e in dtd.error_log.filter_from_errors()]
    return run


def runners(xsd_validate: Validator, en16931: rules.CompiledRules, peppol: rules.CompiledRules) -> dict[str, Runner]:
    """Every oracle by name."""
    return {"ubl-xsd": xsd_runner(xsd_validate), "en16931": schematron_runner(en16931),
            "peppol-bis3": schematron_runner(peppol), "bots": bots_problems, "pyx12": pyx12_runner,
            "cxml-dtd": dtd_runner()}


__all__ = ["INVOICES", "Runner", "oracles_for", "runners"]
