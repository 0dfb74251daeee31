"""Purchase orders after an OCI cart: matched back to the cart's items and prices.

OCI carries no purchase order: the buyer's SAP system sends it later through the channel its
configuration names (cXML OrderRequest, X12 850, UBL Order), and what it knows of the cart is
what the cart told it: EXT_PRODUCT_ID (our SKU), EXT_QUOTE_ID (``OCI-<session>``) and
EXT_QUOTE_ITEM (the cart line). Wherever the order carries the quote (a line or order reference
of any qualifier, e.g. X12 ``REF*PR``, or a cXML SupplierPartAuxiliaryID ``OCI-12/2``), this
module finds the transferred cart and, for each line that names it:

* the seller's item id is the cart line's SKU when the line has none (SAP sent only
  EXT_PRODUCT_ID, or its own material number);
* the unit price is the cart's when the line has none; when the line states another price, the
  PO's price stands (the buyer approved that one) and the quoted price is kept beside it as an
  extension ``oci:cart/QuotedPrice``, for the operator and the acknowledgment to see.

A line the cart took from a sales quote was quoted to SAP as that quote (EXT_QUOTE_ID the quote
number ``Q-000007``, EXT_QUOTE_ITEM its line; :mod:`gateway.oci.items`), so the PO names the quote
number where it would name ``OCI-<session>``. Such a line is matched to the buyer's latest
transferred cart that held that quote line (its SKU and price, as above) and gets the canonical
quote reference (``quote:Q-000007:1``, a line reference of qualifier ``quote``), so that
:func:`gateway.quotes.carts.with_quoted_prices`, next in the pipeline, gives it the quoted price
while the quote is valid, and the customer's list price with the reason once it is not.

A line that names no cart and states no price (a UBL Order names the cart in its
QuotationDocumentReference, but not every buyer fills it in, and some leave prices to the catalog)
is priced from the buyer's most recent
transferred cart that holds its SKU (of the last :data:`RECENT_CARTS`). A quote of another
buyer is never used; a line with neither passes unchanged.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from formats.model import Extension, ItemId, ItemIdKind, Money, Order, OrderLine, Reference
from gateway.oci.items import session_of_quote
from gateway.punchout.tables import PunchoutSession
from gateway.quotes.carts import SOURCE as QUOTE_SOURCE
from gateway.quotes.carts import quote_reference
from gateway.store.tables import Partner

SOURCE = "oci:cart"
RECENT_CARTS = 20
_QUOTE = re.compile(r"^\s*(OCI-\d+)(?:\s*[/#-]\s*(\d+))?\s*$", re.IGNORECASE)
_SALES_QUOTE = re.compile(r"^\s*(Q-\d+)(?:\s*[/#:]\s*(\d+))?\s*$", re.IGNORECASE)
"""A sales quote's number as EXT_QUOTE_ID (``Q-000007``), with its line when SAP joins them (``Q-000007/2``)."""


def _named(text: str) -> tuple[str, str | None] | None:
    """(cart or sales quote id, line or None) that ``text`` names: ``OCI-12/2``, ``Q-000007/1`` ..."""
    match = _QUOTE.match(text) or _SALES_QUOTE.match(text)
    return (match.group(1).upper(), match.group(2)) if match else None


def _is_sales_quote(quote: str) -> bool:
    return _SALES_QUOTE.match(quote) is not None


def _quote_in(references: tuple[Reference, ...]) -> tuple[str, str | None] | None:
    for reference in references:
        if (named := _named(reference.value)) is not None:
            return named
    return None


def _line_quote(line: OrderLine, order_quote: tuple[str, str | None] | None) -> tuple[str, str | None] | None:
    quote = _quote_in(line.references)
    item = next((r.value.strip() for r in line.references if r.qualifier.upper() == "EXT_QUOTE_ITEM"), None)
    if quote is None:
        aux = line.item_id(ItemIdKind.SELLER_AUX)
        quote = (_named(aux) if aux else None) or order_quote
    if quote is None:
        return None
    return quote[0], item or quote[1]


def _quoted(s: Session, partner_id: str, quote: str) -> dict[str, dict[str, Any]] | None:
    session_id = session_of_quote(quote)
    row = s.get(PunchoutSession, session_id) if session_id is not None else None
    if row is None or row.partner_id != partner_id:
        return None
    quoted = (row.extrinsics.get("oci") or {}).get("quoted")
    return dict(quoted) if quoted else None


