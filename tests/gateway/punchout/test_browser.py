"""A real browser (headless Debian Chromium through Selenium) drives the whole punchout cycle.

sandbox -> PunchOutSetupRequest -> StartPage -> search -> two items in the cart -> transfer ->
the sandbox receives the cart -> OrderRequest -> the ERP order exists -> the ConfirmationRequest
is delivered (by the app's own worker thread, through the outbox, to the sandbox inbox); then the
cart is opened again to edit it and to inspect it. The sandbox is on and the operator signs in
first: the storefront's cart transfer back to the sandbox carries the SameSite=Strict session
cookie (one site), and the inbox takes the confirmation by our SharedSecret in it.

The app runs under uvicorn on a free loopback port. Chromium and chromedriver come from Debian
(``apt-get install chromium chromium-driver``, done by ``.ci/run``); without them the test skips
on a developer's machine and fails in CI.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from sqlmodel import select

from gateway.app import create_app
from gateway.punchout.demo import DEMO_SECRET
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document
from tests.browser import chromium, free_port, navigating, served, wait_for
from tests.gateway.admin_session import sandbox_services, sign_in_browser
from tests.gateway.punchout.buyer_endpoint import deliver_to

pytestmark = pytest.mark.slow


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    """The demo with the sandbox on (``B2BGW_SANDBOX=true``, as ``serve --demo`` sets it)."""
    with sandbox_services(database_url) as built:
        yield built


@pytest.fixture
def live_server(services: Services) -> Iterator[str]:
    """The app with one worker thread, under uvicorn on loopback; its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    deliver_to(services.engine, f"{base}/sandbox/inbox")
    with served(create_app(services, workers=1), port=port) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Debian Chromium."""
    with chromium() as driver:
        yield driver


def add_from_search(driver: webdriver.Chrome, query: str, sku: str) -> None:
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(query)
    with navigating(driver):
        box.submit()
    wait_for(lambda: driver.title.startswith("Search") and bool(driver.find_elements(By.CSS_SELECTOR,
                                                                                      f'button[value="{sku}"]')))
    with navigating(driver):
        driver.find_element(By.CSS_SELECTOR, f'button[value="{sku}"]').click()
    wait_for(lambda: driver.title.startswith("Cart") and sku in driver.page_source)


def reopen(driver: webdriver.Chrome, base: str, cart_id: str, operation: str) -> None:
    driver.get(f"{base}/sandbox/carts/{cart_id}")
    driver.find_element(By.ID, "again-secret").send_keys(DEMO_SECRET)
    with navigating(driver):
        driver.find_element(By.ID, f"{operation}-cart").click()
    wait_for(lambda: "200 OK" in driver.find_element(By.ID, "status").text)
    with navigating(driver):
        driver.find_element(By.ID, "start-page").click()
    wait_for(lambda: driver.title.startswith("Cart"))


def test_punchout_cycle_in_a_real_browser(live_server: str, browser: webdriver.Chrome, services: Services) -> None:
    base, driver = live_server, browser
    driver.get(f"{base}/sandbox")
    sign_in_browser(driver)  # the sandbox is the operator's; the cart posted back to it carries the session cookie
    assert driver.current_url == f"{base}/sandbox"
    driver.find_element(By.ID, "secret").send_keys(DEMO_SECRET)
    with navigating(driver):
        driver.find_element(By.CSS_SELECTOR, "form[action='/sandbox/setup'] button").click()
    wait_for(lambda: "200 OK" in driver.find_element(By.ID, "status").text)

    with navigating(driver):
        driver.find_element(By.ID, "start-page").click()
    wait_for(lambda: driver.title.startswith("Catalogue") and "Writing instruments" in driver.page_source)
    add_from_search(driver, "ballpoint blue", "DEMO-1001")
    add_from_search(driver, "battery AA", "DEMO-1039")
    quantity = driver.find_element(By.ID, "cart-DEMO-1001")
    quantity.clear()
    quantity.send_keys("3")
    with navigating(driver):
        quantity.submit()
    wait_for(lambda: driver.find_element(By.ID, "cart-DEMO-1001").get_attribute("value") == "3")
    with navigating(driver):
        driver.find_element(By.XPATH, "//button[normalize-space()='Transfer cart']").click()

    wait_for(lambda: "/sandbox/carts/" in driver.current_url and bool(driver.find_elements(By.ID, "cart-lines")))
    cart_id = driver.current_url.rsplit("/", 1)[1]
    lines = driver.find_element(By.ID, "cart-lines").text
    assert "DEMO-1001" in lines and "DEMO-1039" in lines and "3 EA" in lines
    assert "PunchOutOrderMessage" in driver.find_element(By.ID, "raw-cart").text

    driver.find_element(By.ID, "po").clear()
    driver.find_element(By.ID, "po").send_keys("BROWSER-1")
    driver.find_element(By.ID, "order-secret").send_keys(DEMO_SECRET)
    with navigating(driver):
        driver.find_element(By.ID, "send-order").click()
    wait_for(lambda: "Order BROWSER-1" in driver.title)

    def confirmed() -> bool:
        driver.refresh()
        return "ConfirmationRequest (document" in driver.find_element(By.ID, "inbox").text

    wait_for(confirmed)
    erp_order = driver.find_element(By.ID, "erp-order").text
    placed = services.erp.get_order(erp_order)
    assert placed is not None and placed.customer_id == "ACME"
    assert [(ln.item_id(ln.items[0].kind), ln.quantity.value) for ln in placed.order.lines] == [
        ("DEMO-1001", 3), ("DEMO-1039", 1)]
    with session(services.engine) as s:
        delivered = s.exec(select(Document).where(Document.doc_type == "ConfirmationRequest",
                                                  Document.direction == "out")).one()
    assert delivered.state == "sent"

    reopen(driver, base, cart_id, "edit")  # edit: the cart comes back and can change
    assert "Ballpoint pen, medium point, blue" in driver.page_source
    quantity = driver.find_element(By.ID, "cart-DEMO-1039")
    quantity.clear()
    quantity.send_keys("0")
    with navigating(driver):
        quantity.submit()
    wait_for(lambda: not driver.find_elements(By.ID, "cart-DEMO-1039"))
    with navigating(driver):
        driver.find_element(By.XPATH, "//button[normalize-space()='Transfer cart']").click()
    wait_for(lambda: "/sandbox/carts/" in driver.current_url and driver.current_url.rsplit("/", 1)[1] != cart_id
             and bool(driver.find_elements(By.ID, "cart-lines")))
    edited = driver.find_element(By.ID, "cart-lines").text
    assert "DEMO-1001" in edited and "DEMO-1039" not in edited
    assert "operation allowed: edit" in driver.page_source

    reopen(driver, base, cart_id, "inspect")  # inspect: read-only
    assert "read-only cart" in driver.page_source and not driver.find_elements(By.ID, "cart-DEMO-1001")
    with navigating(driver):
        driver.find_element(By.XPATH, "//button[normalize-space()='Return to procurement']").click()
    wait_for(lambda: "operation allowed: inspect" in driver.page_source)
