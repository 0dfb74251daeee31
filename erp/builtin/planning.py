"""How the built-in ERP decides an order's lines: match each to a SKU, reserve stock, backorder the rest.

Used for a new order (:meth:`BuiltinErp.push_order`) and for a buyer's change
(:meth:`BuiltinErp.change_order`), so both follow the same rules (see :mod:`erp.builtin.adapter`).
The caller holds the locks: :func:`plan_lines` reserves from stock rows it has locked ``FOR UPDATE``.

Pack sizes. A line may order an item in one of its pack units (``erp_product_unit``: 1 ``XCS`` of
DEMO-1001 = 12 ``EA``). The line is kept as ordered - 2 XCS at the price per case - and the
planner reserves the base quantity it stands for (24 EA), because that is what a real ERP does
with a sales unit (SAP's alternative units of measure on a sales item, Odoo's and Tryton's sale
line unit in the product's unit category): the customer's document stays in the customer's unit,
so the acknowledgment, the ship notice and the invoice answer "2 cases" at the case price the PO
named, while stock is counted in the unit it is kept in. Converting to 24 EA before the ERP would
make the 855 acknowledge a unit the buyer never ordered and re-price a case price per each
(rounding a case price the buyer agreed). What stock cannot cover is backordered in whole packs:
nobody ships 0.75 of a case. A unit the item has no pack size for is refused naming both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlmodel import Session, col, select

from erp.builtin.tables import ErpOrderLineRow, ErpProduct, ErpProductUnit, ErpReservation, ErpStock
from erp.rows import insert_rows
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

PackSizes = Mapping[str, Mapping[str, Decimal]]
"""``{sku: {pack unit: base units in one}}``, e.g. ``{"DEMO-1001": {"XCS": 12, "XBX": 50}}``."""

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
    """What the ERP decided for one ordered line, before it is written.

    ``row`` and ``reservations`` are the values of the ``erp_order_line`` and ``erp_reservation``
    rows (:mod:`erp.rows`): a batch of orders writes each table's rows with one statement.
    """

    row: dict[str, Any]
    responses: list[LineResponse]
    reservations: list[dict[str, Any]]


def _reserve(stock: list[ErpStock], wanted: Decimal, order_id: str, position: int) -> list[dict[str, Any]]:
    """Reserve up to ``wanted`` from the (locked) rows in their order; the reservations made."""
    made: list[dict[str, Any]] = []
    for row in stock:
        if wanted <= ZERO:
            break
        take = min(wanted, max(row.on_hand - row.reserved, ZERO))
        if take > ZERO:
            row.reserved += take
            wanted -= take
            made.append({"order_id": order_id, "position": position, "warehouse": row.warehouse,
                         "sku": row.sku, "quantity": take})
    return made


def _factor(unit: str, product: ErpProduct, packs: Mapping[str, Decimal]) -> Decimal | None:
    """Base units in one ``unit`` of ``product`` (1 for its own unit), or None when it is not sold so."""
    if same_unit(unit, product.unit):
        return ONE
    return packs.get(unit.strip().upper())


def _not_sold_in(product: ErpProduct, unit: str, packs: Mapping[str, Decimal]) -> str:
    sold = " or ".join([product.unit, *sorted(packs)])
    return f"item {product.sku} is sold in {sold}, not {unit}" + (
        f" (it has no {unit} pack size)" if packs else "")


def _accepted(stock: list[ErpStock], ordered: Decimal, factor: Decimal) -> Decimal:
    """How much of ``ordered`` (in packs of ``factor``) the free stock covers: all, else whole packs."""
    free = sum((max(row.on_hand - row.reserved, ZERO) for row in stock), ZERO)
    if free >= ordered * factor:
        return ordered
    return min(ordered, (free / factor).to_integral_value(rounding=ROUND_FLOOR))


def _plan_line(line: OrderLine, position: int, order_id: str, products: dict[str, ErpProduct],
               stock: dict[str, list[ErpStock]], packs: PackSizes) -> LinePlan:
    ordered = line.quantity
    sku = find_sku(line, products)
    product = products.get(sku) if sku is not None else None
    item_packs = packs.get(product.sku, {}) if product is not None else {}
    factor = _factor(ordered.unit, product, item_packs) if product is not None else None
    price = line.unit_price or (Money(amount=product.list_price * (factor or ONE), currency=product.currency)
                                if product else None)  # a pack's list price is the pack's eaches'
    row: dict[str, Any] = {
        "order_id": order_id, "position": position, "line_number": line.line_number, "sku": sku,
        "unit": ordered.unit, "ordered_qty": ordered.value, "accepted_qty": ZERO, "backordered_qty": ZERO,
        "shipped_qty": ZERO, "status": LINE_REJECTED, "unit_price": price.amount if price else None,
        "currency": price.currency if price else None, "reason": None}

    def respond(status: LineStatus, quantity: Decimal, reason: str | None = None) -> LineResponse:
        return LineResponse(line_number=line.line_number, status=status,
                            quantity=Quantity(value=quantity, unit=ordered.unit), items=line.items,
                            unit_price=price, ordered_quantity=ordered, reason=reason)

    reason: str | None = None
    if product is None:
        reason = f"unknown item {_item_label(line)}"
    elif not product.active:
        reason = f"item {product.sku} is no longer sold"
    elif factor is None:
        reason = _not_sold_in(product, ordered.unit, item_packs)
    elif ordered.value <= ZERO:
        reason = f"quantity {ordered.value} is not positive"
    if reason is not None or product is None or factor is None:
        row["reason"] = reason
        return LinePlan(row, [respond(LineStatus.REJECTED, ordered.value, reason)], [])

    rows = stock.get(product.sku, [])
    if factor == ONE:
        reservations = _reserve(rows, ordered.value, order_id, position)
        accepted = sum((r["quantity"] for r in reservations), ZERO)
    else:  # packs: reserve the base quantity of the packs the stock covers (module doc)
        accepted = _accepted(rows, ordered.value, factor)
        reservations = _reserve(rows, accepted * factor, order_id, position)
    backordered = ordered.value - accepted
    row["accepted_qty"], row["backordered_qty"] = accepted, backordered
    responses: list[LineResponse] = []
    if accepted > ZERO:
        responses.append(respond(LineStatus.ACCEPTED, accepted))
    if backordered > ZERO:
        responses.append(respond(LineStatus.BACKORDERED, backordered,
                                 f"{accepted} of {ordered.value} {ordered.unit} in stock; rest backordered"))
    row["status"] = LINE_ACCEPTED if backordered == ZERO else LINE_BACKORDERED if accepted == ZERO else LINE_SPLIT
    return LinePlan(row, responses, reservations)


def header_status(statuses: Sequence[str]) -> HeaderStatus:
    """Accepted if every line (by its stored status) is accepted in full, rejected-with-detail if all are rejected."""
    if all(status == LINE_ACCEPTED for status in statuses):
        return HeaderStatus.ACCEPTED
    if all(status == LINE_REJECTED for status in statuses):
        return HeaderStatus.REJECTED_WITH_DETAIL
    return HeaderStatus.ACCEPTED_WITH_CHANGES


def pack_sizes(session: Session, skus: Collection[str] | None = None) -> dict[str, dict[str, Decimal]]:
    """The pack sizes of these items (of every item when None): ``{sku: {unit: base units in one}}``."""
    query = select(ErpProductUnit)
    if skus is not None:
        if not skus:
            return {}
        query = query.where(col(ErpProductUnit.sku).in_(list(skus)))
    found: dict[str, dict[str, Decimal]] = {}
    for row in session.exec(query).all():
        found.setdefault(row.sku, {})[row.unit.upper()] = row.factor
    return found


def products_of(session: Session, *orders: Order) -> dict[str, ErpProduct]:
    """The catalog items any line of the ``orders`` names, by SKU (a line finds only items it names)."""
    item_ids = {item.value for order in orders for line in order.lines for item in line.items}
    return {p.sku: p for p in session.exec(select(ErpProduct).where(col(ErpProduct.sku).in_(item_ids))).all()}


def skus_of(order: Order, products: dict[str, ErpProduct]) -> set[str]:
    """The SKUs the lines of ``order`` order (the stock rows to lock before planning it)."""
    return {sku for sku in (find_sku(line, products) for line in order.lines) if sku is not None}


def plan_lines(order: Order, order_id: str, products: dict[str, ErpProduct],
               stock: dict[str, list[ErpStock]], packs: PackSizes | None = None) -> list[LinePlan]:
    """Plan every line of ``order`` against the locked ``stock``, reserving as it goes (``packs``: pack sizes)."""
    return [_plan_line(line, position, order_id, products, stock, packs or {})
            for position, line in enumerate(order.lines, start=1)]


def acknowledge(order: Order, order_id: str, plans: Sequence[LinePlan], today: dt.date,
                seller: Party | None) -> OrderResponse:
    """The OrderResponse of a planned order: header status from the lines, a response per planned part.

    ``seller`` is the company (:func:`erp.builtin.profile.load_seller`), never the order's idea of it.
    """
    rows = [plan.row for plan in plans]
    return OrderResponse(
        po_number=order.po_number, po_date=order.order_date, po_time=order_time(order),
        response_number=order_id, response_date=today,
        status=header_status([r["status"] for r in rows]), buyer=order.buyer, seller=seller,
        ship_to=order.ship_to, currency=order.currency or next((r["currency"] for r in rows if r["currency"]), None),
        lines=tuple(response for plan in plans for response in plan.responses),
    )


def write_plans(session: Session, plans: Sequence[LinePlan]) -> None:
    """Insert the planned line rows, then their reservations (their order headers are written already)."""
    insert_rows(session, ErpOrderLineRow, [plan.row for plan in plans])
    insert_rows(session, ErpReservation, [r for plan in plans for r in plan.reservations])


__all__ = [
    "LINE_ACCEPTED",
    "LINE_BACKORDERED",
    "LINE_REJECTED",
    "LINE_SPLIT",
    "LinePlan",
    "PackSizes",
    "acknowledge",
    "find_sku",
    "header_status",
    "pack_sizes",
    "plan_lines",
    "products_of",
    "skus_of",
    "write_plans",
]
