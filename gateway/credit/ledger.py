"""The credit ledger moved by what happens to an order: placed, invoiced, paid, cancelled, closed.

* placed: the order's credit row learns its ERP order, and the order's lines start being tracked
  (:mod:`gateway.closing.tracking`);
* invoiced: the invoice's net amount (capped at what is still open) is *converted*: it leaves the
  gateway's open orders because the ERP's balance now carries it;
* paid: recorded against the order the invoice belongs to; the ERP's balance drops by itself,
  which is what frees the credit;
* changed by the buyer: the lines take their new quantities and the reservation moves by the
  difference in value (:func:`order_changed`);
* cancelled, or closed with something still open (rejected or cancelled lines): the rest is
  *released*;
* refused before it reached the ERP, or by the ERP (:func:`release_refused`): all of it is
  released and the row is ``refused``.

:func:`on_erp_event` runs inside the transaction that records the ERP event
(:mod:`gateway.pipeline.erp_events`), so each event moves the ledger exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from erp.port import ErpEvent, ErpEventKind, Payment, PushedOrder
from erp.rows import update_rows
from formats.model import Invoice, Money, Order, OrderResponse
from gateway.closing.tables import OrderTrack
from gateway.closing.tracking import (
    CLOSED,
    NewTrack,
    apply_cancellation,
    apply_change,
    apply_invoice,
    apply_shipment,
    insert_tracks,
    new_track,
)
from gateway.credit.control import CreditStatus, LedgerKind
from gateway.credit.tables import CreditEntry, CreditOrder
from gateway.store.tables import utcnow

ZERO = Decimal(0)


def invoice_net(invoice: Invoice) -> Decimal:
    """The invoice's net amount: the sum of its rounded line amounts (tax is the ERP's business)."""
    return sum((Money(amount=line.quantity.value * line.unit_price.amount / (line.price_basis.quantity or 1),
                      currency=invoice.currency).rounded().amount for line in invoice.lines), ZERO)


def _credit_order(s: Session, erp_order_id: str | None) -> CreditOrder | None:
    if erp_order_id is None:
        return None
    return s.exec(select(CreditOrder).where(CreditOrder.erp_order_id == erp_order_id)).first()


def _move(s: Session, row: CreditOrder, kind: LedgerKind, amount: Decimal, *, actor: str, reason: str,
          reference: str | None = None) -> None:
    """Take ``amount`` off what is open (convert, release) and write the ledger entry."""
    if kind in (LedgerKind.CONVERT, LedgerKind.RELEASE):
        row.open_amount -= amount
        if row.open_amount <= ZERO and row.status == CreditStatus.RESERVED.value:
            row.status = CreditStatus.SETTLED.value
        row.updated_at = utcnow()
        s.add(row)
    s.add(CreditEntry(customer_id=row.customer_id, credit_order_id=row.id, kind=kind.value, amount=amount,
                      currency=row.currency, reference=reference, actor=actor, reason=reason))


def release_remaining(s: Session, row: CreditOrder, *, actor: str, reason: str) -> Decimal:
    """Release whatever of the order is still open; the amount released."""
    remaining = row.open_amount if row.status == CreditStatus.RESERVED.value else ZERO
    if remaining > ZERO:
        _move(s, row, LedgerKind.RELEASE, remaining, actor=actor, reason=reason)
    return remaining


def release_refused(s: Session, order_key: str, *, actor: str, reason: str) -> Decimal:
    """An order refused after its credit was decided: release what it reserved and mark it refused.

    The order never reached the ERP (it refused it, or a business rule did), so nothing of it
    will be invoiced: whatever it holds reserved stops counting in the customer's open orders at
    once, with a release in the ledger. The row becomes ``refused``, which is decided afresh if
    the document is replayed (:func:`gateway.credit.control.decide_all`); the amount released.
    """
    row = s.exec(select(CreditOrder).where(CreditOrder.order_key == order_key).with_for_update()).first()
    if row is None or row.erp_order_id is not None:  # never decided, or placed: the ERP events move it
        return ZERO
    released = release_remaining(s, row, actor=actor, reason=f"refused: {reason}")
    if row.status in (CreditStatus.RESERVED.value, CreditStatus.SETTLED.value, CreditStatus.APPROVED.value,
                      CreditStatus.HELD.value):
        row.status = CreditStatus.REFUSED.value
        row.open_amount = ZERO
        row.reason = f"refused: {reason}"
        row.updated_at = utcnow()
        s.add(row)
    return released


@dataclass(frozen=True)
class Placed:
    """An order the ERP took: its key, customer, the order as sent and what the ERP answered."""

    order_key: str
    customer_id: str
    order: Order
    pushed: PushedOrder


def order_placed(s: Session, *, order_key: str, customer_id: str, order: Order, pushed: PushedOrder,
                 actor: str) -> None:
    """The ERP took the order: link its credit row and start tracking its lines (caller's transaction)."""
    orders_placed(s, [Placed(order_key, customer_id, order, pushed)], actor=actor)


def orders_placed(s: Session, placed: Sequence[Placed], *, actor: str) -> None:
    """:func:`order_placed` for a batch: one query each for the credit rows and tracks already there.

    The new tracks and their lines are inserted as rows, a statement for each table
    (:func:`~gateway.closing.tracking.insert_tracks`), and the credit rows are linked to their
    ERP orders by id without being loaded (:func:`erp.rows.update_rows`), so the caller's
    session must not hold them as objects already.
    """
    keys = [p.order_key for p in placed]
    credit = {key: (credit_id, linked) for key, credit_id, linked in s.exec(
        select(CreditOrder.order_key, CreditOrder.id, CreditOrder.erp_order_id)
        .where(col(CreditOrder.order_key).in_(keys)))}
    tracked = {track.erp_order_id: track.status == CLOSED for track in s.exec(select(OrderTrack).where(
        col(OrderTrack.erp_order_id).in_([p.pushed.erp_order_id for p in placed])))}
    new: list[NewTrack] = []
    linking: list[dict[str, Any]] = []
    closed: list[tuple[int, str]] = []
    now = utcnow()
    for p in placed:
        erp_order_id = p.pushed.erp_order_id
        found = credit.get(p.order_key)
        if found is not None and found[1] is None:
            linking.append({"id": found[0], "erp_order_id": erp_order_id, "updated_at": now})
        if erp_order_id not in tracked:
            new.append(new_track(erp_order_id=erp_order_id, order_key=p.order_key, customer_id=p.customer_id,
                                 order=p.order, response=p.pushed.response))
            tracked[erp_order_id] = new[-1].closed
        if tracked[erp_order_id] and found is not None:
            closed.append((found[0], erp_order_id))
    insert_tracks(s, new)
    update_rows(s, CreditOrder, linking)
    for credit_id, erp_order_id in closed:  # rare: read now, after the update above
        row = s.get(CreditOrder, credit_id)
        assert row is not None
        release_remaining(s, row, actor=actor, reason=f"order {erp_order_id}: every line rejected by the ERP")


def changed_value(order: Order, currency: str) -> Decimal:
    """The value of a changed order from its own line prices, less header allowances (no ERP call here)."""
    total = sum((amount.amount for line in order.lines if (amount := line.extended_amount()) is not None
                 and amount.currency == currency), ZERO)
    for allowance in order.allowances:
        if allowance.amount is not None and allowance.amount.currency == currency:
            total += allowance.amount.amount if allowance.is_charge else -allowance.amount.amount
    return max(total, ZERO)


def order_changed(s: Session, *, erp_order_id: str, order: Order, response: OrderResponse, actor: str) -> str:
    """The buyer changed a placed order: track the new quantities and move the reservation by the difference.

    The ERP applied the change already, so this records it rather than deciding it: a larger order
    reserves the difference (not checked against the limit, see the README; every later decision
    for the customer counts it), a smaller one releases it.
    """
    apply_change(s, erp_order_id, order, response)
    row = _credit_order(s, erp_order_id)
    if row is None or row.status != CreditStatus.RESERVED.value:
        return ""
    delta = changed_value(order, row.currency) - row.amount
    if delta == ZERO:
        return ""
    row.amount += delta
    if delta > ZERO:
        row.open_amount += delta
        s.add(row)
        s.add(CreditEntry(customer_id=row.customer_id, credit_order_id=row.id, kind=LedgerKind.RESERVE.value,
                          amount=delta, currency=row.currency, reference=row.po_number, actor=actor,
                          reason=f"order {erp_order_id} changed by the buyer: {delta} more reserved"))
        return f"credit {delta} more reserved"
    released = min(-delta, row.open_amount)
    _move(s, row, LedgerKind.RELEASE, released, actor=actor,
          reason=f"order {erp_order_id} changed by the buyer: {released} released")
    return f"credit {released} released"


def _invoiced(s: Session, event: ErpEvent, invoice: Invoice, actor: str) -> str:
    track, closed = apply_invoice(s, event.erp_order_id or "", invoice)
    row = _credit_order(s, event.erp_order_id)
    notes = []
    if row is not None and not invoice.is_credit_note and row.status == CreditStatus.RESERVED.value:
        converted = min(invoice_net(invoice), row.open_amount)
        if converted > ZERO:
            _move(s, row, LedgerKind.CONVERT, converted, actor=actor, reference=invoice.invoice_number,
                  reason=f"invoice {invoice.invoice_number}: now in the ERP balance")
            notes.append(f"credit {converted} converted")
    if closed and track is not None:
        notes.append("order closed")
        if row is not None and (released := release_remaining(
                s, row, actor=actor, reason=f"order closed: {track.closed_reason}")) > ZERO:
            notes.append(f"credit {released} released")
    return "; ".join(notes)


def _paid(s: Session, payment: Payment, actor: str) -> str:
    convert = s.exec(select(CreditEntry).where(CreditEntry.kind == LedgerKind.CONVERT.value,
                                               CreditEntry.reference == payment.invoice_number)).first()
    s.add(CreditEntry(customer_id=payment.customer_id, credit_order_id=convert.credit_order_id if convert else None,
                      kind=LedgerKind.PAID.value, amount=payment.amount.amount, currency=payment.amount.currency,
                      reference=payment.payment_id, actor=actor,
                      reason=f"invoice {payment.invoice_number} paid {payment.amount.amount}: the ERP balance drops"))
    return f"payment {payment.payment_id} recorded"


def _cancelled(s: Session, event: ErpEvent, actor: str) -> str:
    _track, closed = apply_cancellation(s, event.erp_order_id or "")
    row = _credit_order(s, event.erp_order_id)
    released = ZERO
    if row is not None:
        released = release_remaining(s, row, actor=actor, reason=f"order {event.erp_order_id} cancelled in the ERP")
    notes = ["order closed"] if closed else []
    return "; ".join([*notes, f"credit {released} released"] if released else notes)


def on_erp_event(s: Session, event: ErpEvent, *, actor: str) -> str:
    """Move order progress and the credit ledger for one ERP event (caller's transaction); a note."""
    if event.kind is ErpEventKind.SHIPPED and event.ship_notice is not None and event.erp_order_id:
        apply_shipment(s, event.erp_order_id, event.ship_notice)
        return ""
    if event.kind is ErpEventKind.INVOICED and event.invoice is not None:
        return _invoiced(s, event, event.invoice, actor)
    if event.kind is ErpEventKind.PAID and event.payment is not None:
        return _paid(s, event.payment, actor)
    if event.kind is ErpEventKind.ORDER_CANCELLED and event.erp_order_id:
        return _cancelled(s, event, actor)
    return ""


__all__ = ["Placed", "changed_value", "invoice_net", "on_erp_event", "order_changed", "order_placed", "orders_placed",
           "release_refused", "release_remaining"]
