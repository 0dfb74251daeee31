"""Tryton price lists as the port's :class:`ErpPriceList`.

A Tryton ``product.price_list`` line matches on product, category and minimum quantity and computes
the price with a formula. The formulas the gateway understands are the two every price list is made of:
a fixed price (``Decimal('1.15')`` or ``1.15``) and a discount on the list price
(``unit_price * Decimal('0.95')`` / ``unit_price * 0.95``). Lines of one product (or category, or
neither) become one port line whose tiers are their minimum quantities. A derived tier names the
synthetic list ``TRYTON-LIST`` (the products' list prices) as its base, which the adapter answers too.
Lines with any other formula are left out: the gateway then prices them from the next list that
applies, and ``b2bgw erp check`` has nothing to say about them (Tryton still prices its own sales).

Assignments: the list set on a party (``sale_price_list``) applies to that customer; the list of the
sale configuration is the default.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from erp.port import ErpPriceAssignment, ErpPriceLine, ErpPriceList, ErpPriceTier

if TYPE_CHECKING:
    from erp.tryton.adapter import TrytonErp

LIST_PRICES = "TRYTON-LIST"
_NUMBER = r"(?:Decimal\(\s*['\"]([0-9.]+)['\"]\s*\)|([0-9]+(?:\.[0-9]+)?))"
_FIXED = re.compile(rf"^\s*{_NUMBER}\s*$")
_FACTOR = re.compile(rf"^\s*(?:unit_price|list_price)\s*\*\s*{_NUMBER}\s*$")


def tier_of(formula: str, min_quantity: Decimal) -> ErpPriceTier | None:
    """The tier a formula means, or None when it is not one the gateway understands."""
    try:
        if match := _FIXED.match(formula):
            return ErpPriceTier(min_quantity=min_quantity, unit_price=Decimal(match.group(1) or match.group(2)))
        if match := _FACTOR.match(formula):
            factor = Decimal(match.group(1) or match.group(2))
            return ErpPriceTier(min_quantity=min_quantity, base_list=LIST_PRICES,
                                discount_percent=(Decimal(1) - factor) * 100)
    except InvalidOperation:
        return None
    return None


def _latest(*moments: dt.datetime | None) -> dt.datetime:
    return max(m for m in (*moments, dt.datetime(2000, 1, 1)) if m is not None)


def _list_prices(erp: TrytonErp) -> ErpPriceList:
    prices = erp.get_prices()
    lines = tuple(ErpPriceLine(scope="item", key=p.sku, tiers=(ErpPriceTier(unit_price=p.price.amount),))
                  for p in prices)
    rows = erp.rpc.search_read("product.template", [], ["write_date", "create_date"])
    updated = _latest(*(r.get("write_date") or r.get("create_date") for r in rows))
    return ErpPriceList(list_id=LIST_PRICES, name="Tryton list prices", currency=erp.currency,
                        updated_at=updated.replace(tzinfo=dt.UTC), lines=lines)


def read_price_lists(erp: TrytonErp, *, since: dt.datetime | None) -> list[ErpPriceList]:
    """Every price list (the port allows more than changed since ``since``), plus the list-price list."""
    del since  # lists are few; the gateway compares what it gets
    rpc = erp.rpc
    lists = rpc.search_read("product.price_list", [], ["name", "lines", "write_date", "create_date"],
                            order=[("id", "ASC")])
    parties = [p for p in rpc.search_read("party.party", [("code", "!=", None)],
                                          ["code", "sale_price_list", "write_date"])
               if p.get("sale_price_list")]  # a MultiValue field: Tryton cannot search it
    config = rpc.search_read("sale.configuration", [], ["sale_price_list"], limit=1)
    default_list = config[0].get("sale_price_list") if config else None
    answer = [_list_prices(erp)]
    for row in lists:
        lines: list[dict[str, Any]] = rpc.search_read(
            "product.price_list.line", [("price_list", "=", row["id"])],
            ["product.code", "category.name", "quantity", "formula", "write_date", "create_date"],
            order=[("sequence", "ASC"), ("id", "ASC")])
        grouped: dict[tuple[str, str | None], list[ErpPriceTier]] = {}
        for line in lines:
            tier = tier_of(line.get("formula") or "", Decimal(str(line.get("quantity") or 0)))
            if tier is None:
                continue
            product = (line.get("product.") or {}).get("code")
            category = (line.get("category.") or {}).get("name")
            key = ("item", product) if product else ("category", category) if category else ("global", None)
            grouped.setdefault(key, []).append(tier)
        port_lines = tuple(ErpPriceLine(scope=scope, key=key, tiers=tuple(sorted(tiers, key=lambda t: t.min_quantity)))
                           for (scope, key), tiers in grouped.items())
        assigned = [p for p in parties if p["sale_price_list"] == row["id"]]
        assignments = [ErpPriceAssignment(level="customer", target=p["code"], priority=10) for p in assigned]
        if row["id"] == default_list:
            assignments.append(ErpPriceAssignment(level="default", priority=0))
        updated = _latest(row.get("write_date"), row.get("create_date"),
                          *(line.get("write_date") or line.get("create_date") for line in lines),
                          *(p.get("write_date") for p in assigned))
        answer.append(ErpPriceList(list_id=f"PL-{row['id']}", name=row["name"], currency=erp.currency,
                                   updated_at=updated.replace(tzinfo=dt.UTC), lines=port_lines,
                                   assignments=tuple(assignments)))
    return answer


__all__ = ["LIST_PRICES", "read_price_lists", "tier_of"]
