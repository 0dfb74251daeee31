"""A sent quote opened in an OCI session: its lines travel under the quote's number, and the PO gets its prices.

The demo OCI buyer (SAP SRM, buying as ACME) calls up the catalog from the sandbox, puts items in
the cart, opens the rep's quote into it and transfers the cart. The quote's lines carry
EXT_QUOTE_ID = the quote number and EXT_QUOTE_ITEM = the quote line; the other lines keep the
session's ``OCI-<session>``. The PO that SAP sends back (cXML with prices, UBL without, or a PO
naming only the quote) reaches the ERP at the quoted prices while the quote is valid.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from formats.model import ItemId, ItemIdKind, Money, Order, OrderLine, Quantity, Reference
from formats.oci import parse as oci_parse
from gateway.oci.buyers import add_oci_buyer
from gateway.oci.demo import DEMO_OCI_BUYER
from gateway.oci.orders import with_cart_prices
from gateway.pricing.service import pricing_for
from gateway.punchout.tables import PunchoutSession
from gateway.quotes.carts import customer_price, with_quoted_prices
from gateway.quotes.tables import Quote
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, Partner
from tests.gateway.admin_session import sandbox_services, sign_in
from tests.gateway.flow import docs, drain
from tests.gateway.oci.test_entry import HOOK, LOGIN, form_of
from tests.gateway.oci.test_sandbox_orders import srm_call_up, transfer_to_sandbox

from .conftest import Caller, list_price
from .test_quote_carts import sent_quote


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    """The demo with the sandbox on (``B2BGW_SANDBOX=true``)."""
    with sandbox_services(database_url) as built:
        yield built


@pytest.fixture(autouse=True)
def _signed_in(client: TestClient) -> None:
    """The sandbox is the operator's: sign in first."""
    sign_in(client)


def field(page: str, name: str, index: int) -> str | None:
    """A NEW_ITEM field of the sandbox's cart page, or None when the cart did not send it."""
    found = re.search(rf"<code>NEW_ITEM-{name}\[{index}\]</code></td><td>([^<]*)", page)
    return found.group(1) if found else None


def quote_cart(client: TestClient, number: str) -> str:
    """Call up as the demo SRM (cart DEMO-1001 x12, DEMO-1024 x2), open the quote, transfer; the cart page URL."""
    srm_call_up(client)
    opened = client.post("/punchout/shop/quote", data={"number": number})
    assert opened.status_code == 200, opened.text
    return transfer_to_sandbox(client)


def _session_id(services: Services, partner_id: str = DEMO_OCI_BUYER) -> int:
    with session(services.engine) as s:
        rows = s.exec(select(PunchoutSession).where(PunchoutSession.partner_id == partner_id)).all()
    return max(row.id or 0 for row in rows)


def test_quote_lines_carry_the_quote_number_and_line_and_the_others_the_session(
        client: TestClient, rep: Caller, synced: Services) -> None:
    number, quoted = sent_quote(rep)
    url = quote_cart(client, number)
    page = client.get(url).text
    cart = f"OCI-{_session_id(synced)}"
    # the quote replaced the DEMO-1001 line put in by hand; DEMO-1024 stays an ordinary cart line
    rows = [(field(page, "VENDORMAT", n), field(page, "EXT_QUOTE_ID", n), field(page, "EXT_QUOTE_ITEM", n),
             Decimal(field(page, "PRICE", n) or "-1")) for n in (1, 2, 3)]
    oci = Decimal("0.001")  # OCI prices have at most 3 decimals; the PO gets the exact quoted price back
    assert rows == [("DEMO-1024", cart, "1", Decimal("79")),
                    ("DEMO-1001", number, "1", quoted["DEMO-1001"].quantize(oci, ROUND_HALF_UP)),
                    ("DEMO-1002", number, "2", quoted["DEMO-1002"].quantize(oci, ROUND_HALF_UP))]


def erp_prices(services: Services, doc: Document) -> dict[str | None, Decimal | None]:
    """The unit price per SKU of the ERP order a processed PO document placed."""
    assert doc.state == "processed" and doc.erp_order_id, (doc.state, doc.error)
    erp_order = services.erp.get_order(doc.erp_order_id)
    assert erp_order is not None
    return {ln.item_id(ItemIdKind.SELLER): ln.unit_price.amount if ln.unit_price else None
            for ln in erp_order.order.lines}

def test_a_cxml_po_after_a_quote_cart_reaches_the_erp_at_the_quoted_prices(
        client: TestClient, rep: Caller, synced: Services) -> None:
    number, quoted = sent_quote(rep)
    url = quote_cart(client, number)
    sent = client.post(f"{url}/order", data={"po_number": "SRM-Q-1", "secret": "srm-order-secret"},
                       follow_redirects=False)
    assert sent.status_code == 303, sent.text
    order_doc = int(sent.headers["location"].rsplit("/", 1)[1])
    drain(synced)
    (doc,) = [d for d in docs(synced, po_number="SRM-Q-1") if d.id == order_doc]
    prices = erp_prices(synced, doc)
    assert prices == {"DEMO-1024": Decimal("79.00"), **quoted}
    assert quoted["DEMO-1001"] < list_price(synced, "ACME", "DEMO-1001", "10")  # the rep's 5 % reached the ERP


