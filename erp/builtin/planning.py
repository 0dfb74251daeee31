"""How the built-in ERP decides an order's lines: match each to a SKU, reserve stock, backorder the rest.

Used for a new order (:meth:`BuiltinErp.push_order`) and for a buyer's change
(:meth:`BuiltinErp.change_order`), so both follow the same rules (see :mod:`erp.builtin.adapter`).
The caller holds the locks: :func:`plan_lines` reserves from stock rows it has locked ``FOR UPDATE``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from erp.builtin.tables import ErpOrderLineRow, ErpProduct, ErpReservation, ErpStock
from formats.codes.units import same_unit
from formats.model import (
    HeaderStatus,
    ItemIdKind,
    LineResponse,
    LineStatus,
    Money,
    Order,
    OrderLine,
    OrderResponse,
    Quantity,
)

ZERO = Decimal(0)

# Line states stored on erp_order_line (a split line is accepted in part, backordered in part).
LINE_ACCEPTED, LINE_SPLIT, LINE_BACKORDERED, LINE_REJECTED = "accepted", "split", "backordered", "rejected"


def find_sku(line: OrderLine, products: dict[str, ErpProduct]) -> str | None:
    """The SKU a line orders: its seller item id if that is a SKU, else any item id that is one."""
    seller = line.item_id(ItemIdKind.SELLER)
    if seller is not None and seller in products:
        return seller
    return next((item.value for item in line.items if item.value in products), None)


def _item_label(line: OrderLine) -> str:
    return line.item_id(ItemIdKind.SELLER) or next((i.value for i in line.items), "(no item id)")


@dataclass
class LinePlan:
    """What the ERP decided for one ordered line, before it is written."""

    row: ErpOrderLineRow
    responses: list[LineResponse]
    reservations: list[ErpReservation]


def _reserve(stock: list[ErpStock], wanted: Decimal, order_id: str, position: int) -> list[ErpReservation]:
    """Reserve up to ``wanted`` from the (locked) rows in their order; the reservations made."""
    made: list[ErpReservation] = []
    for row in stock:
        if wanted <= ZERO:
            break
        take = min(wanted, max(row.on_hand - row.reserved, ZERO))
        if take > ZERO:
            row.reserved += take
            wanted -= take
            made.append(ErpReservation(order_id=order_id, position=position, warehouse=row.warehouse,
                                       sku=row.sku, quantity=take))
    return made


def _plan_line(line: OrderLine, position: int, order_id: str, products: dict[str, ErpProduct],
               stock: dict[str, list[ErpStock]]) -> LinePlan:
    ordered = line.quantity
    sku = find_sku(line, products)
    product = products.get(sku) if sku is not None else None
    price = line.unit_price or (Money(amount=product.list_price, currency=product.currency) if product else None)
    row = ErpOrderLineRow(order_id=order_id, position=position, line_number=line.line_number, sku=sku,
                          unit=ordered.unit, ordered_qty=ordered.value, accepted_qty=ZERO, backordered_qty=ZERO,
                          shipped_qty=ZERO, status=LINE_REJECTED,
                          unit_price=price.amount if price else None, currency=price.currency if price else None)

    def respond(status: LineStatus, quantity: Decimal, reason: str | None = None) -> LineResponse:
        return LineResponse(line_number=line.line_number, status=status,
                            quantity=Quantity(value=quantity, unit=ordered.unit), items=line.items,
                            unit_price=price, ordered_quantity=ordered, reason=reason)

    reason: str | None = None
    if product is None:
        reason = f"unknown item {_item_label(line)}"
    elif not product.active:
        reason = f"item {product.sku} is no longer sold"
    elif not same_unit(ordered.unit, product.unit):
        reason = f"item {product.sku} is sold in {product.unit}, not {ordered.unit}"
    elif ordered.value <= ZERO:
        reason = f"quantity {ordered.value} is not positive"
    if reason is not None or product is None:
        row.reason = reason
        return LinePlan(row, [respond(LineStatus.REJECTED, ordered.value, reason)], [])

    reservations = _reserve(stock.get(product.sku, []), ordered.value, order_id, position)
    accepted = sum((r.quantity for r in reservations), ZERO)
    backordered = ordered.value - accepted
    row.accepted_qty, row.backordered_qty = accepted, backordered
    responses: list[LineResponse] = []
    if accepted > ZERO:
        responses.append(respond(LineStatus.ACCEPTED, accepted))
    if backordered > ZERO:
        responses.append(respond(LineStatus.BACKORDERED, backordered,
                                 f"{accepted} of {ordered.value} {ordered.unit} in stock; rest backordered"))
    row.status = LINE_ACCEPTED if backordered == ZERO else LINE_BACKORDERED if accepted == ZERO else LINE_SPLIT
    return LinePlan(row, responses, reservations)


def header_status(rows: Sequence[ErpOrderLineRow]) -> HeaderStatus:
    """Accepted if every line is accepted in full, rejected-with-detail if all are rejected."""
    if all(r.status == LINE_ACCEPTED for r in rows):
        return HeaderStatus.ACCEPTED
    if all(r.status == LINE_REJECTED for r in rows):
        return HeaderStatus.REJECTED_WITH_DETAIL
    return HeaderStatus.ACCEPTED_WITH_CHANGES


def products_of(session: Session, order: Order) -> dict[str, ErpProduct]:
    """The catalog items any line of ``order`` names, by SKU."""
    item_ids = {item.value for line in order.lines for item in line.items}
    return {p.sku: p for p in session.exec(select(ErpProduct).where(col(ErpProduct.sku).in_(item_ids))).all()}


def skus_of(order: Order, products: dict[str, ErpProduct]) -> set[str]:
    """The SKUs the lines of ``order`` order (the stock rows to lock before planning it)."""
    return {sku for sku in (find_sku(line, products) for line in order.lines) if sku is not None}


def plan_lines(order: Order, order_id: str, products: dict[str, ErpProduct],
                stock: dict[str, list[ErpStock]]) -> list[LinePlan]:
    """Plan every line of ``order`` against the locked ``stock``, reserving as it goes."""
    return [_plan_line(line, position, order_id, products, stock)
            for position, line in enumerate(order.lines, start=1)]


def acknowledge(order: Order, order_id: str, plans: Sequence[LinePlan], today: dt.date) -> OrderResponse:
    """The OrderResponse of a planned order: header status from the lines, a response per planned part."""
    rows = [plan.row for plan in plans]
    return OrderResponse(
        po_number=order.po_number, po_date=order.order_date, response_number=order_id, response_date=today,
        status=header_status(rows), buyer=order.buyer, seller=order.seller, ship_to=order.ship_to,
        currency=order.currency or next((r.currency for r in rows if r.currency), None),
        lines=tuple(response for plan in plans for response in plan.responses),
    )


def write_plans(session: Session, plans: Sequence[LinePlan]) -> None:
    """Insert the planned line rows, then their reservations."""
    session.add_all([plan.row for plan in plans])
    session.flush()
    session.add_all([r for plan in plans for r in plan.reservations])


__all__ = [
    "LINE_ACCEPTED",
    "LINE_BACKORDERED",
    "LINE_REJECTED",
    "LINE_SPLIT",
    "LinePlan",
    "acknowledge",
    "find_sku",
    "header_status",
    "plan_lines",
    "products_of",
    "skus_of",
    "write_plans",
]
