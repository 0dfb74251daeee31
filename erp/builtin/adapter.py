"""The built-in reference ERP: :class:`BuiltinErp` implements :class:`erp.port.ErpPort` on SQL tables.

It behaves like a small real ERP so that the gateway's flows (and its tests) meet real decisions:

* an order is placed at most once per idempotency key: ``erp_order.idempotency_key`` is unique,
  the whole push is one transaction, and a push that loses the race to insert the key rolls back
  and answers the order that won (``created=False``);
* each line is matched to a SKU by the seller's item id (cXML SupplierPartID, X12 VP/VN), else by
  any of its item ids that is a SKU; unknown items and units the item is not sold in are
  rejected with the reason; stock on hand less reserved, over every warehouse, is reserved for
  the accepted quantity (warehouses in name order, stock rows locked ``FOR UPDATE``), and what
  stock cannot cover is backordered - a line split in two responses with the same line number;
* header status: accepted when every line is accepted in full, rejected-with-detail when every
  line is rejected, accepted-with-changes otherwise.

Locking and transient-error handling are in :mod:`erp.builtin.store`; admin operations (catalog,
stock, shipping, invoicing, payments) that the port does not offer are in :mod:`erp.builtin.catalog`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from erp.builtin.store import (
    Clock,
    as_utc,
    lock_order,
    lock_stock,
    next_number,
    read_session,
    unavailable_on_db_errors,
    utc_now,
    write_session,
)
from erp.builtin.tables import (
    ErpCustomer,
    ErpInvoiceRow,
    ErpOrderLineRow,
    ErpOrderRow,
    ErpPaymentRow,
    ErpProduct,
    ErpReservation,
    ErpStock,
)
from erp.port import (
    CreditPosition,
    Customer,
    ErpOrder,
    ErpOrderState,
    ErpRejected,
    ErpUnavailable,
    ItemPrice,
    Payment,
    PushedOrder,
    StockLevel,
)
from formats.model import (
    HeaderStatus,
    Invoice,
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

# Rec 20 codes that all mean "one piece": an order in any of them is an order in the others.
_EACH = frozenset({"EA", "H87", "C62"})

# Line states stored on erp_order_line (a split line is accepted in part, backordered in part).
LINE_ACCEPTED, LINE_SPLIT, LINE_BACKORDERED, LINE_REJECTED = "accepted", "split", "backordered", "rejected"

SHIPPED_STATES = frozenset({ErpOrderState.PARTIALLY_SHIPPED, ErpOrderState.SHIPPED, ErpOrderState.INVOICED})


def same_unit(ordered: str, stocked: str) -> bool:
    """Whether a quantity in ``ordered`` units is a quantity in ``stocked`` units (no conversion)."""
    a, b = ordered.upper(), stocked.upper()
    return a == b or (a in _EACH and b in _EACH)


def find_sku(line: OrderLine, products: dict[str, ErpProduct]) -> str | None:
    """The SKU a line orders: its seller item id if that is a SKU, else any item id that is one."""
    seller = line.item_id(ItemIdKind.SELLER)
    if seller is not None and seller in products:
        return seller
    return next((item.value for item in line.items if item.value in products), None)


def _item_label(line: OrderLine) -> str:
    return line.item_id(ItemIdKind.SELLER) or next((i.value for i in line.items), "(no item id)")


@dataclass
class _LinePlan:
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
               stock: dict[str, list[ErpStock]]) -> _LinePlan:
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
        return _LinePlan(row, [respond(LineStatus.REJECTED, ordered.value, reason)], [])

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
    return _LinePlan(row, responses, reservations)


def header_status(rows: Sequence[ErpOrderLineRow]) -> HeaderStatus:
    """Accepted if every line is accepted in full, rejected-with-detail if all are rejected."""
    if all(r.status == LINE_ACCEPTED for r in rows):
        return HeaderStatus.ACCEPTED
    if all(r.status == LINE_REJECTED for r in rows):
        return HeaderStatus.REJECTED_WITH_DETAIL
    return HeaderStatus.ACCEPTED_WITH_CHANGES


def to_erp_order(row: ErpOrderRow) -> ErpOrder:
    """The port's view of a stored order."""
    return ErpOrder(erp_order_id=row.id, customer_id=row.customer_id, idempotency_key=row.idempotency_key,
                    state=ErpOrderState(row.state), order=Order.model_validate_json(row.order_json),
                    response=OrderResponse.model_validate_json(row.response_json))


def _pushed(row: ErpOrderRow, *, created: bool) -> PushedOrder:
    return PushedOrder(erp_order_id=row.id, created=created, state=ErpOrderState(row.state),
                       response=OrderResponse.model_validate_json(row.response_json))


def _order_by_key(session: Session, idempotency_key: str) -> ErpOrderRow | None:
    return session.exec(select(ErpOrderRow).where(ErpOrderRow.idempotency_key == idempotency_key)).first()


