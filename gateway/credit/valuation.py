"""What an order is worth for credit: its rounded line amounts less header allowances, in the customer's currency.

A line's own price (the buyer's PO price, or the quote's frozen price) counts when it has one.
A line without a price is valued at the price the customer would be charged: the pricing
service's answer (:func:`gateway.pricing.service.pricing_for`), else -- an item or customer the
pricing tables do not know yet -- the ERP's list price (:func:`catalogue_price`). An item no
price is known for counts as zero: the ERP will reject it, and a zero line cannot breach a limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Engine

from erp.port import ErpPort
from formats.model import ItemIdKind, Money, Order, OrderLine

ZERO = Decimal(0)


def line_sku(line: OrderLine) -> str | None:
    """The seller's SKU a line names (the SKU the ERP matches on), or None."""
    return line.item_id(ItemIdKind.SELLER)


def catalogue_price(erp: ErpPort, customer_id: str, lines: Sequence[OrderLine],
                    engine: Engine | None = None) -> dict[str, Money]:
    """Unit prices for the customer of the SKUs of ``lines`` (see module doc), by line number."""
    found: dict[str, Money] = {}
    if engine is not None:
        from gateway.pricing.service import pricing_for
        from gateway.rules import PricingError

        pricing = pricing_for(engine)
        for line in lines:
            try:
                quote = pricing.price(customer_id, line_sku(line) or "", line.quantity.value, line.quantity.unit)
            except PricingError:
                continue
            found[line.line_number] = quote.unit_price
    missing = {line.line_number: sku for line in lines if line.line_number not in found and (sku := line_sku(line))}
    if missing:
        listed = {price.sku: price.price for price in erp.get_prices(sorted(set(missing.values())))}
        found.update({number: listed[sku] for number, sku in missing.items() if sku in listed})
    return found


def line_amount(line: OrderLine, unit_price: Money) -> Money:
    """Quantity times unit price (per the price basis quantity), rounded to the currency's minor units."""
    basis = line.price_basis.quantity or Decimal(1)
    return Money(amount=line.quantity.value * unit_price.amount / basis, currency=unit_price.currency).rounded()


def order_value(erp: ErpPort, customer_id: str, order: Order, currency: str, engine: Engine | None = None) -> Money:
    """The order's value in ``currency``: the sum of its rounded line amounts, less header allowances.

    Raises ValueError naming the line when a price is in another currency than ``currency``
    (credit is never compared across currencies).
    """
    prices = catalogue_price(erp, customer_id, [line for line in order.lines if line.unit_price is None], engine)
    total = ZERO
    for line in order.lines:
        price = line.unit_price or prices.get(line.line_number)
        if price is None:
            continue
        if price.currency != currency:
            raise ValueError(f"line {line.line_number} is priced in {price.currency}; the customer's credit is "
                             f"in {currency}")
        total += line_amount(line, price).amount
    for allowance in order.allowances:  # a header discount (an accepted quote's) or charge with an amount
        if allowance.amount is not None and allowance.amount.currency == currency:
            total += allowance.amount.amount if allowance.is_charge else -allowance.amount.amount
    return Money(amount=max(total, ZERO), currency=currency)


__all__ = ["catalogue_price", "line_amount", "line_sku", "order_value"]
