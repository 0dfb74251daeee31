"""The smaller fronts of issue #19, each test an attack that must fail.

* links we hand out (StartPage, ProfileResponse URLs) built from a ``Host`` header anyone sends;
  ``serve`` without ``B2BGW_PUBLIC_URL`` outside ``--demo``; the demo's links on the port served;
* ``X-Forwarded-For`` / ``X-Forwarded-Proto`` / the client-certificate header sent by anyone but a
  trusted proxy;
* a partner endpoint (or alert webhook) answering a redirect to the metadata service or another
  host, and destinations that are not http(s) at all;
* a manager approving their own discount, an operator approving one;
* ``/metrics``, ``/docs`` and ``/openapi.json`` read by anyone once ``B2BGW_METRICS_TOKEN`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.cli import app as cli
from gateway.config import get_settings
from gateway.demo import seed_demo
from gateway.oci.demo import DEMO_OCI_BUYER
from gateway.punchout.demo import DEMO_BUYER
from gateway.services import Services, build_services
from gateway.store.db import session
from gateway.store.tables import Partner
from tests.gateway.conftest import empty_database, make_settings
from tests.gateway.punchout.cxml_requests import bare_request, setup_request

PUBLIC = "https://gw.example"

# -- links from the Host header ---------------------------------------------------------------


@pytest.fixture
def public_services(database_url: str) -> Iterator[Services]:
    """The demo data behind a gateway whose public URL is configured."""
    built = build_services(make_settings(database_url, public_url=PUBLIC))
    empty_database(built.engine)
    seed_demo(built.engine)
    yield built
    built.close()


def urls_in(answer: bytes) -> list[str]:
    """Every URL a cXML answer hands the buyer."""
    return [url.text or "" for url in etree.fromstring(answer).iter("URL")]


def test_a_host_header_does_not_decide_the_start_page_url(public_services: Services) -> None:
    with TestClient(create_app(public_services)) as client:
        answer = client.post("/cxml", content=setup_request(), headers={"Content-Type": "text/xml",
                                                                          "Host": "evil.example"})
    assert answer.status_code == 200, answer.text
    [start_page] = urls_in(answer.content)
    assert start_page.startswith(f"{PUBLIC}/punchout/start/")


def test_a_host_header_does_not_decide_the_profile_response_urls(public_services: Services) -> None:
    with TestClient(create_app(public_services)) as client:
        answer = client.post("/cxml", content=bare_request("ProfileRequest"),
                             headers={"Content-Type": "text/xml", "Host": "evil.example",
                                      "X-Forwarded-Host": "evil.example"})
    assert answer.status_code == 200, answer.text
    assert urls_in(answer.content) and set(urls_in(answer.content)) == {f"{PUBLIC}/cxml"}


@pytest.fixture
def serve_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """``b2bgw serve`` on a temporary SQLite database, uvicorn replaced by a recorder that serves nothing.

    The recorder gets the app and the settings as ``serve`` built them, and (while the database is
    still open) runs ``on_serve`` on the app when a test sets it.
    """
    for name in ("PUBLIC_URL", "OPERATOR_TOKEN", "SANDBOX_TOKEN", "METRICS_TOKEN", "DEMO", "SANDBOX"):
        monkeypatch.delenv(f"B2BGW_{name}", raising=False)
    monkeypatch.setenv("B2BGW_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("B2BGW_DEMO_KEYS_DIR", str(tmp_path / "demo-as2"))
    monkeypatch.setattr("gateway.runtime.tune_garbage_collector", lambda: None)
    seen: dict[str, Any] = {"runs": []}

    def run(app: FastAPI, **options: Any) -> None:
        services: Services = app.state.services
        seen["runs"].append({"options": options, "public_url": services.settings.public_url})
        if seen.get("on_serve"):
            seen["on_serve"](app)

    monkeypatch.setattr("uvicorn.run", run)
    get_settings.cache_clear()
    yield seen
    get_settings.cache_clear()


def test_serve_refuses_to_start_without_a_public_url(serve_env: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli, ["serve", "--port", "8123"])
    assert result.exit_code == 2
    assert "B2BGW_PUBLIC_URL is not set" in result.output
    assert serve_env["runs"] == []  # nothing was served


def test_serve_demo_starts_without_a_public_url_and_links_to_the_address_served(
        serve_env: dict[str, Any]) -> None:
    answers: list[bytes] = []
    serve_env["on_serve"] = lambda app: answers.append(TestClient(app).post(
        "/cxml", content=setup_request(), headers={"Content-Type": "text/xml", "Host": "evil.example"}).content)
    result = CliRunner().invoke(cli, ["serve", "--demo", "--port", "8123"])
    assert result.exit_code == 0, result.output
    [run] = serve_env["runs"]
    assert run["options"]["port"] == 8123 and run["public_url"] == "http://127.0.0.1:8123"
    [start_page] = urls_in(answers[0])
    assert start_page.startswith("http://127.0.0.1:8123/punchout/start/")


def order_url(services: Services, partner_id: str) -> str:
    """Where a partner's documents are delivered (its ``delivery`` setting's destination)."""
    with session(services.engine) as s:
        partner = s.get(Partner, partner_id)
        assert partner is not None
        return str(partner.settings["delivery"]["destination"])


def order_url_in(database_url: str, partner_id: str) -> str:
    """:func:`order_url` in the database at ``database_url``."""
    with build_services(make_settings(database_url)) as services:
        return order_url(services, partner_id)


def test_the_demo_seeds_order_urls_on_the_base_url_given(public_services: Services) -> None:
    assert order_url(public_services, DEMO_BUYER) == "http://127.0.0.1:8000/sandbox/inbox"  # nothing said: 8000
    seed_demo(public_services.engine, base_url="http://127.0.0.1:9321/")
    for buyer in (DEMO_BUYER, DEMO_OCI_BUYER):
        assert order_url(public_services, buyer) == "http://127.0.0.1:9321/sandbox/inbox"


def test_reseeding_the_demo_keeps_an_order_url_an_operator_chose(public_services: Services) -> None:
    with session(public_services.engine) as s:
        partner = s.get(Partner, DEMO_BUYER)
        assert partner is not None
        partner.settings = {**partner.settings, "delivery": {"channel": "cxml",
                                                              "destination": "https://buyer.example/orders"}}
        s.add(partner)
        s.commit()
    seed_demo(public_services.engine, base_url="http://127.0.0.1:9321")
    assert order_url(public_services, DEMO_BUYER) == "https://buyer.example/orders"


def test_serve_demo_seeds_order_urls_on_the_port_served(serve_env: dict[str, Any]) -> None:
    for port in (8124, 8125):  # a second demo on another port moves the seeded URLs along
        result = CliRunner().invoke(cli, ["serve", "--demo", "--port", str(port)])
        assert result.exit_code == 0, result.output
        url = get_settings().database_url
        for buyer in (DEMO_BUYER, DEMO_OCI_BUYER):
            assert order_url_in(url, buyer) == f"http://127.0.0.1:{port}/sandbox/inbox"
        get_settings.cache_clear()
