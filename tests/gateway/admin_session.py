"""Test helpers: sign a test client in to /admin (which opens the sandbox too), and services with the sandbox on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from gateway.demo import seed_demo
from gateway.services import Services, build_services
from tests.gateway.conftest import OPERATOR_TOKEN, empty_database, make_settings


def sign_in(client: TestClient, token: str = OPERATOR_TOKEN) -> None:
    """Sign ``client`` in as the operator (the session cookie is then in its cookie jar)."""
    answer = client.post("/admin/login", data={"token": token, "next": "/admin/documents"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def sign_in_browser(driver: Any, token: str = OPERATOR_TOKEN) -> None:
    """On the sign-in page a browser was sent to: type the token, sign in, and wait to be back where it was going."""
    from selenium.webdriver.common.by import By

    from tests.browser import navigating, wait_for

    wait_for(lambda: "Sign in" in driver.title)
    driver.find_element(By.ID, "token").send_keys(token)
    with navigating(driver):
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: "Sign in" not in driver.title)


@contextmanager
def sandbox_services(database_url: str, **overrides: Any) -> Iterator[Services]:
    """Services with the buyer sandbox on (``B2BGW_SANDBOX=true``) on the emptied, demo-seeded database."""
    built = build_services(make_settings(database_url, sandbox=True, **overrides))
    empty_database(built.engine)
    seed_demo(built.engine)
    try:
        yield built
    finally:
        built.close()


__all__ = ["sandbox_services", "sign_in", "sign_in_browser"]
