"""The Alembic migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import gateway.store.registry  # noqa: F401  (registers every table of the project)


def _type_differs(diff: object) -> bool:
    """A column type change other than the Decimal-as-text columns, which migrations store as VARCHAR(40)."""
    if not isinstance(diff, list):
        return True
    return not all(item[0] == "modify_type" and "VARCHAR(40)" in str(item[5]) for item in diff)


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert [d for d in diffs if _type_differs(d)] == []
        names = set(inspect(engine).get_table_names())
        assert {"gw_document", "gw_partner", "gw_order_link", "erp_order", "alembic_version"} <= names
    finally:
        engine.dispose()
