"""What ``b2bgw serve`` refuses to start with outside ``--demo``: settings only a demo may leave weak or unset.

A gateway on the internet hands buyers links built from its own URL and takes operator tokens
from the environment. Without ``B2BGW_PUBLIC_URL`` the request's ``Host`` header would decide the
StartPage URLs we give out (anyone can send any Host); a short or published token is guessed.
``--demo`` accepts both, since its credentials are published anyway.
"""

from __future__ import annotations

from gateway.config import Settings

MIN_TOKEN_LENGTH = 32
"""Shortest environment token accepted outside ``--demo`` (``b2bgw tokens create`` makes 50+ characters)."""

PUBLISHED_TOKENS = frozenset({"secret", "changeme", "password", "operator", "admin", "token", "demo"})
"""Tokens the README and common examples show; refused outside ``--demo`` whatever their length."""


def weak_token(value: str) -> str | None:
    """Why ``value`` is too weak to guard an API, or None when it will do."""
    if value.lower() in PUBLISHED_TOKENS:
        return "it is a published example value"
    if len(value) < MIN_TOKEN_LENGTH:
        return f"it is {len(value)} characters long; at least {MIN_TOKEN_LENGTH} are needed"
    if len(set(value)) < 10:
        return f"it uses only {len(set(value))} different characters"
    return None


def production_problems(settings: Settings) -> list[str]:
    """Each setting that keeps ``serve`` from starting outside ``--demo``, as a sentence saying what to do."""
    if settings.demo:
        return []
    problems: list[str] = []
    if not settings.public_url:
        problems.append("B2BGW_PUBLIC_URL is not set: it is the https:// address buyers reach the gateway at, "
                        "used in every StartPage and order URL we hand out (else the request's Host header "
                        "would decide them)")
    for name in ("operator_token", "sandbox_token", "metrics_token"):
        value = getattr(settings, name)
        reason = weak_token(value) if value else None
        if reason:
            problems.append(f"B2BGW_{name.upper()} is too weak: {reason} (make one with "
                            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
    return problems


__all__ = ["MIN_TOKEN_LENGTH", "PUBLISHED_TOKENS", "production_problems", "weak_token"]