def test_a_ubl_po_without_prices_gets_the_quoted_prices(client: TestClient, rep: Caller, synced: Services) -> None:
    with session(synced.engine) as s:
        add_oci_buyer(s, partner_id="s4-acme", name="Acme S/4HANA", customer_id="ACME", username="s4a",
                      password="s4a-pass", version="5.0", order_channel="ubl")
        s.commit()
    number, quoted = sent_quote(rep)
    srm_call_up(client, "s4-acme", "s4a-pass")
    client.post("/punchout/shop/quote", data={"number": number})
    url = transfer_to_sandbox(client)
    sent = client.post(f"{url}/order", data={"po_number": "S4-Q-1"}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    drain(synced)
    (doc,) = [d for d in docs(synced, po_number="S4-Q-1") if d.doc_type == "Order"]
    prices = erp_prices(synced, doc)
    assert prices == {"DEMO-1024": Decimal("79.00"), **quoted}


def test_a_po_naming_only_the_quote_number_is_matched_and_checked_against_the_quote(
        client: TestClient, rep: Caller, synced: Services) -> None:
    number, quoted = sent_quote(rep)
    quote_cart(client, number)
    pricing = pricing_for(synced.engine)

    def line(n: str, *ids: ItemId, refs: tuple[Reference, ...] = (), price: str | None = None) -> OrderLine:
        return OrderLine(line_number=n, items=ids, quantity=Quantity(value=Decimal(10), unit="EA"), references=refs,
                         unit_price=Money(amount=Decimal(price), currency="USD") if price else None)

    order = Order(po_number="SRM-Q-2", references=(Reference(qualifier="PR", value=number),), lines=(
        # EXT_QUOTE_ID / EXT_QUOTE_ITEM as line references, only SAP's EXT_PRODUCT_ID: SKU and price from the quote
        line("1", ItemId(kind=ItemIdKind.OTHER, value="DEMO-1001", qualifier="EXT_PRODUCT_ID"),
             refs=(Reference(qualifier="EXT_QUOTE_ID", value=number),
                   Reference(qualifier="EXT_QUOTE_ITEM", value="1"))),
        # only the header's quote and our SKU, at a price of the buyer's own: the quote's price applies
        line("2", ItemId(kind=ItemIdKind.SELLER, value="DEMO-1002"), price="9.99"),
    ))

    def priced(when: dt.date) -> list[tuple[str | None, Decimal | None]]:
        with session(synced.engine) as s:
            partner = s.get(Partner, DEMO_OCI_BUYER)
            assert partner is not None
            matched = with_cart_prices(s, partner, order)
            done = with_quoted_prices(s, "ACME", matched, when, lambda ln: customer_price(pricing, "ACME", ln))
        return [(ln.item_id(ItemIdKind.SELLER), ln.unit_price.amount if ln.unit_price else None) for ln in done.lines]

    assert priced(dt.date.today()) == [("DEMO-1001", quoted["DEMO-1001"]), ("DEMO-1002", quoted["DEMO-1002"])]
    with session(synced.engine) as s:  # once the quote has run out, the customer's list prices again
        valid_until = s.exec(select(Quote).where(Quote.number == number)).one().valid_until
    late = priced(valid_until + dt.timedelta(days=1))
    assert late == [("DEMO-1001", list_price(synced, "ACME", "DEMO-1001", "10")),
                    ("DEMO-1002", list_price(synced, "ACME", "DEMO-1002", "10"))]


def quantity_check(client: TestClient, number: str) -> list[tuple[str | None, str | None, Decimal | None]]:
    """QUANTITYCHECK from the demo SRM for quote line 1 (DEMO-1001) and an ordinary line; (sku, quote, price)."""
    page = client.post("/oci", follow_redirects=False, data={
        **LOGIN, "HOOK_URL": HOOK, "FUNCTION": "QUANTITYCHECK", "OCI_VERSION": "5.0",
        "NEW_ITEM-VENDORMAT[1]": "DEMO-1001", "NEW_ITEM-QUANTITY[1]": "10", "NEW_ITEM-UNIT[1]": "EA",
        "NEW_ITEM-EXT_QUOTE_ID[1]": number, "NEW_ITEM-EXT_QUOTE_ITEM[1]": "1",
        "NEW_ITEM-VENDORMAT[2]": "DEMO-1024", "NEW_ITEM-QUANTITY[2]": "1", "NEW_ITEM-EXT_QUOTE_ID[2]": "OCI-7",
        "NEW_ITEM-EXT_QUOTE_ITEM[2]": "2"})
    assert page.status_code == 200, page.text
    return [(i.vendormat, i.ext_quote_id, i.price) for i in oci_parse(form_of(page.text)[1]).items]


def test_quantitycheck_prices_a_quote_line_at_the_quoted_price_while_the_quote_is_valid(
        client: TestClient, rep: Caller, synced: Services) -> None:
    number, quoted = sent_quote(rep)
    oci = Decimal("0.001")
    assert quantity_check(client, number) == [("DEMO-1001", number, quoted["DEMO-1001"].quantize(oci, ROUND_HALF_UP)),
                                              ("DEMO-1024", "OCI-7", Decimal("79"))]
    with session(synced.engine) as s:  # the quote's validity ends: the customer's own price again
        row = s.exec(select(Quote).where(Quote.number == number)).one()
        row.valid_until = dt.date(2020, 1, 1)
        s.add(row)
        s.commit()
    assert quantity_check(client, number)[0] == ("DEMO-1001", number, list_price(synced, "ACME", "DEMO-1001", "10"))
