"""Control numbers (ISA13, GS06, ST02) allocated per partner from the database, never the clock.

The counter row is updated in the caller's transaction with ``UPDATE ... RETURNING``, which takes
a row lock on PostgreSQL (and the database write lock on SQLite): two workers allocating at once
serialise on that row, numbers come out strictly increasing, and a rolled-back transaction gives
its number back unused rather than leaving a gap that a partner could mistake for a lost document.
"""

from __future__ import annotations

from collections import deque
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


_TAKE = text(
    "UPDATE gw_control_counter SET last_value = last_value + :count "
    "WHERE partner_id = :partner AND kind = :kind RETURNING last_value"
)
_RESERVED = "gw_control_numbers_reserved"
"""Where a session keeps the numbers :func:`reserve` took and :func:`allocate` has not handed out yet."""

ENVELOPE_ORDER = (ControlKind.TRANSACTION, ControlKind.GROUP, ControlKind.INTERCHANGE)
"""The order an outbound document takes its numbers in; :func:`reserve` locks the counters in the same order."""


def reserve(session: Session, partner_id: str, count: int) -> None:
    """Take ``count`` numbers of every kind for ``partner_id`` in one update per kind, for ``allocate`` to hand out.

    For a batch that writes ``count`` X12 documents for a partner in one transaction: three
    updates instead of three per document. The caller must allocate every number it reserved
    before committing (a number reserved and not used would be a gap the partner could take for
    a lost document); a rollback gives them all back, as it does for numbers allocated one by one.
    A counter that does not exist yet is left to ``allocate``, which creates it.
    """
    if count <= 0:
        return
    pool: dict[tuple[str, ControlKind], deque[int]] = session.info.setdefault(_RESERVED, {})
    for kind in ENVELOPE_ORDER:
        last = _take(session, partner_id, kind, count)
        if last is not None:
            pool.setdefault((partner_id, kind), deque()).extend(range(last - count + 1, last + 1))


def _take(session: Session, partner_id: str, kind: ControlKind, count: int) -> int | None:
    """Move the counter on by ``count``; its new last value, None when the counter does not exist yet."""
    last = session.execute(_TAKE, {"partner": partner_id, "kind": kind.value, "count": count}).scalar()
    if last is not None and last > ISA_MAX:
        raise OverflowError(f"control numbers of kind {kind} for {partner_id} are exhausted")
    return None if last is None else int(last)


def allocate(session: Session, partner_id: str, kind: ControlKind) -> int:
    """The next control number of ``kind`` for ``partner_id``, inside the caller's transaction."""
    reserved = session.info.get(_RESERVED, {}).get((partner_id, kind))
    if reserved:
        return int(reserved.popleft())
    for _ in range(2):
        value = _take(session, partner_id, kind, 1)
        if value is not None:
            return value
        try:
            with session.begin_nested():
                session.add(ControlCounter(partner_id=partner_id, kind=kind.value, last_value=0))
        except IntegrityError:
            pass  # created by a concurrent transaction between our UPDATE and INSERT
    raise RuntimeError(f"could not allocate a {kind} control number for {partner_id}")
