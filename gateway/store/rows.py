"""New rows written as plain values, for steps that write many rows they do not read back.

Building a SQLModel table object costs far more than the row it stands for: every field goes
through the model's constructor and SQLAlchemy's attribute instrumentation (a 855 document about
0.3 ms, a history event about 0.08 ms, on the project's test machine), and then the unit of work
walks the objects again to flush them. A batch step that only inserts (history events, tracked
order lines, price snapshots, outbound documents) instead builds each row's values with the
model's own defaults (:func:`row`) and inserts a table's rows with one Core statement
(:func:`insert_rows`), as ``gateway.punchout.batching`` does for setups.

Core statements are not ORM statements: they do not autoflush the session, so a caller that
has pending objects the rows refer to flushes first; nothing of them lands in the session's
identity map, so a later ``select`` reads them from the database like any committed row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import insert
from sqlmodel import Session, SQLModel


@cache
def _defaults(model: type[SQLModel]) -> tuple[tuple[str, Any, Callable[[], Any] | None], ...]:
    """(column, default, factory) of each column with a default; autoincrement keys left to the database."""
    table = model.__table__  # type: ignore[attr-defined]
    found = []
    for name, field in model.model_fields.items():
        if name not in table.columns:
            continue
        column = table.columns[name]
        if column.primary_key and column.autoincrement in (True, "auto") and field.default is None:
            continue
        if field.default_factory is not None:
            found.append((name, None, field.default_factory))
        elif field.default is not PydanticUndefined:
            found.append((name, field.default, None))
    return tuple(found)


def row(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """The values of a new ``model`` row: ``values``, and for every other column what the model's constructor gives."""
    for name, default, factory in _defaults(model):
        if name not in values:
            values[name] = factory() if factory is not None else default  # type: ignore[call-arg]
    return values


def insert_rows(s: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], *,
                returning_ids: bool = False) -> list[Any]:
    """Insert ``rows`` of ``model`` with one statement in ``s``'s transaction; their ids, in order, if asked."""
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    if not returning_ids:
        s.execute(insert(table), list(rows))
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(s.execute(statement, list(rows)).scalars().all())


__all__ = ["insert_rows", "row"]