class BuiltinErp:
    """The reference ERP on the gateway's database; ``clock`` gives "now" (tests fix it)."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    # -- orders ---------------------------------------------------------------------------------

    def push_order(self, order: Order, *, customer_id: str, idempotency_key: str) -> PushedOrder:
        """Place ``order`` once per ``idempotency_key``; see the module docstring for the rules."""
        with unavailable_on_db_errors(f"placing order {order.po_number}"):
            for _ in range(3):
                try:
                    return self._push_once(order, customer_id, idempotency_key)
                except IntegrityError:
                    # Another transaction inserted the same key first: answer its order.
                    with read_session(self.engine) as s:
                        winner = _order_by_key(s, idempotency_key)
                    if winner is not None:
                        return _pushed(winner, created=False)
            raise ErpUnavailable(f"could not place order {order.po_number}: repeated conflicts")

    def _push_once(self, order: Order, customer_id: str, idempotency_key: str) -> PushedOrder:
        with write_session(self.engine) as s:
            existing = _order_by_key(s, idempotency_key)
            if existing is not None:
                return _pushed(existing, created=False)
            if s.get(ErpCustomer, customer_id) is None:
                raise ErpRejected(f"unknown customer {customer_id!r}")
            if not order.lines:
                raise ErpRejected(f"order {order.po_number} has no lines")
            item_ids = {item.value for line in order.lines for item in line.items}
            products = {p.sku: p for p in s.exec(select(ErpProduct).where(col(ErpProduct.sku).in_(item_ids))).all()}
            wanted = {sku for sku in (find_sku(line, products) for line in order.lines) if sku is not None}
            stock = lock_stock(s, wanted)
            order_id = next_number(s, "order", "SO")
            plans = [_plan_line(line, position, order_id, products, stock)
                     for position, line in enumerate(order.lines, start=1)]
            rows = [plan.row for plan in plans]
            response = OrderResponse(
                po_number=order.po_number, po_date=order.order_date, response_number=order_id,
                response_date=self.clock().date(), status=header_status(rows), buyer=order.buyer,
                seller=order.seller, ship_to=order.ship_to,
                currency=order.currency or next((r.currency for r in rows if r.currency), None),
                lines=tuple(response for plan in plans for response in plan.responses),
            )
            all_rejected = response.status == HeaderStatus.REJECTED_WITH_DETAIL
            now = self.clock()
            header = ErpOrderRow(
                id=order_id, customer_id=customer_id, idempotency_key=idempotency_key,
                state=(ErpOrderState.CANCELLED if all_rejected else ErpOrderState.CONFIRMED).value,
                po_number=order.po_number, order_json=order.model_dump_json(),
                response_json=response.model_dump_json(),
                cancel_reason="every line was rejected" if all_rejected else None, created_at=now, updated_at=now,
            )
            s.add(header)
            s.flush()  # the unique idempotency key is checked here, before the lines
            s.add_all(rows)
            s.flush()
            s.add_all([r for plan in plans for r in plan.reservations])
            s.commit()
            return _pushed(header, created=True)

    def get_order(self, erp_order_id: str) -> ErpOrder | None:
        """The order with this ERP id (``SO-000001``), or None."""
        with unavailable_on_db_errors(f"reading order {erp_order_id}"), read_session(self.engine) as s:
            row = s.get(ErpOrderRow, erp_order_id)
            return to_erp_order(row) if row is not None else None

    def find_order(self, idempotency_key: str) -> ErpOrder | None:
        """The order placed with this idempotency key, or None."""
        with unavailable_on_db_errors("finding an order"), read_session(self.engine) as s:
            row = _order_by_key(s, idempotency_key)
            return to_erp_order(row) if row is not None else None

    def cancel_order(self, erp_order_id: str, *, reason: str) -> ErpOrder:
        """Cancel an order that has not shipped, releasing its reservations (idempotent)."""
        with unavailable_on_db_errors(f"cancelling order {erp_order_id}"), write_session(self.engine) as s:
            row = lock_order(s, erp_order_id)
            state = ErpOrderState(row.state)
            if state == ErpOrderState.CANCELLED:
                return to_erp_order(row)
            if state in SHIPPED_STATES:
                raise ErpRejected(f"order {erp_order_id} is {state.value}; it can no longer be cancelled")
            release_reservations(s, erp_order_id)
            row.state = ErpOrderState.CANCELLED.value
            row.cancel_reason = reason
            row.updated_at = self.clock()
            s.add(row)
            s.commit()
            return to_erp_order(row)

    # -- master data ----------------------------------------------------------------------------

    def get_customer(self, customer_id: str) -> Customer | None:
        """The customer account, or None."""
        with unavailable_on_db_errors(f"reading customer {customer_id}"), read_session(self.engine) as s:
            row = s.get(ErpCustomer, customer_id)
            if row is None:
                return None
            return Customer(customer_id=row.id, name=row.name, currency=row.currency, group=row.group)

    def get_prices(self, skus: Sequence[str] | None = None) -> Sequence[ItemPrice]:
        """List prices of active items, by SKU; unknown SKUs are left out."""
        with unavailable_on_db_errors("reading prices"), read_session(self.engine) as s:
            query = select(ErpProduct).where(col(ErpProduct.active)).order_by(col(ErpProduct.sku))
            if skus is not None:
                query = query.where(col(ErpProduct.sku).in_(list(skus)))
            return [ItemPrice(sku=p.sku, description=p.name, unit=p.unit, category=p.category,
                              price=Money(amount=p.list_price, currency=p.currency)) for p in s.exec(query).all()]

    def get_stock(self, skus: Sequence[str] | None = None) -> Sequence[StockLevel]:
        """Stock per SKU and warehouse: on hand, and available (on hand less reserved)."""
        with unavailable_on_db_errors("reading stock"), read_session(self.engine) as s:
            query = (select(ErpStock, ErpProduct).where(ErpStock.sku == ErpProduct.sku)
                     .order_by(col(ErpStock.sku), col(ErpStock.warehouse)))
            if skus is not None:
                query = query.where(col(ErpStock.sku).in_(list(skus)))
            return [StockLevel(sku=stock.sku, warehouse=stock.warehouse, on_hand=stock.on_hand,
                               available=max(stock.on_hand - stock.reserved, ZERO), unit=product.unit)
                    for stock, product in s.exec(query).all()]

    # -- receivables ----------------------------------------------------------------------------

    def get_credit(self, customer_id: str) -> CreditPosition:
        """The credit limit and the open balance (invoiced, not yet paid); ErpRejected if unknown."""
        with unavailable_on_db_errors(f"reading credit of {customer_id}"), read_session(self.engine) as s:
            customer = s.get(ErpCustomer, customer_id)
            if customer is None:
                raise ErpRejected(f"unknown customer {customer_id!r}")
            balance = sum(open_amounts(s, customer_id).values(), ZERO)
            return CreditPosition(customer_id=customer_id,
                                  limit=Money(amount=customer.credit_limit, currency=customer.currency),
                                  balance=Money(amount=balance, currency=customer.currency))

    def list_invoices(self, *, since: dt.datetime | None = None) -> Sequence[Invoice]:
        """Invoices recorded at or after ``since`` (all when None), oldest first."""
        with unavailable_on_db_errors("listing invoices"), read_session(self.engine) as s:
            query = select(ErpInvoiceRow).order_by(col(ErpInvoiceRow.created_at), col(ErpInvoiceRow.number))
            if since is not None:
                query = query.where(col(ErpInvoiceRow.created_at) >= as_utc(since))
            return [Invoice.model_validate_json(row.invoice_json) for row in s.exec(query).all()]

    def list_payments(self, *, since: dt.datetime | None = None) -> Sequence[Payment]:
        """Payments recorded at or after ``since`` (all when None), oldest first."""
        with unavailable_on_db_errors("listing payments"), read_session(self.engine) as s:
            query = select(ErpPaymentRow).order_by(col(ErpPaymentRow.created_at), col(ErpPaymentRow.id))
            if since is not None:
                query = query.where(col(ErpPaymentRow.created_at) >= as_utc(since))
            return [to_payment(row) for row in s.exec(query).all()]


def to_payment(row: ErpPaymentRow) -> Payment:
    """The port's view of a stored payment."""
    return Payment(payment_id=row.id, invoice_number=row.invoice_number, customer_id=row.customer_id,
                   amount=Money(amount=row.amount, currency=row.currency), paid_on=row.paid_on)


