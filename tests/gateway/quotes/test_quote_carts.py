"""A sent quote opened as a punchout cart, and the order that comes back at the quoted prices.

The sales rep quotes ACME; Contoso (the demo cXML buyer, buying as ACME) opens the quote in the
storefront, transfers the cart to its procurement system and orders it with a cXML OrderRequest.
The ERP order carries the quoted prices while the quote is valid, and list prices once it is not.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlmodel import select

from formats.cxml import order_request, punchout
from formats.model import Address, ItemIdKind, Order, Party, PartyRole
from gateway.pipeline.states import State
from gateway.pricing.snapshot import snapshot_of_erp_order
from gateway.quotes.carts import parse_reference
from gateway.quotes.tables import Quote
from gateway.quotes.totals import net_unit_price
from gateway.services import Services
from gateway.store.db import session
from tests.gateway.flow import docs, drain
from tests.gateway.punchout.cxml_requests import NOW, demo_routing
from tests.gateway.punchout.test_storefront import enter, transferred

from .conftest import SMALL, Caller, list_price


def sent_quote(rep: Caller) -> tuple[str, dict[str, Decimal]]:
    """A quote for ACME, sent; its number and net unit price per SKU."""
    created = rep("POST", "", SMALL).json()
    assert rep("POST", f"/{created['number']}/send").json()["state"] == "sent"
    lines = rep("GET", f"/{created['number']}").json()["lines"]
    return created["number"], {line["sku"]: net_unit_price(Decimal(line["amount"]), Decimal(line["quantity"]))
                               for line in lines}


def cart_of(client: TestClient) -> list[tuple[str, Decimal, Decimal, str | None]]:
    """(SKU, quantity, unit price, SupplierPartAuxiliaryID) of the transferred cart."""
    _action, _field, value = transferred(client)
    message = punchout.parse_order_message(value.encode())
    return [(line.item_id(ItemIdKind.SELLER) or "", line.quantity.value,
             line.unit_price.amount if line.unit_price else Decimal(-1), line.item_id(ItemIdKind.SELLER_AUX))
            for line in message.lines]


def order_from_cart(client: TestClient, po_number: str) -> Order:
    """What the procurement system orders: the transferred cart's lines, as they came."""
    _action, _field, value = transferred(client)
    lines = punchout.parse_order_message(value.encode()).lines
    address = Address(lines=("1 Main Street",), city="Springfield", region="IL", postal_code="62701", country="US")
    return Order(po_number=po_number, order_date=NOW.date(), currency="USD", lines=lines,
                 bill_to=Party(role=PartyRole.BILL_TO, name="Contoso Accounts Payable", address=address),
                 ship_to=Party(role=PartyRole.SHIP_TO, name="Contoso Receiving", address=address))


def place(client: TestClient, services: Services, order: Order) -> str:
    raw = order_request.render(order, payload_id=f"{uuid.uuid4().hex}@tests", timestamp=NOW, routing=demo_routing())
    answer = client.post("/cxml", content=raw)
    assert answer.status_code == 200 and 'code="201"' in answer.text, answer.text  # accepted, confirmed later
    drain(services)
    [doc] = [d for d in docs(services, doc_type="OrderRequest") if d.po_number == order.po_number]
    assert doc.state == State.PROCESSED.value and doc.erp_order_id, doc.error
    return doc.erp_order_id


