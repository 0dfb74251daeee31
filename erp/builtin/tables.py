"""The built-in ERP's tables (SQLModel), on the gateway's own database under the prefix ``erp_``.

They are declared on SQLModel's default metadata so that the gateway's Alembic migrations
(``gateway/store/migrations``) create them beside the ``gw_*`` tables. Rows here are the ERP's
stored facts; what they mean to the outside world is the canonical model (``formats.model``) and
the port's value types (``erp.port``), built from them by :mod:`erp.builtin.store`.

Money and quantities are :class:`decimal.Decimal` stored as exact decimal text
(:class:`erp.columns.DecimalText`): SQLite has no exact decimal type and would round-trip
``NUMERIC`` through float, so the one representation that is exact on every database is the string.
Aggregates (balances, stock totals) are summed in Python from those exact values.

Tables::

    erp_product       sku, name, category, UNSPSC, unit, list price
    erp_product_unit  (sku, unit) -> factor: the item's pack sizes (1 XCS = 12 EA of DEMO-1001)
    erp_stock         (sku, warehouse) -> on_hand, reserved, updated_at
    erp_customer      id, name, currency, group, credit limit
    erp_order         id "SO-000001", customer, idempotency_key (unique), state, PO number,
                      the canonical Order and OrderResponse as JSON text
    erp_order_line    (order, position) -> buyer line number, sku, ordered/accepted/backordered/
                      shipped quantities, status, unit price
    erp_reservation   (order, position, warehouse) -> quantity reserved there
    erp_invoice       number "INV-000001", order, customer, total, canonical Invoice as JSON
    erp_payment       id "PAY-000001", invoice, amount, date
    erp_shipment      id "SH-000001", order, canonical ShipNotice as JSON
    erp_event         id (1, 2, ...), kind, order, customer, when, the document it carries as JSON
    erp_sequence      name -> last number used (orders, invoices, payments, shipments, SSCC
                      serials, events)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Date, DateTime, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from erp.columns import DecimalText, decimal_field

TABLE_PREFIX = "erp_"


def _timestamp() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class ErpProduct(SQLModel, table=True):
    """A sellable item: SKU, description, unit and list price."""

    __tablename__ = "erp_product"

    sku: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    category: str | None = Field(default=None, max_length=100)
    unspsc: str | None = Field(default=None, max_length=8, description="UNSPSC commodity code")
    unit: str = Field(default="EA", max_length=3, description="UN/ECE Rec 20 code, as in formats.model")
    list_price: Decimal = decimal_field()
    currency: str = Field(default="USD", max_length=3)
    active: bool = True


class ErpProductUnit(SQLModel, table=True):
    """Another unit an item is sold in: one ``unit`` (Rec 20, ``XCS``) is ``factor`` of the product's unit."""

    __tablename__ = "erp_product_unit"

    sku: str = Field(foreign_key="erp_product.sku", primary_key=True, max_length=64)
    unit: str = Field(primary_key=True, max_length=3, description="UN/ECE Rec 20 code of the pack (XCS, XBX)")
    factor: Decimal = decimal_field()


class ErpStock(SQLModel, table=True):
    """Stock of one SKU in one warehouse; ``reserved`` is promised to open orders."""

    __tablename__ = "erp_stock"

    sku: str = Field(foreign_key="erp_product.sku", primary_key=True, max_length=64)
    warehouse: str = Field(primary_key=True, max_length=32)
    on_hand: Decimal = decimal_field()
    reserved: Decimal = decimal_field()
    updated_at: dt.datetime = Field(
        default_factory=lambda: dt.datetime.now(dt.UTC),
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True,
                         onupdate=lambda: dt.datetime.now(dt.UTC)),
        description="set on every change (reservations too): what get_stock(since=...) compares",
    )


class ErpCustomer(SQLModel, table=True):
    """A customer account with its currency, price group and credit limit."""

    __tablename__ = "erp_customer"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    currency: str = Field(default="USD", max_length=3)
    group: str | None = Field(default=None, max_length=64)
    credit_limit: Decimal = decimal_field()


