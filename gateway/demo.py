"""``b2bgw serve --demo``: a catalog, customers and trading partners to try the gateway.

Idempotent: seeding twice changes nothing. The ERP side (about 50 products in two warehouses,
three customers) comes from the built-in ERP's own demo data; the gateway side is the trading
partners of :func:`demo_partners`: one per kind (X12 004010, X12 005010, UBL).

Every demo partner states its price policy (:func:`gateway.partners.price_rule`): the sample
orders in ``fixtures/`` are priced at list or at made-up prices, not at each customer's contract
prices, so the demo partners ``accept`` a difference and flag it in the document's history. A
partner added without ``price_policy`` holds any difference for an operator (``price_hold``);
set ``{"price_policy": "hold"}`` or ``"reject"`` on a demo partner to see the others.

**Demo credentials, published, never for production:** each demo trading partner uploads to
``POST /edi/{id}`` with HTTP Basic, user the partner id and password :data:`DEMO_PASSWORDS`
(``curl -u acme:acme-demo-password``). They are set only on a partner that never had a password,
so an operator who changed or revoked one keeps that choice when the demo is seeded again.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.auth.partner_credentials import Kind, hash_password, store_password_hash
from gateway.auth.tables import PartnerCredential
from gateway.partners import ensure_partner
from gateway.store.db import session
from gateway.store.tables import Partner

DEMO_PRICE_SETTINGS = {"price_policy": "accept", "price_tolerance": "0"}
"""The demo partners' price tolerance, explicit (module doc)."""

DEMO_PASSWORDS = {"acme": "acme-demo-password", "globex": "globex-demo-password",
                  "initech": "initech-demo-password"}
"""The demo partners' published HTTP Basic passwords (module doc): demo credentials, known to everyone."""

BUYERS_SEEDED_ELSEWHERE = ("contoso", "srm-acme")
"""The demo's cXML buyer (:mod:`gateway.punchout.demo`) and OCI buyer (:mod:`gateway.oci.demo`)."""


def demo_partners() -> list[Partner]:
    """New (unsaved) rows for the demo partners; fresh instances each time, never shared ones.

    * ``acme``: X12 004010, buys as ACME (``ZZ:ACMEBUYER`` -> ``ZZ:B2BGWSELLER``);
    * ``globex``: X12 005010 (so 999 acknowledgments), buys as GLOBEX (``ZZ:GLOBEXEDI``);
    * ``initech``: UBL 2.1 with the PEPPOL profile, buys as INITECH; its PEPPOL endpoint is GLN
      0614141000005 (ICD 0088), the BuyerCustomerParty of the UBL orders in ``fixtures/ubl``, which
      the sender check (:mod:`gateway.intake.senders`) compares with what it uploads.
    """
    return [
        Partner(id="acme", name="Acme Retail (X12 4010)", customer_id="ACME",
                x12_qualifier="ZZ", x12_id="ACMEBUYER", x12_application_id="ACMEBUYER",
                our_x12_qualifier="ZZ", our_x12_id="B2BGWSELLER", our_x12_application_id="B2BGWSELLER",
                x12_version="004010", usage="P", settings=dict(DEMO_PRICE_SETTINGS)),
        Partner(id="globex", name="Globex Corp (X12 5010)", customer_id="GLOBEX",
                x12_qualifier="ZZ", x12_id="GLOBEXEDI", x12_application_id="GLOBEXEDI",
                our_x12_qualifier="ZZ", our_x12_id="B2BGWSELLER", our_x12_application_id="B2BGWSELLER",
                x12_version="005010", usage="P", settings=dict(DEMO_PRICE_SETTINGS)),
        Partner(id="initech", name="Initech (UBL, PEPPOL)", customer_id="INITECH",
                x12_qualifier="ZZ", x12_id="INITECH", our_x12_qualifier="ZZ", our_x12_id="B2BGWSELLER",
                settings={"standard": "ubl", "ubl_profile": "peppol", "endpoint_scheme": "0088",
                          "endpoint_id": "0614141000005", **DEMO_PRICE_SETTINGS}),
    ]


def seed_demo(engine: Engine, *, with_erp: bool = True, base_url: str | None = None) -> None:
    """Seed the demo partner (and the built-in ERP's demo catalog and customers).

    ``base_url`` is the gateway's address as served (``serve --demo`` passes its public URL): the
    demo buyers' order URLs point at its sandbox inbox, so their confirmations arrive on the port
    actually served; without it, ``http://127.0.0.1:8000``.
    """
    if with_erp:
        from erp.builtin.demo import seed_demo as seed_erp_demo

        seed_erp_demo(engine)
    with session(engine) as s:
        for partner in demo_partners():
            ensure_partner(s, partner)
            _give_demo_password(s, partner.id)
        s.commit()
    from gateway.punchout.demo import seed_demo_buyer

    seed_demo_buyer(engine, base_url)  # the cXML buyer "contoso" of the punchout sandbox
    from gateway.oci.demo import seed_demo_oci_buyer

    seed_demo_oci_buyer(engine, base_url)  # the OCI buyer "srm-acme" (SAP SRM) of the sandbox
    _state_price_policy(engine)


@lru_cache(maxsize=8)
def _demo_password_hash(password: str) -> str:
    """The scrypt hash of a published demo password, made once per process (seeding runs per test)."""
    return hash_password(password)


def _give_demo_password(s: Session, partner_id: str) -> None:
    """The partner's published demo password, unless it ever had a password (an operator's choice stays)."""
    password = DEMO_PASSWORDS.get(partner_id)
    had_one = s.exec(select(PartnerCredential.id).where(PartnerCredential.partner_id == partner_id,
                                                        PartnerCredential.kind == Kind.PASSWORD.value)).first()
    if password is not None and had_one is None:
        store_password_hash(s, partner_id, _demo_password_hash(password), actor="demo",
                            label="published demo password (not for production)")


def _state_price_policy(engine: Engine) -> None:
    """Give every demo partner seeded elsewhere (the cXML and OCI buyers) the demo's price policy, if it has none.

    A partner whose operator chose a policy keeps it: seeding stays idempotent.
    """
    with session(engine) as s:
        for partner in s.exec(select(Partner).where(col(Partner.id).in_(BUYERS_SEEDED_ELSEWHERE))).all():
            if "price_policy" not in partner.settings:
                partner.settings = {**partner.settings, **DEMO_PRICE_SETTINGS}
                s.add(partner)
        s.commit()
