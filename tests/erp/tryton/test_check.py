"""``b2bgw erp check`` against the live server: everything there, a bad password, nothing listening."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from erp.tryton import TrytonErp
from erp.tryton.check import REQUIRED_MODULES, check
from gateway.cli import app
from gateway.config import get_settings
from tests.erp.tryton.harness import TrytonServer, free_port


def test_everything_the_gateway_needs_is_there(tryton_erp: TrytonErp) -> None:
    findings = check(tryton_erp)
    assert [f for f in findings if not f.ok] == []
    assert {f"module {name}" for name in REQUIRED_MODULES} <= {f.what for f in findings}
    assert any(f.what == "company" and "USD" in f.detail for f in findings)


def test_each_missing_piece_gets_its_own_message(tryton_server: TrytonServer) -> None:
    nobody = TrytonErp.connect(f"http://127.0.0.1:{free_port()}", "b2bgw", "b2bgw", "x", timeout=2)
    [server] = check(nobody)
    assert not server.ok and "B2BGW_TRYTON_URL" in server.detail

    wrong = TrytonErp.connect(tryton_server.url, tryton_server.database, tryton_server.login, "wrong")
    findings = check(wrong)
    assert [(f.what, f.ok) for f in findings] == [("server", True), ("login", False)]
    assert "B2BGW_TRYTON_PASSWORD" in findings[1].detail

    elsewhere = TrytonErp.connect(tryton_server.url, tryton_server.database, tryton_server.login,
                                  tryton_server.password, warehouse="NOWHERE")
    [warehouse] = [f for f in check(elsewhere) if f.what == "warehouse"]
    assert not warehouse.ok and "NOWHERE" in warehouse.detail


def test_the_command(tryton_server: TrytonServer, monkeypatch: pytest.MonkeyPatch) -> None:
    if tryton_server.process is None:
        tryton_server.start()
    for name, value in {"ERP": "tryton", "TRYTON_URL": tryton_server.url, "TRYTON_DATABASE": tryton_server.database,
                        "TRYTON_USER": tryton_server.login, "TRYTON_PASSWORD": tryton_server.password}.items():
        monkeypatch.setenv(f"B2BGW_{name}", value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["erp", "check"])
        assert result.exit_code == 0, result.output
        assert "module sale_credit_limit: activated" in result.output
        monkeypatch.setenv("B2BGW_TRYTON_PASSWORD", "wrong")
        get_settings.cache_clear()
        refused = CliRunner().invoke(app, ["erp", "check"])
        assert refused.exit_code == 1 and "PROBLEM  login" in refused.output
    finally:
        get_settings.cache_clear()
