"""The fixtures of ``tests/gateway`` (database, services, API client), for the attack tests here."""

from tests.gateway.conftest import client, database_url, services

__all__ = ["client", "database_url", "services"]
