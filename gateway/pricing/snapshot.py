"""The price snapshot: what each line of an accepted order cost by our lists, frozen at acceptance.

When the ERP accepts an inbound order (X12 850, UBL Order), :func:`freeze_prices` prices every
line through the :class:`~gateway.pricing.service.PricingService` - the customer's list, line,
tier and the steps of a derived chain - and stores it in ``gw_price_snapshot`` in the same
transaction that records the acceptance. From then on the order's price is that row: a list
changed, withdrawn or re-imported tomorrow never reaches it, and neither does a replay (an
existing snapshot is returned as it is, never priced again).

The buyer's own unit price, when the order states one, is kept beside ours (per ordered unit,
its price basis divided out), so a difference is visible to the operator and to the invoice.
A line we cannot price (an item we do not know, no list for the customer) is still recorded,
with the reason in ``problem`` and no price of ours: pricing never refuses an order the ERP accepted.
A line the order priced by a sales quote (``fixed``) is frozen at that quoted price, naming the
quote line (``line_scope`` ``quote``), since that is the price the ERP was given.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from erp.rows import insert_rows, row
from formats.model import ItemIdKind, Money, Order, OrderLine
from gateway.pricing.service import PricingService
from gateway.pricing.tables import PriceSnapshotRow
from gateway.rules import PricingError, RoundingMode
from gateway.rules.rounding import round_amount

log = logging.getLogger(__name__)


def snapshot_of(s: Session, document_id: int) -> list[PriceSnapshotRow]:
    """The frozen prices of an order document, in line order (empty before acceptance)."""
    return list(s.exec(select(PriceSnapshotRow).where(PriceSnapshotRow.document_id == document_id)
                       .order_by(col(PriceSnapshotRow.id))).all())


def snapshot_of_erp_order(s: Session, erp_order_id: str) -> list[PriceSnapshotRow]:
    """The frozen prices of an ERP order (what an invoice for it is checked against)."""
    return list(s.exec(select(PriceSnapshotRow).where(PriceSnapshotRow.erp_order_id == erp_order_id)
                       .order_by(col(PriceSnapshotRow.id))).all())


def _sku(line: OrderLine, known: set[str] | frozenset[str]) -> str | None:
    """Our SKU for the line: the seller's item id, else any of its ids that is one of our items."""
    seller = line.item_id(ItemIdKind.SELLER)
    if seller is not None and (seller in known or not known):
        return seller
    return next((item.value for item in line.items if item.value in known), seller)


def _buyer_price(line: OrderLine) -> tuple[Decimal | None, str | None]:
    if line.unit_price is None:
        return None, None
    basis = line.price_basis.quantity or Decimal(1)
    return line.unit_price.amount / basis, line.unit_price.currency


def rounding_of(settings: Mapping[str, Any]) -> RoundingMode | None:
    """The partner's ``rounding`` setting (``half-up``, ``half-even``, ``down`` ...), or None for the default.

    An unknown value is logged and the default used: a typo in a partner's settings must not stop
    its orders.
    """
    value = settings.get("rounding")
    if not value:
        return None
    try:
        return RoundingMode[str(value).strip().upper().replace("-", "_")]
    except KeyError:
        log.warning("partner rounding %r is not one of %s; using half-up", value,
                    ", ".join(mode.name.lower().replace("_", "-") for mode in RoundingMode))
        return None


def freeze_prices(s: Session, pricing: PricingService, *, document_id: int, customer_id: str, order: Order,
                  erp_order_id: str | None, on: dt.date | None = None, rounding: RoundingMode | None = None,
                  fixed: Mapping[str, tuple[Money, dict[str, Any]]] | None = None) -> list[PriceSnapshotRow]:
    """Price and store every line of ``order`` once; later calls return the stored rows unchanged.

    ``rounding`` is the partner's rounding mode for line amounts (the service's default when None);
    ``fixed`` maps line numbers priced otherwise than by the lists (a sales quote) to their unit
    price and the why (:func:`gateway.quotes.carts.quoted_prices`).
    """
    existing = snapshot_of(s, document_id)
    if existing:
        return existing
    insert_rows(s, PriceSnapshotRow, price_lines(pricing, document_id=document_id, customer_id=customer_id,
                                                 order=order, erp_order_id=erp_order_id, on=on, rounding=rounding,
                                                 fixed=fixed))
    return snapshot_of(s, document_id)


def frozen_documents(s: Session, document_ids: Sequence[int]) -> set[int]:
    """Which of the documents have their prices frozen already (read once for a batch)."""
    return set(s.exec(select(PriceSnapshotRow.document_id).where(col(PriceSnapshotRow.document_id).in_(document_ids))
                      .distinct()))


def price_lines(pricing: PricingService, *, document_id: int, customer_id: str, order: Order,
                erp_order_id: str | None, on: dt.date | None = None, rounding: RoundingMode | None = None,
                fixed: Mapping[str, tuple[Money, dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    """The snapshot rows of an order whose prices are not frozen yet (:func:`frozen_documents`), as values.

    A batch inserts its orders' rows with one statement (:mod:`erp.rows`).
    """
    on = on or pricing.today()
    try:
        known: frozenset[str] = frozenset(pricing.catalogue().index.items)
    except PricingError:
        known = frozenset()
    rows = []
    for line in order.lines:
        buyer_price, buyer_currency = _buyer_price(line)
        sku = _sku(line, known)
        values: dict[str, Any] = {
            "document_id": document_id, "erp_order_id": erp_order_id, "customer_id": customer_id,
            "po_number": order.po_number, "line_number": line.line_number, "sku": sku,
            "quantity": line.quantity.value, "unit": line.quantity.unit, "priced_on": on,
            "buyer_unit_price": buyer_price, "buyer_currency": buyer_currency}
        if fixed and line.line_number in fixed:
            price, why = fixed[line.line_number]
            values.update(line_scope=str(why.get("source", "fixed")),
                          line_key=str(why.get("reference", ""))[:100] or None,
                          unit_price=price.amount, currency=price.currency, quote=why,
                          amount=round_amount(price.amount * line.quantity.value, price.currency,
                                              rounding or RoundingMode.HALF_UP))
        else:
            values.update(_priced(pricing, customer_id, sku, line, on, rounding))
        rows.append(row(PriceSnapshotRow, **values))
    return rows


def _priced(pricing: PricingService, customer_id: str, sku: str | None, line: OrderLine, on: dt.date,
            rounding: RoundingMode | None) -> dict[str, Any]:
    """A line's price from the customer's lists, or the problem that kept it from having one."""
    try:
        if sku is None:
            raise PricingError(f"line {line.line_number} names no item id")
        quote = pricing.price(customer_id, sku, line.quantity.value, line.quantity.unit, on, rounding)
    except PricingError as exc:
        return {"problem": str(exc)}
    first = quote.steps[0]
    return {"list_id": quote.list_id, "line_scope": first.line_scope.value, "line_key": first.line_key,
            "tier_min_quantity": first.tier_min_quantity, "unit_price": quote.unit_price.amount,
            "amount": quote.amount.amount, "currency": quote.amount.currency, "quote": quote.model_dump(mode="json")}


__all__ = ["freeze_prices", "frozen_documents", "price_lines", "rounding_of", "snapshot_of", "snapshot_of_erp_order"]
