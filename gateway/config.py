"""Settings of a gateway installation, read from ``B2BGW_*`` environment variables.

Every setting has a default that runs the gateway with no configuration at all: an embedded
SQLite file in the working directory and the built-in ERP. Production sets
``B2BGW_DATABASE_URL=postgresql+psycopg://...``. The README's "Configuration" table lists them.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The gateway's settings; field ``x`` is read from ``B2BGW_X``."""

    model_config = SettingsConfigDict(env_prefix="B2BGW_", extra="ignore")

    database_url: str = "sqlite:///b2bgw.db"
    erp: str = "builtin"
    operator_token: str | None = None
    """Bearer token for the operator API (``/api/documents``); unset disables that API."""
    lease_seconds: float = 120.0
    """A claimed document not finished within this time is taken up again by another worker."""
    max_attempts: int = 5
    """Transient failures (ERP unavailable) are retried this many times before the dead letter."""
    retry_base_seconds: float = 2.0
    poll_seconds: float = 0.5
    max_upload_bytes: int = 50 * 1024 * 1024
    log_format: str = "json"
    """``json`` (one object per line, with document id and partner) or ``text`` for a terminal."""
    log_level: str = "INFO"
    en16931_rules: str | None = None
    """Path of the EN 16931 UBL validation XSLT; ``b2bgw validate`` then checks UBL invoices against it."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
