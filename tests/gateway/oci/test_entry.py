"""``GET|POST /oci``: login, HOOK_URL, OCI parameters, the storefront at the buyer's prices, the cart back."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from erp.builtin.catalog import add_product
from formats.oci import form_fields, parse
from gateway.oci.demo import DEMO_OCI_BUYER, DEMO_PASSWORD, DEMO_USERNAME
from gateway.punchout.tables import PunchoutSession
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document

HOOK = "https://srm.example.com/sap/bc/bsp/sap/bbp_oci/hook.htm?sap-client=100&session=AB%20CD"
LOGIN = {"USERNAME": DEMO_USERNAME, "PASSWORD": DEMO_PASSWORD}


def call_up(client: TestClient, **fields: str) -> object:
    return client.post("/oci", data={**LOGIN, "HOOK_URL": HOOK, **fields}, follow_redirects=False)


def form_of(page: str) -> tuple[str, list[tuple[str, str]]]:
    action = re.search(r'<form id="oci-[a-z]+" method="post" action="([^"]*)"', page)
    assert action is not None, page
    return html.unescape(action.group(1)), form_fields(page)


def documents(services: Services) -> list[Document]:
    with session(services.engine) as s:
        return list(s.exec(select(Document).where(Document.standard == "oci").order_by(Document.id)).all())


def shop(client: TestClient, *lines: tuple[str, str]) -> None:
    for sku, quantity in lines:
        added = client.post("/punchout/shop/cart", data={"sku": sku, "quantity": quantity})
        assert added.status_code == 200, added.text


@pytest.mark.usefixtures("price_lists")
def test_call_up_opens_the_storefront_at_the_buyers_prices(client: TestClient, services: Services) -> None:
    entered = call_up(client, **{"~OkCode": "ADDI", "~TARGET": "_top", "~CALLER": "CTLG"})
    assert entered.status_code == 303 and entered.headers["location"] == "/punchout/shop"
    assert "httponly" in entered.headers["set-cookie"].lower()
    found = client.get("/punchout/shop/search", params={"q": "DEMO-1001"})
    assert "1.05 USD" in found.text  # ACME's contract price, not the 1.29 list price
    assert "Acme SAP SRM" in found.text
    shop(client, ("DEMO-1001", "12"), ("DEMO-1024", "2"))
    page = client.post("/punchout/shop/transfer")
    assert page.status_code == 200 and 'document.getElementById("oci-return").submit()' in page.text
    action, fields = form_of(page.text)
    assert action == "https://srm.example.com/sap/bc/bsp/sap/bbp_oci/hook.htm"  # the query travels as inputs
    named = dict(fields)
    assert named["sap-client"] == "100" and named["session"] == "AB CD"
    assert named["~OkCode"] == "ADDI" and named["~TARGET"] == "_top" and named["~CALLER"] == "CTLG"
    assert 'target="_top"' in page.text
    assert named["NEW_ITEM-VENDORMAT[1]"] == "DEMO-1001" and named["NEW_ITEM-EXT_PRODUCT_ID[1]"] == "DEMO-1001"
    assert named["NEW_ITEM-QUANTITY[1]"] == "12" and named["NEW_ITEM-UNIT[1]"] == "EA"
    assert named["NEW_ITEM-PRICE[1]"] == "1.05" and named["NEW_ITEM-CURRENCY[1]"] == "USD"
    assert named["NEW_ITEM-PRICEUNIT[1]"] == "1" and named["NEW_ITEM-LEADTIME[1]"] == "1"
    assert named["NEW_ITEM-VENDOR[1]"] == "0000100042" and named["NEW_ITEM-MATGROUP[1]"] == "OFF-WRITE"
    assert named["NEW_ITEM-MANUFACTMAT[1]"] == "CW-BP-M-BL"
    assert named["NEW_ITEM-EXT_SCHEMA_TYPE[1]"] == "UNSPSC" and named["NEW_ITEM-EXT_CATEGORY_ID[1]"] == "44121704"
    assert named["NEW_ITEM-CUST_FIELD5[1]"] == "Writing instruments"
    assert named["NEW_ITEM-PRICE[2]"] == "79" and named["NEW_ITEM-VENDORMAT[2]"] == "DEMO-1024"
    with session(services.engine) as s:
        row = s.exec(select(PunchoutSession)).one()
    assert named["NEW_ITEM-EXT_QUOTE_ID[1]"] == f"OCI-{row.id}" and named["NEW_ITEM-EXT_QUOTE_ITEM[2]"] == "2"
    assert "NEW_ITEM-ITEM_TYPE[1]" not in named  # an OCI 4.0 buyer gets no 5.0 fields
    assert row.transferred_at is not None and row.extrinsics["oci"]["quoted"]["2"]["price"] == "79.00"
    # the form is a valid OCI cart, and carries no secret
    cart = parse(fields)
    assert [(i.vendormat, i.quantity, i.price) for i in cart.items] == [
        ("DEMO-1001", Decimal(12), Decimal("1.05")), ("DEMO-1024", Decimal(2), Decimal("79"))]
    assert DEMO_PASSWORD not in page.text and "PASSWORD" not in page.text
    stored = documents(services)
    assert [(d.doc_type, d.state, d.partner_id) for d in stored] == [("call-up", "accepted", DEMO_OCI_BUYER)]
    assert DEMO_PASSWORD.encode() not in stored[0].raw and b"PASSWORD=%2A%2A%2A" in stored[0].raw


def test_a_get_call_up_and_oci_5(client: TestClient) -> None:
    entered = client.get("/oci", params={**LOGIN, "HOOK_URL": "https://srm.example.com/hook", "OCI_VERSION": "5.0"},
                         follow_redirects=False)
    assert entered.status_code == 303
    shop(client, ("DEMO-1001", "1"))
    named = dict(form_of(client.post("/punchout/shop/transfer").text)[1])
    assert named["NEW_ITEM-ITEM_TYPE[1]"] == "R"


@pytest.mark.parametrize(("fields", "status", "says"), [
    ({"PASSWORD": "wrong"}, 401, "login failed"),
    ({"USERNAME": "nobody"}, 401, "login failed"),
    ({"HOOK_URL": ""}, 400, "no HOOK_URL"),
    ({"HOOK_URL": "javascript:alert(document.cookie)"}, 400, "javascript: is not an address"),
    ({"HOOK_URL": "JavaScript:alert(1)"}, 400, "javascript: is not an address"),
    ({"HOOK_URL": "data:text/html,<script>alert(1)</script>"}, 400, "data: is not an address"),
    ({"HOOK_URL": "/relative/hook"}, 400, "a relative address is not"),
    ({"FUNCTION": "DELETE_EVERYTHING"}, 400, "FUNCTION &#39;DELETE_EVERYTHING&#39; is not one"),
    ({"FUNCTION": "X" * 200}, 400, "is not one this catalog offers"),
    ({"OCI_VERSION": "3.5"}, 400, "OCI_VERSION &#39;3.5&#39; is not supported"),
    ({"FUNCTION": "QUANTITYCHECK"}, 400, "QUANTITYCHECK is an OCI 5.0 function"),
    ({"FUNCTION": "VALIDATE"}, 400, "needs a PRODUCTID"),
])
def test_refused_call_ups_get_a_clear_page_and_a_record(client: TestClient, services: Services,
                                                         fields: dict[str, str], status: int, says: str) -> None:
    page = call_up(client, **fields)
    assert page.status_code == status and says in page.text, page.text
    assert "set-cookie" not in page.headers and "Traceback" not in page.text
    with session(services.engine) as s:
        assert s.exec(select(PunchoutSession)).all() == []
    (record,) = documents(services)
    assert record.state == "rejected" and record.error and html.unescape(says) in record.error
    assert record.partner_id == (None if status == 401 else DEMO_OCI_BUYER)
    assert b"PASSWORD=%2A%2A%2A" in record.raw and DEMO_PASSWORD.encode() not in record.raw


def test_sapevent_is_a_legitimate_hook(client: TestClient) -> None:
    assert call_up(client, HOOK_URL="SAPEVENT:POST").status_code == 303
    shop(client, ("DEMO-1001", "1"))
    action, fields = form_of(client.post("/punchout/shop/transfer").text)
    assert action == "SAPEVENT:POST" and dict(fields)["NEW_ITEM-VENDORMAT[1]"] == "DEMO-1001"


def test_values_are_escaped_everywhere(client: TestClient, services: Services) -> None:
    name = 'Marker "Pro" <script>alert(1)</script> & co'
    add_product(services.engine, sku="EVIL-1", name=name, list_price=Decimal("2.50"), category="Writing instruments")
    call_up(client, HOOK_URL='https://srm.example.com/hook?x="><script>alert(2)</script>')
    shop(client, ("EVIL-1", "1"))
    assert "<script>alert(1)" not in client.get("/punchout/shop/cart").text
    page = client.post("/punchout/shop/transfer").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    named = dict(form_of(page)[1])
    assert named["NEW_ITEM-DESCRIPTION[1]"] == name[:40].rstrip()
    assert named["x"] == '"><script>alert(2)</script>'
    results = call_up(client, FUNCTION="BACKGROUND_SEARCH", SEARCHSTRING="marker pro")
    assert "<script>alert" not in results.text and "Marker &#34;Pro&#34; &lt;script&gt;" in results.text


def test_the_buyers_charset(client: TestClient, services: Services) -> None:
    add_product(services.engine, sku="UML-1", name="Bürostuhl Größe L € 5", list_price=Decimal("99.90"),
                category="Furniture")
    entered = client.post("/oci", content=(b"USERNAME=srm-demo&PASSWORD=oci-demo&http_content_charset=ISO-8859-1&"
                                           b"HOOK_URL=https%3A%2F%2Fsrm.example.com%2Fh%3Fuser%3DM%FCller"),
                          headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert entered.status_code == 303
    shop(client, ("UML-1", "1"))
    page = client.post("/punchout/shop/transfer")
    assert page.headers["content-type"] == "text/html; charset=ISO-8859-1"
    assert b'<meta charset="ISO-8859-1">' in page.content and b'accept-charset="ISO-8859-1"' in page.content
    assert "Bürostuhl Größe L ? 5".encode("latin-1") in page.content  # the euro sign has no Latin-1 byte
    assert b'name="user" value="M\xfcller"' in page.content  # decoded from the call-up's Latin-1
    refused = client.post("/oci", content=b"USERNAME=srm-demo&PASSWORD=x&http_content_charset=windows-1252",
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert refused.status_code == 401 and refused.headers["content-type"] == "text/html; charset=windows-1252"


@pytest.mark.usefixtures("price_lists")
def test_detail_opens_the_product_page(client: TestClient) -> None:
    entered = call_up(client, FUNCTION="DETAIL", PRODUCTID="DEMO-1024")
    assert entered.status_code == 303 and entered.headers["location"] == "/punchout/shop/product/DEMO-1024"
    product = client.get(entered.headers["location"])
    assert product.status_code == 200 and "DEMO-1024" in product.text and "79.00 USD" in product.text


@pytest.mark.usefixtures("price_lists")
def test_validate_posts_the_current_price_straight_back(client: TestClient) -> None:
    page = call_up(client, FUNCTION="VALIDATE", PRODUCTID="DEMO-1001", QUANTITY="250", **{"~OkCode": "ADDI"})
    assert page.status_code == 200 and "set-cookie" not in page.headers
    assert 'document.getElementById("oci-return").submit()' in page.text
    assert "<h1>" not in page.text and "<main>" not in page.text  # nothing to see: it goes straight back
    action, fields = form_of(page.text)
    named = dict(fields)
    assert action.startswith("https://srm.example.com/sap/bc/bsp/sap/bbp_oci/hook.htm")
    assert named["NEW_ITEM-PRICE[1]"] == "0.95"  # the 200+ tier of ACME's contract
    assert named["NEW_ITEM-QUANTITY[1]"] == "250" and named["~OkCode"] == "ADDI"
    unknown = call_up(client, FUNCTION="VALIDATE", PRODUCTID="NOPE-1")
    assert unknown.status_code == 404 and "&#39;NOPE-1&#39; is not in the catalog" in unknown.text


def test_background_search_lists_without_submitting(client: TestClient, services: Services) -> None:
    page = call_up(client, FUNCTION="BACKGROUND_SEARCH", SEARCHSTRING="ballpoint")
    assert page.status_code == 200 and "submit()" not in page.text
    cart = parse(form_of(page.text)[1])
    assert {i.vendormat for i in cart.items} >= {"DEMO-1001", "DEMO-1002"}
    assert all(i.quantity == 1 and i.price is not None for i in cart.items)
    assert [d.doc_type for d in documents(services)] == ["BACKGROUND_SEARCH"]


@pytest.mark.usefixtures("price_lists")
def test_quantitycheck_in_oci_5(client: TestClient) -> None:
    page = call_up(client, FUNCTION="QUANTITYCHECK", OCI_VERSION="5.0", **{
        "NEW_ITEM-VENDORMAT[1]": "DEMO-1001", "NEW_ITEM-QUANTITY[1]": "300,000", "NEW_ITEM-UNIT[1]": "EA",
        "NEW_ITEM-EXT_PRODUCT_ID[3]": "DEMO-1024", "NEW_ITEM-QUANTITY[3]": "1"})
    assert page.status_code == 200 and "submit()" in page.text
    items = parse(form_of(page.text)[1]).items
    assert [(i.vendormat, i.quantity, i.price, i.item_type) for i in items] == [
        ("DEMO-1001", Decimal(300), Decimal("0.95"), "R"), ("DEMO-1024", Decimal(1), Decimal(79), "R")]
    assert items[0].leadtime == 1  # 650 in stock


def test_the_entry_is_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {paths["/oci"]["get"]["operationId"], paths["/oci"]["post"]["operationId"]} == {
        "oci_call_up_get", "oci_call_up_post"}
    assert not any(path.startswith("/sandbox") for path in paths)


def test_a_product_id_is_only_ever_a_path_segment(client: TestClient) -> None:
    entered = call_up(client, FUNCTION="DETAIL", PRODUCTID="../../admin?x=1")
    assert entered.status_code == 303
    assert entered.headers["location"] == "/punchout/shop/product/..%2F..%2Fadmin%3Fx%3D1"


def test_a_unit_the_buyer_has_no_code_for_is_a_clear_page(client: TestClient, services: Services) -> None:
    add_product(services.engine, sku="PAL-1", name="Pallet of paper", list_price=Decimal("400"), unit="XPX",
                category="Paper")
    page = call_up(client, FUNCTION="VALIDATE", PRODUCTID="PAL-1")
    assert page.status_code == 422 and "UN/ECE Rec 20 unit &#39;XPX&#39; has no SAP OCI ISO code" in page.text
    assert documents(services)[-1].state == "rejected"
    call_up(client)
    shop(client, ("PAL-1", "1"))
    cart = client.post("/punchout/shop/transfer")
    assert cart.status_code == 400 and "has no SAP OCI ISO code" in cart.text and "submit()" not in cart.text


def test_a_raw_query_string_in_any_bytes(client: TestClient) -> None:
    """The call-up's query is read as the bytes it came as (http_content_charset decides), never mis-decoded."""
    page = client.get("/oci?USERNAME=srm-demo&PASSWORD=%FF%FE&HOOK_URL=%E2%82%AC&http_content_charset=x-unknown")
    assert page.status_code == 401 and "login failed" in page.text


def test_an_oversized_call_up_is_refused_and_kept(client: TestClient, services: Services) -> None:
    page = client.post("/oci", content=b"USERNAME=srm-demo&PASSWORD=oci-demo&X=" + b"a" * 1_000_001,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413 and "larger than a catalog call-up" in page.text
    (record,) = documents(services)
    assert record.state == "rejected" and "larger" in (record.error or "")
    assert b"PASSWORD=%2A%2A%2A" in record.raw and DEMO_PASSWORD.encode() not in record.raw


def test_over_https_the_session_cookie_works_inside_the_buyers_frame(services: Services) -> None:
    """SRM shows the catalogue in an iframe of another site: over HTTPS the cookie is SameSite=None; Partitioned."""
    from gateway.app import create_app

    with TestClient(create_app(services), base_url="https://gateway.example") as secure:
        entered = secure.post("/oci", data={**LOGIN, "HOOK_URL": HOOK}, follow_redirects=False)
    cookie = entered.headers["set-cookie"]
    assert entered.status_code == 303 and "b2bgw_punchout=" in cookie
    assert all(part in cookie for part in ("Secure", "SameSite=none", "Partitioned", "HttpOnly"))
