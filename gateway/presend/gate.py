"""Which validators a partner would run on a document, run before it is sent.

* X12: our implementation maps, element code lists included (:func:`formats.translate.check`),
  the same check ``b2bgw validate`` applies; a partner's own unit codes (its ``unit_overrides``,
  and those its order used, which an answer repeats) count as agreed;
* UBL: the OASIS UBL 2.1 XSD of the document type; for invoices and credit notes also the
  EN 16931 rules, and the PEPPOL BIS Billing 3 rules for partners with the PEPPOL profile;
* cXML: the DTD its DOCTYPE names.

Only errors hold a document: a Schematron ``warning`` travels with it as a note. A validator
whose files are not configured does not run, and the verdict says so; one configured but
unusable (a missing file, saxonche not installed) holds every document it should have checked,
because sending unchecked what the installation asked to check is the failure this gate exists
to prevent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from formats.conformance import cxml_dtd_file, dtd_problems, xsd_problems
from formats.errors import FormatError, Location, Problem
from gateway.presend.artefacts import Artefacts, ArtefactUnusable, current, run

INVOICES = frozenset({"Invoice", "CreditNote"})
"""The UBL documents EN 16931 and PEPPOL BIS Billing apply to."""


@dataclass(frozen=True)
class Verdict:
    """What the validators said of one document."""

    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    ran: tuple[str, ...] = ()
    not_configured: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the document may be sent."""
        return not self.errors

    def summary(self) -> str:
        """One line for the document's history: what ran, what did not, how many errors."""
        parts = [f"checked by {', '.join(self.ran)}" if self.ran else "no validator ran"]
        if self.not_configured:
            parts.append(f"not configured: {', '.join(self.not_configured)}")
        if self.errors:
            parts.append(f"{len(self.errors)} error(s), first: {self.errors[0]}")
        return "; ".join(parts)


class _Findings:
    """The verdict being gathered."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.ran: list[str] = []
        self.not_configured: list[str] = []

    def unusable(self, name: str, exc: Exception) -> None:
        self.ran.append(name)
        self.errors.append(Problem(message=f"{name} could not run: {exc}", code="VALIDATOR"))

    def verdict(self) -> Verdict:
        return Verdict(tuple(self.errors), tuple(self.warnings), tuple(self.ran), tuple(self.not_configured))


def wants_peppol(partner_settings: dict[str, object]) -> bool:
    """True for a partner with the PEPPOL profile (``settings["ubl_profile"] == "peppol"``)."""
    return str(partner_settings.get("ubl_profile") or "").lower() == "peppol"


def examine(standard: str, doc_type: str, raw: bytes, *, partner_settings: dict[str, object],
            artefacts: Artefacts | None = None, agreed_codes: Mapping[str, Collection[str]] | None = None) -> Verdict:
    """Run on ``raw`` every validator its partner would run; the verdict.

    ``agreed_codes`` (X12 data element -> codes) are the partner's own codes outside the X12 lists
    that it uses itself, and so reads back: the unit codes of its order an answer repeats.
    """
    artefacts = artefacts or current()
    found = _Findings()
    if standard == "x12":
        _x12(raw, found, agreed_codes)
    elif standard == "ubl":
        _ubl(doc_type, raw, partner_settings, artefacts, found)
    elif standard == "cxml":
        _cxml(raw, artefacts, found)
    return found.verdict()


def _x12(raw: bytes, found: _Findings, agreed_codes: Mapping[str, Collection[str]] | None) -> None:
    from formats.translate import check

    found.ran.append("X12 implementation map")
    try:
        found.errors.extend(check(raw, agreed_codes=agreed_codes))
    except FormatError as exc:
        found.errors.extend(exc.problems)


def _ubl(doc_type: str, raw: bytes, partner_settings: dict[str, object], artefacts: Artefacts,
         found: _Findings) -> None:
    name = "UBL 2.1 XSD"
    try:
        schema = artefacts.xsd(doc_type)
    except ArtefactUnusable as exc:
        found.unusable(name, exc)
    else:
        if schema is None:
            found.not_configured.append(f"{name} (B2BGW_UBL_SCHEMAS)")
        else:
            found.ran.append(name)
            found.errors.extend(run(schema, lambda xsd: xsd_problems(xsd, raw, what=f"UBL {doc_type}")))
    if doc_type not in INVOICES:
        return
    _rules("EN 16931", "B2BGW_EN16931_RULES", artefacts.paths.en16931_rules, raw, artefacts, found)
    if wants_peppol(partner_settings):
        _rules("PEPPOL BIS Billing 3", "B2BGW_PEPPOL_RULES", artefacts.paths.peppol_rules, raw, artefacts, found)


def _rules(name: str, setting: str, path: str | None, raw: bytes, artefacts: Artefacts, found: _Findings) -> None:
    from formats.ubl import rules

    try:
        compiled = artefacts.rules(path)
    except ArtefactUnusable as exc:
        found.unusable(name, exc)
        return
    if compiled is None:
        found.not_configured.append(f"{name} ({setting})")
        return
    found.ran.append(name)
    try:
        problems = run(compiled, lambda executable: rules.check(executable, raw))
    except FormatError as exc:
        found.errors.extend(exc.problems)
        return
    for problem in problems:
        (found.errors if problem.level == rules.FATAL else found.warnings).append(problem)


def _cxml(raw: bytes, artefacts: Artefacts, found: _Findings) -> None:
    named = cxml_dtd_file(raw)
    if named is None:
        found.ran.append("cXML DTD")
        found.errors.append(Problem(message="the document names no cXML DTD in its DOCTYPE", location=Location(line=1),
                                    code="DTD"))
        return
    version, file = named
    name = f"cXML DTD {version}/{file}"
    try:
        dtd = artefacts.dtd(version, file)
    except ArtefactUnusable as exc:
        found.unusable(name, exc)
        return
    if dtd is None:
        found.not_configured.append("cXML DTD (B2BGW_CXML_DTDS)")
        return
    found.ran.append(name)
    found.errors.extend(run(dtd, lambda validator: dtd_problems(validator, raw)))


__all__ = ["INVOICES", "Verdict", "examine", "wants_peppol"]
