"""The Tryton adapter's event stream, polled: shipments done, invoices posted, payments, sales cancelled.

Tryton has no event table the gateway could read, so :func:`read_events` builds the stream from four
queries, each incremental on a timestamp, merged and ordered by event id (``erp.tryton.mapping.event_id``:
UTC timestamp, kind rank, record id). The timestamps are chosen so an event's id never changes:

* SHIPPED: a customer shipment in state ``done``, at its ``write_date`` (a done shipment is not
  written again in normal use);
* INVOICED: a customer invoice, at the ``create_date`` of its accounting move (made when posting,
  never rewritten - the invoice's own write_date moves again when it is paid);
* PAID: a move line paying an invoice (``invoice_payment``), at its ``create_date``;
* ORDER_CANCELLED: a sale in state ``cancelled``, or a processed sale whose every move was cancelled,
  at its ``write_date``.

Each source reads its headers in one query and sorts them by event id; the documents (moves, invoice
lines) are read only for the events :func:`read_events` hands out, merged lazily, so a first poll over
years of history builds ``limit`` events, not all of them.

Only moments older than ``settled`` are read: Tryton stamps a record when its transaction writes,
not when it commits, so a transaction still open could commit a moment the cursor has passed. A few
seconds' lag (``B2BGW_TRYTON_SETTLE_SECONDS``) closes that gap.

Workers call :func:`read_events` on every idle loop (``B2BGW_POLL_SECONDS``): five small queries.
Push instead of poll: the gateway's ``POST /api/erp/webhook`` (bearer ``B2BGW_ERP_WEBHOOK_TOKEN``) pulls
prices and stock at once; a Tryton trigger (``ir.trigger`` on ``product.price_list.line`` or
``stock.move``) whose action POSTs there replaces waiting for ``B2BGW_PRICE_SYNC_MINUTES``. Events
need no trigger (the next worker loop reads them), and a lost webhook call loses nothing: the poll
and the schedule stay the source of truth.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from erp.port import ErpEvent, ErpEventKind, ErpOrderState, Payment
from erp.tryton.mapping import cursor_time, event_id, load_payload, order_state, quantity, rec20
from formats.model import (
    Invoice,
    InvoiceLine,
    ItemId,
    ItemIdKind,
    Money,
    Party,
    PartyId,
    PartyIdKind,
    PartyRole,
    Quantity,
    ShipNotice,
    ShippedItem,
)

if TYPE_CHECKING:
    from erp.tryton.adapter import TrytonErp

ZERO = Decimal(0)


def _rel(record: dict[str, Any], name: str) -> Any:
    head, _, tail = name.partition(".")
    value = record.get(f"{head}.")
    return value.get(tail) if isinstance(value, dict) else None


def _since(stamp: str, moment: dt.datetime | None) -> list[object]:
    return [(stamp, ">=", moment)] if moment is not None else []


def _changed_since(moment: dt.datetime | None) -> list[object]:
    if moment is None:
        return []
    return [["OR", ("write_date", ">=", moment), ("create_date", ">=", moment)]]


class _Sales:
    """Sale lines and sales read once per poll: line id -> (sale, buyer line number)."""

    def __init__(self, erp: TrytonErp) -> None:
        self.erp = erp
        self.lines: dict[int, tuple[int, str]] = {}
        self.sales: dict[int, dict[str, Any]] = {}

    def load(self, origins: list[str]) -> None:
        ids = sorted({int(o.split(",")[1]) for o in origins if o and o.startswith("sale.line,")} - set(self.lines))
        if not ids:
            return
        rows = self.erp.rpc.search_read("sale.line", [("id", "in", ids)], ["sale", "sequence"])
        sale_ids = sorted({row["sale"] for row in rows} - set(self.sales))
        if sale_ids:
            for sale in self.erp.rpc.search_read("sale.sale", [("id", "in", sale_ids)],
                                                 ["number", "reference", "comment", "party.code", "party.name"]):
                self.sales[sale["id"]] = sale
        for row in rows:
            payload = load_payload(self.sales[row["sale"]].get("comment"))
            numbers = payload[2] if payload else []
            sequence = row.get("sequence") or 0
            number = numbers[sequence - 1] if 0 < sequence <= len(numbers) else str(sequence or row["id"])
            self.lines[row["id"]] = (row["sale"], number)

    def of(self, origin: str | None) -> tuple[dict[str, Any] | None, str | None]:
        if not origin or not origin.startswith("sale.line,"):
            return None, None
        sale_id, number = self.lines.get(int(origin.split(",")[1]), (None, None))
        return (self.sales.get(sale_id) if sale_id is not None else None), number


def _buyer(sale: dict[str, Any] | None, party_code: str | None, party_name: str | None) -> Party:
    payload = load_payload(sale.get("comment")) if sale else None
    if payload is not None and payload[0].buyer is not None:
        return payload[0].buyer
    ids = (PartyId(kind=PartyIdKind.SELLER_ASSIGNED, value=party_code),) if party_code else ()
    return Party(role=PartyRole.BUYER, name=party_name, ids=ids)


def shipments_done(erp: TrytonErp, since: dt.datetime | None,
                   settled: dt.datetime | None) -> Iterator[tuple[str, ErpEvent, ShipNotice]]:
    """Done customer shipments changed at or after ``since``, each as (event id, event, ship notice)."""
    domain: list[object] = [("state", "=", "done"), *_changed_since(since)]
    rows = erp.rpc.search_read("stock.shipment.out", domain,
                               ["number", "effective_date", "write_date", "create_date", "outgoing_moves",
                                "customer.code", "customer.name"], order=[("write_date", "ASC"), ("id", "ASC")])
    rows.sort(key=lambda r: (r.get("write_date") or r["create_date"], r["id"]))
    sales = _Sales(erp)
    for row in rows:
        at = row.get("write_date") or row["create_date"]
        if settled is not None and at > settled:
            continue
        moves = erp.rpc.search_read("stock.move", [("id", "in", row["outgoing_moves"] or [])],
                                    ["origin", "product.code", "quantity", "unit.symbol", "state"],
                                    order=[("id", "ASC")])
        sales.load([m.get("origin") or "" for m in moves])
        items: list[ShippedItem] = []
        sale: dict[str, Any] | None = None
        for move in moves:
            if move["state"] != "done":
                continue
            move_sale, number = sales.of(move.get("origin"))
            sale = sale or move_sale
            code = _rel(move, "product.code")
            items.append(ShippedItem(line_number=number or str(move["id"]),
                                     items=(ItemId(kind=ItemIdKind.SELLER, value=code),) if code else (),
                                     quantity=Quantity(value=quantity(move["quantity"]),
                                                       unit=rec20(_rel(move, "unit.symbol")))))
        payload = load_payload(sale.get("comment")) if sale else None
        order = payload[0] if payload else None
        notice = ShipNotice(shipment_id=row["number"] or f"#{row['id']}",
                            po_number=(sale or {}).get("reference") or (order.po_number if order else "") or "-",
                            ship_date=row.get("effective_date") or at.date(), items=tuple(items),
                            ship_to=order.ship_to if order else None, seller=erp.company_party(),
                            buyer=_buyer(sale, _rel(row, "customer.code"), _rel(row, "customer.name")))
        ident = event_id(at, "shipped", row["id"])
        yield ident, ErpEvent(event_id=ident, kind=ErpEventKind.SHIPPED,
                              erp_order_id=(sale or {}).get("number"), customer_id=_rel(row, "customer.code") or "",
                              at=at.replace(tzinfo=dt.UTC), ship_notice=notice), notice


def posted_invoices(erp: TrytonErp, since: dt.datetime | None,
                    settled: dt.datetime | None) -> Iterator[tuple[str, ErpEvent, Invoice]]:
    """Posted (or paid) customer invoices whose move was made at or after ``since``."""
    domain: list[object] = [("type", "=", "out"), ("state", "in", ["posted", "paid"]),
                            *_since("move.create_date", since)]
    rows = erp.rpc.search_read("account.invoice", domain,
                               ["number", "invoice_date", "currency.code", "party.code", "party.name", "lines",
                                "move.create_date", "total_amount"], order=[("id", "ASC")])
    rows.sort(key=lambda r: (_rel(r, "move.create_date"), r["id"]))
    sales = _Sales(erp)
    seller = erp.company_party()
    for row in rows:
        at: dt.datetime = _rel(row, "move.create_date")
        if settled is not None and at > settled:
            continue
        lines = erp.rpc.search_read("account.invoice.line", [("id", "in", row["lines"] or []), ("type", "=", "line")],
                                    ["origin", "product.code", "quantity", "unit.symbol", "unit_price",
                                     "description"], order=[("sequence", "ASC"), ("id", "ASC")])
        sales.load([line.get("origin") or "" for line in lines])
        currency = _rel(row, "currency.code") or erp.currency
        sale: dict[str, Any] | None = None
        invoice_lines: list[InvoiceLine] = []
        for n, line in enumerate(lines, start=1):
            line_sale, number = sales.of(line.get("origin"))
            sale = sale or line_sale
            code = _rel(line, "product.code")
            invoice_lines.append(InvoiceLine(
                line_number=str(n), order_line_number=number, description=line.get("description"),
                items=(ItemId(kind=ItemIdKind.SELLER, value=code),) if code else (),
                quantity=Quantity(value=quantity(line["quantity"]), unit=rec20(_rel(line, "unit.symbol"))),
                unit_price=Money(amount=line["unit_price"] or ZERO, currency=currency)))
        invoice = Invoice(invoice_number=row["number"], invoice_date=row["invoice_date"] or at.date(),
                          po_number=(sale or {}).get("reference"), currency=currency, seller=seller,
                          buyer=_buyer(sale, _rel(row, "party.code"), _rel(row, "party.name")),
                          lines=tuple(invoice_lines))
        ident = event_id(at, "invoiced", row["id"])
        yield ident, ErpEvent(event_id=ident, kind=ErpEventKind.INVOICED, erp_order_id=(sale or {}).get("number"),
                              customer_id=_rel(row, "party.code") or "", at=at.replace(tzinfo=dt.UTC),
                              invoice=invoice), invoice


def invoice_payments(erp: TrytonErp, since: dt.datetime | None,
                     settled: dt.datetime | None) -> Iterator[tuple[str, ErpEvent, Payment]]:
    """Move lines paying customer invoices, booked at or after ``since``."""
    domain: list[object] = [("invoice_payment", "!=", None), *_since("create_date", since)]
    rows = erp.rpc.search_read("account.move.line", domain,
                               ["invoice_payment", "debit", "credit", "date", "create_date", "party.code"],
                               order=[("create_date", "ASC"), ("id", "ASC")])
    invoice_ids = sorted({row["invoice_payment"] for row in rows})
    invoices = {row["id"]: row for row in erp.rpc.search_read(
        "account.invoice", [("id", "in", invoice_ids), ("type", "=", "out")],
        ["number", "currency.code", "party.code", "lines"])} if invoice_ids else {}
    for row in rows:
        invoice = invoices.get(row["invoice_payment"])
        at: dt.datetime = row["create_date"]
        if invoice is None or (settled is not None and at > settled):
            continue
        customer = _rel(invoice, "party.code") or ""
        payment = Payment(payment_id=f"ML-{row['id']}", invoice_number=invoice["number"], customer_id=customer,
                          amount=Money(amount=(row["credit"] or ZERO) - (row["debit"] or ZERO),
                                       currency=_rel(invoice, "currency.code") or erp.currency),
                          paid_on=row["date"])
        ident = event_id(at, "paid", row["id"])
        yield ident, ErpEvent(event_id=ident, kind=ErpEventKind.PAID, erp_order_id=None, customer_id=customer,
                              at=at.replace(tzinfo=dt.UTC), payment=payment), payment


def cancelled_sales(erp: TrytonErp, since: dt.datetime | None,
                    settled: dt.datetime | None) -> Iterator[tuple[str, ErpEvent, None]]:
    """Sales cancelled, and processed sales whose every move was cancelled, written at or after ``since``.

    The second kind is how the adapter cancels a sale Tryton is already processing (its shipments are cancelled).
    """
    stopped = [("state", "in", ["processing", "done"]), ("shipment_state", "=", "exception")]
    domain: list[object] = [["OR", ("state", "=", "cancelled"), stopped], *_changed_since(since)]
    rows = erp.rpc.search_read("sale.sale", domain, ["number", "state", "write_date", "create_date", "party.code",
                                                     "moves.state"])
    for row in sorted(rows, key=lambda r: (r.get("write_date") or r["create_date"], r["id"])):
        at: dt.datetime = row.get("write_date") or row["create_date"]
        if settled is not None and at > settled:
            continue
        if row["state"] != "cancelled" and order_state(row, [m.get("state") for m in row.get("moves.") or []]) \
                != ErpOrderState.CANCELLED:
            continue  # an exception of another kind (a shipment lost, say): not a cancellation
        ident = event_id(at, "cancelled", row["id"])
        yield ident, ErpEvent(event_id=ident, kind=ErpEventKind.ORDER_CANCELLED,
                              erp_order_id=row.get("number") or f"#{row['id']}",
                              customer_id=_rel(row, "party.code") or "", at=at.replace(tzinfo=dt.UTC)), None


def read_events(erp: TrytonErp, cursor: str | None, *, limit: int, settled: dt.datetime) -> list[ErpEvent]:
    """Events with id > ``cursor``, oldest first, at most ``limit``, none after ``settled``."""
    since = cursor_time(cursor)
    streams = [source(erp, since, settled)
               for source in (cancelled_sales, shipments_done, posted_invoices, invoice_payments)]
    merged = (event for ident, event, _ in heapq.merge(*streams, key=lambda item: item[0])
              if cursor is None or ident > cursor)
    return list(itertools.islice(merged, limit))


__all__ = ["cancelled_sales", "invoice_payments", "posted_invoices", "read_events", "shipments_done"]
