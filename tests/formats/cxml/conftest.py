"""cXML test helpers: DTD validation of what we render (each DTD loaded once per session).

DTDs used (from ``../shared/corpus/cxml/dtd``): ``1.2.063/cXML.dtd`` and ``1.2.063/Fulfill.dtd``,
the newest in the corpus, and ``1.2.037/InvoiceDetail.dtd``, the only InvoiceDetail there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from lxml import etree

from formats.cxml import Credential, Routing
from tests.conftest import corpus_path

DtdValidator = Callable[[bytes], None]

DTD_FILES = {
    "1.2.063/cXML.dtd": ("cxml", "dtd", "1.2.063", "cXML.dtd"),
    "1.2.063/Fulfill.dtd": ("cxml", "dtd", "1.2.063", "Fulfill.dtd"),
    "1.2.037/InvoiceDetail.dtd": ("cxml", "dtd", "1.2.037", "InvoiceDetail.dtd"),
}
NOW = dt.datetime(2024, 3, 16, 9, 30, tzinfo=dt.UTC)
ROUTING = Routing(from_=[Credential("DUNS", "123456789")], to=[Credential("NetworkID", "AN01000000001")],
                  sender=Credential("DUNS", "123456789"), user_agent="b2b-gateway tests")


@pytest.fixture(scope="session")
def dtd_validate() -> DtdValidator:
    """Validate a rendered document against the corpus DTD its DOCTYPE names."""
    cache: dict[str, etree.DTD] = {}

    def validate(document: bytes) -> None:
        match = re.search(rb'SYSTEM "http://xml\.cxml\.org/schemas/cXML/([\d.]+/\w+\.dtd)"', document[:400])
        assert match, f"no cXML DOCTYPE in {document[:200]!r}"
        key = match.group(1).decode()
        if key not in cache:
            cache[key] = etree.DTD(str(corpus_path(*DTD_FILES[key])))
        dtd = cache[key]
        root = etree.fromstring(document)
        if not dtd.validate(root):
            errors = "\n".join(str(e) for e in dtd.error_log.filter_from_errors())
            raise AssertionError(f"not valid against {key}:\n{errors}\n{document.decode()}")

    return validate
