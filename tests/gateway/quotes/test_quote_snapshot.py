"""An accepted quote's order keeps its quoted prices, frozen, whatever the price lists do afterwards."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from erp.builtin.catalog import invoice_order, ship_order
from erp.builtin.pricelists import put_price_list
from erp.port import ErpPriceLine, ErpPriceTier
from formats.model import Order
from gateway.pricing.service import pricing_for
from gateway.pricing.snapshot import snapshot_of, snapshot_of_erp_order
from gateway.pricing.sync import sync_from_erp
from gateway.quotes.snapshot import freeze_quoted_prices
from gateway.quotes.tables import Quote, QuoteLine
from gateway.quotes.totals import net_unit_price
from gateway.services import Services
from gateway.store.db import session
from tests.gateway.credit.helpers import set_limit
from tests.gateway.flow import docs, drain

from .conftest import SMALL, Caller


def _ordered_quote(rep: Caller, synced: Services) -> dict[str, object]:
    set_limit(synced, "ACME", "100000")
    number = rep("POST", "", SMALL).json()["number"]
    rep("POST", f"/{number}/send")
    assert rep("POST", f"/{number}/accept").json()["state"] == "accepted"
    drain(synced)
    ordered = rep("GET", f"/{number}").json()
    assert ordered["state"] == "ordered", ordered
    return ordered


def _reprice_acme(synced: Services, sku: str, unit_price: str) -> None:
    """The ERP's user changes ACME's list price of ``sku``; the gateway syncs it."""
    acme = next(p for p in synced.erp.get_price_lists() if p.list_id == "ACME-2026")
    lines = (*(line for line in acme.lines if line.key != sku),
             ErpPriceLine(scope="item", key=sku, tiers=(ErpPriceTier(unit_price=Decimal(unit_price)),)))
    put_price_list(synced.engine, acme.model_copy(update={"lines": lines}))
    sync_from_erp(synced.engine, synced.erp)
    assert pricing_for(synced.engine).price("ACME", sku, 10).unit_price.amount == Decimal(unit_price)


def test_a_quote_order_freezes_the_quoted_net_prices_naming_the_quote(rep: Caller, synced: Services) -> None:
    ordered = _ordered_quote(rep, synced)
    number, lines = ordered["number"], ordered["lines"]
    assert isinstance(lines, list)
    [doc] = docs(synced, standard="quote")
    assert doc.id is not None
    with session(synced.engine) as s:
        rows = snapshot_of(s, doc.id)
    assert [(r.line_number, r.sku, r.quantity, r.unit, r.unit_price, r.amount, r.currency, r.list_id, r.line_scope,
             r.line_key, r.problem) for r in rows] == [
        (str(line["line_number"]), line["sku"], Decimal(line["quantity"]), line["unit"],
         net_unit_price(Decimal(line["amount"]), Decimal(line["quantity"])), Decimal(line["amount"]), "USD", None,
         "quote", f"{number}/1:{line['line_number']}", None) for line in lines]
    first = rows[0].quote
    assert first is not None and (first["source"], first["quote"], first["revision"], first["quote_line"]) == (
        "quote", number, 1, 1)
    assert first["discount"] == lines[0]["discount"] and first["quoted_from_list"] == "ACME-2026"
    assert f"quote {number} revision 1 line 1" in first["explain"]
    assert all(r.erp_order_id == ordered["erp_order_id"] and r.customer_id == "ACME" for r in rows)


def test_a_later_list_change_reaches_neither_the_quote_order_nor_its_invoice(rep: Caller, synced: Services) -> None:
    ordered = _ordered_quote(rep, synced)
    erp_order_id = str(ordered["erp_order_id"])
    lines = ordered["lines"]
    assert isinstance(lines, list)
    with session(synced.engine) as s:
        before = [(r.unit_price, r.amount) for r in snapshot_of_erp_order(s, erp_order_id)]
    erp_before = synced.erp.get_order(erp_order_id)
    assert erp_before is not None

    _reprice_acme(synced, "DEMO-1001", "9.99")  # far above what was quoted

    [doc] = docs(synced, standard="quote")
    assert doc.id is not None and doc.canonical is not None
    with session(synced.engine) as s:  # a replay freezes again: the stored rows answer, unchanged
        quote = s.exec(select(Quote).where(Quote.number == ordered["number"])).one()
        quote_lines = list(s.exec(select(QuoteLine).where(QuoteLine.quote_id == quote.id)))
        again = freeze_quoted_prices(s, document_id=doc.id, quote=quote, lines=quote_lines,
                                     order=Order.model_validate(doc.canonical), erp_order_id=erp_order_id,
                                     on=pricing_for(synced.engine).today())
        s.commit()
        after = [(r.unit_price, r.amount) for r in snapshot_of_erp_order(s, erp_order_id)]
    assert [(r.unit_price, r.amount) for r in again] == after == before
    assert [amount for _price, amount in after] == [Decimal(line["amount"]) for line in lines]

    erp_after = synced.erp.get_order(erp_order_id)
    assert erp_after is not None and erp_after.order.lines == erp_before.order.lines  # the ERP order is untouched
    ship_order(synced.engine, erp_order_id)
    invoice = invoice_order(synced.engine, erp_order_id)
    assert [(line.order_line_number, line.quantity.value) for line in invoice.lines] == [
        (str(line["line_number"]), Decimal(line["quantity"])) for line in lines]  # demo stock covers the quote
    assert [(line.quantity.value * line.unit_price.amount).quantize(Decimal("0.01")) for line in invoice.lines] == [
        Decimal(line["amount"]) for line in lines]  # invoiced as quoted, not at the new list price
