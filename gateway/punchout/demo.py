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

from gateway.punchout.buyers import add_buyer
from gateway.punchout.tables import PunchoutItem
from gateway.store.db import session

DEMO_BUYER = "contoso"
DEMO_FROM = ("NetworkID", "AN01000000042")
DEMO_TO = ("DUNS", "b2bgw-seller")
DEMO_SECRET = "sandbox-secret"  # a published demo credential, documented in the README
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def seed_demo_buyer(engine: Engine, base_url: str | None = None) -> None:
    """Add the demo cXML buyer and the demo punchout item data (idempotent)."""
    text = files("gateway.punchout").joinpath("demo_items.csv").read_text(encoding="utf-8")
    with session(engine) as s:
        add_buyer(s, partner_id=DEMO_BUYER, name="Contoso Procurement (cXML punchout)", customer_id="ACME",
                  from_domain=DEMO_FROM[0], from_identity=DEMO_FROM[1], shared_secret=DEMO_SECRET,
                  to_domain=DEMO_TO[0], to_identity=DEMO_TO[1], our_secret="seller-secret-for-contoso",
                  order_url=f"{(base_url or DEFAULT_BASE_URL).rstrip('/')}/sandbox/inbox")
        for row in csv.DictReader(io.StringIO(text)):
            if s.get(PunchoutItem, row["sku"]) is None:
                s.add(PunchoutItem(sku=row["sku"], manufacturer_part_id=row["manufacturer_part_id"] or None,
                                   manufacturer_name=row["manufacturer_name"] or None,
                                   lead_time_days=int(row["lead_time_days"]) if row["lead_time_days"] else None))
        s.commit()


__all__ = ["DEMO_BUYER", "DEMO_FROM", "DEMO_SECRET", "DEMO_TO", "seed_demo_buyer"]
