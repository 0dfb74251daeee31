"""The audit log: one function every operator action calls, inside the action's own transaction.

Writing the entry in the same session as the change it records means the log can never say
something happened that did not, nor miss something that did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from gateway.auth.tables import AuditEntry


def audit(session: Session, *, actor: str, action: str, target: str, **details: Any) -> AuditEntry:
    """Add an audit entry to ``session``; the caller commits it with the change it describes."""
    entry = AuditEntry(actor=actor, action=action, target=target, details=details)
    session.add(entry)
    return entry


def audit_trail(session: Session, *, target: str | None = None, action: str | None = None,
                limit: int = 200) -> Sequence[AuditEntry]:
    """Audit entries newest first, optionally for one target or one kind of action."""
    query = select(AuditEntry)
    if target is not None:
        query = query.where(AuditEntry.target == target)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)).all()


__all__ = ["audit", "audit_trail"]
