"""A real browser for page tests: the app served by uvicorn on a free loopback port, and headless Chromium.

Debian's ``chromium`` and ``chromidriver`` packages (``.ci/run`` installs them) are driven through
Selenium. Without them the tests skip on a developer machine and fail in CI (``CI`` is set there),
so a missing browser never passes silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served(app: Any, port: int | None = None, *, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread (on ``port``, else a free one); yields its base URL, then stops it.

    ``tls`` (certificate, key) serves HTTPS instead: what a cookie that must work inside another
    site's frame (``SameSite=None; Secure``) needs.
    """
    port = port or free_port()
    cert, key = (str(tls[0]), str(tls[1])) if tls else (None, None)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                           ssl_certfile=cert, ssl_keyfile=key))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Until ``condition`` holds; a page replaced under it (navigation, refresh) just means "not yet"."""
    from selenium.common.exceptions import WebDriverException

    deadline = time.monotonic() + seconds
    last_error: Exception | None = None
    while True:
        try:
            if condition():
                return
        except WebDriverException as error:  # stale element, missing element, node of a replaced page
            last_error = error
        assert time.monotonic() < deadline, f"timed out (last browser error: {last_error})"
        time.sleep(0.1)


@contextmanager
def navigating(driver: Any, seconds: float = 30) -> Iterator[None]:
    """Around a click or submit that loads a new page: returns once the old page is gone.

    A click returns before the browser has replaced the page, so an element found right after it
    may belong to the old page and go stale under the test. Waiting for the old ``<html>`` element
    to go stale closes that race without guessing at what the next page shows.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    old_page = driver.find_element(By.TAG_NAME, "html")
    yield

    def old_page_gone() -> bool:
        try:
            old_page.is_enabled()  # any call on an element of a replaced page fails
        except WebDriverException:  # stale, or Chromium's "node does not belong to the document"
            return True
        return False

    wait_for(old_page_gone, seconds)


@contextmanager
def chromium(*, ignore_certificates: bool = False, implicit_wait: float = 5) -> Iterator[Any]:
    """A headless Chromium WebDriver (selenium); skip, or fail in CI, when the browser is not installed.

    ``ignore_certificates`` trusts any certificate (the self-signed ones of HTTPS tests).
    """
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        message = f"Chromium is not installed ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    arguments = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,1024"]
    if ignore_certificates:
        arguments.append("--ignore-certificate-errors")
    for argument in arguments:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(implicit_wait)
    try:
        yield driver
    finally:
        driver.quit()
