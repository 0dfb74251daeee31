"""A UBL Catalogue under PEPPOL BIS Catalogue 3: its CustomizationID and ProfileID, and coded party schemes.

Without the profile the catalogue ignored PEPPOL: no CustomizationID or ProfileID, and the provider
named by a ``schemeID="ZZ"`` identifier, which no PEPPOL receiver can route or read. With it the
preamble is the one PEPPOL-T19-R017/R018 require, and the provider's electronic address keeps
its real scheme (the company's: KvK ``0106`` here).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree

from formats import ubl
from formats.model import Catalogue, CatalogueItem, ItemId, ItemIdKind, Money, Party, PartyId, PartyIdKind, PartyRole
from formats.ubl import PEPPOL_BILLING, PEPPOL_CATALOGUE, PEPPOL_DESPATCH_ADVICE, PEPPOL_ORDERING, peppol_profile

from .conftest import Validator

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cbc": CBC, "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}

SELLER = Party(role=PartyRole.SELLER, name="Demo Office Supplies B.V.", ids=(
    PartyId(kind=PartyIdKind.NETWORK, value="99999999", qualifier="0106"),
    PartyId(kind=PartyIdKind.MUTUALLY_DEFINED, value="B2BGWSELLER", qualifier="ZZ"),  # how one buyer knows us
    PartyId(kind=PartyIdKind.TAX, value="NL999999999B01", qualifier="VAT")))
BUYER = Party(role=PartyRole.BUYER, name="Initech", ids=(
    PartyId(kind=PartyIdKind.NETWORK, value="0614141000005", qualifier="0088"),))


def catalogue() -> Catalogue:
    return Catalogue(catalogue_id="CAT2603020930", issue_date=dt.date(2026, 3, 2), currency="EUR",
                     seller=SELLER, buyer=BUYER, items=(CatalogueItem(
                         items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1001"),), description="Stapler",
                         unit="EA", unit_price=Money(amount=Decimal("1.29"), currency="EUR")),))


def test_a_peppol_catalogue_names_its_customization_profile_and_provider_address(xsd_validate: Validator) -> None:
    raw = ubl.render(catalogue(), profile=PEPPOL_CATALOGUE)
    xsd_validate(raw)
    root = etree.fromstring(raw)
    assert root.findtext("cbc:CustomizationID", namespaces=NS) == "urn:fdc:peppol.eu:poacc:trns:catalogue:3"
    assert root.findtext("cbc:ProfileID", namespaces=NS) == "urn:fdc:peppol.eu:poacc:bis:catalogue_only:3"
    assert root.find("cbc:UBLVersionID", namespaces=NS) is None  # PEPPOL forbids it
    endpoint = root.find("cac:ProviderParty/cbc:EndpointID", namespaces=NS)
    assert endpoint is not None and (endpoint.get("schemeID"), endpoint.text) == ("0106", "99999999")
    receiver = root.find("cac:ReceiverParty/cbc:EndpointID", namespaces=NS)
    assert receiver is not None and (receiver.get("schemeID"), receiver.text) == ("0088", "0614141000005")
    assert [e.get("schemeID") for e in root.iter(f"{{{CBC}}}ID") if e.get("schemeID") == "ZZ"] == []


def test_without_a_profile_the_catalogue_keeps_the_partners_own_schemes(xsd_validate: Validator) -> None:
    raw = ubl.render(catalogue())
    xsd_validate(raw)
    assert b'schemeID="ZZ">B2BGWSELLER<' in raw and b"ProfileID" not in raw


def test_each_document_a_seller_sends_has_its_peppol_profile() -> None:
    expected = {"Invoice": PEPPOL_BILLING, "CreditNote": PEPPOL_BILLING, "OrderResponse": PEPPOL_ORDERING,
                "DespatchAdvice": PEPPOL_DESPATCH_ADVICE, "Catalogue": PEPPOL_CATALOGUE}
    assert {document: peppol_profile(document) for document in expected} == expected
    assert peppol_profile("OrderResponseSimple") is None
