"""Control numbers (ISA13, GS06, ST02) allocated per partner from the database, never the clock.

The counter row is updated in the caller's transaction with ``UPDATE ... RETURNING``, which takes
a row lock on PostgreSQL (and the database write lock on SQLite): two workers allocating at once
serialise on that row, numbers come out strictly increasing, and a rolled-back transaction gives
its number back unused rather than leaving a gap that a partner could mistake for a lost document.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from gateway.store.tables import ControlCounter

ISA_MAX = 999_999_999


class ControlKind(StrEnum):
    """Which envelope level a control number is for."""

    INTERCHANGE = "isa"
    GROUP = "gs"
    TRANSACTION = "st"


_UPDATE = text(
    "UPDATE gw_control_counter SET last_value = last_value + 1 "
    "WHERE partner_id = :partner AND kind = :kind RETURNING last_value"
)


def allocate(session: Session, partner_id: str, kind: ControlKind) -> int:
    """The next control number of ``kind`` for ``partner_id``, inside the caller's transaction."""
    for _ in range(2):
        value = session.execute(_UPDATE, {"partner": partner_id, "kind": kind.value}).scalar()
        if value is not None:
            if value > ISA_MAX:
                raise OverflowError(f"control numbers of kind {kind} for {partner_id} are exhausted")
            return int(value)
        try:
            with session.begin_nested():
                session.add(ControlCounter(partner_id=partner_id, kind=kind.value, last_value=0))
        except IntegrityError:
            pass  # created by a concurrent transaction between our UPDATE and INSERT
    raise RuntimeError(f"could not allocate a {kind} control number for {partner_id}")
