"""Storing and finding documents; every state change recorded through ``transition``."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from erp.rows import insert_rows, row, update_rows
from formats.errors import Problem
from gateway.pipeline.states import State, event_values, transition
from gateway.store.tables import Document, DocumentEvent, utcnow


def create_document(session: Session, *, raw: bytes, direction: str, doc_type: str, state: State,
                    actor: str, reason: str | None = None, **fields: Any) -> Document:
    """Add a new document with its raw bytes and first history event; flushes to get its id."""
    doc = Document(raw=raw, sha256=hashlib.sha256(raw).hexdigest(), direction=direction,
                   doc_type=doc_type, state="", **fields)
    event = transition(doc, state, actor=actor, reason=reason)
    session.add(doc)
    session.flush()
    event.document_id = doc.id or 0
    session.add(event)
    return doc


def document_values(*, raw: bytes, direction: str, doc_type: str, state: State, **fields: Any) -> dict[str, Any]:
    """The row of a new document, for :func:`insert_documents` (what :func:`create_document` stores, as values)."""
    return row(Document, raw=raw, sha256=hashlib.sha256(raw).hexdigest(), direction=direction, doc_type=doc_type,
               state=state.value, **fields)


def insert_documents(session: Session, documents: Sequence[dict[str, Any]], reasons: Sequence[str | None], *,
                     actor: str) -> list[int]:
    """Insert new documents (:func:`document_values`) and their first history events, a statement each; their ids.

    For a batch that writes documents it does not work with afterwards (:mod:`erp.rows`).
    """
    ids = insert_rows(session, Document, documents, returning_ids=True)
    insert_rows(session, DocumentEvent, [
        event_values(doc_id, None, State(values["state"]), actor=actor, reason=reason)
        for doc_id, values, reason in zip(ids, documents, reasons, strict=True)])
    return ids


def move(session: Session, doc: Document, to: State, *, actor: str, reason: str | None = None) -> None:
    """Change a stored document's state and record the event in the same session."""
    session.add(transition(doc, to, actor=actor, reason=reason))
    session.add(doc)


@dataclass(frozen=True)
class RowMove:
    """A state change of a document known by its id and current state (not loaded), and other columns it sets."""

    document_id: int
    current: State
    to: State
    reason: str | None
    values: dict[str, Any]


def move_rows(session: Session, moves: Sequence[RowMove], *, actor: str) -> None:
    """:func:`move` for a batch of documents the caller did not load: one ``UPDATE`` and one insert of events.

    Every move sets the same columns. The caller knows each document's current state because it
    holds the rows (a worker's held claims are all ``processing``); the transition table still
    decides whether each move is allowed.
    """
    events = [event_values(m.document_id, m.current, m.to, actor=actor, reason=m.reason) for m in moves]
    now = utcnow()
    update_rows(session, Document, [{"id": m.document_id, "state": m.to.value, "updated_at": now, **m.values}
                                    for m in moves])
    insert_rows(session, DocumentEvent, events)


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
