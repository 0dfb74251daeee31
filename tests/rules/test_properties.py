"""Properties of price resolution, checked on random catalogues with hypothesis.

* specific wins: of two lists that both price the item, in force, assigned with the same
  priority at different levels, the more specific level's list is the one quoted (and the
  quoted level is always the most specific level that has an in-force list with a price);
* an expired list never applies: every list on a quote's chain, and the assignment that chose
  it, is in force on the quoted date;
* tiers are monotone: for a line whose tiers are configured descending (the unit price never
  rises as the minimum quantity rises), for any two quantities q1 <= q2 both at or above the
  first tier's minimum, unit price(q2) <= unit price(q1) -- directly and through a derived list
  with a fixed discount and surcharge;
* rounding never produces more decimals than the currency allows, and stays within one minor
  unit (half a unit for the half-* modes) of the exact amount;
* the index agrees with the scanning reference: same quote, or the same error.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formats.model import minor_units
from gateway.rules import (
    Assignment,
    CartLine,
    CatalogueIndex,
    Customer,
    CustomerPricer,
    Derived,
    Fixed,
    Item,
    Level,
    NoPriceError,
    PriceLine,
    PriceList,
    PricingError,
    RoundingMode,
    Tier,
    price_cart,
    price_item,
)
from gateway.rules.reference import ReferencePricer
from gateway.rules.validity import in_force
from tests.rules.strategies import CONVERSIONS, DAY, ITEMS, Case, cases, days, prices, quantities, windows

FAST = settings(max_examples=100, deadline=None)
RANK = {Level.CUSTOMER: 0, Level.GROUP: 1, Level.DEFAULT: 2}
ITEM = Item("SKU-0", "EA")
ZERO = Decimal(0)


def quote_or_error(pricer: CustomerPricer | ReferencePricer, case: Case) -> object:
    try:
        return pricer.price(case.sku, case.quantity, case.unit)
    except PricingError as error:
        return type(error)


@FAST
@given(cases())
def test_index_agrees_with_the_scanning_reference(case: Case) -> None:
    indexed = CustomerPricer(case.index(), case.customer, case.on)
    reference = ReferencePricer(case.lists, case.assignments, {item.sku: item for item in ITEMS}, CONVERSIONS,
                                case.customer, case.on)
    assert quote_or_error(indexed, case) == quote_or_error(reference, case)


@FAST
@given(cases())
def test_an_expired_list_never_applies(case: Case) -> None:
    try:
        quote = price_item(case.index(), case.customer, case.sku, case.quantity, case.unit, on=case.on)
    except PricingError:
        return
    by_id = {price_list.id: price_list for price_list in case.lists}
    for list_id in quote.chain:
        assert in_force(by_id[list_id].valid_from, by_id[list_id].valid_to, case.on)
    assert any(a.list_id == quote.list_id and a.level is quote.level and a.target == quote.assigned_to
               and a.priority == quote.priority and in_force(a.valid_from, a.valid_to, case.on)
               for a in case.assignments)


@FAST
@given(cases())
def test_quoted_level_is_the_most_specific_with_a_price(case: Case) -> None:
    try:
        quote = price_item(case.index(), case.customer, case.sku, case.quantity, case.unit, on=case.on)
    except PricingError:
        return
    for assignment in case.assignments:
        if RANK[assignment.level] < RANK[quote.level]:
            alone = Case(case.lists, [assignment], case.customer, case.sku, case.quantity, case.unit, case.on)
            with pytest.raises(NoPriceError):  # a more specific level had nothing for this customer
                price_item(alone.index(), alone.customer, alone.sku, alone.quantity, alone.unit, on=alone.on)


@FAST
@given(
    specific=st.sampled_from([Level.CUSTOMER, Level.GROUP]),
    general=st.sampled_from([Level.GROUP, Level.DEFAULT]),
    priority=st.integers(-3, 3),
    specific_price=prices,
    general_price=prices,
    names=st.permutations(["A", "B"]),
    on=days,
    quantity=quantities,
)
def test_more_specific_assignment_wins_at_the_same_priority(
    specific: Level, general: Level, priority: int, specific_price: Decimal, general_price: Decimal,
    names: list[str], on: dt.date, quantity: Decimal,
) -> None:
    if RANK[specific] >= RANK[general]:
        return
    target = {Level.CUSTOMER: "C0", Level.GROUP: "G0", Level.DEFAULT: None}
    specific_name, general_name = names  # which one sorts first by id must not matter
    lists = [PriceList(specific_name, "USD", (PriceLine.item("SKU-0", Tier(Decimal(0), Fixed(specific_price))),)),
             PriceList(general_name, "USD", (PriceLine.item("SKU-0", Tier(Decimal(0), Fixed(general_price))),))]
    rows = [Assignment(general_name, general, target[general], priority),
            Assignment(specific_name, specific, target[specific], priority)]
    quote = price_item(CatalogueIndex.build(lists, rows, [ITEM]), Customer("C0", ("G0",)), "SKU-0", quantity, on=on)
    assert (quote.list_id, quote.level, quote.unit_price.amount) == (specific_name, specific, specific_price)


@st.composite
def descending_tiers(draw: st.DrawFn) -> tuple[Tier, ...]:
    minimums = sorted(draw(st.lists(st.decimals(min_value=0, max_value=1000, places=2), min_size=1, max_size=6,
                                    unique=True)))
    unit_prices = sorted(draw(st.lists(prices, min_size=len(minimums), max_size=len(minimums))), reverse=True)
    return tuple(Tier(Decimal(minimum), Fixed(price)) for minimum, price in zip(minimums, unit_prices, strict=True))


@FAST
@given(
    tiers=descending_tiers(),
    quantities_=st.lists(st.decimals(min_value=0, max_value=2000, places=3), min_size=2, max_size=2),
    discount=st.decimals(min_value=-100, max_value=100, places=2),
    surcharge=st.decimals(min_value=0, max_value=10, places=2),
    window=windows(),
)
def test_tiers_configured_descending_never_charge_more_per_unit_for_more(
    tiers: tuple[Tier, ...], quantities_: list[Decimal], discount: Decimal, surcharge: Decimal,
    window: tuple[dt.date | None, dt.date | None],
) -> None:
    low, high = sorted(quantities_)
    first = tiers[0].min_quantity
    low, high = max(low, first, Decimal("0.001")), max(high, first, Decimal("0.001"))
    lists = [PriceList("BASE", "USD", (PriceLine.item("SKU-0", *tiers),)),
             PriceList("DERIVED", "USD", (PriceLine.every_item(Tier(ZERO, Derived("BASE", discount, surcharge))),))]
    for assigned in ("BASE", "DERIVED"):
        catalogue = CatalogueIndex.build(lists, [Assignment(assigned, Level.DEFAULT)], [ITEM])
        at_low = price_item(catalogue, Customer("C0"), "SKU-0", low, on=DAY).unit_price.amount
        at_high = price_item(catalogue, Customer("C0"), "SKU-0", high, on=DAY).unit_price.amount
        assert at_high <= at_low


HALF_MODES = {RoundingMode.HALF_UP, RoundingMode.HALF_EVEN, RoundingMode.HALF_DOWN}


@FAST
@given(
    currency=st.sampled_from(["JPY", "USD", "EUR", "KWD", "BHD", "CLF", "ISK"]),
    price=st.decimals(min_value=0, max_value=100000, places=6),
    quantity=st.decimals(min_value="0.0001", max_value=10000, places=4),
    mode=st.sampled_from(RoundingMode),
)
def test_rounding_never_gives_more_decimals_than_the_currency_has(
    currency: str, price: Decimal, quantity: Decimal, mode: RoundingMode
) -> None:
    only_line = PriceLine.item("SKU-0", Tier(ZERO, Fixed(price)))
    catalogue = CatalogueIndex.build([PriceList("L", currency, (only_line,))], [Assignment("L", Level.DEFAULT)], [ITEM])
    cart = price_cart(catalogue, Customer("C0"), [CartLine("SKU-0", quantity)] * 2, on=DAY, rounding=mode)
    decimals = minor_units(currency)
    quantum = Decimal(1).scaleb(-decimals)
    assert cart.total is not None
    for amount in (cart.lines[0].amount.amount, cart.total.amount):
        exponent = amount.as_tuple().exponent
        assert isinstance(exponent, int) and -exponent <= decimals
    error = abs(cart.lines[0].amount.amount - quantity * price)
    assert error <= (quantum / 2 if mode in HALF_MODES else quantum)
