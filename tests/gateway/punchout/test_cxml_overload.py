"""A buyer's system asking while the database is busy gets a cXML answer that says "later".

Procurement systems read the cXML Status of whatever comes back; a JSON 503 would read to them as
garbage. The answer is HTTP 503 with ``Retry-After`` and a cXML Response whose Status is 560
(Temporary Server Error), and an error of the database that is not "busy" stays a 500.
"""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from formats.cxml import envelope
from formats.xml import parse_xml
from gateway.api import cxml as cxml_route

from .cxml_requests import order

BUSY = [
    OperationalError("INSERT INTO gw_document ...", {}, sqlite3.OperationalError("database is locked")),
    PoolTimeout("QueuePool limit of size 10 overflow 10 reached, connection timed out, timeout 30.00"),
]


@pytest.mark.parametrize("failure", BUSY, ids=["database locked", "pool timeout"])
def test_a_busy_database_is_answered_560_with_retry_after(failure: Exception, client: TestClient,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(*_args: object, **_kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(cxml_route, "handle", busy)
    answer = client.post("/cxml", content=order("PO-BUSY-1", [("DEMO-1001", "1", "12.50")]),
                         headers={"Content-Type": "text/xml"})
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    root = envelope.cxml_root(parse_xml(answer.content, what="answer"))
    status = root.find("Response/Status")
    assert status is not None and status.get("code") == "560"
    assert "again" in (status.text or "")


def test_a_database_error_that_is_not_busy_is_not_hidden_as_a_retry(client: TestClient,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("no such table: gw_document"))

    monkeypatch.setattr(cxml_route, "handle", broken)
    no_raise = TestClient(client.app, raise_server_exceptions=False)
    answer = no_raise.post("/cxml", content=order("PO-BROKEN-1", [("DEMO-1001", "1", "12.50")]),
                           headers={"Content-Type": "text/xml"})
    assert answer.status_code == 500
