"""How the Tryton adapter decides an order's lines before it writes a sale (no I/O: the adapter reads first).

The same rules as the built-in ERP, so a partner gets the same acknowledgment whichever ERP is behind
the gateway: a line is matched to a product by the seller's item id, else by any item id that is a
product code; unknown or unsold products, units the product is not sold in and non-positive quantities
are rejected with the reason; what the warehouse's forecast stock covers is accepted and the rest is
backordered (one response each, same line number). Tryton itself takes the whole ordered quantity as
a sale line: backordered quantities wait on the shipment, as Tryton does for any sale.

A line in the product's sale unit (its template's ``sale_uom``, a "Case of 12" over the default
Unit; :func:`erp.tryton.mapping.sale_units`) becomes a sale line in that unit, which Tryton itself
converts for stock moves - as the built-in ERP keeps a case a case (:mod:`erp.builtin.planning`).
The forecast stock, in the default unit, covers whole packs; the rest is backordered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from formats.codes.units import same_unit
from formats.dates import order_time
from formats.model import (
    HeaderStatus,
    ItemIdKind,
    LineResponse,
    LineStatus,
    Money,
    Order,
    OrderLine,
    OrderResponse,
    Party,
    Quantity,
)

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class Product:
    """A Tryton product as the adapter needs it."""

    id: int
    sku: str
    name: str
    unit: str  # Rec 20
    uom_id: int
    list_price: Decimal
    salable: bool = True
    category: str | None = None
    packs: Mapping[str, tuple[Decimal, int]] = field(default_factory=dict)  # sale unit: (default units, uom id)


@dataclass(frozen=True)
class PlannedLine:
    """One ordered line decided: the product (None when rejected) and the responses to send."""

    line: OrderLine
    product: Product | None
    unit_price: Money | None
    responses: tuple[LineResponse, ...]
    rejected: bool
    uom_id: int | None = None  # the Tryton unit of the sale line when it is the product's sale unit (a pack)


def find_product(line: OrderLine, products: Mapping[str, Product]) -> Product | None:
    """The product a line orders: its seller item id if that is a product code, else any item id that is."""
    seller = line.item_id(ItemIdKind.SELLER)
    if seller is not None and seller in products:
        return products[seller]
    return next((products[item.value] for item in line.items if item.value in products), None)


def _label(line: OrderLine) -> str:
    return line.item_id(ItemIdKind.SELLER) or next((i.value for i in line.items), "(no item id)")


def plan(order: Order, products: Mapping[str, Product], available: dict[int, Decimal],
         currency: str) -> list[PlannedLine]:
    """Decide every line of ``order``; ``available`` (per product id) is drawn down as lines accept."""
    planned: list[PlannedLine] = []
    for line in order.lines:
        ordered = line.quantity
        product = find_product(line, products)
        pack = _pack(ordered.unit, product) if product is not None else None
        factor = pack[0] if pack is not None else ONE
        price = line.unit_price or (Money(amount=product.list_price * factor, currency=currency) if product else None)

        def respond(status: LineStatus, quantity: Decimal, reason: str | None = None,
                    _line: OrderLine = line, _price: Money | None = price) -> LineResponse:
            return LineResponse(line_number=_line.line_number, status=status,
                                quantity=Quantity(value=quantity, unit=_line.quantity.unit), items=_line.items,
                                unit_price=_price, ordered_quantity=_line.quantity, reason=reason)

        reason: str | None = None
        if product is None:
            reason = f"unknown item {_label(line)}"
        elif not product.salable:
            reason = f"item {product.sku} is not sold"
        elif not same_unit(ordered.unit, product.unit) and pack is None:
            sold = " or ".join([product.unit, *sorted(product.packs)])
            reason = f"item {product.sku} is sold in {sold}, not {ordered.unit}"
        elif ordered.value <= ZERO:
            reason = f"quantity {ordered.value} is not positive"
        if reason is not None or product is None:
            planned.append(PlannedLine(line, None, price, (respond(LineStatus.REJECTED, ordered.value, reason),),
                                       True))
            continue
        free = max(available.get(product.id, ZERO), ZERO)  # in the product's default unit
        accepted = min(ordered.value, free) if pack is None else (
            ordered.value if free >= ordered.value * factor else
            min(ordered.value, (free / factor).to_integral_value(rounding=ROUND_FLOOR)))  # whole packs
        available[product.id] = free - accepted * factor
        backordered = ordered.value - accepted
        responses: list[LineResponse] = []
        if accepted > ZERO:
            responses.append(respond(LineStatus.ACCEPTED, accepted))
        if backordered > ZERO:
            responses.append(respond(LineStatus.BACKORDERED, backordered,
                                     f"{accepted} of {ordered.value} {ordered.unit} in stock; rest backordered"))
        planned.append(PlannedLine(line, product, price, tuple(responses), False,
                                   uom_id=pack[1] if pack is not None else None))
    return planned


def _pack(unit: str, product: Product) -> tuple[Decimal, int] | None:
    """(default units in one, Tryton uom id) when ``unit`` is the product's sale unit (a pack), else None."""
    if same_unit(unit, product.unit):
        return None
    return product.packs.get(unit.strip().upper())


def header_status(planned: Sequence[PlannedLine]) -> HeaderStatus:
    """Accepted when every line is accepted in full, rejected-with-detail when every line is rejected."""
    statuses = [r.status for p in planned for r in p.responses]
    if all(s == LineStatus.ACCEPTED for s in statuses):
        return HeaderStatus.ACCEPTED
    if all(p.rejected for p in planned):
        return HeaderStatus.REJECTED_WITH_DETAIL
    return HeaderStatus.ACCEPTED_WITH_CHANGES


def acknowledge(order: Order, number: str, planned: Sequence[PlannedLine], today: dt.date,
                currency: str, seller: Party | None = None) -> OrderResponse:
    """The OrderResponse of a planned order; ``seller`` is the company (never the order's idea of it)."""
    return OrderResponse(
        po_number=order.po_number, po_date=order.order_date, po_time=order_time(order),
        response_number=number, response_date=today,
        status=header_status(planned), buyer=order.buyer, seller=seller, ship_to=order.ship_to,
        currency=order.currency or currency, lines=tuple(r for p in planned for r in p.responses),
    )


__all__ = ["PlannedLine", "Product", "acknowledge", "find_product", "header_status", "plan"]
