"""``b2bgw serve --demo``: a catalog, customers and one X12 trading partner to try the gateway.

Idempotent: seeding twice changes nothing. The ERP side (about 50 products in two warehouses,
three customers) comes from the built-in ERP's own demo data; the gateway side is the trading
partner "acme", who buys as ERP customer ACME and sends X12 as ``ZZ:ACMEBUYER`` to ``ZZ:B2BGWSELLER``.
"""

from __future__ import annotations

from sqlalchemy import Engine

from gateway.partners import ensure_partner
from gateway.store.db import session
from gateway.store.tables import Partner


def demo_partner() -> Partner:
    """A new (unsaved) row for the demo partner; a fresh instance each time, never a shared one."""
    return Partner(
        id="acme", name="Acme Retail (X12)", customer_id="ACME",
        x12_qualifier="ZZ", x12_id="ACMEBUYER", x12_application_id="ACMEBUYER",
        our_x12_qualifier="ZZ", our_x12_id="B2BGWSELLER", our_x12_application_id="B2BGWSELLER",
        x12_version="004010", usage="P", settings={},
    )


def seed_demo(engine: Engine, *, with_erp: bool = True) -> None:
    """Seed the demo partner (and the built-in ERP's demo catalog and customers)."""
    if with_erp:
        from erp.builtin.demo import seed_demo as seed_erp_demo

        seed_erp_demo(engine)
    with session(engine) as s:
        ensure_partner(s, demo_partner())
        s.commit()
