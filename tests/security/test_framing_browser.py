"""The return-address and framing attacks of issue #19 in a real browser (headless Debian Chromium).

* A session whose return address is ``javascript:`` (stored as if before the check): the buyer
  shops and presses "Transfer cart"; no script runs (the payload would set ``document.title``,
  ``window.name`` and a localStorage marker) and the page says why.
* A good return address still gets the cart: a tiny server acting as the buyer's procurement
  system receives the PunchOutOrderMessage (and answers the POST with a redirect, as real ones
  do: CSP's ``form-action`` lets a same-origin redirect through).
* Framing: a page of the procurement system (``https://localhost:P2``) shows the storefront
  (``https://127.0.0.1:P1``, another origin) in an iframe. With the buyer's ``frame_ancestors``
  naming that origin the storefront works inside the frame, cart transfer included; without the
  setting, or with another origin in it, Chromium refuses to render it.

Both servers speak TLS with a throwaway certificate (Chromium started with
``--ignore-certificate-errors``). Inside a cross-site frame Chromium drops a ``SameSite=Lax``
cookie (what the storefront sets over plain HTTP) and, as third-party cookies are blocked, an
unpartitioned ``SameSite=None; Secure`` one too: over HTTPS the session cookie is
``SameSite=None; Secure; Partitioned`` (CHIPS), kept for the framing site, which is what makes
the framed storefront work here (without ``Partitioned`` the catalogue answered 410, no
session). So framing works over HTTPS only, as it will in production. The return-address tests
run over plain HTTP at the top level, where a Lax cookie is fine.
"""

from __future__ import annotations

import datetime as dt
import html
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import pytest
from lxml import etree
from selenium import webdriver
from selenium.webdriver.common.by import By
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from gateway.app import create_app
from gateway.onboarding.settings import validate_settings
from gateway.punchout.demo import DEMO_BUYER
from gateway.punchout.secrets import new_token, token_hash
from gateway.punchout.tables import PunchoutSession
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner, utcnow
from tests.browser import chromium, free_port, navigating, served, wait_for
from tests.gateway.punchout.cxml_requests import setup_request

pytestmark = pytest.mark.slow

PAYLOAD = "javascript:document.title='pwned';window.name='pwned';localStorage.setItem('pwned','1');void(0)"


def browser(*, ignore_certificates: bool = False) -> AbstractContextManager[Any]:
    """Headless Chromium (:func:`tests.browser.chromium`), trusting any certificate if asked."""
    return chromium(ignore_certificates=ignore_certificates, implicit_wait=2)


def certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 and localhost."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


class ProcurementSystem:
    """The buyer's side: a page that frames a URL, and the return address that receives carts."""

    def __init__(self) -> None:
        self.carts: list[dict[str, list[str]]] = []
        self.app = Starlette(routes=[Route("/outer", self.outer), Route("/return", self.receive, methods=["POST"]),
                                     Route("/received", self.received)])

    async def outer(self, request: Request) -> HTMLResponse:
        src = html.escape(request.query_params["src"], quote=True)
        return HTMLResponse(f'<!doctype html><title>Procurement</title><h1>Procurement system</h1>'
                            f'<iframe id="shop" name="shop" src="{src}" width="1100" height="800"></iframe>')

    async def receive(self, request: Request) -> RedirectResponse:
        self.carts.append(parse_qs((await request.body()).decode()))
        return RedirectResponse("/received", status_code=303)  # as procurement systems do after the POST

    async def received(self, request: Request) -> HTMLResponse:
        return HTMLResponse("<!doctype html><title>Cart received</title><h1>Cart received</h1>")


