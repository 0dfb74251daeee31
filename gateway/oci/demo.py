"""The demo OCI buyer, so the sandbox can play SAP SRM right after ``b2bgw serve --demo``.

``srm-acme`` is an SAP SRM system buying as the ERP customer ACME (the same contract prices as
the cXML demo buyer): OCI 4.0, login fields ``USERNAME`` / ``PASSWORD`` with the published demo
credentials ``srm-demo`` / ``oci-demo`` (the sandbox page shows them; a real buyer's password is
never shown), our vendor number 0000100042 in its system, material groups for three of our
categories, and its purchase orders arriving as cXML OrderRequests (so it is a cXML buyer too,
From ``NetworkID/SRM-ACME``, SharedSecret ``srm-order-secret``), their confirmations going to the
sandbox's inbox.
"""

from __future__ import annotations

from sqlalchemy import Engine

from gateway.oci.buyers import add_oci_buyer
from gateway.punchout.buyers import add_buyer
from gateway.punchout.demo import demo_order_url, follow_served_url
from gateway.store.db import session

DEMO_OCI_BUYER = "srm-acme"
DEMO_USERNAME = "srm-demo"
DEMO_PASSWORD = "oci-demo"  # a published demo credential, documented in the README
DEMO_ORDER_FROM = ("NetworkID", "SRM-ACME")
DEMO_ORDER_SECRET = "srm-order-secret"  # likewise
DEMO_MATGROUPS = {"Writing instruments": "OFF-WRITE", "Paper": "OFF-PAPER", "Safety": "SAFETY"}


def seed_demo_oci_buyer(engine: Engine, base_url: str | None = None) -> None:
    """Add the demo OCI buyer (idempotent), its orders confirmed to the sandbox inbox at ``base_url``."""
    with session(engine) as s:
        add_buyer(s, partner_id=DEMO_OCI_BUYER, name="Acme SAP SRM (OCI punchout)", customer_id="ACME",
                  from_domain=DEMO_ORDER_FROM[0], from_identity=DEMO_ORDER_FROM[1], shared_secret=DEMO_ORDER_SECRET,
                  to_domain="DUNS", to_identity="b2bgw-seller", our_secret="seller-secret-for-srm-acme",
                  order_url=demo_order_url(base_url))
        follow_served_url(s, DEMO_OCI_BUYER, demo_order_url(base_url))
        add_oci_buyer(s, partner_id=DEMO_OCI_BUYER, name="Acme SAP SRM (OCI punchout)", customer_id="ACME",
                      username=DEMO_USERNAME, password=DEMO_PASSWORD, version="4.0", order_channel="cxml",
                      vendor="0000100042", matgroup=DEMO_MATGROUPS, default_matgroup="OFF-MISC",
                      cust_fields={"CUST_FIELD5": "{category}"})
        s.commit()


__all__ = ["DEMO_OCI_BUYER", "DEMO_PASSWORD", "DEMO_USERNAME", "seed_demo_oci_buyer"]
