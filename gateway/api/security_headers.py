"""Security headers on every answer (placeholder: filled in by the hardening work)."""

from __future__ import annotations

from fastapi import FastAPI

from gateway.services import Services


def install_security_headers(app: FastAPI, services: Services) -> None:
    """Add the middleware that sets the security headers of every answer."""


__all__ = ["install_security_headers"]
