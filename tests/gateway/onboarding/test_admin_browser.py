"""The partner pages in headless Chromium: sign in, add a partner with the form, fix a refused setting, issue a token.

What an operator does on a partner's first day, in a real browser; the token the page shows then
uploads a real X12 850 to ``/edi`` on the same server.
"""

from __future__ import annotations

import urllib.request
from typing import Any

from gateway.app import create_app
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner
from tests.browser import chromium, navigating, served, wait_for

from ..conftest import OPERATOR_TOKEN
from ..flow import X12


def test_an_operator_onboards_a_partner_in_the_browser(services: Services) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with served(create_app(services, workers=0)) as base, chromium() as driver:
        driver.get(f"{base}/admin/partners/new")
        driver.find_element(By.ID, "token").send_keys(OPERATOR_TOKEN)
        with navigating(driver):
            driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for(lambda: "Add a partner" in driver.title)

        driver.find_element(By.ID, "id").send_keys("northwind")
        driver.find_element(By.ID, "name").send_keys("Northwind Traders")
        driver.find_element(By.ID, "customer_id").send_keys("ACME")
        driver.find_element(By.ID, "x12_id").send_keys("NORTHWIND")
        Select(driver.find_element(By.ID, "usage")).select_by_value("T")
        settings = driver.find_element(By.ID, "settings")
        settings.clear()
        settings.send_keys('{"price_policy": "refuse"}')
        with navigating(driver):
            driver.find_element(By.XPATH, "//button[text()='Add the partner']").click()
        alert = driver.find_element(By.CSS_SELECTOR, "div.error[role=alert]").text
        assert "settings.price_policy: 'refuse': input should be 'accept', 'hold' or 'reject'" in alert

        settings = driver.find_element(By.ID, "settings")
        settings.clear()
        settings.send_keys('{"price_policy": "reject"}')
        with navigating(driver):
            driver.find_element(By.XPATH, "//button[text()='Add the partner']").click()
        wait_for(lambda: "Partner northwind" in driver.title)
        assert "Northwind Traders" in driver.find_element(By.TAG_NAME, "h1").text
        assert "No active credential" in driver.page_source

        driver.find_element(By.ID, "label").send_keys("Northwind VAN")
        with navigating(driver):
            driver.find_element(By.XPATH, "//button[text()='Issue']").click()
        token: Any = driver.find_element(By.CSS_SELECTOR, "#issued-secret pre").text
        assert token.startswith("b2bgwp_")
        driver.get(f"{base}/admin/partners/northwind")
        assert token not in driver.page_source and "Northwind VAN" in driver.page_source

        raw = (X12 / "850-4010-basic.x12").read_bytes().replace(b"ACMEBUYER", b"NORTHWIND")
        request = urllib.request.Request(f"{base}/edi/northwind", data=raw, method="POST",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 202

    with session(services.engine) as s:
        partner = s.get(Partner, "northwind")
        assert partner is not None and partner.usage == "T" and partner.settings == {"price_policy": "reject"}
