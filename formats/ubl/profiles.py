"""UBL customizations: the CustomizationID / ProfileID pairs a network such as PEPPOL requires.

UBL itself is a toolbox; a network says which tools it uses by the ``CustomizationID`` and
``ProfileID`` at the top of each document, and access points route and validate by them. A
:class:`UblProfile` names one such network profile and the customization of each document type
in it. Rendering with a profile also writes every party's ``EndpointID`` (its electronic
address), derived from a GLN (ICD ``0088``) or DUNS (``0060``) identifier when the party has no
explicit network identifier.

More information: PEPPOL BIS Billing 3.0 (https://docs.peppol.eu/poacc/billing/3.0/),
PEPPOL BIS Ordering / Order Agreement / Despatch Advice / Catalogue 3
(https://docs.peppol.eu/poacc/upgrade-3/), ISO 6523 ICD code list.

>>> PEPPOL_BILLING.customization_for("Invoice")
'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0'
>>> PEPPOL_ORDERING.customization_for("Invoice") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from formats.ubl.common import UBL_VERSION, cbc


@dataclass(frozen=True, slots=True)
class UblProfile:
    """A network profile: its ProfileID and the CustomizationID of each document type in it."""

    name: str
    profile_id: str
    customizations: tuple[tuple[str, str], ...]

    def customization_for(self, document_type: str) -> str | None:
        """The CustomizationID of ``document_type`` in this profile, None if it has none."""
        return dict(self.customizations).get(document_type)


_BILLING = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"

PEPPOL_BILLING = UblProfile(
    name="PEPPOL BIS Billing 3.0",
    profile_id="urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
    customizations=(("Invoice", _BILLING), ("CreditNote", _BILLING)),
)
"""PEPPOL BIS Billing 3.0: EN 16931 compliant invoices and credit notes."""

PEPPOL_ORDERING = UblProfile(
    name="PEPPOL BIS Ordering 3",
    profile_id="urn:fdc:peppol.eu:poacc:bis:ordering:3",
    customizations=(
        ("Order", "urn:fdc:peppol.eu:poacc:trns:order:3"),
        ("OrderResponse", "urn:fdc:peppol.eu:poacc:trns:order_response:3"),
    ),
)
"""PEPPOL BIS Ordering 3: Order and OrderResponse."""

PEPPOL_ADVANCED_ORDERING = UblProfile(
    name="PEPPOL BIS Advanced Ordering 3",
    profile_id="urn:fdc:peppol.eu:poacc:bis:advanced_ordering:3",
    customizations=(
        ("Order", "urn:fdc:peppol.eu:poacc:trns:order:3"),
        ("OrderResponse", "urn:fdc:peppol.eu:poacc:trns:order_response:3"),
        ("OrderChange", "urn:fdc:peppol.eu:poacc:trns:order_change:3"),
        ("OrderCancellation", "urn:fdc:peppol.eu:poacc:trns:order_cancellation:3"),
    ),
)
"""PEPPOL BIS Advanced Ordering 3: adds OrderChange and OrderCancellation."""

PEPPOL_DESPATCH_ADVICE = UblProfile(
    name="PEPPOL BIS Despatch Advice 3",
    profile_id="urn:fdc:peppol.eu:poacc:bis:despatch_advice:3",
    customizations=(("DespatchAdvice", "urn:fdc:peppol.eu:poacc:trns:despatch_advice:3"),),
)
"""PEPPOL BIS Despatch Advice 3."""

PEPPOL_CATALOGUE = UblProfile(
    name="PEPPOL BIS Catalogue 3",
    profile_id="urn:fdc:peppol.eu:poacc:bis:catalogue_only:3",
    customizations=(("Catalogue", "urn:fdc:peppol.eu:poacc:trns:catalogue:3"),),
)
"""PEPPOL BIS Catalogue 3, catalogue only (no Catalogue Response expected; rules PEPPOL-T19-R017/R018)."""

PEPPOL_PROFILES: tuple[UblProfile, ...] = (PEPPOL_BILLING, PEPPOL_ORDERING, PEPPOL_DESPATCH_ADVICE, PEPPOL_CATALOGUE)
"""The profile of each document type a PEPPOL seller sends, searched in order (first with a customization wins).

Advanced Ordering is left out: a seller answers its orders under Ordering 3 as well.
"""


def peppol_profile(document_type: str) -> UblProfile | None:
    """The PEPPOL profile a seller sends ``document_type`` under, None if PEPPOL has none for it.

    >>> peppol_profile("Catalogue").name
    'PEPPOL BIS Catalogue 3'
    """
    return next((p for p in PEPPOL_PROFILES if p.customization_for(document_type)), None)


EN16931_CUSTOMIZATION = "urn:cen.eu:en16931:2017"
"""The plain EN 16931 specification identifier (BT-24), written on invoices rendered without a profile."""

def render_preamble(root: etree._Element, document_type: str, profile: UblProfile | None,
                    default_customization: str | None = None) -> None:
    """Write ``UBLVersionID``, ``CustomizationID`` and ``ProfileID``, the first children of every document.

    PEPPOL forbids ``UBLVersionID``, so it is written only without a profile.
    """
    customization = profile.customization_for(document_type) if profile is not None else None
    if profile is None:
        cbc(root, "UBLVersionID", UBL_VERSION)
    cbc(root, "CustomizationID", customization or default_customization)
    if profile is not None:
        cbc(root, "ProfileID", profile.profile_id)


__all__ = [
    "EN16931_CUSTOMIZATION",
    "PEPPOL_ADVANCED_ORDERING",
    "PEPPOL_BILLING",
    "PEPPOL_CATALOGUE",
    "PEPPOL_DESPATCH_ADVICE",
    "PEPPOL_ORDERING",
    "PEPPOL_PROFILES",
    "UblProfile",
    "peppol_profile",
    "render_preamble",
]
