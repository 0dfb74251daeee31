"""The storefront pages of an OCI session are in the buyer's http_content_charset, like the OCI pages."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from erp.builtin import add_product
from gateway.services import Services


def test_storefront_pages_come_in_the_buyers_charset(client: TestClient, services: Services) -> None:
    add_product(services.engine, sku="UML-2", name="Bürostuhl Größe M € 4", list_price=Decimal("89.90"),
                category="Möbel")
    entered = client.post("/oci", content=(b"USERNAME=srm-demo&PASSWORD=oci-demo&http_content_charset=ISO-8859-1&"
                                           b"HOOK_URL=https%3A%2F%2Fsrm.example.com%2Fhook"),
                          headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert entered.status_code == 303
    product = client.get("/punchout/shop/product/UML-2")
    assert product.status_code == 200 and product.headers["content-type"] == "text/html; charset=ISO-8859-1"
    assert b'<meta charset="ISO-8859-1">' in product.content
    assert "Bürostuhl Größe M &#8364; 4".encode("latin-1") in product.content  # the euro as a reference
    assert b'accept-charset="utf-8"' in product.content  # the forms post UTF-8, which the app reads
    found = client.get("/punchout/shop/search", params={"q": "bürostuhl"})  # as the UTF-8 form sends it
    assert found.status_code == 200 and b"UML-2" in found.content
    assert client.post("/punchout/shop/cart", data={"sku": "UML-2", "quantity": "2"}).status_code == 200
    cart = client.get("/punchout/shop/cart")
    assert cart.headers["content-type"] == "text/html; charset=ISO-8859-1" and b"UML-2" in cart.content


def test_cxml_sessions_stay_utf_8(client: TestClient) -> None:
    from tests.gateway.punchout.test_storefront import enter

    enter(client)
    page = client.get("/punchout/shop")
    assert page.headers["content-type"] == "text/html; charset=utf-8" and b'<meta charset="utf-8">' in page.content