def open_amounts(session: Session, customer_id: str) -> dict[str, Decimal]:
    """What is still owed per invoice of the customer (invoices paid in full are left out)."""
    invoices = session.exec(select(ErpInvoiceRow).where(ErpInvoiceRow.customer_id == customer_id)).all()
    paid: dict[str, Decimal] = {}
    for payment in session.exec(select(ErpPaymentRow).where(ErpPaymentRow.customer_id == customer_id)).all():
        paid[payment.invoice_number] = paid.get(payment.invoice_number, ZERO) + payment.amount
    owed = {inv.number: inv.total - paid.get(inv.number, ZERO) for inv in invoices}
    return {number: amount for number, amount in owed.items() if amount > ZERO}


def release_reservations(session: Session, erp_order_id: str, *, shipped: bool = False) -> list[ErpReservation]:
    """End an order's reservations (stock rows locked first); the reservations ended.

    Cancelling gives the stock back (``reserved`` drops); shipping (``shipped=True``) takes it out
    of the warehouse (``on_hand`` drops as well).
    """
    reservations = list(session.exec(select(ErpReservation).where(ErpReservation.order_id == erp_order_id)).all())
    stock = lock_stock(session, {r.sku for r in reservations})
    by_place = {(row.sku, row.warehouse): row for rows in stock.values() for row in rows}
    for reservation in reservations:
        row = by_place[(reservation.sku, reservation.warehouse)]
        row.reserved -= reservation.quantity
        if shipped:
            row.on_hand -= reservation.quantity
        session.add(row)
        session.delete(reservation)
    return reservations


__all__ = [
    "SHIPPED_STATES",
    "BuiltinErp",
    "find_sku",
    "header_status",
    "open_amounts",
    "release_reservations",
    "same_unit",
    "to_erp_order",
    "to_payment",
]
