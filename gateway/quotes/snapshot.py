"""The price snapshot of a quote's order: each line frozen at its quoted net price, naming the quote.

An order from the X12 / UBL / cXML pipeline freezes the price our lists gave each line
(:func:`gateway.pricing.snapshot.freeze_prices`). An accepted quote's order was not priced by a
list on the day it was placed: it was priced by the quote the customer accepted. So its snapshot
rows (the same ``gw_price_snapshot`` table, read by the same queries) say so: ``line_scope``
``quote``, ``line_key`` ``Q-000007/2:1`` (number/revision:line), no ``list_id``, the quoted net
unit price and the quoted line amount, and in ``quote`` the why - the quote, its line, the list
price the rep started from and the discount taken. A price list changed tomorrow reaches neither
these rows nor the ERP order (it carries the same net prices), hence nor its invoice.

Freezing is once per document, like the pipeline's: a replay finds the rows and returns them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from formats.model import Order
from gateway.pricing.snapshot import snapshot_of
from gateway.pricing.tables import PriceSnapshotRow
from gateway.quotes.tables import Quote, QuoteLine
from gateway.quotes.totals import net_unit_price

SCOPE = "quote"
"""The ``line_scope`` of a snapshot row priced by a quote rather than a price list."""


def line_key(quote: Quote, line: QuoteLine) -> str:
    """The quote line a snapshot row was priced by: ``Q-000007/2:1`` (number/revision:line)."""
    return f"{quote.number}/{quote.revision}:{line.line_number}"


def why(quote: Quote, line: QuoteLine) -> dict[str, Any]:
    """The reasons for a quoted line's price, as JSON (Decimals as text), with one sentence for people."""
    unit_price = net_unit_price(line.amount, line.quantity)
    explain = (f"{unit_price} {quote.currency} per {line.unit} for {line.sku}: quote {quote.number} revision "
               f"{quote.revision} line {line.line_number} ({line.list_unit_price} list price, {line.discount} off "
               f"{line.list_amount}, {line.amount} for {line.quantity})")
    source = line.price_source or {}
    return {
        "source": SCOPE, "quote": quote.number, "revision": quote.revision, "quote_line": line.line_number,
        "customer": quote.customer_id, "sku": line.sku, "quantity": str(line.quantity), "unit": line.unit,
        "unit_price": str(unit_price), "amount": str(line.amount), "currency": quote.currency,
        "list_unit_price": str(line.list_unit_price), "list_amount": str(line.list_amount),
        "discount": str(line.discount), "quoted_from_list": source.get("list_id"), "explain": explain,
    }


def freeze_quoted_prices(s: Session, *, document_id: int, quote: Quote, lines: Sequence[QuoteLine], order: Order,
                         erp_order_id: str | None, on: dt.date) -> list[PriceSnapshotRow]:
    """Store each line of the quote's ``order`` at its quoted price once; later calls return the stored rows.

    ``order`` is the canonical order the ERP received (:func:`gateway.quotes.orders.order_of`),
    whose line numbers are the quote's; ``on`` is the seller's date of acceptance processing.
    """
    existing = snapshot_of(s, document_id)
    if existing:
        return existing
    by_number = {str(line.line_number): line for line in lines}
    rows = []
    for ordered in order.lines:
        quoted = by_number.get(ordered.line_number)
        row = PriceSnapshotRow(document_id=document_id, erp_order_id=erp_order_id, customer_id=quote.customer_id,
                               po_number=order.po_number, line_number=ordered.line_number,
                               sku=quoted.sku if quoted else None, quantity=ordered.quantity.value,
                               unit=ordered.quantity.unit, priced_on=on,
                               buyer_unit_price=ordered.unit_price.amount if ordered.unit_price else None,
                               buyer_currency=ordered.unit_price.currency if ordered.unit_price else None)
        if quoted is None:
            row.problem = f"quote {quote.number} revision {quote.revision} has no line {ordered.line_number}"
        else:
            row.line_scope, row.line_key = SCOPE, line_key(quote, quoted)
            row.unit_price, row.amount, row.currency = (net_unit_price(quoted.amount, quoted.quantity), quoted.amount,
                                                        quote.currency)
            row.quote = why(quote, quoted)
        s.add(row)
        rows.append(row)
    s.flush()
    return rows


__all__ = ["SCOPE", "freeze_quoted_prices", "line_key", "why"]
