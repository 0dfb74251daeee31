"""Every error answer has one shape, numbers out of range are the caller's 422, and no traceback leaks."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.services import Services

from .flow import AUTH


@pytest.mark.parametrize("path", ["/api/documents/148163218088639911417610240", "/api/documents?limit=-1",
                                  "/api/documents?offset=-5"])
def test_numbers_out_of_range_are_the_callers_mistake(client: TestClient, path: str) -> None:
    answer = client.get(path, headers=AUTH)
    assert answer.status_code == 422 and "detail" in answer.json()


def test_an_unexpected_error_is_a_500_with_an_id_and_nothing_inside(services: Services,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(services, workers=0)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail /etc/b2bgw/password")

    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR):
        answer = client.get("/boom")
    body = answer.json()
    assert answer.status_code == 500 and set(body) == {"detail", "error_id"}
    assert "secret" not in answer.text and "Traceback" not in answer.text
    assert any(body["error_id"] in record.getMessage() and record.exc_info for record in caplog.records)