def test_a_sent_quote_opens_as_a_cart_and_is_ordered_at_the_quoted_prices(client: TestClient, rep: Caller,
                                                                            synced: Services) -> None:
    number, quoted = sent_quote(rep)
    enter(client)
    opened = client.post("/punchout/shop/quote", data={"number": number})
    assert opened.status_code == 200 and "DEMO-1001" in opened.text  # the cart page
    cart = cart_of(client)
    assert [(sku, qty) for sku, qty, _price, _aux in cart] == [("DEMO-1001", Decimal(10)), ("DEMO-1002", Decimal(3))]
    for sku, _qty, price, aux in cart:
        assert price == quoted[sku] and parse_reference(aux) is not None and aux.startswith(f"quote:{number}:")
    assert quoted["DEMO-1001"] < list_price(synced, "ACME", "DEMO-1001", "10")  # the 5 % the rep gave

    erp_order_id = place(client, synced, order_from_cart(client, "CONTOSO-Q-1"))
    erp_order = synced.erp.get_order(erp_order_id)
    assert erp_order is not None
    assert {line.items[0].value: line.unit_price.amount for line in erp_order.order.lines  # type: ignore[union-attr]
            } == quoted
    with session(synced.engine) as s:  # the snapshot freezes the price the ERP was given: the quote's
        frozen = snapshot_of_erp_order(s, erp_order_id)
    assert {row.sku: (row.unit_price, row.line_scope) for row in frozen} == {
        sku: (price, "quote") for sku, price in quoted.items()}
    # named as a quote's own order names its lines: number/revision:line
    assert sorted(row.line_key or "" for row in frozen) == [f"{number}/1:1", f"{number}/1:2"]
    first = next(row for row in frozen if row.sku == "DEMO-1001")
    assert first.amount == quoted["DEMO-1001"] * 10 and first.quote and first.quote["quote"] == number


def test_a_changed_quantity_is_no_longer_the_quote(client: TestClient, rep: Caller, synced: Services) -> None:
    number, quoted = sent_quote(rep)
    enter(client)
    client.post("/punchout/shop/quote", data={"number": number})
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1001", "quantity": "50", "mode": "set"})
    cart = {sku: (price, aux) for sku, _qty, price, aux in cart_of(client)}
    price, aux = cart["DEMO-1001"]
    assert price == list_price(synced, "ACME", "DEMO-1001", "50") and parse_reference(aux) is None
    assert cart["DEMO-1002"][0] == quoted["DEMO-1002"]


def test_a_quote_that_cannot_be_taken_up_is_refused_clearly(client: TestClient, rep: Caller, other_rep: Caller,
                                                           synced: Services) -> None:
    draft = rep("POST", "", SMALL).json()["number"]
    enter(client)
    refused = client.post("/punchout/shop/quote", data={"number": draft})
    assert refused.status_code == 409 and "only a sent or accepted quote" in refused.text
    globex = other_rep("POST", "", {**SMALL, "customer_id": "GLOBEX"}).json()["number"]
    other_rep("POST", f"/{globex}/send")
    assert "no quote" in client.post("/punchout/shop/quote", data={"number": globex}).text  # not ACME's
    assert "Traceback" not in refused.text


def test_an_order_quoting_an_expired_quote_gets_list_prices(client: TestClient, rep: Caller,
                                                           synced: Services) -> None:
    number, quoted = sent_quote(rep)
    enter(client)
    client.post("/punchout/shop/quote", data={"number": number})
    order = order_from_cart(client, "CONTOSO-Q-LATE")
    with session(synced.engine) as s:  # the buyer's approval took longer than the quote was valid
        quote = s.exec(select(Quote).where(Quote.number == number)).one()
        quote.valid_until = dt.date.today() - dt.timedelta(days=1)
        s.add(quote)
        s.commit()
    erp_order = synced.erp.get_order(place(client, synced, order))
    assert erp_order is not None
    prices = {line.items[0].value: line.unit_price.amount for line in erp_order.order.lines}  # type: ignore[union-attr]
    assert prices["DEMO-1001"] != quoted["DEMO-1001"]
    assert prices["DEMO-1001"] == list_price(synced, "ACME", "DEMO-1001", "10")  # ACME's contract price again
    with session(synced.engine) as s:
        frozen = {row.sku: row for row in snapshot_of_erp_order(s, erp_order.erp_order_id)}
    assert frozen["DEMO-1001"].line_scope != "quote" and frozen["DEMO-1001"].unit_price == prices["DEMO-1001"]
