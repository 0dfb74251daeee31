"""The sandbox as SAP SRM, and the PO after an OCI cart through the buyer's channel to the ERP at the cart's prices."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from formats.model import ItemId, ItemIdKind, Money, Order, OrderLine, Quantity, Reference
from formats.oci import form_fields
from gateway.app import create_app
from gateway.oci.buyers import add_oci_buyer
from gateway.oci.demo import DEMO_OCI_BUYER, DEMO_PASSWORD, DEMO_USERNAME
from gateway.oci.orders import SOURCE, with_cart_prices
from gateway.punchout.tables import PunchoutSession
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner
from tests.gateway.admin_session import sandbox_services, sign_in
from tests.gateway.conftest import make_settings
from tests.gateway.flow import docs, drain
from tests.gateway.partner_auth import client_edi_headers

pytestmark = pytest.mark.usefixtures("price_lists")  # the carts show ACME's contract prices

CART_LINES = (("DEMO-1001", "12"), ("DEMO-1024", "2"))


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    """The demo with the sandbox on (``B2BGW_SANDBOX=true``)."""
    with sandbox_services(database_url) as built:
        yield built


@pytest.fixture(autouse=True)
def _signed_in(client: TestClient) -> None:
    """The sandbox is the operator's: sign in first."""
    sign_in(client)


def srm_call_up(client: TestClient, partner_id: str = DEMO_OCI_BUYER, password: str = DEMO_PASSWORD) -> None:
    """Post the sandbox's call-up form for ``partner_id`` to /oci (what the browser does), then shop."""
    page = client.get("/sandbox/oci")
    form = re.search(rf'<form method="post" action="/oci" id="callup-{partner_id}">(.*?)</form>', page.text, re.S)
    assert form is not None, page.text
    fields = dict(form_fields(form.group(1)))  # the inputs; the selects keep their defaults
    fields["PASSWORD"] = password
    fields.pop("FUNCTION", None)
    entered = client.post("/oci", data=fields, follow_redirects=False)
    assert entered.status_code == 303, entered.text
    for sku, quantity in CART_LINES:
        client.post("/punchout/shop/cart", data={"sku": sku, "quantity": quantity})


