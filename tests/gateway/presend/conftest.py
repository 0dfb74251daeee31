"""The gate's validators from the corpus, loaded once for the module's tests."""

from __future__ import annotations

import pytest

from gateway.presend.artefacts import ArtefactPaths, Artefacts
from tests.conftest import corpus_path


@pytest.fixture(scope="session")
def artefacts() -> Artefacts:
    """Every validator of the gate, on the official files of the corpus."""
    return Artefacts(ArtefactPaths(
        ubl_schemas=str(corpus_path("ubl", "xsdrt")),
        en16931_rules=str(corpus_path("ubl", "rules", "EN16931-UBL-validation.xslt")),
        peppol_rules=str(corpus_path("ubl", "rules", "PEPPOL-EN16931-UBL.xslt")),
        cxml_dtds=str(corpus_path("cxml", "dtd"))))