class ErpOrderRow(SQLModel, table=True):
    """A sales order; ``idempotency_key`` is unique, so a key makes at most one order."""

    __tablename__ = "erp_order"
    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_erp_order_idempotency_key"),)

    id: str = Field(primary_key=True, max_length=32)
    customer_id: str = Field(foreign_key="erp_customer.id", max_length=64, index=True)
    idempotency_key: str = Field(max_length=200)
    state: str = Field(max_length=24)
    po_number: str = Field(max_length=64, index=True)
    order_json: str = Field(sa_column=Column(Text, nullable=False))
    response_json: str = Field(sa_column=Column(Text, nullable=False))
    cancel_reason: str | None = None
    created_at: dt.datetime = _timestamp()
    updated_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ErpOrderLineRow(SQLModel, table=True):
    """One ordered line; ``position`` orders lines, ``line_number`` is the buyer's own number."""

    __tablename__ = "erp_order_line"

    order_id: str = Field(foreign_key="erp_order.id", primary_key=True, max_length=32)
    position: int = Field(primary_key=True)
    line_number: str = Field(max_length=32)
    sku: str | None = Field(default=None, max_length=64, description="None when the item was unknown")
    unit: str = Field(max_length=3)
    ordered_qty: Decimal = decimal_field()
    accepted_qty: Decimal = decimal_field()
    backordered_qty: Decimal = decimal_field()
    shipped_qty: Decimal = decimal_field()
    status: str = Field(max_length=24, description="accepted / split / backordered / rejected")
    unit_price: Decimal | None = decimal_field(nullable=True)
    currency: str | None = Field(default=None, max_length=3)
    reason: str | None = None


class ErpReservation(SQLModel, table=True):
    """Quantity of one order line reserved in one warehouse (released on cancel, consumed on ship)."""

    __tablename__ = "erp_reservation"

    order_id: str = Field(foreign_key="erp_order.id", primary_key=True, max_length=32)
    position: int = Field(primary_key=True)
    warehouse: str = Field(primary_key=True, max_length=32)
    sku: str = Field(foreign_key="erp_product.sku", max_length=64)
    quantity: Decimal = decimal_field()


class ErpInvoiceRow(SQLModel, table=True):
    """An invoice issued for a shipped order; ``invoice_json`` is the canonical Invoice."""

    __tablename__ = "erp_invoice"

    number: str = Field(primary_key=True, max_length=32)
    order_id: str = Field(foreign_key="erp_order.id", max_length=32, index=True)
    customer_id: str = Field(foreign_key="erp_customer.id", max_length=64, index=True)
    invoice_date: dt.date = Field(sa_column=Column(Date, nullable=False))
    currency: str = Field(max_length=3)
    total: Decimal = decimal_field()
    invoice_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = _timestamp()


class ErpPaymentRow(SQLModel, table=True):
    """A payment received against an invoice."""

    __tablename__ = "erp_payment"

    id: str = Field(primary_key=True, max_length=32)
    invoice_number: str = Field(foreign_key="erp_invoice.number", max_length=32, index=True)
    customer_id: str = Field(foreign_key="erp_customer.id", max_length=64, index=True)
    amount: Decimal = decimal_field()
    currency: str = Field(max_length=3)
    paid_on: dt.date = Field(sa_column=Column(Date, nullable=False))
    created_at: dt.datetime = _timestamp()


class ErpShipmentRow(SQLModel, table=True):
    """A shipment of an order; ``ship_notice_json`` is the canonical ShipNotice with its cartons."""

    __tablename__ = "erp_shipment"

    id: str = Field(primary_key=True, max_length=32)
    order_id: str = Field(foreign_key="erp_order.id", max_length=32, index=True)
    created_at: dt.datetime = _timestamp()
    ship_notice_json: str = Field(sa_column=Column(Text, nullable=False))


class ErpEventRow(SQLModel, table=True):
    """Something that happened to an order, written in the transaction that made it happen.

    ``id`` is not a database sequence: it comes from the ``event`` row of ``erp_sequence``,
    which stays locked until the writing transaction commits, so ids become visible in the order
    they were handed out (see :mod:`erp.builtin.events`). ``payload_json`` is the canonical
    document of the event (ShipNotice, Invoice, Payment) or ``{"reason": ...}`` for a change or
    cancellation.
    """

    __tablename__ = "erp_event"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    kind: str = Field(max_length=24)
    order_id: str | None = Field(default=None, foreign_key="erp_order.id", max_length=32, index=True)
    customer_id: str = Field(foreign_key="erp_customer.id", max_length=64)
    at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    payload_json: str = Field(sa_column=Column(Text, nullable=False))


class ErpSequence(SQLModel, table=True):
    """The last number handed out per document kind (``order``, ``invoice``, ``payment`` ...)."""

    __tablename__ = "erp_sequence"

    name: str = Field(primary_key=True, max_length=32)
    last_value: int = 0


def erp_tables() -> list[Table]:
    """The built-in ERP's tables in dependency order (for ``create_all(tables=...)`` in tests)."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name.startswith(TABLE_PREFIX)]


__all__ = [
    "TABLE_PREFIX",
    "DecimalText",
    "ErpCustomer",
    "ErpEventRow",
    "ErpInvoiceRow",
    "ErpOrderLineRow",
    "ErpOrderRow",
    "ErpPaymentRow",
    "ErpProduct",
    "ErpProductUnit",
    "ErpReservation",
    "ErpSequence",
    "ErpShipmentRow",
    "ErpStock",
    "decimal_field",
    "erp_tables",
]
