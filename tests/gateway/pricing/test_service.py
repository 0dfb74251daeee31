"""The pricing service over the synced demo lists: contracts, group and default lists, tiers, windows, stock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp.builtin.catalog import set_stock
from erp.builtin.pricelists import put_price_list
from erp.port import ErpPriceLine, ErpPriceTier
from gateway.pricing.service import PricingService, UnknownCustomerError, pricing_for
from gateway.pricing.sync import sync_from_erp
from gateway.rules import CartLine, Level, NoPriceError, Scope, UnitConversionError, UnknownItemError
from gateway.services import Services
from tests.gateway.pricing.conftest import ON


def test_a_customer_contract_item_price_and_its_quantity_tier(pricing: PricingService) -> None:
    one = pricing.price("ACME", "DEMO-1001", 1, on=ON)
    assert (one.list_id, one.level, one.assigned_to, one.unit_price.amount) == (
        "ACME-2026", Level.CUSTOMER, "ACME", Decimal("1.05"))
    bulk = pricing.price("ACME", "DEMO-1001", 250, "EA", on=ON)
    assert bulk.unit_price.amount == Decimal("0.95")
    assert bulk.steps[0].tier_min_quantity == Decimal(200)
    assert bulk.amount.amount == Decimal("237.50")


def test_a_contract_category_discount_follows_the_default_list(pricing: PricingService) -> None:
    quote = pricing.price("ACME", "DEMO-1003", 10, on=ON)  # Writing instruments: LIST 2.15 less 20%
    assert quote.unit_price.amount == Decimal("1.72")
    assert [(s.list_id, s.line_scope, s.rule) for s in quote.steps] == [
        ("ACME-2026", Scope.CATEGORY, "derived"), ("LIST", Scope.ITEM, "fixed")]


def test_an_item_the_contract_does_not_price_falls_back_to_the_default(pricing: PricingService) -> None:
    quote = pricing.price("ACME", "DEMO-1010", 3, on=ON)
    assert (quote.list_id, quote.level, quote.unit_price.amount) == ("LIST", Level.DEFAULT, Decimal("1.59"))
    assert quote.passed_over == ("ACME-2026",)


def test_a_three_level_chain_customer_group_default(pricing: PricingService) -> None:
    quote = pricing.price("GLOBEX", "DEMO-1007", 1, on=ON)  # paper: LIST 6.49 - 15% (WHOLESALE) - 3% (GLOBEX)
    assert quote.chain == ("GLOBEX-NET", "WHOLESALE", "LIST")
    assert quote.base_unit_price.amount == Decimal("6.49") * Decimal("0.85") * Decimal("0.97")
    assert quote.amount.amount == Decimal("5.35")
    # the group list at 100+ (12% off) reached through the customer's list
    tiered = pricing.price("GLOBEX", "DEMO-1002", 100, on=ON)
    assert tiered.steps[1].tier_min_quantity == Decimal(100)
    assert tiered.amount.amount == Decimal("110.11")  # 100 x 1.29 x 0.88 x 0.97 = 110.1144


def test_an_expired_list_never_applies(pricing: PricingService) -> None:
    in_2025 = pricing.price("INITECH", "DEMO-1010", 1, on=dt.date(2025, 6, 1))
    assert in_2025.list_id == "INITECH-PROMO-2025"
    now = pricing.price("INITECH", "DEMO-1010", 1, on=ON)
    assert now.list_id == "LIST" and "INITECH-PROMO-2025" not in now.passed_over
    after_contract = pricing.price("ACME", "DEMO-1024", 1, on=dt.date(2028, 1, 1))
    assert (after_contract.list_id, after_contract.unit_price.amount) == ("LIST", Decimal("89.99"))


def test_a_cart_total_is_the_sum_of_rounded_lines(pricing: PricingService) -> None:
    cart = pricing.price_cart("INITECH", [CartLine("DEMO-1029", Decimal(24)), CartLine("DEMO-1026", Decimal(3)),
                                          CartLine("DEMO-1001", Decimal(7))], on=ON)
    assert [line.amount.amount for line in cart.lines] == [Decimal("381.60"), Decimal("39.33"), Decimal("9.03")]
    assert cart.total is not None and cart.total.amount == Decimal("429.96")


def test_refusals_say_what_is_wrong(pricing: PricingService) -> None:
    with pytest.raises(UnknownCustomerError, match="customer NOBODY"):
        pricing.price("NOBODY", "DEMO-1001", 1, on=ON)
    with pytest.raises(UnknownItemError, match="item NOPE"):
        pricing.price("ACME", "NOPE", 1, on=ON)
    with pytest.raises(UnitConversionError, match="item DEMO-1003: no conversion from unit XCS to its base unit EA"):
        pricing.price("ACME", "DEMO-1003", 1, "XCS", on=ON)  # DEMO-1001 comes in cases, DEMO-1003 does not


def test_no_list_in_force_is_no_price(services: Services, pricing: PricingService) -> None:
    with pytest.raises(NoPriceError, match="DEMO-1001"):
        # every list is valid today, but LIST only gets a window here: before it, nothing prices
        listed = next(p for p in services.erp.get_price_lists() if p.list_id == "LIST")
        put_price_list(services.engine, listed.model_copy(update={"valid_from": dt.date(2026, 12, 1)}))
        sync_from_erp(services.engine, services.erp)
        pricing.price("INITECH", "DEMO-1001", 1, on=ON)


def test_a_dozen_converts_to_each_before_the_tier(pricing: PricingService) -> None:
    quote = pricing.price("INITECH", "DEMO-1001", 10, "DZN", on=ON)  # 120 EA reaches LIST's 100 tier
    assert quote.base_quantity.value == Decimal(120)
    assert quote.unit_price.amount == Decimal("14.28")  # per dozen: 12 x 1.19


def test_availability_and_lead_time_from_stock(services: Services, pricing: PricingService) -> None:
    stocked = pricing.availability("DEMO-1001", Decimal(600))
    assert (stocked.on_hand, stocked.available, stocked.in_stock, stocked.lead_time_days) == (
        Decimal(650), Decimal(650), True, 2)
    assert [w.warehouse for w in stocked.warehouses] == ["EAST", "MAIN"]
    assert not pricing.availability("DEMO-1001", Decimal(651)).in_stock
    none = pricing.availability("DEMO-1049")
    assert (none.available, none.in_stock, none.lead_time_days) == (Decimal(0), False, 21)
    with pytest.raises(UnknownItemError):
        pricing.availability("NOPE")


def test_the_cache_follows_a_sync_made_by_another_process(services: Services) -> None:
    sync_from_erp(services.engine, services.erp)
    reader = PricingService(services.engine, recheck_seconds=0)  # another process's instance: not invalidated
    assert reader.price("ACME", "DEMO-1024", 1, on=ON).unit_price.amount == Decimal("79.00")
    acme = next(p for p in services.erp.get_price_lists() if p.list_id == "ACME-2026")
    lines = (*(line for line in acme.lines if line.key != "DEMO-1024"),
             ErpPriceLine(scope="item", key="DEMO-1024", tiers=(ErpPriceTier(unit_price=Decimal("75.00")),)))
    put_price_list(services.engine, acme.model_copy(update={"lines": lines}))
    set_stock(services.engine, "DEMO-1024", "EAST", Decimal(0))
    sync_from_erp(services.engine, services.erp)
    assert reader.price("ACME", "DEMO-1024", 1, on=ON).unit_price.amount == Decimal("75.00")


def test_one_service_per_engine(services: Services) -> None:
    assert pricing_for(services.engine) is pricing_for(services.engine, services.settings)
