"""Price resolution: which price a customer pays for an item, and why.

Precedence rule
---------------

To price SKU ``s`` for customer ``c`` at quantity ``q`` of unit ``u`` on the seller's date ``d``:

1. **Quantity.** ``q u`` is converted to the item's base unit (item table first, then the global
   table; exact or refused). Tiers are compared in the base unit.
2. **Lists in force.** The candidate assignments are those to ``c`` (level *customer*), to any
   group ``c`` belongs to (level *group*) and the *default* ones. An assignment counts only when
   ``d`` is inside its window and inside its list's window (``valid_from <= d <= valid_to``, both
   ends inclusive, a missing end open). An expired or not-yet-valid list never applies, neither
   directly nor as the base of a derived price. When the customer has a currency, lists in
   other currencies are left out.
3. **Order.** Levels go from specific to general: every customer assignment before every group
   assignment before every default assignment, whatever their priorities -- priority never
   crosses levels, so a more specific level always wins. Within a level, the **higher priority
   number wins**; ties go to the smaller list id, then the smaller target id (customer's groups
   are merged into one group level). A list already met higher up is not consulted again.
4. **Fallback.** The lists are asked in that order; the first that has a price for ``s`` at the
   base quantity gives it. A list that has none passes to the next (it is named in
   ``passed_over``); when no list has one, :class:`NoPriceError`.
5. **Within a list.** The item line (by SKU), else the category line (the item's category), else
   the global line; of a line, the tier with the largest minimum quantity ``<=`` the base
   quantity. A line with no tier that low, or a derived line whose base list is not in force or
   has no price, counts as absent and the next less specific line is tried.
6. **Derived prices.** A derived tier prices the same item at the same base quantity and date in
   its base list (by rule 5, recursively), then ``price x (1 - discount% / 100) + surcharge``.
   Lists that derive from each other in a cycle are refused when the index is built.
7. **Money.** Unit prices stay exact; the line amount ``base quantity x base unit price`` is
   rounded to the currency's minor units (JPY 0, USD 2, KWD 3) with the partner's rounding mode
   (half-up by default); a cart total is the sum of the rounded line amounts.

The answer, a :class:`~gateway.rules.quote.PriceQuote`, records each of these choices.

>>> from gateway.rules.pricelists import Fixed, Level, PriceLine, PriceList, Tier
>>> index = CatalogueIndex.build(
...     [PriceList("LIST", "USD", (PriceLine.item("SKU-1", Tier(0, Fixed("2.50")), Tier(12, Fixed("2.25"))),))],
...     [Assignment("LIST", Level.DEFAULT)], [Item("SKU-1")], UnitConversions.of({("XCS", "EA"): 12}))
>>> quote = price_item(index, Customer("C1"), "SKU-1", 2, "XCS", on=dt.date(2026, 5, 1))
>>> quote.unit_price.amount, quote.amount.amount, quote.steps[0].tier_min_quantity
(Decimal('27.00'), Decimal('54.00'), Decimal('12'))
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from formats.codes.units import current_code, same_unit
from formats.model import Money, Quantity
from gateway.rules.decimals import exact
from gateway.rules.errors import CurrencyMismatchError, NoPriceError, PricingError, UnknownItemError
from gateway.rules.index import CatalogueIndex, CompiledList
from gateway.rules.pricelists import Assignment, Customer, Derived, Fixed, Item, PriceLine, Tier
from gateway.rules.quote import CartQuote, PriceQuote, PriceStep
from gateway.rules.rounding import RoundingMode, round_amount
from gateway.rules.units import UnitConversions


@dataclass(frozen=True, slots=True)
class CartLine:
    """One line of a cart to price: SKU, quantity and unit (the item's base unit when None)."""

    sku: str
    quantity: Decimal
    unit: str | None = None


class Resolution(NamedTuple):
    """What a resolver found: the assignment, its list's currency, the base unit price and the steps."""

    assignment: Assignment
    currency: str
    base_unit_price: Decimal
    steps: tuple[PriceStep, ...]
    passed_over: tuple[str, ...]


def step(list_id: str, line: PriceLine, tier: Tier, unit_price: Decimal) -> PriceStep:
    """The explanation of one step: list, line, tier, rule and the price it gave."""
    rule = tier.rule
    if isinstance(rule, Fixed):
        return PriceStep(list_id=list_id, line_scope=line.scope, line_key=line.key,
                         tier_min_quantity=tier.min_quantity, rule="fixed", unit_price=unit_price)
    return PriceStep(list_id=list_id, line_scope=line.scope, line_key=line.key, tier_min_quantity=tier.min_quantity,
                     rule="derived", unit_price=unit_price, base_list=rule.base_list,
                     discount_percent=rule.discount_percent, surcharge=rule.surcharge)


class Pricer(ABC):
    """Prices for one customer on one date with one rounding mode; subclasses say how lists are found.

    The conversion, rounding and explanation are shared so that the indexed pricer and the
    scanning reference (:mod:`gateway.rules.reference`) can differ only in how they look.
    """

    def __init__(self, customer: Customer, on: dt.date, rounding: RoundingMode = RoundingMode.HALF_UP) -> None:
        self.customer = customer
        self.on = on
        self.rounding = RoundingMode(rounding)

    @abstractmethod
    def item(self, sku: str) -> Item:
        """The item ``sku``; :class:`UnknownItemError` if the catalogue has none."""

    @property
    @abstractmethod
    def conversions(self) -> UnitConversions:
        """The unit conversion table."""

    @abstractmethod
    def resolve(self, item: Item, base_quantity: Decimal) -> Resolution | None:
        """The price of ``item`` at ``base_quantity`` by the precedence rule, or None."""

    def price(self, sku: str, quantity: Decimal | int | str, unit: str | None = None) -> PriceQuote:
        """The quote for ``quantity`` of ``unit`` (the item's base unit when None) of ``sku``."""
        ordered = exact(quantity, "quantity")
        if ordered <= 0:
            raise PricingError(f"item {sku}: a quantity to price must be positive, not {ordered}")
        item = self.item(sku)
        unit_code = current_code(unit or item.base_unit)
        base_quantity = self.conversions.to_base(sku, ordered, unit_code, item.base_unit)
        found = self.resolve(item, base_quantity)
        if found is None:
            raise NoPriceError(
                f"no price list in force on {self.on} prices item {sku} at {base_quantity} {item.base_unit} "
                f"for customer {self.customer.id}"
            )
        currency = found.currency
        raw_amount = base_quantity * found.base_unit_price
        unit_price = found.base_unit_price if base_quantity == ordered else raw_amount / ordered
        assignment = found.assignment
        return PriceQuote(
            customer=self.customer.id,
            sku=sku,
            on=self.on,
            quantity=Quantity(value=ordered, unit=unit_code),
            base_quantity=Quantity(value=base_quantity, unit=item.base_unit),
            unit_price=Money(amount=unit_price, currency=currency),
            base_unit_price=Money(amount=found.base_unit_price, currency=currency),
            amount=Money(amount=round_amount(raw_amount, currency, self.rounding), currency=currency),
            rounding=self.rounding,
            level=assignment.level,
            assigned_to=assignment.target,
            priority=assignment.priority,
            list_id=assignment.list_id,
            steps=found.steps,
            passed_over=found.passed_over,
            unit_factor=None if same_unit(unit_code, item.base_unit) else base_quantity / ordered,
        )

    def price_cart(self, lines: Iterable[CartLine]) -> CartQuote:
        """Every line priced, and the total of the rounded amounts (one currency, or refused)."""
        quotes = tuple(self.price(line.sku, line.quantity, line.unit) for line in lines)
        if not quotes:
            return CartQuote(lines=(), total=None)
        currencies = sorted({quote.amount.currency for quote in quotes})
        if len(currencies) > 1:
            raise CurrencyMismatchError(
                f"cart lines for customer {self.customer.id} are priced in several currencies: {', '.join(currencies)}"
            )
        total = sum((quote.amount.amount for quote in quotes), Decimal(0))
        return CartQuote(lines=quotes, total=Money(amount=total, currency=currencies[0]))


class CustomerPricer(Pricer):
    """The indexed pricer: the customer's lists are ordered once, each lookup is a dictionary hit."""

    def __init__(
        self, index: CatalogueIndex, customer: Customer, on: dt.date, rounding: RoundingMode = RoundingMode.HALF_UP
    ) -> None:
        super().__init__(customer, on, rounding)
        self.index = index
        self.chain = index.assignments_for(customer, on)

    def item(self, sku: str) -> Item:
        """The catalogue's item ``sku``."""
        try:
            return self.index.items[sku]
        except KeyError:
            raise UnknownItemError(f"item {sku} is not in the catalogue") from None

    @property
    def conversions(self) -> UnitConversions:
        """The index's conversion table."""
        return self.index.conversions

    def resolve(self, item: Item, base_quantity: Decimal) -> Resolution | None:
        """Rules 3-6 of the module docstring over the precomputed chain."""
        passed_over: list[str] = []
        for assignment, compiled in self.chain:
            found = self.price_in(compiled, item, base_quantity)
            if found is not None:
                price, steps = found
                currency = compiled.price_list.currency
                return Resolution(assignment, currency, price, steps, tuple(passed_over))
            passed_over.append(assignment.list_id)
        return None

    def price_in(
        self, compiled: CompiledList, item: Item, quantity: Decimal
    ) -> tuple[Decimal, tuple[PriceStep, ...]] | None:
        """Rule 5 and 6: the price of ``item`` in one list, with the steps that made it."""
        for line in compiled.lines_for(item):
            if line is None:
                continue
            tier = line.tier_for(quantity)
            if tier is None:
                continue
            rule = tier.rule
            if isinstance(rule, Derived):
                base = self.index.lists[rule.base_list]
                found = self.price_in(base, item, quantity) if base.in_force(self.on) else None
                if found is None:
                    continue
                price = rule.apply(found[0])
                return price, (step(compiled.price_list.id, line.line, tier, price), *found[1])
            return rule.unit_price, (step(compiled.price_list.id, line.line, tier, rule.unit_price),)
        return None


def price_item(
    index: CatalogueIndex,
    customer: Customer,
    sku: str,
    quantity: Decimal | int | str,
    unit: str | None = None,
    *,
    on: dt.date,
    rounding: RoundingMode = RoundingMode.HALF_UP,
) -> PriceQuote:
    """The quote for one item (``GET /api/prices``); for many, build one :class:`CustomerPricer`."""
    return CustomerPricer(index, customer, on, rounding).price(sku, quantity, unit)


def price_cart(
    index: CatalogueIndex,
    customer: Customer,
    lines: Iterable[CartLine],
    *,
    on: dt.date,
    rounding: RoundingMode = RoundingMode.HALF_UP,
) -> CartQuote:
    """Every cart line priced for ``customer`` on ``on``, with the total of the rounded amounts."""
    return CustomerPricer(index, customer, on, rounding).price_cart(lines)


__all__ = [
    "CartLine",
    "CustomerPricer",
    "Pricer",
    "Resolution",
    "price_cart",
    "price_item",
]