def transfer_to_sandbox(client: TestClient) -> str:
    """The storefront's transfer, posted to the sandbox's HOOK_URL as the browser would; the cart page."""
    page = client.post("/punchout/shop/transfer").text
    action = html.unescape(re.search(r'<form id="oci-return" method="post" action="([^"]*)"', page).group(1))
    received = client.post(urlsplit(action).path, content=urlencode(form_fields(page)), follow_redirects=False,
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert received.status_code == 303
    return received.headers["location"]


def test_the_sandbox_plays_srm(client: TestClient, services: Services) -> None:
    index = client.get("/sandbox")
    assert 'href="/sandbox/oci"' in index.text
    srm = client.get("/sandbox/oci")
    assert f'value="{DEMO_USERNAME}"' in srm.text and "/sandbox/oci/hook/srm-acme?sap-client=100" in srm.text
    srm_call_up(client)
    cart_page = client.get(transfer_to_sandbox(client))
    assert cart_page.status_code == 200
    text = cart_page.text
    assert "<td>DEMO-1001</td>" in text and "<td>12</td>" in text and "1.05 USD" in text and "79 USD" in text
    assert "<code>NEW_ITEM-VENDOR[1]</code></td><td>0000100042" in text
    assert "<code>sap-client</code></td><td>100" in text and "<code>~OkCode</code></td><td>ADDI" in text
    assert DEMO_PASSWORD not in text
    (stored,) = docs(services, standard="oci", doc_type="NEW_ITEM cart")
    assert stored.state == "accepted" and stored.partner_id == DEMO_OCI_BUYER


def test_a_cxml_po_after_the_cart_reaches_the_erp_at_the_cart_prices(client: TestClient, services: Services) -> None:
    srm_call_up(client)
    cart_url = transfer_to_sandbox(client)
    sent = client.post(f"{cart_url}/order", data={"po_number": "SRM-4500000017", "secret": "srm-order-secret"},
                       follow_redirects=False)
    assert sent.status_code == 303, sent.text
    order_doc = int(sent.headers["location"].rsplit("/", 1)[1])
    drain(services)
    (doc,) = [d for d in docs(services, po_number="SRM-4500000017") if d.id == order_doc]
    assert doc.state == "processed" and doc.standard == "cxml" and doc.erp_order_id
    erp_order = services.erp.get_order(doc.erp_order_id)
    lines = [(ln.item_id(ItemIdKind.SELLER), ln.quantity.value, ln.unit_price.amount if ln.unit_price else None)
             for ln in erp_order.order.lines]
    assert lines == [("DEMO-1001", Decimal(12), Decimal("1.05")), ("DEMO-1024", Decimal(2), Decimal("79.00"))]
    followed = client.get(sent.headers["location"])
    assert followed.status_code == 200 and "SRM-4500000017" in followed.text


def test_a_ubl_po_without_prices_gets_the_cart_prices(client: TestClient, services: Services) -> None:
    with session(services.engine) as s:
        add_oci_buyer(s, partner_id="s4-globex", name="Globex S/4HANA", customer_id="GLOBEX", username="s4",
                      password="s4-pass", version="5.0", order_channel="ubl")
        s.commit()
    srm_call_up(client, "s4-globex", "s4-pass")
    cart_url = transfer_to_sandbox(client)
    cart_page = client.get(cart_url)
    assert "<code>NEW_ITEM-ITEM_TYPE[1]</code></td><td>R" in cart_page.text  # OCI 5.0
    quoted = re.search(r"<code>NEW_ITEM-PRICE\[1\]</code></td><td>([0-9.]+)", cart_page.text).group(1)
    sent = client.post(f"{cart_url}/order", data={"po_number": "S4-77"}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    drain(services)
    (doc,) = [d for d in docs(services, po_number="S4-77") if d.doc_type == "Order"]
    assert doc.state == "processed" and doc.erp_order_id, (doc.state, doc.error)
    erp_order = services.erp.get_order(doc.erp_order_id)
    first = erp_order.order.lines[0]
    assert first.item_id(ItemIdKind.SELLER) == "DEMO-1001" and first.unit_price is not None
    assert first.unit_price.amount == Decimal(quoted)  # GLOBEX's price, carried from the cart
    assert erp_order.order.lines[1].unit_price.amount == Decimal(
        re.search(r"<code>NEW_ITEM-PRICE\[2\]</code></td><td>([0-9.]+)", cart_page.text).group(1))


def test_matching_by_quote_and_product_id(client: TestClient, services: Services) -> None:
    srm_call_up(client)
    transfer_to_sandbox(client)
    with session(services.engine) as s:
        row = s.exec(select(PunchoutSession)).one()
        partner = s.get(Partner, DEMO_OCI_BUYER)
        quote = f"OCI-{row.id}"

        def line(number: str, *ids: ItemId, price: Money | None = None, refs: tuple[Reference, ...] = ()) -> OrderLine:
            return OrderLine(line_number=number, items=ids, quantity=Quantity(value=Decimal(3), unit="EA"),
                             unit_price=price, references=refs)

        order = Order(po_number="X-1", references=(Reference(qualifier="PR", value=quote),), lines=(
            # only EXT_PRODUCT_ID, as the buyer's own qualifier: the SKU and the price come from the cart
            line("1", ItemId(kind=ItemIdKind.OTHER, value="DEMO-1024", qualifier="EXT_PRODUCT_ID")),
            # the cart line by EXT_QUOTE_ITEM, a different price kept and the quoted one noted
            line("2", ItemId(kind=ItemIdKind.SELLER, value="DEMO-1001"), price=Money(amount=Decimal("1.00"),
                 currency="USD"), refs=(Reference(qualifier="EXT_QUOTE_ITEM", value="1"),)),
        ))
        matched = with_cart_prices(s, partner, order)
        other = with_cart_prices(s, partner, order.model_copy(update={"references": (
            Reference(qualifier="PR", value="OCI-999999"),)}))
    first, second = matched.lines
    assert first.item_id(ItemIdKind.SELLER) == "DEMO-1024" and first.unit_price == Money(amount=Decimal("79.00"),
                                                                                          currency="USD")
    assert second.unit_price.amount == Decimal("1.00")
    assert [(e.source, e.name, e.value) for e in second.extensions] == [(SOURCE, "QuotedPrice", "1.05 USD")]
    assert other == order.model_copy(update={"references": (Reference(qualifier="PR", value="OCI-999999"),)})


def test_an_x12_850_quoting_the_cart_gets_its_prices(client: TestClient, services: Services) -> None:
    """SAP's PO as an X12 850: REF*PR names the cart, PO1 our SKUs without prices; the ERP order has the cart's."""
    with session(services.engine) as s:
        add_oci_buyer(s, partner_id="srm-x12", name="Acme SRM by EDI", customer_id="ACME", username="edi",
                      password="edi-pass", order_channel="x12")
        s.commit()
    srm_call_up(client, "srm-x12", "edi-pass")
    client.post("/punchout/shop/transfer")
    with session(services.engine) as s:
        quote = f"OCI-{s.exec(select(PunchoutSession)).one().id}"
    segments = ["ISA*00*          *00*          *ZZ*SRM-X12        *ZZ*B2BGWSELLER    *261120*0930*U*00401*"
                "000000042*0*P*>",
                "GS*PO*SRM-X12*B2BGWSELLER*20261120*0930*42*X*004010", "ST*850*0001", "BEG*00*SA*SRM-850-1**20261120",
                f"REF*PR*{quote}", "PO1*1*12*EA***VP*DEMO-1001", "PO1*2*2*EA***VP*DEMO-1024", "CTT*2", "SE*7*0001",
                "GE*1*42", "IEA*1*000000042"]
    answer = client.post("/edi/srm-x12", content="~\n".join(segments) + "~\n",
                         headers=client_edi_headers(client, "srm-x12"))
    assert answer.status_code < 300, answer.text
    drain(services)
    (doc,) = [d for d in docs(services, po_number="SRM-850-1") if d.doc_type == "850"]
    assert doc.state == "processed" and doc.erp_order_id, (doc.state, doc.error)
    lines = services.erp.get_order(doc.erp_order_id).order.lines
    assert [(ln.item_id(ItemIdKind.SELLER), ln.unit_price.amount if ln.unit_price else None) for ln in lines] == [
        ("DEMO-1001", Decimal("1.05")), ("DEMO-1024", Decimal("79.00"))]


def test_the_srm_sandbox_is_off_with_the_sandbox(services: Services) -> None:
    off = Services(make_settings(services.settings.database_url), services.engine, services.erp)  # off by default
    with TestClient(create_app(off)) as closed:
        assert closed.get("/sandbox/oci").status_code == 404
        assert closed.post("/sandbox/oci/hook/srm-acme", content=b"NEW_ITEM-DESCRIPTION[1]=x").status_code == 404
        assert closed.get("/sandbox/oci/carts/1").status_code == 404
        # the catalog itself stays open to buyers
        assert closed.post("/oci", data={"USERNAME": DEMO_USERNAME, "PASSWORD": DEMO_PASSWORD,
                                         "HOOK_URL": "https://srm.example.com/hook"},
                           follow_redirects=False).status_code == 303
