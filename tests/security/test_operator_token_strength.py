"""Weak operator tokens: ``b2bgw serve`` refuses to start with one outside ``--demo``.

Attacks tried here (issue #19, item 5): the README's demo operator token ``secret`` (and other
published example values) used in production, where anyone who read the README is an operator;
a short token, guessed at ~900/s before the lockouts; a long token of few different characters.
``serve --demo`` still starts with them, since its credentials are published anyway.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import Settings, get_settings
from gateway.production import MIN_TOKEN_LENGTH, production_problems, weak_token

STRONG = secrets.token_urlsafe(32)


@pytest.mark.parametrize("token", ["secret", "SECRET", "changeme", "password", "admin", "demo"])
def test_published_example_tokens_are_weak(token: str) -> None:
    assert weak_token(token) == "it is a published example value"


def test_a_short_token_is_weak_and_says_how_long_it_must_be() -> None:
    reason = weak_token("x7Gk2pQ9zR")
    assert reason is not None and "10 characters" in reason and str(MIN_TOKEN_LENGTH) in reason
    assert weak_token("a1B2c3D4e5" * 3 + "f") is not None  # 31: one short


def test_a_long_token_of_few_characters_is_weak() -> None:
    reason = weak_token("ab" * 40)
    assert reason is not None and "2 different characters" in reason


@pytest.mark.parametrize("token", [STRONG, secrets.token_hex(16), "b2bgw_0123456789ab_" + secrets.token_urlsafe(32)])
def test_generated_tokens_are_strong(token: str) -> None:
    assert weak_token(token) is None


def production(**values: Any) -> Settings:
    base: dict[str, Any] = {"public_url": "https://gateway.example.com", "operator_token": STRONG}
    base.update(values)
    return Settings(**base)


def test_a_production_configuration_with_strong_tokens_has_no_problems() -> None:
    assert production_problems(production()) == []
    assert production_problems(production(operator_token=None)) == []  # API tokens only: nothing to check


@pytest.mark.parametrize("setting", ["operator_token", "sandbox_token", "metrics_token"])
def test_each_weak_token_setting_is_named(setting: str) -> None:
    [problem] = production_problems(production(**{setting: "secret"}))
    assert problem.startswith(f"B2BGW_{setting.upper()} is too weak: it is a published example value")
    assert "secret" not in problem.replace("secrets", ""), "the problem never repeats the token"


def test_no_public_url_is_a_problem() -> None:
    [problem] = production_problems(production(public_url=None))
    assert problem.startswith("B2BGW_PUBLIC_URL is not set")


def test_the_demo_accepts_weak_tokens() -> None:
    assert production_problems(Settings(demo=True, operator_token="secret", public_url=None)) == []


# -- b2bgw serve ------------------------------------------------------------------------------------------------


@pytest.fixture
def serve_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """A fresh SQLite file and working folder, settings read anew, and ``uvicorn.run`` recording instead of serving."""
    import uvicorn

    runs: list[dict[str, Any]] = []
    monkeypatch.chdir(tmp_path)
    for name in ("B2BGW_SANDBOX_TOKEN", "B2BGW_METRICS_TOKEN", "B2BGW_PUBLIC_URL", "B2BGW_DEMO", "B2BGW_SANDBOX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("B2BGW_DATABASE_URL", f"sqlite:///{tmp_path / 'gateway.db'}")
    monkeypatch.setenv("B2BGW_ERP", "builtin")
    monkeypatch.setattr(uvicorn, "run", lambda application, **options: runs.append(options))
    get_settings.cache_clear()
    yield runs
    get_settings.cache_clear()  # serve changes the cached settings (demo, sandbox)


def serve(*args: str) -> Any:
    return CliRunner().invoke(app, ["serve", "--workers", "0", *args])


def test_serve_refuses_the_demo_token_outside_demo(serve_env: list[dict[str, Any]],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B2BGW_OPERATOR_TOKEN", "secret")
    monkeypatch.setenv("B2BGW_PUBLIC_URL", "https://gateway.example.com")
    result = serve()
    assert result.exit_code == 2
    assert "not starting: B2BGW_OPERATOR_TOKEN is too weak: it is a published example value" in result.output
    assert "--demo" in result.output
    assert serve_env == [], "nothing was served"


def test_serve_names_every_problem_at_once(serve_env: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B2BGW_OPERATOR_TOKEN", "short-token")
    result = serve()
    assert result.exit_code == 2
    assert "B2BGW_OPERATOR_TOKEN is too weak: it is 11 characters long" in result.output
    assert "B2BGW_PUBLIC_URL is not set" in result.output
    assert serve_env == []


def test_serve_with_demo_starts_with_the_demo_token(serve_env: list[dict[str, Any]],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B2BGW_OPERATOR_TOKEN", "secret")
    result = serve("--demo", "--port", "8123")
    assert result.exit_code == 0, result.output
    [options] = serve_env
    assert options["port"] == 8123


def test_serve_starts_with_a_strong_token_and_a_public_url(serve_env: list[dict[str, Any]],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B2BGW_OPERATOR_TOKEN", STRONG)
    monkeypatch.setenv("B2BGW_PUBLIC_URL", "https://gateway.example.com")
    result = serve()
    assert result.exit_code == 0, result.output
    assert len(serve_env) == 1
