"""A sent quote opened as a punchout cart, and orders that come back quoting it.

The sales rep sends a quote; the buyer opens it in the punchout storefront by its number and the
cart fills with its lines at the quoted prices. Each line carries ``quote:<number>:<line>`` as
its cXML SupplierPartAuxiliaryID (an OCI cart names the quote number and line in EXT_QUOTE_ID /
EXT_QUOTE_ITEM, which :mod:`gateway.oci.orders` turns back into this reference), which the
buyer's procurement system sends back on the purchase order. At intake,
:func:`with_quoted_prices` gives every line that names a quote the quoted price, but only while
the quote can still be taken up: it is this customer's, it was sent or accepted (not declined,
expired or revised away), and its validity has not ended on the seller's date. A line quoting a
quote that is no longer valid loses the price it carried and is priced from the customer's
lists like any other, with an extension saying why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from formats.model import Extension, ItemIdKind, Money, Order, OrderLine
from gateway.pricing.service import PricingService
from gateway.quotes.service import QuoteError
from gateway.quotes.snapshot import line_key
from gateway.quotes.states import QuoteState
from gateway.quotes.tables import Quote, QuoteLine
from gateway.quotes.totals import net_unit_price
from gateway.rules import PricingError

SOURCE = "quote"
APPLIED = "QuotedPrice"
"""The extension :func:`with_quoted_prices` marks a line with when the quote priced it."""
QUOTE_LINE = "QuoteLine"
"""The extension naming the quote line that priced a line (``Q-000007/2:1``, as :func:`line_key` writes it)."""
OPEN_STATES = frozenset({QuoteState.SENT.value, QuoteState.ACCEPTED.value})
_REFERENCE = re.compile(r"^\s*quote:([A-Za-z0-9-]+):(\d+)\s*$")


def quote_reference(number: str, line_number: int) -> str:
    """What a cart line carries back to us: ``quote:Q-000007:2``."""
    return f"quote:{number}:{line_number}"


def parse_reference(text: str | None) -> tuple[str, int] | None:
    """(quote number, line number) of a ``quote:`` reference, or None for any other text."""
    found = _REFERENCE.match(text or "")
    return (found.group(1), int(found.group(2))) if found else None


@dataclass(frozen=True)
class QuotedLine:
    """One line of a valid quote as a cart needs it."""

    sku: str
    quantity: Decimal
    unit: str
    unit_price: Money
    reference: str
    description: str | None
    key: str
    """The quote line as price snapshots name it (:func:`gateway.quotes.snapshot.line_key`)."""


def open_quote(s: Session, number: str, customer_id: str, today: dt.date) -> Quote:
    """The newest revision of ``number`` if this customer can still take it up; QuoteError saying why not."""
    quote = s.exec(select(Quote).where(Quote.number == number).order_by(col(Quote.revision).desc())).first()
    if quote is None or quote.customer_id != customer_id:
        raise QuoteError(f"there is no quote {number} for you", 404)
    if quote.state not in OPEN_STATES:
        raise QuoteError(f"quote {number} is {quote.state}; only a sent or accepted quote can be ordered", 409)
    if quote.valid_until < today:
        raise QuoteError(f"quote {number} was valid until {quote.valid_until.isoformat()}", 409)
    return quote


def quoted_lines(s: Session, number: str, customer_id: str, today: dt.date) -> list[QuotedLine]:
    """The lines of a quote the customer can take up, at their quoted net unit prices (for a cart)."""
    quote = open_quote(s, number, customer_id, today)
    rows = s.exec(select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(col(QuoteLine.line_number))).all()
    return [QuotedLine(sku=row.sku, quantity=row.quantity, unit=row.unit, description=row.description,
                       unit_price=Money(amount=net_unit_price(row.amount, row.quantity), currency=quote.currency),
                       reference=quote_reference(quote.number, row.line_number), key=line_key(quote, row))
            for row in rows]


def cart_entries(lines: list[QuotedLine]) -> list[dict[str, Any]]:
    """Quoted lines as punchout cart entries (the session's JSON cart)."""
    return [{"sku": line.sku, "quantity": str(line.quantity), "aux": line.reference,
             "price": str(line.unit_price.amount), "currency": line.unit_price.currency} for line in lines]


def _reference_of(line: OrderLine) -> tuple[str, int] | None:
    """The quote line an order line names: in an item id (cXML SupplierPartAuxiliaryID), or a ``quote`` reference.

    The reference is how a PO after an OCI cart names it (:mod:`gateway.oci.orders` writes it).
    """
    for reference in line.references:
        if reference.qualifier == SOURCE and (ref := parse_reference(reference.value)):
            return ref
    for item in line.items:
        if item.kind in (ItemIdKind.SELLER_AUX, ItemIdKind.OTHER, ItemIdKind.BUYER) and (ref := parse_reference(
                item.value)):
            return ref
    return None


ListPrice = Callable[[OrderLine], Money | None]
"""The customer's price of a line from its price lists (None when the lists have none)."""


def customer_price(pricing: PricingService, customer_id: str, line: OrderLine) -> Money | None:
    """The line's unit price from the customer's lists at its quantity; None when they have none."""
    sku = line.item_id(ItemIdKind.SELLER)
    if sku is None:
        return None
    try:
        return pricing.price(customer_id, sku, line.quantity.value, line.quantity.unit).unit_price
    except PricingError:
        return None


def with_quoted_prices(s: Session, customer_id: str, order: Order, today: dt.date, list_price: ListPrice) -> Order:
    """``order`` with the quoted price on every line that names a quote still valid (module docstring)."""
    quotes: dict[str, dict[str, QuotedLine] | QuoteError] = {}  # each quote read once, however many lines name it
    changed = False
    lines = []
    for line in order.lines:
        reference = _reference_of(line)
        if reference is None:
            lines.append(line)
            continue
        number, line_number = reference
        if number not in quotes:
            try:
                quotes[number] = {q.reference: q for q in quoted_lines(s, number, customer_id, today)}
            except QuoteError as refused:
                quotes[number] = refused
        quoted = quotes[number]
        if isinstance(quoted, QuoteError):
            note = Extension(source=SOURCE, name="NotApplied", value=f"{quoted}; priced from the price lists")
            lines.append(line.model_copy(update={"unit_price": list_price(line),
                                                 "extensions": (*line.extensions, note)}))
            changed = True
            continue
        match = quoted.get(quote_reference(number, line_number))
        if match is None:
            note = Extension(source=SOURCE, name="NotApplied", value=f"quote {number} has no line {line_number}")
            lines.append(line.model_copy(update={"extensions": (*line.extensions, note)}))
        else:
            applied = Extension(source=SOURCE, name=APPLIED, value=f"{match.unit_price.amount} "
                                f"{match.unit_price.currency} ({match.reference})")
            which = Extension(source=SOURCE, name=QUOTE_LINE, value=match.key)
            lines.append(line.model_copy(update={"unit_price": match.unit_price,
                                                 "extensions": (*line.extensions, applied, which)}))
        changed = True
    return order.model_copy(update={"lines": tuple(lines)}) if changed else order


def quoted_prices(order: Order) -> dict[str, tuple[Money, dict[str, Any]]]:
    """The lines :func:`with_quoted_prices` priced by a sales quote: line number -> (unit price, why).

    What the price snapshot freezes for such a line: the quoted price the ERP was given, naming
    the quote line as a quote's own order names it (``Q-000007/2:1``: number, revision, line),
    rather than what the lists would say.
    """
    priced: dict[str, tuple[Money, dict[str, Any]]] = {}
    for line in order.lines:
        marks = {e.name: e.value for e in line.extensions if e.source == SOURCE}
        reference = _reference_of(line)
        key = marks.get(QUOTE_LINE)
        if APPLIED not in marks or key is None or reference is None or line.unit_price is None:
            continue
        number, line_number = reference
        price = line.unit_price
        priced[line.line_number] = (price, {
            "source": SOURCE, "quote": number, "quote_line": line_number, "reference": key,
            "unit_price": str(price.amount), "currency": price.currency,
            "explain": f"{price.amount} {price.currency} per {line.quantity.unit or 'unit'}: quote {key}, "
                       "as the order named it"})
    return priced


__all__ = [
    "APPLIED",
    "QUOTE_LINE",
    "SOURCE",
    "ListPrice",
    "QuotedLine",
    "cart_entries",
    "customer_price",
    "open_quote",
    "parse_reference",
    "quote_reference",
    "quoted_lines",
    "quoted_prices",
    "with_quoted_prices",
]
