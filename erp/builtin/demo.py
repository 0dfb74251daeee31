"""Demo data of the built-in ERP: about fifty office and industrial supplies, two warehouses, three customers.

Their price lists (contracts, a group list, the default list with tiers) are in
:mod:`erp.builtin.pricelists` and ``demo_pricelists.json``.

``b2bgw serve --demo`` (through :func:`gateway.demo.seed_demo`) calls :func:`seed_demo`, which is
idempotent: it adds what is missing and leaves existing rows alone, so running it twice - or after
orders have reserved and shipped stock - changes nothing.

The catalog is data, ``demo_catalog.csv`` beside this module (SKU ``DEMO-1001`` .. ``DEMO-1050``,
description, category, UNSPSC commodity code, UN/ECE Rec 20 unit, USD list price, stock in the
warehouses ``MAIN`` and ``EAST``). Every SKU has well under 1000 in stock, so an order of 100000
is backordered; ``DEMO-1049`` has none and ``DEMO-1050`` very little. Pack sizes are
``demo_units.csv`` (SKU, Rec 20 pack unit, how many of the item's unit in one): the pens
``DEMO-1001`` come in cases of 12 (``XCS``) and boxes of 50 (``XBX``), ``DEMO-1002`` in cases of
12; every other item is sold in its own unit only.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from erp.builtin.demo_company import seed_demo_company
from erp.builtin.pricelists import seed_demo_price_lists
from erp.builtin.store import unavailable_on_db_errors, utc_now, write_session
from erp.builtin.tables import ErpCustomer, ErpProduct, ErpProductUnit, ErpStock

CATALOG_FILE = "demo_catalog.csv"
UNITS_FILE = "demo_units.csv"
WAREHOUSES = {"MAIN": "stock_main", "EAST": "stock_east"}


@dataclass(frozen=True)
class DemoCustomer:
    """A demo customer account."""

    customer_id: str
    name: str
    group: str
    credit_limit: Decimal
    currency: str = "USD"


DEMO_CUSTOMERS = (
    DemoCustomer("ACME", "Acme Retail", "retail", Decimal("50000")),
    DemoCustomer("GLOBEX", "Globex Corp", "wholesale", Decimal("100000")),
    DemoCustomer("INITECH", "Initech", "corporate", Decimal("25000")),
)


def demo_catalog() -> list[dict[str, str]]:
    """The rows of ``demo_catalog.csv``."""
    text = files("erp.builtin").joinpath(CATALOG_FILE).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def demo_units() -> list[dict[str, str]]:
    """The rows of ``demo_units.csv`` (the demo items' pack sizes)."""
    text = files("erp.builtin").joinpath(UNITS_FILE).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _seed_once(engine: Engine) -> None:
    catalog = demo_catalog()
    with write_session(engine) as s:
        products = set(s.exec(select(ErpProduct.sku)).all())
        stocked = {(row.sku, row.warehouse) for row in s.exec(select(ErpStock)).all()}
        customers = set(s.exec(select(ErpCustomer.id)).all())
        packs = {(row.sku, row.unit) for row in s.exec(select(ErpProductUnit)).all()}
        for item in catalog:
            if item["sku"] not in products:
                s.add(ErpProduct(sku=item["sku"], name=item["name"], category=item["category"] or None,
                                 unspsc=item["unspsc"] or None, unit=item["unit"],
                                 list_price=Decimal(item["list_price"]), currency="USD"))
        s.flush()
        for pack in demo_units():
            if (pack["sku"], pack["unit"]) not in packs:
                s.add(ErpProductUnit(sku=pack["sku"], unit=pack["unit"], factor=Decimal(pack["factor"])))
        for item in catalog:
            for warehouse, column in WAREHOUSES.items():
                if (item["sku"], warehouse) not in stocked:
                    s.add(ErpStock(sku=item["sku"], warehouse=warehouse, on_hand=Decimal(item[column]),
                                   reserved=Decimal(0)))
        for customer in DEMO_CUSTOMERS:
            if customer.customer_id not in customers:
                s.add(ErpCustomer(id=customer.customer_id, name=customer.name, currency=customer.currency,
                                  group=customer.group, credit_limit=customer.credit_limit))
        s.flush()
        seed_demo_company(s)
        seed_demo_price_lists(s, catalog, utc_now())
        s.commit()


def seed_demo(engine: Engine) -> None:
    """Add the demo catalog, stock and customers that are missing (idempotent)."""
    with unavailable_on_db_errors("seeding the demo catalog"):
        try:
            _seed_once(engine)
        except IntegrityError:
            _seed_once(engine)  # another process seeded at the same moment; fill in what it did not


__all__ = ["DEMO_CUSTOMERS", "DemoCustomer", "demo_catalog", "demo_units", "seed_demo"]
