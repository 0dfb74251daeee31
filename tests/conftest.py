"""Shared test fixtures: where the public corpus lives.

The corpus under ``../shared/corpus`` is read in place, never copied. Tests that need it skip
when it is absent on a developer's machine, but fail in CI (``CI`` set), where it must exist.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from formats.ubl import rules

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("B2BGW_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
FIXTURES = PROJECT_ROOT / "fixtures"

GATE_VALIDATORS = {
    "B2BGW_UBL_SCHEMAS": ("ubl", "xsdrt"),
    "B2BGW_EN16931_RULES": ("ubl", "rules", "EN16931-UBL-validation.xslt"),
    "B2BGW_PEPPOL_RULES": ("ubl", "rules", "PEPPOL-EN16931-UBL.xslt"),
    "B2BGW_CXML_DTDS": ("cxml", "dtd"),
}
"""The official validators of the corpus, configured for the pre-send gate of every process the tests start
(as an installation configures its own copies); a test of another configuration sets its own."""
for _setting, _parts in GATE_VALIDATORS.items():
    if CORPUS.joinpath(*_parts).exists():
        os.environ.setdefault(_setting, str(CORPUS.joinpath(*_parts)))


def corpus_path(*parts: str) -> Path:
    """A path inside the corpus; skips the test (fails in CI) when the corpus is missing."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"corpus file missing in CI: {path}")
        pytest.skip(f"corpus not present: {path}")
    return path


def corpus_files(folder: str, pattern: str = "*") -> list[Path]:
    """Every corpus file under ``folder`` matching ``pattern`` (for parametrize; may be empty)."""
    base = CORPUS / folder
    return sorted(p for p in base.rglob(pattern) if p.is_file()) if base.exists() else []


@pytest.fixture
def corpus() -> Path:
    """The corpus root; skips (fails in CI) when absent."""
    return corpus_path()


# UBL validators, shared by the format tests and the end-to-end tests

Validator = Callable[[bytes], None]


@pytest.fixture(scope="session")
def xsd_validate() -> Validator:
    """Validate bytes against the UBL 2.1 XSD of their root element (schemas cached per type)."""
    folder = corpus_path("ubl", "xsdrt", "maindoc")
    schemas: dict[str, etree.XMLSchema] = {}

    def validate(document: bytes) -> None:
        root = etree.fromstring(document)
        name = etree.QName(root).localname
        if name not in schemas:
            schemas[name] = etree.XMLSchema(etree.parse(str(Path(folder) / f"UBL-{name}-2.1.xsd")))
        schema = schemas[name]
        if not schema.validate(root):
            errors = "\n".join(f"{e.line}: {e.message}" for e in schema.error_log)
            raise AssertionError(f"{name} is not valid against the UBL 2.1 XSD:\n{errors}\n{document.decode()}")

    return validate


@pytest.fixture(scope="session")
def en16931_rules() -> rules.CompiledRules:
    """The EN 16931 UBL Schematron (XSLT), compiled once per session: it takes seconds."""
    pytest.importorskip("saxonche")
    return rules.compile_rules(corpus_path("ubl", "rules", "EN16931-UBL-validation.xslt").read_bytes())


@pytest.fixture(scope="session")
def peppol_rules() -> rules.CompiledRules:
    """The PEPPOL BIS Billing 3 Schematron (XSLT), compiled once per session; it runs after ``en16931_rules``."""
    pytest.importorskip("saxonche")
    return rules.compile_rules(corpus_path("ubl", "rules", "PEPPOL-EN16931-UBL.xslt").read_bytes())
