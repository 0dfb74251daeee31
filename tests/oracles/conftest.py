"""The outbound documents of every profile, produced once per session on a database of their own.

The database is the one the test run uses (a fresh PostgreSQL database when
``B2BGW_DATABASE_URL`` names one, else an SQLite file), migrated with Alembic and seeded with the
demo, like the gateway's own end-to-end tests; producing every document takes seconds, checking
them is parametrized over the cases of :mod:`.matrix`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from formats.ubl import rules
from gateway.app import create_app
from gateway.demo import seed_demo
from gateway.services import build_services
from tests.conftest import Validator
from tests.databases import migrated_database
from tests.gateway.conftest import make_settings

from .produce import Production, drive
from .profiles import PROFILES
from .validators import Runner, runners


@pytest.fixture(scope="session")
def oracle_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for the oracles' order-to-cash."""
    with migrated_database(tmp_path_factory.mktemp("oracles"), "b2bgw_oracles") as url:
        yield url


@pytest.fixture(scope="session")
def productions(oracle_database: str) -> Iterator[dict[str, Production]]:
    """Every profile driven from order to credit note and feeds (:mod:`.produce`), by profile id."""
    services = build_services(make_settings(oracle_database))
    try:
        seed_demo(services.engine)
        with TestClient(create_app(services, workers=0)) as client:
            yield {profile.id: drive(client, services, profile) for profile in PROFILES}
    finally:
        services.close()


@pytest.fixture(scope="session")
def oracles(xsd_validate: Validator, en16931_rules: rules.CompiledRules,
            peppol_rules: rules.CompiledRules) -> dict[str, Runner]:
    """Every oracle by name (:mod:`.validators`)."""
    return runners(xsd_validate, en16931_rules, peppol_rules)
