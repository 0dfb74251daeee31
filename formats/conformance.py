"""Checking a document against the schema its standard publishes: the UBL 2.1 XSD, the cXML DTD.

Our own readers are lenient on purpose (real partners are sloppy); the documents we send must
be strict, and "strict" means what the partner's own validator says. For XML standards that is
the official schema: OASIS's XSD for every UBL document type, Ariba's DTD for cXML. This module
runs them and turns their messages into :class:`~formats.errors.Problem` s with a line number.

``formats`` does no I/O: the caller loads the schema files once (``etree.XMLSchema``,
``etree.DTD``) and passes the compiled objects in.
"""

from __future__ import annotations

import re

from lxml import etree

from formats.errors import Location, Problem
from formats.xml import XmlSyntaxError, local_name, parse_xml

CXML_DOCTYPE = re.compile(rb'<!DOCTYPE\s+cXML\s+SYSTEM\s+"http://xml\.(?i:cxml)\.org/schemas/cXML/([\d.]+)/(\w+\.dtd)"')
"""The DOCTYPE every cXML document we write carries: its version and DTD file name."""


def ubl_document_name(raw: bytes) -> str:
    """The UBL document type of ``raw`` (its root element's name: ``Invoice``, ``DespatchAdvice`` ...)."""
    return local_name(parse_xml(raw, what="UBL document"))


def ubl_xsd_file(document_name: str) -> str:
    """The file of the UBL 2.1 ``maindoc`` schema of a document type."""
    return f"maindoc/UBL-{document_name}-2.1.xsd"


def cxml_dtd_file(raw: bytes) -> tuple[str, str] | None:
    """The (version, DTD file name) the cXML document's DOCTYPE names; None when it names none."""
    found = CXML_DOCTYPE.search(raw[:2048])
    return (found.group(1).decode(), found.group(2).decode()) if found else None


def xsd_problems(schema: etree.XMLSchema, raw: bytes, *, what: str = "UBL document") -> list[Problem]:
    """Every error the XSD finds in ``raw``, with its line."""
    return _schema_problems(schema, raw, what=what, code="XSD")


def dtd_problems(dtd: etree.DTD, raw: bytes, *, what: str = "cXML document") -> list[Problem]:
    """Every error the DTD finds in ``raw``, with its line."""
    return _schema_problems(dtd, raw, what=what, code="DTD")


def _schema_problems(schema: etree.XMLSchema | etree.DTD, raw: bytes, *, what: str, code: str) -> list[Problem]:
    try:
        root = parse_xml(raw, what=what)
    except XmlSyntaxError as exc:
        return list(exc.problems)
    if schema.validate(root):
        return []
    return [Problem(message=entry.message, location=Location(line=entry.line or None), code=code)
            for entry in schema.error_log.filter_from_errors()]


__all__ = ["cxml_dtd_file", "dtd_problems", "ubl_document_name", "ubl_xsd_file", "xsd_problems"]
