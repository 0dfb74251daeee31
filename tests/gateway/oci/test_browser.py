"""Headless Chromium: the sandbox plays SAP SRM through an OCI call-up, shopping, the cart back, VALIDATE and DETAIL.

sandbox (as SRM) -> its call-up form posted to /oci -> search -> two items -> transfer -> the
auto-submitted NEW_ITEM form reaches the sandbox's HOOK_URL, which shows every field; then a
VALIDATE call-up comes straight back with the current price, and a DETAIL call-up opens the
product page, whose item goes back the same way. The app runs under uvicorn (tests/browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from gateway.app import create_app
from gateway.oci.demo import DEMO_OCI_BUYER, DEMO_PASSWORD
from gateway.services import Services
from tests.browser import chromium, navigating, served, wait_for
from tests.gateway.admin_session import sandbox_services, sign_in_browser

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("price_lists")]


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    """The demo with the sandbox on (``B2BGW_SANDBOX=true``, as ``serve --demo`` sets it)."""
    with sandbox_services(database_url) as built:
        yield built


def fields_shown(driver: WebDriver) -> dict[str, str]:
    """The sandbox's table of every field as posted to its HOOK_URL."""
    rows = driver.find_elements(By.CSS_SELECTOR, "#oci-fields tbody tr")
    return {cells[0].text: cells[1].text for cells in (row.find_elements(By.TAG_NAME, "td") for row in rows)}


def call_up(driver: WebDriver, base: str, function: str = "", product: str = "", quantity: str = "1") -> None:
    driver.get(f"{base}/sandbox/oci")
    driver.find_element(By.ID, f"password-{DEMO_OCI_BUYER}").send_keys(DEMO_PASSWORD)
    if function:
        Select(driver.find_element(By.ID, f"function-{DEMO_OCI_BUYER}")).select_by_visible_text(function)
        driver.find_element(By.ID, f"product-{DEMO_OCI_BUYER}").send_keys(product)
        box = driver.find_element(By.ID, f"quantity-{DEMO_OCI_BUYER}")
        box.clear()
        box.send_keys(quantity)
    with navigating(driver):
        driver.find_element(By.ID, f"start-{DEMO_OCI_BUYER}").click()


def add_from_search(driver: WebDriver, query: str, sku: str) -> None:
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(query)
    with navigating(driver):
        box.submit()
    wait_for(lambda: bool(driver.find_elements(By.CSS_SELECTOR, f'button[value="{sku}"]')))
    with navigating(driver):
        driver.find_element(By.CSS_SELECTOR, f'button[value="{sku}"]').click()
    wait_for(lambda: driver.title.startswith("Cart") and sku in driver.page_source)


def test_oci_punchout_in_a_real_browser(services: Services) -> None:
    with served(create_app(services, workers=0)) as base, chromium() as browser:
        driver: WebDriver = browser  # type: ignore[assignment]
        driver.get(f"{base}/sandbox")
        sign_in_browser(driver)  # the cart posted back to the HOOK_URL carries the SameSite=Strict session cookie
        with navigating(driver):
            driver.find_element(By.ID, "oci-sandbox").click()
        wait_for(lambda: driver.title.startswith("SAP buyer"))
        call_up(driver, base)
        wait_for(lambda: driver.title.startswith("Catalogue") and "Acme SAP SRM" in driver.page_source)
        add_from_search(driver, "ballpoint blue", "DEMO-1001")
        add_from_search(driver, "DEMO-1024", "DEMO-1024")
        quantity = driver.find_element(By.ID, "cart-DEMO-1001")
        quantity.clear()
        quantity.send_keys("12")
        with navigating(driver):
            quantity.submit()
        wait_for(lambda: driver.find_element(By.ID, "cart-DEMO-1001").get_attribute("value") == "12")
        with navigating(driver):
            driver.find_element(By.XPATH, "//button[normalize-space()='Transfer cart']").click()

        wait_for(lambda: "/sandbox/oci/carts/" in driver.current_url and driver.title.startswith("OCI cart"))
        shown = fields_shown(driver)
        assert shown["NEW_ITEM-VENDORMAT[1]"] == "DEMO-1001" and shown["NEW_ITEM-QUANTITY[1]"] == "12"
        assert shown["NEW_ITEM-PRICE[1]"] == "1.05" and shown["NEW_ITEM-CURRENCY[1]"] == "USD"
        assert shown["NEW_ITEM-UNIT[1]"] == "EA" and shown["NEW_ITEM-VENDOR[1]"] == "0000100042"
        assert shown["NEW_ITEM-MATGROUP[1]"] == "OFF-WRITE" and shown["NEW_ITEM-EXT_PRODUCT_ID[1]"] == "DEMO-1001"
        assert shown["NEW_ITEM-VENDORMAT[2]"] == "DEMO-1024" and shown["NEW_ITEM-PRICE[2]"] == "79"
        assert shown["NEW_ITEM-EXT_QUOTE_ID[2]"].startswith("OCI-") and shown["NEW_ITEM-EXT_QUOTE_ITEM[2]"] == "2"
        assert shown["sap-client"] == "100" and shown["sap-language"] == "EN" and shown["~OkCode"] == "ADDI"
        assert DEMO_PASSWORD not in driver.page_source
        lines = driver.find_elements(By.CSS_SELECTOR, "#oci-lines tbody tr")
        assert [row.find_elements(By.TAG_NAME, "td")[1].text for row in lines] == ["DEMO-1001", "DEMO-1024"]

        # VALIDATE: no page to see, the item comes straight back at today's price for 250 (ACME's 200+ tier)
        call_up(driver, base, "VALIDATE", "DEMO-1001", "250")
        wait_for(lambda: "/sandbox/oci/carts/" in driver.current_url and driver.title.startswith("OCI cart"))
        validated = fields_shown(driver)
        assert validated["NEW_ITEM-PRICE[1]"] == "0.95" and validated["NEW_ITEM-QUANTITY[1]"] == "250"

        # DETAIL: the product page, and its item back into SRM
        call_up(driver, base, "DETAIL", "DEMO-1024")
        wait_for(lambda: "/punchout/shop/product/DEMO-1024" in driver.current_url)
        with navigating(driver):
            driver.find_element(By.XPATH, "//button[normalize-space()='Add to cart']").click()
        wait_for(lambda: driver.title.startswith("Cart") and "DEMO-1024" in driver.page_source)
        with navigating(driver):
            driver.find_element(By.XPATH, "//button[normalize-space()='Transfer cart']").click()
        wait_for(lambda: "/sandbox/oci/carts/" in driver.current_url and driver.title.startswith("OCI cart"))
        detail = fields_shown(driver)
        assert detail["NEW_ITEM-VENDORMAT[1]"] == "DEMO-1024" and "NEW_ITEM-VENDORMAT[2]" not in detail
