"""Session-wide UBL validators: the OASIS XSDs and the EN 16931 Schematron, each loaded once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from formats.ubl import rules
from tests.conftest import corpus_path

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
