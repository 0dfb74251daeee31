"""The gateway's copy of price lists, customer groups, items and stock, with the sync runs that fill it.

The ERP is the system of record; these tables are what the gateway prices from, so a storefront
page or an order never waits on an ERP call. Rows map one-to-one onto the frozen inputs of
:mod:`gateway.rules.pricelists`, which is why a price line is stored one row *per tier*: a
line is the rows sharing ``(list_id, scope, key)``, and loading is a group-by, not a join.

Money and quantities are exact decimal text (:class:`~erp.builtin.tables.DecimalText`), as in
every other table: SQLite would round ``NUMERIC`` through float. A global line has the key
``""`` (not NULL) so the unique constraint also holds for it.

Tables::

    gw_price_list              id, name, currency, validity window (seller's dates), source
    gw_price_line              one tier of one line: (list, scope, key, min quantity) -> fixed unit
                               price, or derived from a base list (discount %, surcharge)
    gw_price_assignment        list -> customer / group / default, priority, window
    gw_customer_group          id, name
    gw_customer_group_member   (group, customer)
    gw_price_customer          customer id, name, currency (who may be priced)
    gw_price_item              sku, description, base unit, category (what may be priced)
    gw_price_item_unit         (sku, unit) -> base units in one: the item's pack sizes (1 XCS = 12 EA)
    gw_stock                   (sku, warehouse) -> on hand, available
    gw_sync_run                one pull from the ERP or one CSV import: since, when, counts, errors
    gw_price_snapshot          the price frozen on an accepted order line, and the buyer's own price
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Date, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from erp.columns import decimal_field
from gateway.store.tables import utcnow

GLOBAL_KEY = ""
"""The stored key of a global line (every item)."""


def _date() -> Any:
    return Field(default=None, sa_column=Column(Date, nullable=True))


class PriceListRow(SQLModel, table=True):
    """A price list: currency and validity window; ``source`` says who wrote it last (erp / csv)."""

    __tablename__ = "gw_price_list"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=200)
    currency: str = Field(max_length=3)
    valid_from: dt.date | None = _date()
    valid_to: dt.date | None = _date()
    source: str = Field(default="erp", max_length=16)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class PriceLineRow(SQLModel, table=True):
    """One tier of one line of a list: a fixed unit price, or ``base_list`` less a discount plus a surcharge."""

    __tablename__ = "gw_price_line"
    __table_args__ = (UniqueConstraint("list_id", "scope", "key", "min_quantity", name="uq_gw_price_line_tier"),)

    id: int | None = Field(default=None, primary_key=True)
    list_id: str = Field(sa_column=Column(String(64), ForeignKey("gw_price_list.id", ondelete="CASCADE"),
                                          nullable=False, index=True))
    scope: str = Field(max_length=16, description="item / category / global")
    key: str = Field(default=GLOBAL_KEY, max_length=100, description="SKU, category, or '' for global")
    min_quantity: Decimal = decimal_field()
    unit_price: Decimal | None = decimal_field(nullable=True)
    base_list: str | None = Field(default=None, max_length=64)
    discount_percent: Decimal | None = decimal_field(nullable=True)
    surcharge: Decimal | None = decimal_field(nullable=True)


class PriceAssignmentRow(SQLModel, table=True):
    """A list assigned to a customer, a group, or as the default (``target`` '' then)."""

    __tablename__ = "gw_price_assignment"

    id: int | None = Field(default=None, primary_key=True)
    list_id: str = Field(sa_column=Column(String(64), ForeignKey("gw_price_list.id", ondelete="CASCADE"),
                                          nullable=False, index=True))
    level: str = Field(max_length=16, description="customer / group / default")
    target: str = Field(default="", max_length=64, description="customer or group id; '' for the default")
    priority: int = 0
    valid_from: dt.date | None = _date()
    valid_to: dt.date | None = _date()


class CustomerGroupRow(SQLModel, table=True):
    """A customer group (price group), as the ERP names it."""

    __tablename__ = "gw_customer_group"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=200)


class CustomerGroupMemberRow(SQLModel, table=True):
    """A customer's membership of a group."""

    __tablename__ = "gw_customer_group_member"

    group_id: str = Field(sa_column=Column(String(64), ForeignKey("gw_customer_group.id", ondelete="CASCADE"),
                                           primary_key=True))
    customer_id: str = Field(primary_key=True, max_length=64)


class PriceCustomerRow(SQLModel, table=True):
    """A customer pricing knows: an unknown id is refused rather than priced at the default list."""

    __tablename__ = "gw_price_customer"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=200)
    currency: str | None = Field(default=None, max_length=3)


