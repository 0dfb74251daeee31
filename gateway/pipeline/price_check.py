"""Price tolerance: a partner's line price against the customer's contract price, before the ERP.

A partner's 850 / Order carries its own unit prices. Placing them blindly places an order at
0.01 against a 1.05 contract and answers it ``ACK*IA``. Each line with a price and one of our
SKUs is compared with what the customer's price lists give at its quantity and unit
(:func:`gateway.quotes.carts.customer_price`); a line priced by a sales quote it names is left
alone (the quote is the agreement). A difference beyond the partner's tolerance
(:class:`gateway.partners.PriceRule`, settings ``price_tolerance`` and ``price_policy``) is:

* ``accept``: placed at the partner's price, the difference flagged in the document's history
  and the log;
* ``hold``: the order waits in ``price_hold`` until an operator releases it (it is then placed at
  the partner's price) or rejects it (answered as ``reject`` below);
* ``reject``: refused -- the X12 855 says ``BAK02 RD`` with ``ACK01 IP`` and our unit price in
  PO104 on each such line (the other lines ``IR``), a UBL OrderResponse the same line by line, a
  cXML buyer a ``reject`` naming our prices (:mod:`gateway.pipeline.refusals`).

Lines without a price (the ERP prices them) or without a contract price are not compared; a price
written with fewer decimals than ours is compared with ours rounded to them (:func:`as_written`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from formats.model import Money, Order
from gateway.partners import PriceRule
from gateway.pipeline.refusals import Refusal
from gateway.pricing.service import PricingService
from gateway.quotes.carts import customer_price, quoted_prices


@dataclass(frozen=True)
class PriceDifference:
    """A line priced by the partner outside its tolerance: its price per unit, and ours."""

    line_number: str
    theirs: Money
    ours: Money

    def describe(self) -> str:
        """The difference as the history and the partner read it."""
        return (f"line {self.line_number} priced {self.theirs.amount} {self.theirs.currency}, "
                f"our contract price {self.ours.amount} {self.ours.currency}")


def price_differences(pricing: PricingService, customer_id: str, order: Order,
                      rule: PriceRule) -> list[PriceDifference]:
    """The lines of ``order`` whose price is outside ``rule``'s tolerance of the customer's price (module doc)."""
    fixed = quoted_prices(order)
    found = []
    for line in order.lines:
        price = line.unit_price
        if price is None or line.line_number in fixed:
            continue
        ours = customer_price(pricing, customer_id, line)
        if ours is None or ours.currency != price.currency:
            continue
        per_unit = Money(amount=price.amount / (line.price_basis.quantity or 1), currency=price.currency)
        if not rule.allows(per_unit.amount, as_written(ours.amount, per_unit.amount)):
            found.append(PriceDifference(line.line_number, per_unit, ours))
    return found


def as_written(ours: Decimal, theirs: Decimal) -> Decimal:
    """Our price rounded (half up) to the decimals the partner wrote, when it wrote fewer than ours have.

    A contract price derived from a list (1.29 less 10%, less 3%: 1.12617) reaches a buyer as
    1.13, through our own cart or catalogue; that is the same price, not a difference. A partner
    writing more decimals than ours (1.0501 against 1.05) is compared as written.
    """
    theirs_places, our_places = -int(theirs.as_tuple().exponent), -int(ours.as_tuple().exponent)
    if 0 <= theirs_places < our_places:
        return ours.quantize(Decimal(1).scaleb(-theirs_places), rounding=ROUND_HALF_UP)
    return ours


def summary(differences: list[PriceDifference], rule: PriceRule) -> str:
    """One sentence for the history, the error and the partner: which lines, their prices and ours."""
    return (f"prices outside the tolerance of {rule.describe()}: "
            + "; ".join(difference.describe() for difference in differences))


def price_refusal(differences: list[PriceDifference], rule: PriceRule) -> Refusal:
    """The refusal answering ``differences`` with our price on each such line (ACK01 IP)."""
    return Refusal(summary(differences, rule),
                   {d.line_number: f"price {d.theirs.amount} {d.theirs.currency} differs from our contract price "
                                   f"{d.ours.amount} {d.ours.currency}" for d in differences},
                   {d.line_number: d.ours for d in differences})


__all__ = ["PriceDifference", "price_differences", "price_refusal", "summary"]