def _recent(s: Session, partner_id: str) -> list[dict[str, dict[str, Any]]]:
    """The quoted carts of the buyer's latest transferred sessions, newest first."""
    rows = s.exec(select(PunchoutSession).where(PunchoutSession.partner_id == partner_id,
                                                col(PunchoutSession.transferred_at).is_not(None))
                  .order_by(col(PunchoutSession.transferred_at).desc()).limit(RECENT_CARTS)).all()
    return [dict(quoted) for row in rows if (quoted := (row.extrinsics.get("oci") or {}).get("quoted"))]


def _sales_quote_cart(recent: list[dict[str, dict[str, Any]]], number: str) -> dict[str, dict[str, Any]] | None:
    """The lines of the newest cart that held sales quote ``number``, keyed by the quote's line number."""
    for cart in recent:
        lines = {str(e["quote_item"]): e for e in cart.values() if str(e.get("quote", "")).upper() == number}
        if lines:
            return lines
    return None


def _with_quote_reference(line: OrderLine, number: str, item: str | None) -> OrderLine:
    """``line`` naming line ``item`` of sales quote ``number`` the way the quote rules read it (module doc)."""
    if item is None or not item.strip().isdigit() or any(r.qualifier == QUOTE_SOURCE for r in line.references):
        return line
    reference = Reference(qualifier=QUOTE_SOURCE, value=quote_reference(number, int(item)))
    return line.model_copy(update={"references": (*line.references, reference)})


def with_cart_prices(s: Session, partner: Partner, order: Order) -> Order:
    """``order`` with each line that names an OCI cart of this buyer matched to that cart (module doc)."""
    if "oci" not in partner.settings:
        return order
    order_quote = _quote_in(order.references)
    carts: dict[str, dict[str, dict[str, Any]] | None] = {}
    recent: list[dict[str, dict[str, Any]]] | None = None
    lines = []
    for line in order.lines:
        quote = _line_quote(line, order_quote)
        if quote is not None and _is_sales_quote(quote[0]):
            recent = _recent(s, partner.id) if recent is None else recent
            cart = _sales_quote_cart(recent, quote[0])
            line = _matched(line, cart, quote[1]) if cart else line  # the cart's SKU, price and quote line
            lines.append(_with_quote_reference(line, quote[0], quote[1]))  # no cart: the quote decides alone
            continue
        if quote is not None and quote[0] not in carts:
            carts[quote[0]] = _quoted(s, partner.id, quote[0])
        cart = carts.get(quote[0]) if quote else None
        if cart:
            line = _matched(line, cart, quote[1] if quote else None)
        elif quote is None and line.unit_price is None:
            recent = _recent(s, partner.id) if recent is None else recent
            named = {i.value for i in line.items}
            cart = next((c for c in recent if any(e.get("sku") in named for e in c.values())), None)
            line = _matched(line, cart, None) if cart else line
        lines.append(line)
    return order.model_copy(update={"lines": tuple(lines)})


def _matched(line: OrderLine, cart: dict[str, dict[str, Any]], item: str | None) -> OrderLine:
    """``line`` with the SKU and price of its cart line, and the sales quote that line came from, if any."""
    sku = line.item_id(ItemIdKind.SELLER)
    named = {i.value for i in line.items}
    entry = cart.get(item) if item else None
    if entry is None:  # no item number: the cart line of the same SKU (or EXT_PRODUCT_ID)
        entry = next((e for e in cart.values() if e.get("sku") in named), None)
    if entry is None:
        return line
    update: dict[str, Any] = {}
    if sku is None:
        update["items"] = (*line.items, ItemId(kind=ItemIdKind.SELLER, value=entry["sku"]))
    quoted = Money(amount=Decimal(entry["price"]), currency=entry["currency"])
    if line.unit_price is None:
        update["unit_price"] = quoted
    elif line.unit_price.amount != quoted.amount or line.unit_price.currency != quoted.currency:
        update["extensions"] = (*line.extensions, Extension(source=SOURCE, name="QuotedPrice",
                                                            value=f"{quoted.amount} {quoted.currency}"))
    line = line.model_copy(update=update) if update else line
    if entry.get("quote"):
        line = _with_quote_reference(line, str(entry["quote"]), str(entry.get("quote_item") or ""))
    return line


__all__ = ["SOURCE", "with_cart_prices"]
