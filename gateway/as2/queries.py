"""What the operator pages ask of the AS2 tables (kept here so the document page needs no AS2 internals)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from gateway.as2.tables import As2Message


def as2_messages_of(s: Session, document_id: int) -> list[As2Message]:
    """The AS2 messages that carried a document, oldest first (its page lists them)."""
    return list(s.exec(select(As2Message).where(As2Message.document_id == document_id)
                       .order_by(col(As2Message.id))).all())


__all__ = ["as2_messages_of"]
