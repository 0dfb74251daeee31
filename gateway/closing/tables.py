"""Order progress tables: each order the gateway placed, and per line what was ordered, shipped, invoiced, cancelled.

Filled from the order's acknowledgment when it is placed and then only from ERP events, so the
gateway can say of any order what is still to ship and to invoice, and close it when nothing is.
Quantities are Decimal stored as exact text, like money.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from erp.columns import decimal_field
from gateway.store.tables import utcnow


class OrderTrack(SQLModel, table=True):
    """An order placed through the gateway: open until every line is invoiced or cancelled."""

    __tablename__ = "gw_order_track"

    erp_order_id: str = Field(primary_key=True, max_length=64)
    order_key: str = Field(max_length=200, index=True)
    customer_id: str = Field(max_length=64, index=True)
    po_number: str = Field(max_length=64)
    status: str = Field(default="open", max_length=12, index=True, description="open / closed")
    closed_reason: str | None = None
    closed_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class OrderLineTrack(SQLModel, table=True):
    """One buyer line of a tracked order: ordered, shipped, invoiced and cancelled quantities."""

    __tablename__ = "gw_order_line_track"
    __table_args__ = (UniqueConstraint("erp_order_id", "line_number", name="uq_gw_order_line_track"),)

    id: int | None = Field(default=None, primary_key=True)
    erp_order_id: str = Field(foreign_key="gw_order_track.erp_order_id", max_length=64, index=True)
    line_number: str = Field(max_length=32)
    sku: str | None = Field(default=None, max_length=64)
    unit: str = Field(max_length=3)
    ordered: Decimal = decimal_field(default=Decimal(0))
    shipped: Decimal = decimal_field(default=Decimal(0))
    invoiced: Decimal = decimal_field(default=Decimal(0))
    cancelled: Decimal = decimal_field(default=Decimal(0))