def start_page(base: str, form_post: str) -> str:
    """POST a PunchOutSetupRequest of the demo buyer to ``base``; its StartPage URL."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the throwaway certificate
    request = urllib.request.Request(f"{base}/cxml", data=setup_request(form_post=form_post),
                                     headers={"Content-Type": "text/xml"})
    with urllib.request.urlopen(request, context=context, timeout=30) as answer:
        url = etree.fromstring(answer.read()).findtext("Response/PunchOutSetupResponse/StartPage/URL")
    assert url is not None and url.startswith(f"{base}/punchout/start/")
    return url


def set_frame_ancestors(services: Services, origins: list[str] | None) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, DEMO_BUYER)
        assert partner is not None
        settings = {k: v for k, v in partner.settings.items() if k != "frame_ancestors"}
        if origins is not None:
            settings.update(validate_settings({"frame_ancestors": origins}))
        partner.settings = settings
        s.add(partner)
        s.commit()


def add_and_transfer(driver: webdriver.Chrome, sku: str = "DEMO-1001") -> None:
    """In the storefront shown by ``driver`` (top level or frame): search ``sku``, add it, press Transfer cart."""
    box = driver.find_element(By.ID, "q")
    box.send_keys(sku)
    with navigating(driver):
        box.submit()
    wait_for(lambda: bool(driver.find_elements(By.CSS_SELECTOR, f'button[value="{sku}"]')))
    with navigating(driver):
        driver.find_element(By.CSS_SELECTOR, f'button[value="{sku}"]').click()
    wait_for(lambda: bool(driver.find_elements(By.XPATH, "//h1[normalize-space()='Cart']"))
             and sku in driver.page_source)
    with navigating(driver):
        driver.find_element(By.XPATH, "//button[normalize-space()='Transfer cart']").click()


# ---------------------------------------------------------------------------------------------
# Item 1: the return address
# ---------------------------------------------------------------------------------------------


def stored_session(services: Services, form_post: str) -> str:
    """A session stored as if before the check, with ``form_post`` as its address; its StartPage token."""
    token = new_token()
    later = utcnow() + dt.timedelta(hours=1)
    with session(services.engine) as s:
        s.add(PunchoutSession(partner_id=DEMO_BUYER, operation="create", buyer_cookie="old",
                              browser_form_post=form_post, extrinsics={}, cart=[], token_hash=token_hash(token),
                              token_expires_at=later, expires_at=later))
        s.commit()
    return token


def test_a_javascript_return_address_runs_no_script(services: Services) -> None:
    token = stored_session(services, PAYLOAD)
    with served(create_app(services)) as base, browser() as driver:
        driver.get(f"{base}/punchout/start/{token}")
        wait_for(lambda: driver.title.startswith("Catalogue"))
        add_and_transfer(driver)
        refusal = "is not an address a cart can be posted to"
        wait_for(lambda: "pwned" in driver.title or refusal in driver.find_element(By.TAG_NAME, "body").text)
        time.sleep(0.5)  # time for a script, had one been started, to run
        assert "pwned" not in driver.title
        assert refusal in driver.find_element(By.TAG_NAME, "main").text
        assert driver.execute_script("return window.name") == ""
        assert driver.execute_script("return window.localStorage.getItem('pwned')") is None
        assert driver.current_url == f"{base}/punchout/shop/transfer"
        assert "javascript" in driver.find_element(By.TAG_NAME, "main").text  # says which address, and why


def test_a_web_return_address_still_receives_the_cart(services: Services) -> None:
    buyer = ProcurementSystem()
    buyer_port = free_port()
    with served(create_app(services)) as base, served(buyer.app, port=buyer_port), browser() as driver:
        driver.get(start_page(base, f"http://localhost:{buyer_port}/return?session=42"))
        wait_for(lambda: driver.title.startswith("Catalogue"))
        add_and_transfer(driver)
        wait_for(lambda: driver.current_url == f"http://localhost:{buyer_port}/received")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Cart received"
    (cart,) = buyer.carts
    message = cart["cxml-urlencoded"][0]
    assert "<PunchOutOrderMessage>" in message and "<BuyerCookie>cookie-1</BuyerCookie>" in message
    assert "<SupplierPartID>DEMO-1001</SupplierPartID>" in message


# ---------------------------------------------------------------------------------------------
# Item 2: framing the storefront
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def tls_servers(services: Services, tmp_path: Path) -> Iterator[tuple[str, str, ProcurementSystem]]:
    """(the gateway at https://127.0.0.1:P1, the procurement system at https://localhost:P2, its recorder)."""
    cert, key = certificate(tmp_path)
    buyer = ProcurementSystem()
    buyer_port = free_port()
    with served(create_app(services), tls=(cert, key)) as gateway, \
            served(buyer.app, buyer_port, tls=(cert, key)):
        yield gateway, f"https://localhost:{buyer_port}", buyer


def framed(driver: webdriver.Chrome, outer: str, src: str) -> None:
    """Open the procurement system's page that frames ``src``, and wait until the frame has loaded something."""
    driver.get(f"{outer}/outer?src={quote(src, safe='')}")
    wait_for(lambda: driver.find_element(By.TAG_NAME, "h1").text == "Procurement system")
    time.sleep(1.5)  # the frame's navigations: the StartPage, its redirect, the catalogue (or the refusal)


def frame_heading(driver: webdriver.Chrome) -> str:
    """The heading inside the frame, found afresh (a frame that went to another origin is a new document)."""
    driver.switch_to.default_content()
    driver.switch_to.frame("shop")
    return str(driver.find_element(By.TAG_NAME, "h1").text)


def test_the_storefront_works_inside_a_frame_of_an_allowed_origin(
        services: Services, tls_servers: tuple[str, str, ProcurementSystem]) -> None:
    gateway, outer, buyer = tls_servers
    set_frame_ancestors(services, [outer])
    with browser(ignore_certificates=True) as driver:
        framed(driver, outer, start_page(gateway, f"{outer}/return"))
        driver.switch_to.frame("shop")
        wait_for(lambda: driver.find_element(By.TAG_NAME, "h1").text == "Catalogue")
        assert "Writing instruments" in driver.page_source
        add_and_transfer(driver)  # the session cookie works in the frame: SameSite=None; Secure; Partitioned
        wait_for(lambda: frame_heading(driver) == "Cart received")  # the frame went back to the procurement system
        driver.switch_to.default_content()
        assert driver.find_element(By.TAG_NAME, "h1").text == "Procurement system"  # the frame stayed a frame
    (cart,) = buyer.carts
    assert "<SupplierPartID>DEMO-1001</SupplierPartID>" in cart["cxml-urlencoded"][0]


@pytest.mark.parametrize("allowed", [None, ["https://s1.ariba.com"]], ids=["no setting", "another origin"])
def test_the_storefront_refuses_a_frame_of_any_other_origin(
        services: Services, tls_servers: tuple[str, str, ProcurementSystem], allowed: list[str] | None) -> None:
    gateway, outer, _buyer = tls_servers
    set_frame_ancestors(services, allowed)
    url = start_page(gateway, f"{outer}/return")
    with browser(ignore_certificates=True) as driver:
        framed(driver, outer, url)
        driver.switch_to.frame("shop")
        time.sleep(1)
        assert not driver.find_elements(By.ID, "q") and "Catalogue" not in driver.page_source
        assert "Writing instruments" not in driver.page_source
        location = driver.execute_script("return document.location.href")
        assert not location.startswith(gateway)  # Chromium's error page, not ours
        # Only the framing was refused: the session is there, and once the buyer's setting names
        # this origin the same frame shows the catalogue (the cookie was set in the frame's partition).
        set_frame_ancestors(services, [outer])
        driver.switch_to.default_content()
        framed(driver, outer, f"{gateway}/punchout/shop")
        wait_for(lambda: frame_heading(driver) == "Catalogue")
