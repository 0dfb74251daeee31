"""The built-in reference ERP: :class:`BuiltinErp` implements :class:`erp.port.ErpPort` on SQL tables.

It behaves like a small real ERP so that the gateway's flows (and its tests) meet real decisions:

* an order is placed at most once per idempotency key: ``erp_order.idempotency_key`` is unique,
  the whole push is one transaction, and a push that loses the race to insert the key rolls back
  and answers the order that won (``created=False``);
* each line is matched to a SKU by the seller's item id (cXML SupplierPartID, X12 VP/VN), else by
  any of its item ids that is a SKU; unknown items and units the item is not sold in are
  rejected with the reason; a line in one of the item's pack units (``erp_product_unit``) stays
  in that unit and reserves the base quantity it stands for (see :mod:`erp.builtin.planning`);
  stock on hand less reserved, over every warehouse, is reserved for the accepted quantity
  (warehouses in name order, stock rows locked ``FOR UPDATE``), and what stock cannot cover
  is backordered - a line split in two responses with the same line number;
* header status: accepted when every line is accepted in full, rejected-with-detail when every
  line is rejected, accepted-with-changes otherwise;
* a buyer's change replaces the order's lines until anything of it ships: the old reservations
  are released and every line of the changed order is planned again by the same rules, in one
  transaction under the order's lock (so a shipment and a change never interleave);
* cancelling, changing, shipping, invoicing and payments each write an event in the same
  transaction (:mod:`erp.builtin.events`), which :meth:`BuiltinErp.events_after` reads back.

The line rules themselves are in :mod:`erp.builtin.planning`, locking and transient-error handling
in :mod:`erp.builtin.store`; admin operations (catalog,
stock, shipping, invoicing, payments) that the port does not offer are in :mod:`erp.builtin.catalog`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from erp.builtin.events import read_events, record_event
from erp.builtin.planning import (
    LinePlan,
    acknowledge,
    find_sku,
    header_status,
    pack_sizes,
    plan_lines,
    products_of,
    skus_of,
    write_plans,
)
from erp.builtin.pricelists import read_customer_groups, read_price_lists
from erp.builtin.profile import load_seller
from erp.builtin.store import (
    Clock,
    as_utc,
    lock_order,
    lock_stock,
    next_numbers,
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
    AlternativeUnit,
    CreditPosition,
    Customer,
    CustomerGroup,
    ErpError,
    ErpEvent,
    ErpEventKind,
    ErpOrder,
    ErpOrderState,
    ErpPriceList,
    ErpRejected,
    ErpUnavailable,
    ItemPrice,
    OrderToPush,
    Payment,
    PushAnswer,
    PushedOrder,
    StockLevel,
    push_one_by_one,
)
from erp.rows import insert_rows, row
from formats.model import (
    HeaderStatus,
    Invoice,
    Money,
    Order,
    OrderResponse,
    Party,
)

ZERO = Decimal(0)

SHIPPED_STATES = frozenset({ErpOrderState.PARTIALLY_SHIPPED, ErpOrderState.SHIPPED, ErpOrderState.INVOICED})


def _lines_of(session: Session, erp_order_id: str) -> list[ErpOrderLineRow]:
    return list(session.exec(select(ErpOrderLineRow).where(ErpOrderLineRow.order_id == erp_order_id)
                             .order_by(col(ErpOrderLineRow.position))).all())


def _refuse_change(row: ErpOrderRow, lines: Sequence[ErpOrderLineRow]) -> None:
    """ErpRejected, naming the state, when the order can no longer change."""
    state = ErpOrderState(row.state)
    if state == ErpOrderState.CANCELLED or state in SHIPPED_STATES:
        raise ErpRejected(f"order {row.id} is {state.value}; it can no longer be changed")
    if any(line.shipped_qty > ZERO for line in lines):
        raise ErpRejected(f"order {row.id} has shipped in part; it can no longer be changed")


def _reserved_skus(session: Session, erp_order_id: str) -> set[str]:
    return set(session.exec(select(ErpReservation.sku).where(ErpReservation.order_id == erp_order_id)).all())


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
                    [answer] = self._push_batch([OrderToPush(order=order, customer_id=customer_id,
                                                             idempotency_key=idempotency_key)])
                except IntegrityError:
                    # Another transaction inserted the same key first: answer its order.
                    with read_session(self.engine) as s:
                        winner = _order_by_key(s, idempotency_key)
                    if winner is not None:
                        return _pushed(winner, created=False)
                    continue
                if isinstance(answer, ErpError):
                    raise answer
                return answer
            raise ErpUnavailable(f"could not place order {order.po_number}: repeated conflicts")

    def push_orders(self, orders: Sequence[OrderToPush]) -> list[PushAnswer]:
        """Place several orders in one transaction; each one's answer, as :meth:`push_order` would give it.

        The orders are planned one after the other against the same locked stock, so each gets
        what pushing them one by one in this order gives, and each table gets one statement for the
        batch. Should another transaction insert one of the keys first, the batch rolls back and
        each order is pushed alone, which answers the order that won.
        """
        if len(orders) <= 1:
            return push_one_by_one(self, orders)
        try:
            with unavailable_on_db_errors(f"placing {len(orders)} orders"):
                return self._push_batch(orders)
        except IntegrityError:
            return push_one_by_one(self, orders)

    def _push_batch(self, orders: Sequence[OrderToPush]) -> list[PushAnswer]:
        """Each order found by its key, refused or placed, in one transaction; IntegrityError when a key was raced."""
        with write_session(self.engine) as s:
            existing = {row.idempotency_key: row for row in s.exec(select(ErpOrderRow).where(
                col(ErpOrderRow.idempotency_key).in_([one.idempotency_key for one in orders])))}
            customers = set(s.exec(select(ErpCustomer.id).where(
                col(ErpCustomer.id).in_({one.customer_id for one in orders}))))
            answers: dict[int, PushAnswer] = {}
            first_of_key: dict[str, int] = {}
            for index, one in enumerate(orders):
                if (row := existing.get(one.idempotency_key)) is not None:
                    answers[index] = _pushed(row, created=False)
                elif one.idempotency_key in first_of_key:
                    continue  # the same key twice: answered below by the order the first one makes
                elif one.customer_id not in customers:
                    answers[index] = ErpRejected(f"unknown customer {one.customer_id!r}")
                elif not one.order.lines:
                    answers[index] = ErpRejected(f"order {one.order.po_number} has no lines")
                else:
                    first_of_key[one.idempotency_key] = index
            placing = list(first_of_key.values())
            if placing:
                placed = self._place(s, [orders[index] for index in placing])
                s.commit()
                answers.update(zip(placing, placed, strict=True))
        for index, one in enumerate(orders):
            if index not in answers:
                first = answers[first_of_key[one.idempotency_key]]
                found = isinstance(first, PushedOrder)
                answers[index] = first.model_copy(update={"created": False}) if found else first
        return [answers[index] for index in range(len(orders))]

    def _place(self, s: Session, orders: Sequence[OrderToPush]) -> list[PushedOrder]:
        """Plan and insert new orders (known customers, lines, keys not taken) in the caller's transaction.

        Each table's rows are inserted as values with one statement (:mod:`erp.rows`); a key
        another transaction took first raises IntegrityError at the headers, before the lines.
        """
        products = products_of(s, *(one.order for one in orders))
        stock = lock_stock(s, set().union(*(skus_of(one.order, products) for one in orders)))
        packs = pack_sizes(s, set(products))
        seller = load_seller(s)
        now = self.clock()
        headers, plans, placed = [], [], []
        for one, order_id in zip(orders, next_numbers(s, "order", "SO", len(orders)), strict=True):
            planned = plan_lines(one.order, order_id, products, stock, packs)
            response = acknowledge(one.order, order_id, planned, now.date(), seller)
            all_rejected = response.status == HeaderStatus.REJECTED_WITH_DETAIL
            state = ErpOrderState.CANCELLED if all_rejected else ErpOrderState.CONFIRMED
            headers.append(row(
                ErpOrderRow, id=order_id, customer_id=one.customer_id, idempotency_key=one.idempotency_key,
                state=state.value, po_number=one.order.po_number, order_json=one.order.model_dump_json(),
                response_json=response.model_dump_json(),
                cancel_reason="every line was rejected" if all_rejected else None, created_at=now, updated_at=now,
            ))
            plans.extend(planned)
            placed.append(PushedOrder(erp_order_id=order_id, created=True, state=state, response=response))
        insert_rows(s, ErpOrderRow, headers)  # the unique idempotency keys are checked here, before the lines
        write_plans(s, plans)
        return placed

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
            record_event(s, ErpEventKind.ORDER_CANCELLED, order_id=row.id, customer_id=row.customer_id,
                         at=row.updated_at, reason=reason)
            s.commit()
            return to_erp_order(row)

    def change_order(self, erp_order_id: str, order: Order, *, reason: str) -> PushedOrder:
        """Replace the order's lines by ``order`` (the order as it should be after the buyer's change).

        The old reservations are released and every line planned again as :meth:`push_order` does;
        an order whose every line is now rejected is cancelled. ErpRejected once anything has
        shipped or when the order is cancelled. The same changed order twice answers the stored
        acknowledgment and changes nothing.
        """
        with unavailable_on_db_errors(f"changing order {erp_order_id}"), write_session(self.engine) as s:
            row = lock_order(s, erp_order_id)
            if to_erp_order(row).order == order:
                return _pushed(row, created=False)  # this change was applied already
            lines = _lines_of(s, erp_order_id)
            _refuse_change(row, lines)
            if not order.lines:
                raise ErpRejected(f"changed order {order.po_number} has no lines; cancel the order instead")
            products = products_of(s, order)
            plans = self._replan(s, row, lines, order, products)
            response = acknowledge(order, erp_order_id, plans, self.clock().date(), load_seller(s))
            all_rejected = response.status == HeaderStatus.REJECTED_WITH_DETAIL
            if all_rejected:
                row.state = ErpOrderState.CANCELLED.value
                row.cancel_reason = "every line was rejected"
            row.po_number = order.po_number
            row.order_json = order.model_dump_json()
            row.response_json = response.model_dump_json()
            row.updated_at = self.clock()
            s.add(row)
            record_event(s, ErpEventKind.ORDER_CHANGED, order_id=row.id, customer_id=row.customer_id,
                         at=row.updated_at, reason=reason)
            s.commit()
            return _pushed(row, created=False)

    @staticmethod
    def _replan(s: Session, row: ErpOrderRow, lines: Collection[ErpOrderLineRow], order: Order,
                products: dict[str, ErpProduct]) -> list[LinePlan]:
        """Swap the order's lines and reservations for a fresh plan of ``order``.

        The stock of the old and the new SKUs is locked in one sorted pass (as every writer
        locks stock), so a change never deadlocks against a push or another change.
        """
        stock = lock_stock(s, _reserved_skus(s, row.id) | skus_of(order, products))
        release_reservations(s, row.id)
        for line in lines:
            s.delete(line)
        s.flush()  # old lines and reservations gone before new rows take their keys
        plans = plan_lines(order, row.id, products, stock, pack_sizes(s, set(products)))
        write_plans(s, plans)
        return plans

    def events_after(self, cursor: str | None, *, limit: int = 100) -> Sequence[ErpEvent]:
        """Events after ``cursor`` (all when None), oldest first, at most ``limit``.

        Ids become visible strictly in order (see :mod:`erp.builtin.events`), so a cursor at the
        last event read never skips one committed later.
        """
        with unavailable_on_db_errors("reading ERP events"), read_session(self.engine) as s:
            return read_events(s, cursor, limit)

    # -- master data ----------------------------------------------------------------------------

    def company_party(self) -> Party | None:
        """The company as the seller of a document (:mod:`erp.builtin.profile`); None without a company profile.

        What the gateway names us with on the documents it builds itself (catalogue and inventory feeds).
        """
        with unavailable_on_db_errors("reading the company profile"), read_session(self.engine) as s:
            return load_seller(s)

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
            products = s.exec(query).all()
            packs = pack_sizes(s, [p.sku for p in products] if skus is not None else None)
            return [ItemPrice(sku=p.sku, description=p.name, unit=p.unit, category=p.category, unspsc=p.unspsc,
                              price=Money(amount=p.list_price, currency=p.currency),
                              alternative_units=tuple(AlternativeUnit(unit=unit, factor=factor)
                                                      for unit, factor in sorted(packs.get(p.sku, {}).items())))
                    for p in products]

    def get_stock(self, skus: Sequence[str] | None = None, *,
                  since: dt.datetime | None = None) -> Sequence[StockLevel]:
        """Stock per SKU and warehouse: on hand, and available (on hand less reserved); ``since`` filters changes."""
        with unavailable_on_db_errors("reading stock"), read_session(self.engine) as s:
            query = (select(ErpStock, ErpProduct).where(ErpStock.sku == ErpProduct.sku)
                     .order_by(col(ErpStock.sku), col(ErpStock.warehouse)))
            if skus is not None:
                query = query.where(col(ErpStock.sku).in_(list(skus)))
            if since is not None:
                query = query.where(col(ErpStock.updated_at) >= as_utc(since))
            return [StockLevel(sku=stock.sku, warehouse=stock.warehouse, on_hand=stock.on_hand,
                               available=max(stock.on_hand - stock.reserved, ZERO), unit=product.unit)
                    for stock, product in s.exec(query).all()]

    def get_price_lists(self, *, since: dt.datetime | None = None) -> Sequence[ErpPriceList]:
        """Price lists changed at or after ``since`` (all when None), whole, withdrawn ones included."""
        with unavailable_on_db_errors("reading price lists"), read_session(self.engine) as s:
            return read_price_lists(s, as_utc(since) if since is not None else None)

    def list_customers(self) -> Sequence[Customer]:
        """Every customer account, by id."""
        with unavailable_on_db_errors("listing customers"), read_session(self.engine) as s:
            return [Customer(customer_id=row.id, name=row.name, currency=row.currency, group=row.group)
                    for row in s.exec(select(ErpCustomer).order_by(col(ErpCustomer.id))).all()]

    def get_customer_groups(self) -> Sequence[CustomerGroup]:
        """The customer groups named on accounts, with their members."""
        with unavailable_on_db_errors("reading customer groups"), read_session(self.engine) as s:
            return read_customer_groups(s)

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
    "to_erp_order",
    "to_payment",
]
