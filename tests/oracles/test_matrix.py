"""Every case of every profile is written, or skipped with its reason in one place; no document is held invalid."""

from __future__ import annotations

import pytest

from gateway.intake.x12 import ACKNOWLEDGMENT_SETS
from gateway.outbound import UBL_TYPES, X12_TYPES
from gateway.punchout.outbound import CXML_TYPES

from .matrix import EXPECTED, NOT_WRITTEN, SKIPPED, UNEXPLAINED, Expected
from .produce import Production, not_written_why, written
from .profiles import PROFILES

REFUSED = ("invalid", "rejected")
"""States of an outbound document that was not sent because it could not be written right."""


def test_every_case_a_profile_does_not_get_is_explained() -> None:
    assert UNEXPLAINED == []


def test_every_reason_to_skip_still_applies() -> None:
    used = {(standard, case) for standard, case in NOT_WRITTEN
            if any(case == skipped_case and standard == next(e.standard for e in EXPECTED if e.profile == profile)
                   for profile, skipped_case, _ in SKIPPED)}
    assert used == set(NOT_WRITTEN)


def test_every_document_type_of_the_gateway_is_written_by_some_profile(productions: dict[str, Production]) -> None:
    types = {*X12_TYPES.values(), *UBL_TYPES.values(), *CXML_TYPES.values(), "CreditNote", "OrderResponseSimple",
             *ACKNOWLEDGMENT_SETS}
    written_types = {doc.doc_type for production in productions.values() for doc in production.documents
                     if doc.state not in REFUSED}
    assert types - written_types == set()


@pytest.mark.parametrize("expected", EXPECTED, ids=[e.id for e in EXPECTED])
def test_the_case_is_written(productions: dict[str, Production], expected: Expected) -> None:
    documents = written(productions, expected)
    assert documents, f"no {expected.doc_type} written for {expected.profile}: {not_written_why(productions, expected)}"


@pytest.mark.parametrize("profile", [p.id for p in PROFILES])
def test_no_outbound_document_is_held_invalid_or_refused(productions: dict[str, Production], profile: str) -> None:
    refused = [f"document {d.id} {d.doc_type} {d.state}: {d.error}" for d in productions[profile].documents
               if d.state in REFUSED]
    assert not refused, "\n".join(refused)


@pytest.mark.parametrize("profile", [p.id for p in PROFILES])
def test_every_document_written_is_one_the_oracles_check(productions: dict[str, Production], profile: str) -> None:
    checked = {e.doc_type for e in EXPECTED if e.profile == profile}
    assert {d.doc_type for d in productions[profile].documents if d.state not in REFUSED} <= checked