class PriceItemRow(SQLModel, table=True):
    """An item pricing knows: its base unit (where tiers are compared) and category (for category lines)."""

    __tablename__ = "gw_price_item"

    sku: str = Field(primary_key=True, max_length=64)
    description: str = Field(default="", max_length=200)
    base_unit: str = Field(default="EA", max_length=3)
    category: str | None = Field(default=None, max_length=100)


class PriceItemUnitRow(SQLModel, table=True):
    """A pack size of an item, from the ERP: one ``unit`` (Rec 20, ``XCS``) is ``factor`` of its base unit.

    What converts an order for 2 cases into the 24 eaches its tiers and list prices count in.
    """

    __tablename__ = "gw_price_item_unit"

    sku: str = Field(sa_column=Column(String(64), ForeignKey("gw_price_item.sku", ondelete="CASCADE"),
                                      primary_key=True))
    unit: str = Field(primary_key=True, max_length=3)
    factor: Decimal = decimal_field()


class StockRow(SQLModel, table=True):
    """Stock of one SKU in one warehouse as the ERP last reported it (or a CSV import set it)."""

    __tablename__ = "gw_stock"

    sku: str = Field(primary_key=True, max_length=64)
    warehouse: str = Field(primary_key=True, max_length=32)
    on_hand: Decimal = decimal_field()
    available: Decimal = decimal_field()
    unit: str = Field(default="EA", max_length=3)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class SyncRun(SQLModel, table=True):
    """One pull of prices and stock (``source`` erp) or one CSV import (``source`` csv).

    ``since`` is the moment the pull asked changes from (None: everything); ``changes`` counts what
    changed by kind (``lists``, ``items``, ``item_units``, ``customers``, ``groups``, ``stock``, ``removed_lists``,
    ``removed_items``); ``errors`` lists what could not be applied, each saying where.
    ``prices_changed`` is set when anything the price index is built from changed: the pricing
    service reloads only after such a run (stock is read per question, never cached).
    """

    __tablename__ = "gw_sync_run"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16, description="erp / csv")
    trigger: str = Field(max_length=16, description="schedule / webhook / manual / import")
    since: dt.datetime | None = None
    started_at: dt.datetime = Field(default_factory=utcnow, index=True)
    finished_at: dt.datetime | None = None
    status: str = Field(default="running", max_length=16, description="running / ok / failed")
    changes: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    errors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    prices_changed: bool = False


class PriceSnapshotRow(SQLModel, table=True):
    """The price of one accepted order line, frozen: later list changes never reach the order or its invoice.

    ``quote`` is the whole :class:`~gateway.rules.PriceQuote` (JSON, Decimals as text); the columns
    beside it are what a query needs. ``buyer_unit_price`` is what the buyer's order said, which
    may differ from ours; ``problem`` says why no price of ours could be given (then ours is None).
    """

    __tablename__ = "gw_price_snapshot"
    __table_args__ = (UniqueConstraint("document_id", "line_number", name="uq_gw_price_snapshot_line"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="gw_document.id", index=True)
    erp_order_id: str | None = Field(default=None, max_length=64, index=True)
    customer_id: str = Field(max_length=64)
    po_number: str = Field(max_length=64)
    line_number: str = Field(max_length=32)
    sku: str | None = Field(default=None, max_length=64)
    quantity: Decimal = decimal_field()
    unit: str = Field(max_length=3)
    priced_on: dt.date = Field(sa_column=Column(Date, nullable=False))
    list_id: str | None = Field(default=None, max_length=64)
    line_scope: str | None = Field(default=None, max_length=16)
    line_key: str | None = Field(default=None, max_length=100)
    tier_min_quantity: Decimal | None = decimal_field(nullable=True)
    unit_price: Decimal | None = decimal_field(nullable=True)
    amount: Decimal | None = decimal_field(nullable=True)
    currency: str | None = Field(default=None, max_length=3)
    buyer_unit_price: Decimal | None = decimal_field(nullable=True)
    buyer_currency: str | None = Field(default=None, max_length=3)
    quote: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    problem: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


__all__ = [
    "GLOBAL_KEY",
    "CustomerGroupMemberRow",
    "CustomerGroupRow",
    "PriceAssignmentRow",
    "PriceCustomerRow",
    "PriceItemRow",
    "PriceItemUnitRow",
    "PriceLineRow",
    "PriceListRow",
    "PriceSnapshotRow",
    "StockRow",
    "SyncRun",
]
