"""The storefront: single-use StartPage tokens, browsing at the buyer's prices, the cart and its transfer."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from urllib.parse import unquote

from fastapi.testclient import TestClient
from lxml import etree
from sqlmodel import select

from formats.cxml import punchout
from gateway.punchout.tables import CxmlBuyer, PunchoutSession
from gateway.services import Services
from gateway.store.db import session
from tests.formats.cxml.conftest import DtdValidator
from tests.gateway.punchout.cxml_requests import setup_request


def start_page(client: TestClient, raw: bytes) -> str:
    answer = client.post("/cxml", content=raw)
    assert answer.status_code == 200, answer.text
    url = etree.fromstring(answer.content).findtext("Response/PunchOutSetupResponse/StartPage/URL")
    assert url is not None
    return url.replace("http://testserver", "")


def enter(client: TestClient, raw: bytes | None = None) -> None:
    answer = client.get(start_page(client, raw or setup_request()), follow_redirects=False)
    assert answer.status_code == 303 and "b2bgw_punchout" in answer.headers["set-cookie"]
    assert "httponly" in answer.headers["set-cookie"].lower()


def transferred(client: TestClient) -> tuple[str, str, str]:
    """(form action, field name, field value) of the auto-submitting transfer page."""
    page = client.post("/punchout/shop/transfer")
    assert page.status_code == 200, page.text
    action = re.search(r'<form id="transfer" method="post" action="([^"]+)"', page.text)
    field = re.search(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    assert action and field and "submit()" in page.text
    return html.unescape(action.group(1)), field.group(1), html.unescape(field.group(2))


def test_a_start_token_works_once(client: TestClient) -> None:
    url = start_page(client, setup_request())
    assert client.get(url, follow_redirects=False).status_code == 303
    again = client.get(url)
    assert again.status_code == 410 and "already been used" in again.text
    assert "Traceback" not in again.text
    unknown = client.get("/punchout/start/not-a-token")
    assert unknown.status_code == 410 and "not valid" in unknown.text


def test_an_expired_token_gets_a_clear_page(client: TestClient, services: Services) -> None:
    url = start_page(client, setup_request())
    with session(services.engine) as s:
        row = s.exec(select(PunchoutSession)).one()
        row.token_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        s.add(row)
        s.commit()
    answer = client.get(url)
    assert answer.status_code == 410 and "expired" in answer.text


def test_pages_without_a_session_say_so(client: TestClient) -> None:
    answer = client.get("/punchout/shop")
    assert answer.status_code == 410 and "no punchout session" in answer.text


def test_browse_search_and_product_at_the_buyers_prices(client: TestClient) -> None:
    enter(client)
    home = client.get("/punchout/shop")
    assert home.status_code == 200 and "Writing instruments" in home.text and "Safety" in home.text
    category = client.get("/punchout/shop/category/Safety")
    assert "Safety glasses, clear anti-fog lens" in category.text and "Ballpoint" not in category.text
    found = client.get("/punchout/shop/search", params={"q": "ballpoint blue"})
    assert "DEMO-1001" in found.text and "DEMO-1002" not in found.text
    assert "1.29 USD" in found.text and "In stock (650 available)" in found.text
    product = client.get("/punchout/shop/product/DEMO-1049")
    assert "Backordered; ships in 21 days" in product.text and "Litware Power (LP-USB-64)" in product.text
    assert client.get("/punchout/shop/product/NOPE").status_code == 404


def test_cart_transfer_is_a_dtd_valid_order_message(client: TestClient, dtd_validate: DtdValidator) -> None:
    enter(client, setup_request(cookie="cookie <&> 42"))
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1001", "quantity": "3", "mode": "add"})
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1001", "quantity": "2", "mode": "add"})
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1028", "quantity": "1", "mode": "add"})
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1010", "quantity": "4", "mode": "add"})
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1010", "quantity": "0", "mode": "set"})
    cart = client.get("/punchout/shop/cart")
    assert "DEMO-1010" not in cart.text and "6.45 USD" in cart.text
    action, field, value = transferred(client)
    assert (action, field) == ("https://buyer.test/return", "cxml-urlencoded")
    raw = value.encode()
    dtd_validate(raw)
    assert b"SharedSecret" not in raw
    message = punchout.parse_order_message(raw)
    assert message.header.buyer_cookie == "cookie &lt;&amp;&gt; 42"
    assert message.header.total is not None and str(message.header.total.amount) == "13.40"  # 5 x 1.29 + 6.95
    first, second = message.lines
    assert (first.item_id(first.items[0].kind), str(first.quantity.value)) == ("DEMO-1001", "5")
    assert first.classification == "44121704" and str(first.unit_price.amount) == "1.29"  # type: ignore[union-attr]
    root = etree.fromstring(raw)
    item = root.find(".//ItemIn")
    assert item is not None
    assert item.findtext("ItemID/SupplierPartAuxiliaryID", "").startswith("punchout-")
    assert item.findtext("ItemDetail/ManufacturerPartID") == "CW-BP-M-BL"
    assert item.findtext("ItemDetail/ManufacturerName") == "Contoso Writing"
    assert item.findtext("ItemDetail/LeadTime") == "2"
    assert item.findtext("ItemDetail/UnitOfMeasure") == "EA"
    assert second.description == "Safety glasses, clear anti-fog lens"


def test_the_cart_can_travel_base64(client: TestClient, services: Services, dtd_validate: DtdValidator) -> None:
    with session(services.engine) as s:
        buyer = s.get(CxmlBuyer, "contoso")
        assert buyer is not None
        buyer.form_post_field = "cxml-base64"
        s.add(buyer)
        s.commit()
    enter(client)
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1039", "quantity": "2", "mode": "add"})
    _action, field, value = transferred(client)
    assert field == "cxml-base64"
    raw = base64.b64decode(unquote(value))
    dtd_validate(raw)
    assert punchout.parse_order_message(raw).lines[0].quantity.value == 2


def test_edit_reopens_the_returned_cart(client: TestClient) -> None:
    enter(client, setup_request(operation="edit", items=[("DEMO-1001", "3"), ("DEMO-1024", "1")]))
    cart = client.get("/punchout/shop/cart")
    assert "Ballpoint pen, medium point, blue" in cart.text and "Laser toner cartridge" in cart.text
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1024", "quantity": "0", "mode": "set"})
    _action, _field, value = transferred(client)
    message = punchout.parse_order_message(value.encode())
    assert [ln.quantity.value for ln in message.lines] == [3]
    assert message.header.operation_allowed == "edit"


def test_inspect_is_read_only(client: TestClient) -> None:
    enter(client, setup_request(operation="inspect", items=[("DEMO-1002", "7")]))
    cart = client.get("/punchout/shop/cart")
    assert "read-only cart" in cart.text and "Update</button>" not in cart.text
    refused = client.post("/punchout/shop/cart", data={"sku": "DEMO-1002", "quantity": "1", "mode": "add"})
    assert refused.status_code == 400 and "inspection only" in refused.text
    _action, _field, value = transferred(client)
    message = punchout.parse_order_message(value.encode())
    assert message.header.operation_allowed == "inspect" and message.lines[0].quantity.value == 7


def test_level_two_punchout_lands_on_the_product(client: TestClient) -> None:
    url = start_page(client, setup_request(selected="DEMO-1017"))
    landed = client.get(url)
    assert landed.status_code == 200 and "Desktop stapler" in landed.text


def test_the_storefront_prices_from_the_customers_price_lists(client: TestClient, services: Services,
                                                              dtd_validate: DtdValidator) -> None:
    from gateway.pricing.sync import sync_from_erp

    sync_from_erp(services.engine, services.erp, trigger="test")  # ACME's contract list ACME-2026: 1.05
    enter(client)
    found = client.get("/punchout/shop/search", params={"q": "DEMO-1001"})
    assert "1.05 USD" in found.text and "1.29 USD" not in found.text
    client.post("/punchout/shop/cart", data={"sku": "DEMO-1001", "quantity": "10", "mode": "add"})
    _action, _field, value = transferred(client)
    dtd_validate(value.encode())
    [line] = punchout.parse_order_message(value.encode()).lines
    assert line.unit_price is not None and str(line.unit_price.amount) == "1.05"
