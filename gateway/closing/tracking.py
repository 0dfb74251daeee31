"""Order closing: line quantities driven by the ERP's events; an order closes when nothing is left open.

A line is *done* when ``invoiced + cancelled >= ordered``: partial shipments and backorders are
normal and simply leave a line open until the rest is shipped and invoiced, or cancelled. An
order closes when every line is done. What closes an order:

* the acknowledgment at placing: quantities the ERP rejected are cancelled at once;
* ``shipped`` adds each shipped item to its line (shipping alone never closes);
* ``invoiced`` adds each invoice line to the line it names (``order_line_number``); a credit
  note takes it back and can reopen the order;
* ``order-cancelled`` cancels whatever is not yet invoiced;
* a buyer's change (X12 860, UBL OrderChange, cXML update) sets the lines' new quantities.

Every function runs inside the caller's transaction (the one that records the ERP event), so a
replayed event stream never counts a shipment or an invoice twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from erp.rows import insert_rows, row
from formats.model import Invoice, LineStatus, Order, OrderResponse, Package, ShipNotice, ShippedItem
from gateway.closing.tables import OrderLineTrack, OrderTrack
from gateway.credit.valuation import line_sku
from gateway.store.tables import utcnow

ZERO = Decimal(0)
OPEN = "open"
CLOSED = "closed"


def line_done(line: OrderLineTrack) -> bool:
    """Whether nothing of the line is left to invoice."""
    return _done(line.ordered, line.invoiced, line.cancelled)


def _done(ordered: Decimal, invoiced: Decimal, cancelled: Decimal) -> bool:
    return invoiced + cancelled >= ordered


def lines_of(s: Session, erp_order_id: str) -> Sequence[OrderLineTrack]:
    """The tracked lines of an order, in line order as placed."""
    return s.exec(select(OrderLineTrack).where(OrderLineTrack.erp_order_id == erp_order_id)
                  .order_by(col(OrderLineTrack.id))).all()


@dataclass(frozen=True)
class NewTrack:
    """The rows that start tracking a placed order: the order's and its lines'."""

    order: dict[str, Any]
    lines: list[dict[str, Any]]

    @property
    def closed(self) -> bool:
        """Whether nothing is left open from the start (the ERP rejected every line)."""
        return bool(self.order["status"] == CLOSED)


def new_track(*, erp_order_id: str, order_key: str, customer_id: str, order: Order,
              response: OrderResponse) -> NewTrack:
    """The rows that track a newly placed order: each line ordered, what the ERP rejected of it cancelled.

    The lines are all here, so whether the order is closed at once is decided from them rather
    than by writing them and reading them back.
    """
    rejected: dict[str, Decimal] = {}
    for answer in response.lines:
        if answer.status is LineStatus.REJECTED:
            rejected[answer.line_number] = rejected.get(answer.line_number, ZERO) + answer.quantity.value
    lines: dict[str, dict[str, Any]] = {}
    for line in order.lines:
        values = lines.get(line.line_number)
        if values is None:
            values = lines[line.line_number] = row(OrderLineTrack, erp_order_id=erp_order_id,
                                                   line_number=line.line_number, sku=line_sku(line),
                                                   unit=line.quantity.unit)
        values["ordered"] += line.quantity.value
    for number, values in lines.items():
        values["cancelled"] = min(rejected.get(number, ZERO), values["ordered"])
    done = all(_done(v["ordered"], v["invoiced"], v["cancelled"]) for v in lines.values())
    now = utcnow()
    track = row(OrderTrack, erp_order_id=erp_order_id, order_key=order_key, customer_id=customer_id,
                po_number=order.po_number, status=CLOSED if done else OPEN, closed_at=now if done else None,
                closed_reason="every line rejected by the ERP" if done else None, updated_at=now)
    return NewTrack(track, list(lines.values()))


def insert_tracks(s: Session, tracks: Sequence[NewTrack]) -> None:
    """Insert the rows of orders newly tracked (a batch's), a statement for the orders and one for their lines."""
    insert_rows(s, OrderTrack, [track.order for track in tracks])
    insert_rows(s, OrderLineTrack, [line for track in tracks for line in track.lines])


def _items(packages: Iterable[Package]) -> Iterable[ShippedItem]:
    for package in packages:
        yield from package.items
        yield from _items(package.children)


def _close_if_done(s: Session, track: OrderTrack, why: str) -> bool:
    """Close (or reopen) ``track`` by its lines; whether it was closed just now."""
    done = all(line_done(line) for line in lines_of(s, track.erp_order_id))
    was_open = track.status == OPEN
    track.status = CLOSED if done else OPEN
    track.closed_at = utcnow() if done and was_open else (track.closed_at if done else None)
    track.closed_reason = why if done and was_open else (track.closed_reason if done else None)
    track.updated_at = utcnow()
    s.add(track)
    return done and was_open


def _by_line(s: Session, erp_order_id: str) -> dict[str, OrderLineTrack]:
    return {line.line_number: line for line in lines_of(s, erp_order_id)}


def apply_shipment(s: Session, erp_order_id: str, notice: ShipNotice) -> OrderTrack | None:
    """Add what a ship notice shipped to its lines; the track (None for an order not placed here)."""
    track = s.get(OrderTrack, erp_order_id)
    if track is None:
        return None
    lines = _by_line(s, erp_order_id)
    for item in (*_items(notice.packages), *notice.items):
        if (line := lines.get(item.line_number)) is not None:
            line.shipped += item.quantity.value
            s.add(line)
    track.updated_at = utcnow()
    s.add(track)
    return track


def apply_invoice(s: Session, erp_order_id: str, invoice: Invoice) -> tuple[OrderTrack | None, bool]:
    """Add an invoice's lines (a credit note takes them back); the track and whether it closed now."""
    track = s.get(OrderTrack, erp_order_id)
    if track is None:
        return None, False
    sign = -1 if invoice.is_credit_note else 1
    lines = _by_line(s, erp_order_id)
    for invoiced in invoice.lines:
        if (line := lines.get(invoiced.order_line_number or invoiced.line_number)) is not None:
            line.invoiced += sign * invoiced.quantity.value
            s.add(line)
    s.flush()
    return track, _close_if_done(s, track, f"fully invoiced (last: {invoice.invoice_number})")


def apply_change(s: Session, erp_order_id: str, order: Order,
                 response: OrderResponse) -> tuple[OrderTrack | None, bool]:
    """The buyer changed the order: lines take their new quantities, dropped lines are cancelled.

    Quantities already invoiced stay; what the ERP rejected of the changed lines is cancelled.
    The track and whether it closed now.
    """
    track = s.get(OrderTrack, erp_order_id)
    if track is None:
        return None, False
    lines = _by_line(s, erp_order_id)
    ordered: dict[str, Decimal] = {}
    for line in order.lines:
        ordered[line.line_number] = ordered.get(line.line_number, ZERO) + line.quantity.value
        if line.line_number not in lines:
            lines[line.line_number] = OrderLineTrack(erp_order_id=erp_order_id, line_number=line.line_number,
                                                     sku=line_sku(line), unit=line.quantity.unit)
    rejected: dict[str, Decimal] = {}
    for answer in response.lines:
        if answer.status is LineStatus.REJECTED:
            rejected[answer.line_number] = rejected.get(answer.line_number, ZERO) + answer.quantity.value
    for number, tracked in lines.items():
        tracked.ordered = ordered.get(number, tracked.invoiced)  # a dropped line keeps only what was invoiced
        tracked.cancelled = min(rejected.get(number, ZERO), max(tracked.ordered - tracked.invoiced, ZERO))
        s.add(tracked)
    s.flush()
    return track, _close_if_done(s, track, "changed by the buyer: nothing left open")


def apply_cancellation(s: Session, erp_order_id: str) -> tuple[OrderTrack | None, bool]:
    """Cancel everything not yet invoiced; the track and whether it closed now."""
    track = s.get(OrderTrack, erp_order_id)
    if track is None:
        return None, False
    for line in lines_of(s, erp_order_id):
        line.cancelled = max(line.ordered - line.invoiced, ZERO)
        s.add(line)
    s.flush()
    return track, _close_if_done(s, track, "cancelled in the ERP")


__all__ = [
    "CLOSED",
    "OPEN",
    "NewTrack",
    "apply_cancellation",
    "apply_change",
    "apply_invoice",
    "apply_shipment",
    "insert_tracks",
    "line_done",
    "lines_of",
    "new_track",
]
