"""Run a Schematron compiled to XSLT (the EN 16931 / PEPPOL rules) over a UBL document.

The CEN and OpenPEPPOL publish their business rules as Schematron compiled to XSLT 2/3; the
transform's output is an SVRL report whose ``svrl:failed-assert`` elements are the broken rules,
each with its ``id`` (``BR-CO-10``), ``flag`` (``fatal`` or ``warning``) and ``location`` (an
XPath). This module turns that report into :class:`~formats.errors.Problem`\\ s.

``formats`` does no I/O, so the caller supplies the XSLT text (read once, from wherever it lives)
and compiles it with :func:`compile_rules`, which is slow (seconds): do it once and reuse the
:class:`CompiledRules`. The XSLT 3 processor is Saxon HE (``saxonche``), imported lazily because
only validation needs it.

More information: ISO/IEC 19757-3 (Schematron), SVRL; CEN/TS 16931-3-2 validation artefacts
(https://github.com/ConnectingEurope/eInvoicing-EN16931).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from formats.errors import Location, Problem, ValidationError
from formats.xml import parse_xml

SVRL = "http://purl.oclc.org/dsdl/svrl"
FATAL = "fatal"
WARNING = "warning"


@dataclass(frozen=True)
class CompiledRules:
    """A compiled Schematron-XSLT with the Saxon processor that must outlive it."""

    processor: Any
    executable: Any


def compile_rules(xslt: bytes | str) -> CompiledRules:
    """Compile the text of a Schematron XSLT once; :class:`ValidationError` if it does not compile."""
    try:
        from saxonche import PySaxonProcessor
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ValidationError("Schematron rules need the saxonche package (pip install saxonche)") from exc
    processor = PySaxonProcessor(license=False)
    compiler = processor.new_xslt30_processor()
    text = xslt.decode("utf-8") if isinstance(xslt, bytes) else xslt
    try:
        executable = compiler.compile_stylesheet(stylesheet_text=text)
    except Exception as exc:  # saxonche raises PySaxonApiError; wrapped at our boundary
        raise ValidationError(f"the Schematron XSLT does not compile: {exc}") from exc
    return CompiledRules(processor, executable)


def check(rules: CompiledRules, document: bytes) -> list[Problem]:
    """Every failed assert of ``rules`` on ``document`` (fatal and warning), in report order."""
    parse_xml(document, what="UBL document")  # refuse unsafe XML before Saxon reads it
    try:
        node = rules.processor.parse_xml(xml_text=document.decode("utf-8"))
        report = rules.executable.transform_to_string(xdm_node=node)
    except Exception as exc:  # PySaxonApiError
        raise ValidationError(f"the Schematron rules could not run: {exc}") from exc
    return problems_of(report.encode("utf-8") if isinstance(report, str) else report)


def problems_of(svrl: bytes) -> list[Problem]:
    """The failed asserts (and successful reports) of an SVRL report as problems."""
    root = parse_xml(svrl, what="SVRL report")
    problems: list[Problem] = []
    for failed in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = " ".join(" ".join("".join(t.itertext()) for t in failed.iter(f"{{{SVRL}}}text")).split())
        flag = failed.get("flag") or FATAL
        problems.append(Problem(message=text, location=Location(path=failed.get("location")),
                                code=failed.get("id"), level=flag))
    return problems


def fatal(problems: list[Problem]) -> list[Problem]:
    """Only the problems that make a document invalid (flag ``fatal``)."""
    return [p for p in problems if p.level == FATAL]


__all__ = ["FATAL", "WARNING", "CompiledRules", "check", "compile_rules", "fatal", "problems_of"]
