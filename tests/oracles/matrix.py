"""What the oracles expect: for each profile and case, the document type the gateway's own code names.

The cases are the kinds of document the gateway sends (:class:`gateway.outbound.Outgoing`), a
credit note, and the functional acknowledgment of an X12 interchange. Each profile's document
type comes from :func:`gateway.outbound.document_type` (which reads ``X12_TYPES``, ``UBL_TYPES``,
``gateway.punchout.outbound.CXML_TYPES`` and the partner's settings), so a kind of document added
to the gateway is expected of every profile the day it is added. A (standard, case) the gateway
cannot write must be in :data:`NOT_WRITTEN` with the reason; one that is neither written nor
explained is listed in :data:`UNEXPLAINED` (a test fails on it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from formats.errors import MappingError
from formats.model import Invoice
from formats.x12.implementation_map import map_family
from gateway.outbound import Outgoing, document_type
from gateway.partners import partner_standard
from gateway.store.tables import Partner

from .profiles import PROFILES, Profile

CREDIT_NOTE = "credit-note"
ACKNOWLEDGMENT = "acknowledgment"
CASES = (*(kind.value for kind in Outgoing), CREDIT_NOTE, ACKNOWLEDGMENT)
"""Every case: each kind of outgoing document, a credit note, an acknowledgment."""

NOT_WRITTEN: dict[tuple[str, str], str] = {
    ("ubl", Outgoing.INVENTORY.value): "UBL 2.1 has no inventory advice (gateway.outbound.UBL_TYPES has none; "
                                       "PEPPOL has no stock message either)",
    ("cxml", Outgoing.INVENTORY.value): "cXML has no inventory document we send (gateway.punchout.outbound.CXML_TYPES)",
    ("cxml", Outgoing.CATALOGUE.value): "a cXML buyer's catalogue is our punchout site (gateway.punchout), "
                                        "not a document we send",
    ("ubl", ACKNOWLEDGMENT): "UBL has no functional acknowledgment: the OrderResponse answers the order",
    ("cxml", ACKNOWLEDGMENT): "a cXML OrderRequest is answered in the HTTP response (a cXML Response), "
                              "not by a document of its own",
}
"""(standard, case) -> why the gateway writes no document for it: the one place a case is skipped."""


@dataclass(frozen=True)
class Expected:
    """The document type one profile gets for one case."""

    profile: str
    case: str
    doc_type: str
    standard: str

    @property
    def id(self) -> str:
        return f"{self.profile}-{self.case}"


def _sample(case: str) -> Invoice:
    """A document to ask :func:`document_type` about: only whether it is a credit note matters."""
    return Invoice(invoice_number="sample", invoice_date=dt.date(2026, 1, 1), currency="EUR",
                   is_credit_note=case == CREDIT_NOTE)


def expected_type(partner: Partner, case: str) -> str:
    """The gateway's name for the ``case`` document it writes to ``partner``; MappingError if it writes none."""
    if case == ACKNOWLEDGMENT:
        if partner_standard(partner) != "x12":
            raise MappingError(f"{partner_standard(partner)} has no functional acknowledgment")
        return "999" if map_family(partner.x12_version) == "5010" else "997"  # formats.x12.ack997
    kind = Outgoing.INVOICE if case == CREDIT_NOTE else Outgoing(case)
    return document_type(partner, kind, _sample(case))


def _matrix(profiles: tuple[Profile, ...]) -> tuple[list[Expected], list[tuple[str, str, str]], list[str]]:
    expected: list[Expected] = []
    skipped: list[tuple[str, str, str]] = []
    unexplained: list[str] = []
    for profile in profiles:
        partner = profile.partner()
        standard = partner_standard(partner)
        for case in CASES:
            try:
                expected.append(Expected(profile.id, case, expected_type(partner, case), standard))
            except MappingError as exc:
                reason = NOT_WRITTEN.get((standard, case))
                if reason is None:
                    unexplained.append(f"{profile.id} {case}: {exc}")
                else:
                    skipped.append((profile.id, case, reason))
    return expected, skipped, unexplained


EXPECTED, SKIPPED, UNEXPLAINED = _matrix(PROFILES)
"""Every (profile, case) with its document type; those skipped with their reason; those with no reason."""

CASES_BY_KEY = {(e.profile, e.case): e for e in EXPECTED}

__all__ = ["ACKNOWLEDGMENT", "CASES", "CASES_BY_KEY", "CREDIT_NOTE", "EXPECTED", "NOT_WRITTEN", "SKIPPED",
           "UNEXPLAINED", "Expected", "expected_type"]
