"""A PEPPOL partner's catalogue feed is a PEPPOL BIS Catalogue 3 document naming the seller by its company.

Before, the feed ignored the profile (no CustomizationID/ProfileID) and named us with
``schemeID="ZZ"`` and the X12 id, whatever the ERP's company was.
"""

from __future__ import annotations

from lxml import etree

from formats.ubl import PEPPOL_CATALOGUE
from gateway.feeds import send_feed
from gateway.outbound import Outgoing
from gateway.pipeline.states import State
from gateway.pricing.service import pricing_for
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner
from tests.conftest import Validator

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"


def test_the_peppol_partners_catalogue_is_a_peppol_catalogue(services: Services, xsd_validate: Validator) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, "initech")
        assert partner is not None and partner.settings.get("ubl_profile") == "peppol"
        doc = send_feed(s, services.erp, partner, Outgoing.CATALOGUE, actor="test",
                        pricing=pricing_for(services.engine, services.settings))
        s.commit()
        assert doc is not None
        raw, state = doc.raw, doc.state
    assert state == State.OUTBOX.value
    xsd_validate(raw)
    root = etree.fromstring(raw)
    assert root.findtext(f"{{{CBC}}}CustomizationID") == PEPPOL_CATALOGUE.customization_for("Catalogue")
    assert root.findtext(f"{{{CBC}}}ProfileID")
    provider = root.find(f"{{{CAC}}}ProviderParty")
    assert provider is not None
    endpoint = provider.find(f"{{{CBC}}}EndpointID")
    assert endpoint is not None and endpoint.get("schemeID") != "ZZ" and endpoint.get("schemeID", "").isdigit()
    assert b'schemeID="ZZ"' not in raw
    company = services.erp.company_party()
    assert company is not None
    assert provider.findtext(f"{{{CAC}}}PartyName/{{{CBC}}}Name") == company.name
