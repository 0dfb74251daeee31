"""Storing and finding documents; every state change recorded through ``transition``."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from formats.errors import Problem
from gateway.pipeline.states import State, transition
from gateway.store.tables import Document, DocumentEvent


def new_document(*, raw: bytes, direction: str, doc_type: str, state: State, actor: str, reason: str | None = None,
                 **fields: Any) -> tuple[Document, DocumentEvent]:
    """A document with its raw bytes and first history event, not stored yet (:func:`store_documents`)."""
    doc = Document(raw=raw, sha256=hashlib.sha256(raw).hexdigest(), direction=direction,
                   doc_type=doc_type, state="", **fields)
    return doc, transition(doc, state, actor=actor, reason=reason)


def store_documents(session: Session, drafts: Sequence[tuple[Document, DocumentEvent]]) -> list[Document]:
    """Add new documents and their first events; one flush gives every document its id (one insert on PostgreSQL)."""
    session.add_all([doc for doc, _ in drafts])
    session.flush()
    for doc, event in drafts:
        event.document_id = doc.id or 0
        session.add(event)
    return [doc for doc, _ in drafts]


def create_document(session: Session, *, raw: bytes, direction: str, doc_type: str, state: State,
                    actor: str, reason: str | None = None, **fields: Any) -> Document:
    """Add a new document with its raw bytes and first history event; flushes to get its id."""
    return store_documents(session, [new_document(raw=raw, direction=direction, doc_type=doc_type, state=state,
                                                  actor=actor, reason=reason, **fields)])[0]


def move(session: Session, doc: Document, to: State, *, actor: str, reason: str | None = None) -> None:
    """Change a stored document's state and record the event in the same session."""
    session.add(transition(doc, to, actor=actor, reason=reason))
    session.add(doc)


def history(session: Session, document_id: int) -> Sequence[DocumentEvent]:
    """A document's state changes, oldest first."""
    query = select(DocumentEvent).where(DocumentEvent.document_id == document_id)
    return session.exec(query.order_by(col(DocumentEvent.id))).all()


def children(session: Session, document_id: int, doc_type: str | None = None) -> Sequence[Document]:
    """The documents ``document_id`` caused (its sets, its acknowledgments), oldest first."""
    query = select(Document).where(Document.parent_id == document_id)
    if doc_type:
        query = query.where(Document.doc_type == doc_type)
    return session.exec(query.order_by(col(Document.id))).all()


def count_by_state(session: Session) -> dict[str, int]:
    """How many documents stand in each state (for the operator and metrics)."""
    rows = session.exec(select(Document.state, func.count()).group_by(Document.state)).all()
    return {state: int(n) for state, n in rows}


def problem_record(problem: Problem) -> dict[str, object]:
    """A problem as JSON for the document table and the API."""
    record: dict[str, object] = {"message": problem.message, "code": problem.code, "level": problem.level,
                                 "where": str(problem.location)}
    record.update({k: v for k, v in asdict(problem.location).items() if v is not None})
    return record
