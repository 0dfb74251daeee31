"""The operator pages in headless Chromium: sign in, filter, open a rejected order, correct it, replay.

The same flow an operator follows when a partner calls about an order: everything through the
browser, the data from a real partner file, the checks on what the pages and the store then say.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.app import create_app
from gateway.pipeline.states import State
from gateway.services import Services
from tests.browser import chromium, navigating, served, wait_for

from .conftest import OPERATOR_TOKEN
from .flow import X12, docs, drain


def wait_for_title(driver: Any, text: str) -> None:
    """Wait for the page a click led to (a click returns before the next page has loaded)."""
    wait_for(lambda: text in driver.title)


@pytest.fixture
def browser_at(services: Services) -> Iterator[tuple[Any, str]]:
    with served(create_app(services, workers=0)) as base, chromium() as driver:
        yield driver, base


def test_an_operator_finds_corrects_and_replays_an_order(browser_at: tuple[Any, str], services: Services) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from gateway.intake.files import receive_file

    driver, base = browser_at
    raw = (X12 / "850-4010-basic.x12").read_bytes()
    broken = raw.replace(b"PO1*1*", b"PO1*1*X", 1)
    receive_file(services.engine, raw=broken, partner_id="acme", filename="acme-850.x12", actor="test")
    drain(services)
    [rejected] = docs(services, doc_type="850")
    assert rejected.state == State.REJECTED.value

    driver.get(f"{base}/admin/documents?state=rejected")
    assert "Sign in" in driver.title
    driver.find_element(By.ID, "token").send_keys(OPERATOR_TOKEN)
    with navigating(driver):
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for_title(driver, "Documents")
    assert "state=rejected" in driver.current_url  # back where the operator was going

    Select(driver.find_element(By.NAME, "type")).select_by_visible_text("850")
    with navigating(driver):
        driver.find_element(By.XPATH, "//button[text()='Find']").click()
    with navigating(driver):
        driver.find_element(By.LINK_TEXT, str(rejected.id)).click()
    wait_for_title(driver, f"Document {rejected.id} ")
    assert "rejected" in driver.find_element(By.CSS_SELECTOR, "td.state-rejected").text

    with navigating(driver):
        driver.find_element(By.LINK_TEXT, "Correct and retry").click()
    wait_for_title(driver, "Correct document")
    area = driver.find_element(By.ID, "raw")
    area.clear()
    area.send_keys(raw.decode())
    driver.find_element(By.ID, "reason").send_keys("quantity typo, fixed with the buyer on the phone")
    with navigating(driver):
        driver.find_element(By.XPATH, "//button[text()='Queue the corrected copy']").click()
    assert "Corrected copy of document" in driver.find_element(By.CSS_SELECTOR, "p.notice").text
    drain(services)
    [_, corrected] = docs(services, doc_type="850")
    assert corrected.state == State.PROCESSED.value and corrected.erp_order_id

    driver.get(f"{base}/admin/documents/{corrected.id}")
    with navigating(driver):
        driver.find_element(By.XPATH, "//button[text()='Replay']").click()
    assert "Replayed" in driver.find_element(By.CSS_SELECTOR, "p.notice").text
    drain(services)
    assert {d.erp_order_id for d in docs(services, doc_type="850") if d.erp_order_id} == {corrected.erp_order_id}

    with navigating(driver):
        driver.find_element(By.LINK_TEXT, "KPIs").click()
    wait_for_title(driver, "KPIs")
    assert "acme" in driver.find_element(By.TAG_NAME, "table").text
    with navigating(driver):
        driver.find_element(By.LINK_TEXT, "Audit log").click()
    wait_for_title(driver, "Audit log")
    log = driver.find_element(By.TAG_NAME, "table").text
    assert "document.edit" in log and "document.replay" in log
    with navigating(driver):
        driver.find_element(By.XPATH, "//button[text()='Sign out']").click()
    wait_for_title(driver, "Sign in")
    driver.get(f"{base}/admin/documents")
    wait_for_title(driver, "Sign in")
