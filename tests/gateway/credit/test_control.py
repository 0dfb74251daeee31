"""Credit decisions on the real database: reserve within the limit, each policy over it, idempotent per order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp.port import ErpRejected
from formats.model import ItemId, ItemIdKind, Money, Order, OrderLine, Quantity
from gateway.credit.actions import set_policy
from gateway.credit.control import CreditStatus, Decision, Policy, check_order, exposure, parse_policy
from gateway.pricing.service import pricing_for
from gateway.pricing.sync import sync_from_erp
from gateway.services import Services

from .helpers import credit_orders, ledger, set_limit


def order(po: str, *lines: tuple[str, str, str | None]) -> Order:
    """An order of (sku, quantity, unit price or None for the list price) lines."""
    return Order(po_number=po, order_date=dt.date(2026, 11, 20), currency="USD", lines=tuple(
        OrderLine(line_number=str(n), items=(ItemId(kind=ItemIdKind.SELLER, value=sku),),
                  quantity=Quantity(value=Decimal(qty), unit="EA"),
                  unit_price=Money(amount=Decimal(price), currency="USD") if price else None)
        for n, (sku, qty, price) in enumerate(lines, start=1)))


def check(services: Services, po: Order, policy: Policy = Policy.BLOCK, customer: str = "ACME") -> Decision:
    return check_order(services.engine, services.erp, customer_id=customer, order=po, order_key=f"t:{po.po_number}:",
                       document_id=None, actor="test", default_policy=policy).decision


def test_an_order_within_the_limit_is_reserved_and_counts_against_it(services: Services) -> None:
    set_limit(services, "ACME", "1000")
    po = order("P1", ("DEMO-1001", "3", "33.333"))
    result = check_order(services.engine, services.erp, customer_id="ACME", order=po,
                         order_key="t:P1:", document_id=None, actor="test", default_policy=Policy.BLOCK)
    assert result.decision is Decision.ACCEPT and result.amount == Money(amount=Decimal("100.00"), currency="USD")
    assert result.available == Decimal("1000")
    assert ledger(services, "ACME") == [("reserve", Decimal("100.00"), "P1")]
    position = exposure(services.engine, services.erp, "ACME", default_policy=Policy.BLOCK)
    assert (position.open_orders, position.available, position.open_order_count) == (Decimal("100.00"),
                                                                                    Decimal("900.00"), 1)


def test_lines_without_a_price_are_valued_at_the_erp_list_price(services: Services) -> None:
    set_limit(services, "ACME", "1000")
    [listed] = services.erp.get_prices(["DEMO-1001"])
    check(services, order("P2", ("DEMO-1001", "2", None), ("NOSUCH-1", "5", None)))
    [row] = credit_orders(services, "ACME")
    assert row.amount == (2 * listed.price.amount).quantize(Decimal("0.01"))  # the unknown item counts as zero


def test_lines_without_a_price_are_valued_at_the_customers_price_once_pricing_knows_it(services: Services) -> None:
    set_limit(services, "ACME", "100000")
    sync_from_erp(services.engine, services.erp, trigger="manual")
    customer = pricing_for(services.engine).price("ACME", "DEMO-1001", Decimal(200), "EA")
    check(services, order("P3", ("DEMO-1001", "200", None)))
    [row] = credit_orders(services, "ACME")
    assert row.amount == customer.amount.amount  # the contract price at 200, not the list price


def test_block_refuses_what_the_available_credit_does_not_cover(services: Services) -> None:
    set_limit(services, "ACME", "500")
    assert check(services, order("A", ("DEMO-1001", "40", "10"))) is Decision.ACCEPT  # 400 of 500
    assert check(services, order("B", ("DEMO-1001", "11", "10"))) is Decision.BLOCK  # 110 > 100 left
    assert check(services, order("C", ("DEMO-1001", "10", "10"))) is Decision.ACCEPT  # exactly the rest
    a, b, c = credit_orders(services, "ACME")
    assert (a.status, b.status, c.status) == ("reserved", "refused", "reserved")
    assert b.open_amount == 0 and b.reason is not None
    assert "order total 110.00 USD exceeds the available credit 100.00" in b.reason
    assert "limit 500" in b.reason and "open orders 400.00" in b.reason
    assert [kind for kind, _, _ in ledger(services, "ACME")] == ["reserve", "reserve"]


def test_hold_waits_without_reserving_and_flag_reserves_over_the_limit(services: Services) -> None:
    set_limit(services, "ACME", "100")
    assert check(services, order("H", ("DEMO-1001", "20", "10")), Policy.HOLD) is Decision.HOLD
    assert check(services, order("F", ("DEMO-1001", "30", "10")), Policy.FLAG) is Decision.FLAG
    held, flagged = credit_orders(services, "ACME")
    assert (held.status, held.open_amount, held.flagged) == ("held", 0, False)
    assert (flagged.status, flagged.open_amount, flagged.flagged) == ("reserved", Decimal("300"), True)
    position = exposure(services.engine, services.erp, "ACME", default_policy=Policy.HOLD)
    assert (position.held, position.hold_count, position.available) == (Decimal("200"), 1, Decimal("-200"))
    assert position.flagged_count == 1


def test_the_customers_own_policy_wins_over_the_default(services: Services) -> None:
    set_limit(services, "ACME", "0")
    set_policy(services.engine, "ACME", Policy.HOLD, actor="test")
    assert check(services, order("X", ("DEMO-1001", "1", "1")), Policy.BLOCK) is Decision.HOLD
    set_policy(services.engine, "ACME", None, actor="test")
    assert check(services, order("Y", ("DEMO-1001", "1", "1")), Policy.BLOCK) is Decision.BLOCK
    position = exposure(services.engine, services.erp, "ACME", default_policy=Policy.BLOCK)
    assert position.policy is Policy.BLOCK and position.policy_is_default


def test_a_decision_is_made_once_per_order_key(services: Services) -> None:
    set_limit(services, "ACME", "100")
    po = order("K", ("DEMO-1001", "6", "10"))
    assert [check(services, po) for _ in range(3)] == [Decision.ACCEPT] * 3
    assert ledger(services, "ACME") == [("reserve", Decimal("60"), "K")]
    held = order("L", ("DEMO-1001", "6", "10"))
    assert [check(services, held, Policy.HOLD) for _ in range(2)] == [Decision.HOLD] * 2
    assert len(credit_orders(services, "ACME")) == 2


def test_a_refused_order_is_decided_again_when_replayed(services: Services) -> None:
    set_limit(services, "ACME", "10")
    po = order("R", ("DEMO-1001", "2", "10"))
    assert check(services, po) is Decision.BLOCK
    set_limit(services, "ACME", "20")
    assert check(services, po) is Decision.ACCEPT
    [row] = credit_orders(services, "ACME")
    assert row.status == CreditStatus.RESERVED.value and row.open_amount == Decimal("20")


def test_a_price_in_another_currency_is_never_compared_with_the_limit(services: Services) -> None:
    set_limit(services, "ACME", "1000000")
    euro = Order(po_number="EUR", lines=(OrderLine(line_number="1", quantity=Quantity(value=Decimal(1)),
                                                   unit_price=Money(amount=Decimal(5), currency="EUR")),))
    assert check(services, euro, Policy.FLAG) is Decision.HOLD  # never silently flagged through
    [row] = credit_orders(services, "ACME")
    assert row.reason is not None and "line 1 is priced in EUR; the customer's credit is in USD" in row.reason


def test_an_unknown_customer_is_a_business_refusal(services: Services) -> None:
    with pytest.raises(ErpRejected, match="unknown customer"):
        check(services, order("U", ("DEMO-1001", "1", "1")), customer="NOBODY")


def test_policies_are_named() -> None:
    assert parse_policy(" Hold ") is Policy.HOLD
    with pytest.raises(ValueError, match="block, hold, flag"):
        parse_policy("maybe")
