"""The demo cXML buyer, so punchout and the sandbox work right after ``b2bgw serve --demo``.

``contoso`` is a procurement system (think Ariba) buying as the ERP customer ACME: From
``NetworkID/AN01000000042``, To ``DUNS/b2bgw-seller``, SharedSecret ``sandbox-secret`` (the
sandbox page says so; a real buyer's secret is never shown). Its order URL is the sandbox's own
inbox, so confirmations, ship notices and invoices land where the sandbox shows them.

The punchout item data (manufacturer part numbers and names, lead times) for some demo SKUs
comes from ``demo_items.csv`` beside this module.
"""

from __future__ import annotations

import csv
import io
from importlib.resources import files

from sqlalchemy import Engine
from sqlmodel import Session

from gateway.punchout.buyers import add_buyer
from gateway.punchout.tables import PunchoutItem
from gateway.store.db import session
from gateway.store.tables import Partner

DEMO_BUYER = "contoso"
DEMO_FROM = ("NetworkID", "AN01000000042")
DEMO_TO = ("DUNS", "b2bgw-seller")
DEMO_SECRET = "sandbox-secret"  # a published demo credential, documented in the README
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
"""The gateway's address when seeding is not told the one served (``serve --demo`` always tells it)."""
INBOX_PATH = "/sandbox/inbox"


def demo_order_url(base_url: str | None) -> str:
    """The demo buyers' order URL: the sandbox inbox of the gateway at ``base_url``."""
    return f"{(base_url or DEFAULT_BASE_URL).rstrip('/')}{INBOX_PATH}"


def follow_served_url(s: Session, partner_id: str, order_url: str) -> None:
    """Point a demo buyer seeded earlier (on another port) at ``order_url``.

    Only an order URL that is still some gateway's sandbox inbox moves: an operator who sent the
    demo buyer's documents elsewhere keeps that choice.
    """
    partner = s.get(Partner, partner_id)
    delivery = (partner.settings.get("delivery") or {}) if partner is not None else {}
    destination = str(delivery.get("destination") or "")
    if partner is None or destination == order_url or not destination.endswith(INBOX_PATH):
        return
    partner.settings = {**partner.settings, "delivery": {**delivery, "destination": order_url}}
    s.add(partner)
    s.flush()


def seed_demo_buyer(engine: Engine, base_url: str | None = None) -> None:
    """Add the demo cXML buyer and the demo punchout item data (idempotent), its orders answered at ``base_url``."""
    text = files("gateway.punchout").joinpath("demo_items.csv").read_text(encoding="utf-8")
    with session(engine) as s:
        add_buyer(s, partner_id=DEMO_BUYER, name="Contoso Procurement (cXML punchout)", customer_id="ACME",
                  from_domain=DEMO_FROM[0], from_identity=DEMO_FROM[1], shared_secret=DEMO_SECRET,
                  to_domain=DEMO_TO[0], to_identity=DEMO_TO[1], our_secret="seller-secret-for-contoso",
                  order_url=demo_order_url(base_url))
        follow_served_url(s, DEMO_BUYER, demo_order_url(base_url))
        for row in csv.DictReader(io.StringIO(text)):
            if s.get(PunchoutItem, row["sku"]) is None:
                s.add(PunchoutItem(sku=row["sku"], manufacturer_part_id=row["manufacturer_part_id"] or None,
                                   manufacturer_name=row["manufacturer_name"] or None,
                                   lead_time_days=int(row["lead_time_days"]) if row["lead_time_days"] else None))
        s.commit()


__all__ = ["DEFAULT_BASE_URL", "DEMO_BUYER", "DEMO_FROM", "DEMO_SECRET", "DEMO_TO", "demo_order_url",
           "follow_served_url", "seed_demo_buyer"]
