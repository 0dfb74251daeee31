"""The ERP port: the one interface through which the gateway talks to a seller's ERP.

The gateway never speaks to an ERP directly; it calls an object that satisfies :class:`ErpPort`
(ports and adapters, like httpx's ``BaseTransport``). Each adapter is one module under ``erp``:
``erp.builtin`` keeps a small reference ERP on the gateway's own database and doubles as the test
adapter; ``erp.tryton`` (later) talks to a real Tryton server.

The port speaks only canonical documents (``formats.model``) and the small value types below.

Contracts every adapter honours:

* :meth:`ErpPort.push_order` is **idempotent** on ``idempotency_key``: a second call with the same
  key returns the order made by the first (``created=False``) and never makes another. The gateway
  derives the key from the document (partner + PO number + revision), so a replay, a redelivery or
  a worker killed mid-call cannot double an order.
* Line acceptance is the ERP's own decision, for real reasons: lines it can fill are accepted,
  what stock cannot cover is backordered, unknown items are rejected.
* :meth:`ErpPort.change_order` is idempotent too: applying the same changed order twice answers the
  same acknowledgment and reserves nothing twice. An order can change until anything of it ships.
* :meth:`ErpPort.events_after` is the ERP's event stream (shipped, invoiced, paid, changed,
  cancelled) in the order things happened; the gateway keeps the last ``event_id`` it acted on
  and asks for what came after, so no event is missed or handled twice.
* Transient failures (ERP down, timeout, locked) raise :class:`ErpUnavailable`; the gateway retries.
  Business refusals (unknown customer, order already shipped) raise :class:`ErpRejected`; retrying
  cannot help.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from formats.model import Invoice, Money, Order, OrderResponse, Party, ShipNotice


class ErpError(Exception):
    """Base of the errors an adapter raises."""


class ErpUnavailable(ErpError):
    """The ERP could not be reached or was busy: a transient failure, worth retrying."""


class ErpRejected(ErpError):
    """The ERP refused the request for a business reason: retrying cannot help."""


class PortValue(BaseModel):
    """Base of the port's value types: frozen like the canonical documents."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ErpOrderState(StrEnum):
    """Where an order stands in the ERP."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    PARTIALLY_SHIPPED = "partially-shipped"
    SHIPPED = "shipped"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


class PushedOrder(PortValue):
    """What :meth:`ErpPort.push_order` answers.

    ``response`` is the ERP's acceptance per line as a canonical :class:`OrderResponse`;
    ``created`` is False when the idempotency key matched an order made earlier.
    """

    erp_order_id: str
    created: bool
    state: ErpOrderState
    response: OrderResponse


class OrderToPush(PortValue):
    """One order of :meth:`ErpPort.push_orders`: the arguments of :meth:`ErpPort.push_order`."""

    order: Order
    customer_id: str
    idempotency_key: str


PushAnswer = PushedOrder | ErpError
"""What :meth:`ErpPort.push_orders` answers for one order: the order placed (or found), or why not."""


class ErpOrder(PortValue):
    """An order as the ERP holds it now."""

    erp_order_id: str
    customer_id: str
    idempotency_key: str
    state: ErpOrderState
    order: Order
    response: OrderResponse


class Customer(PortValue):
    """A customer account in the ERP."""

    customer_id: str
    name: str
    currency: str = "USD"
    group: str | None = None


class StockLevel(PortValue):
    """Stock of one SKU in one warehouse: on hand, and available (on hand less reserved)."""

    sku: str
    warehouse: str
    on_hand: Decimal
    available: Decimal
    unit: str = "EA"


class AlternativeUnit(PortValue):
    """Another unit an item is sold in: one ``unit`` (UN/ECE Rec 20, e.g. ``XCS`` case) is ``factor`` base units.

    The base unit is the item's :attr:`ItemPrice.unit` (what stock and list prices count in):
    DEMO-1001, sold by the each, comes in cases of 12 (``AlternativeUnit(unit="XCS", factor=12)``)
    and boxes of 50. ``factor`` is positive; a whole pack is ordered in whole packs.
    """

    unit: str
    factor: Decimal


class ItemPrice(PortValue):
    """The ERP's price of one SKU (the list price; customer price lists come later).

    ``alternative_units`` are the item's pack sizes (and any other unit the ERP converts for it);
    an adapter that knows none reports none, and the gateway then sells the item in its base unit
    only. An order line in one of them is placed as ordered: the ERP converts it to base units
    for stock, as a real ERP does with a sales unit (see :meth:`ErpPort.push_order`).
    """

    sku: str
    description: str
    unit: str
    price: Money
    category: str | None = None
    unspsc: str | None = None  # UNSPSC commodity code, for punchout carts and catalogues
    alternative_units: tuple[AlternativeUnit, ...] = ()


class ErpPriceTier(PortValue):
    """One tier of a price line: from ``min_quantity`` (item's base unit) up, a fixed or a derived price.

    Exactly one of ``unit_price`` (fixed, per base unit) and ``base_list`` (derived: the base list's
    price x (1 - discount_percent / 100) + surcharge) is set.
    """

    min_quantity: Decimal = Decimal(0)
    unit_price: Decimal | None = None
    base_list: str | None = None
    discount_percent: Decimal = Decimal(0)
    surcharge: Decimal = Decimal(0)


class ErpPriceLine(PortValue):
    """A line of a price list: ``scope`` item (key = SKU), category (key = category) or global (no key)."""

    scope: str
    key: str | None = None
    tiers: tuple[ErpPriceTier, ...]


class ErpPriceAssignment(PortValue):
    """Who a list applies to: ``level`` customer / group (``target`` the id) or default (no target)."""

    level: str
    target: str | None = None
    priority: int = 0
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class ErpPriceList(PortValue):
    """A price list with its lines and assignments, whole: a changed list replaces the gateway's copy.

    ``active`` False means the list was withdrawn: the gateway drops it. ``updated_at`` is when
    anything of it (header, a line, an assignment) last changed in the ERP.
    """

    list_id: str
    name: str = ""
    currency: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    active: bool = True
    updated_at: dt.datetime
    lines: tuple[ErpPriceLine, ...] = ()
    assignments: tuple[ErpPriceAssignment, ...] = ()


class CustomerGroup(PortValue):
    """A customer (price) group and the customers in it."""

    group_id: str
    name: str = ""
    members: tuple[str, ...] = ()


class CreditPosition(PortValue):
    """A customer's credit: the limit and the balance the ERP knows of (open receivables)."""

    customer_id: str
    limit: Money
    balance: Money


class Payment(PortValue):
    """A payment received against an invoice."""

    payment_id: str
    invoice_number: str
    customer_id: str
    amount: Money
    paid_on: dt.date


class ErpEventKind(StrEnum):
    """What happened to an order (or its invoice) in the ERP."""

    ORDER_CHANGED = "order-changed"
    ORDER_CANCELLED = "order-cancelled"
    SHIPPED = "shipped"
    INVOICED = "invoiced"
    PAID = "paid"


class ErpEvent(PortValue):
    """Something that happened in the ERP that a partner may need a document for.

    ``event_id`` increases strictly in the order events happened and compares as a string
    (adapters zero-pad it), so the gateway's cursor is just the last id it handled. The document
    the event is about travels with it: the ship notice of SHIPPED, the invoice of INVOICED,
    the payment of PAID.
    """

    event_id: str
    kind: ErpEventKind
    erp_order_id: str | None
    customer_id: str
    at: dt.datetime
    ship_notice: ShipNotice | None = None
    invoice: Invoice | None = None
    payment: Payment | None = None


@runtime_checkable
class ErpPort(Protocol):
    """What the gateway needs from an ERP. Every adapter implements all of it."""

    def push_order(self, order: Order, *, customer_id: str, idempotency_key: str) -> PushedOrder:
        """Create the order (or find the one made earlier with this key) and answer per line.

        A line ordered in one of the item's alternative units (2 cases) is kept in that unit, at
        its price per that unit, and the ERP reserves and ships the base quantity it stands for
        (24 each); the acknowledgment, ship notice and invoice answer in the unit ordered. A
        unit the item has no conversion for is a rejected line naming the item and the unit.
        """
        ...

    def push_orders(self, orders: Sequence[OrderToPush]) -> list[PushAnswer]:
        """:meth:`push_order` for several orders, an answer for each in the same order; same contract per order.

        An order the ERP refuses (ErpRejected) or could not be asked about (ErpUnavailable) gets
        that error as its answer and leaves the others alone; an adapter that places the orders
        one by one stops at the first ErpUnavailable and answers the rest ErpUnavailable unsent
        (:func:`push_one_by_one`). A call that fails as a whole raises ErpUnavailable: nothing
        known, every order to be pushed again (idempotency makes that safe).
        """
        ...

    def get_order(self, erp_order_id: str) -> ErpOrder | None:
        """The order with this ERP reference, or None."""
        ...

    def find_order(self, idempotency_key: str) -> ErpOrder | None:
        """The order made with this idempotency key, or None."""
        ...

    def cancel_order(self, erp_order_id: str, *, reason: str) -> ErpOrder:
        """Cancel an order; raises :class:`ErpRejected` once it has shipped."""
        ...

    def change_order(self, erp_order_id: str, order: Order, *, reason: str) -> PushedOrder:
        """Replace the order's lines by ``order`` and answer the new acknowledgment.

        ``order`` is the order as it should be after the buyer's change. ErpRejected once any line
        has shipped, or when the order is cancelled/invoiced; idempotent: applying the same changed
        order twice gives the same result.
        """
        ...

    def events_after(self, cursor: str | None, *, limit: int = 100) -> Sequence[ErpEvent]:
        """Events with event_id > cursor (all when None), oldest first, at most limit."""
        ...

    def get_customer(self, customer_id: str) -> Customer | None:
        """The customer account, or None."""
        ...

    def company_party(self) -> Party | None:
        """The company as the seller of a document, from the ERP's own company data; None when it has none.

        Name, address, tax and legal ids, electronic address, contact: what every document we send
        names the seller with, whatever a buyer's order said of us.
        """
        ...

    def get_prices(self, skus: Sequence[str] | None = None) -> Sequence[ItemPrice]:
        """List prices of these SKUs (all when None)."""
        ...

    def get_stock(self, skus: Sequence[str] | None = None, *,
                  since: dt.datetime | None = None) -> Sequence[StockLevel]:
        """Stock per warehouse of these SKUs (all when None); with ``since``, only rows changed at or after it."""
        ...

    def get_price_lists(self, *, since: dt.datetime | None = None) -> Sequence[ErpPriceList]:
        """Price lists changed at or after ``since`` (all when None), each whole, withdrawn ones included.

        An adapter may return more than changed (a list unchanged since is harmless: the gateway
        compares); it must never return less.
        """
        ...

    def list_customers(self) -> Sequence[Customer]:
        """Every customer account (pricing refuses customers it does not know)."""
        ...

    def get_customer_groups(self) -> Sequence[CustomerGroup]:
        """Every customer group with its members (what group price lists are assigned to)."""
        ...

    def get_credit(self, customer_id: str) -> CreditPosition:
        """The customer's credit limit and balance."""
        ...

    def list_invoices(self, *, since: dt.datetime | None = None) -> Sequence[Invoice]:
        """Invoices issued since a moment (all when None)."""
        ...

    def list_payments(self, *, since: dt.datetime | None = None) -> Sequence[Payment]:
        """Payments received since a moment (all when None)."""
        ...


def push_one_by_one(port: ErpPort, orders: Sequence[OrderToPush]) -> list[PushAnswer]:
    """:meth:`ErpPort.push_orders` by calls of :meth:`ErpPort.push_order`, for adapters with no batch call.

    Once the ERP does not answer, the rest are not sent: each would wait out its own timeout.
    """
    answers: list[PushAnswer] = []
    unreachable: ErpUnavailable | None = None
    for one in orders:
        if unreachable is not None:
            answers.append(ErpUnavailable(f"not sent: the ERP did not answer for an earlier order ({unreachable})"))
            continue
        try:
            answers.append(port.push_order(one.order, customer_id=one.customer_id,
                                           idempotency_key=one.idempotency_key))
        except ErpUnavailable as exc:
            unreachable = exc
            answers.append(exc)
        except ErpRejected as exc:
            answers.append(exc)
    return answers


__all__ = [
    "AlternativeUnit",
    "CreditPosition",
    "Customer",
    "CustomerGroup",
    "ErpError",
    "ErpEvent",
    "ErpEventKind",
    "ErpOrder",
    "ErpOrderState",
    "ErpPort",
    "ErpPriceAssignment",
    "ErpPriceLine",
    "ErpPriceList",
    "ErpPriceTier",
    "ErpRejected",
    "ErpUnavailable",
    "ItemPrice",
    "OrderToPush",
    "Payment",
    "PushAnswer",
    "PushedOrder",
    "StockLevel",
    "push_one_by_one",
]
