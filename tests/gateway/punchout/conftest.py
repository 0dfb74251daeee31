"""Punchout test fixtures: buyers configured with the credentials of the corpus samples."""

from __future__ import annotations

import pytest

from gateway.punchout.buyers import add_buyer
from gateway.services import Services
from gateway.store.db import session
from tests.formats.cxml.conftest import dtd_validate  # noqa: F401  (the cXML DTD fixture, shared)

CORPUS_BUYERS = [
    # (partner id, From domain, From identity, To domain, To identity, secret, Sender identity)
    ("coupa", "DUNS", "coupa-t", "DUNS", "coupa-t", "test", None),
    ("prominate", "NetworkId", "inbound@prominate-platform.com", "NetworkId", "supplier@supplier.com", "s3cr3t", None),
    ("iesa", "DUNS", "punchout@test.com", "DUNS", "punchout@test.com", "{shared secret in here}", "88888888"),
    ("acme-ariba", "AribaNetworkUserId", "admin@acme.com", "DUNS", "012345678", "abracadabra", "sysadmin@buyer.com"),
    ("an123", "NetworkId", "AN00000123", "NetworkId", "AN00000456", "abracadabra", None),
    ("dell", "duns", "dell", "Duns", "128293714", "dell-secret", None),
]


@pytest.fixture
def corpus_buyers(services: Services) -> list[str]:
    """The buyers of the corpus samples, buying as the demo customer GLOBEX."""
    with session(services.engine) as s:
        for partner_id, from_domain, from_identity, to_domain, to_identity, secret, sender in CORPUS_BUYERS:
            add_buyer(s, partner_id=partner_id, name=partner_id, customer_id="GLOBEX", from_domain=from_domain,
                      from_identity=from_identity, to_domain=to_domain, to_identity=to_identity,
                      shared_secret=secret, sender_identity=sender)
        s.commit()
    return [b[0] for b in CORPUS_BUYERS]
