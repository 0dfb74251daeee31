"""The operator API of delivery: the outbox, attempts, redelivery and edit-and-retry (bearer token)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlmodel import col, select

from gateway.api.bodies import read_limited
from gateway.api.deps import ServicesDep
from gateway.auth.deps import OperatorDep
from gateway.delivery.attempts import attempts_of
from gateway.delivery.edits import EditRefused, edit_and_retry
from gateway.delivery.outbox import RedeliveryRefused, redeliver
from gateway.delivery.tables import DeliveryAttempt, DocumentEdit, OutboxMessage
from gateway.onboarding.service import hide_url_password, hide_url_passwords
from gateway.store.db import session
from gateway.store.tables import Document

router = APIRouter(tags=["operator"])


class MessageView(BaseModel):
    """An outbox message without its payload."""

    id: int
    channel: str
    destination: str
    kind: str
    partner_id: str | None
    document_id: int | None
    state: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str | None
    response: dict[str, Any] | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None

    @classmethod
    def of(cls, m: OutboxMessage) -> MessageView:
        """The view of a stored message (a URL password stored before they were refused shown hidden)."""
        return cls(id=m.id or 0, channel=m.channel, destination=hide_url_password(m.destination), kind=m.kind,
                   partner_id=m.partner_id, document_id=m.document_id, state=m.state, attempts=m.attempts,
                   next_attempt_at=m.next_attempt_at,
                   last_error=hide_url_passwords(m.last_error) if m.last_error else None, response=m.response,
                   created_at=m.created_at, delivered_at=m.delivered_at)


class AttemptView(BaseModel):
    """One attempt with its outcome and error."""

    attempt: int
    worker: str
    outcome: str
    error: str | None
    started_at: dt.datetime
    finished_at: dt.datetime

    @classmethod
    def of(cls, a: DeliveryAttempt) -> AttemptView:
        """The view of a stored attempt."""
        return cls(attempt=a.attempt, worker=a.worker, outcome=a.outcome, error=a.error, started_at=a.started_at,
                   finished_at=a.finished_at)


class EditView(BaseModel):
    """An edit: the original, its corrected copy, who and why."""

    original_id: int
    edited_id: int
    actor: str
    reason: str
    state: str
    at: dt.datetime


@router.get("/api/outbox", response_model=list[MessageView])
def outbox(services: ServicesDep, _operator: OperatorDep, state: str | None = None, partner: str | None = None,
           limit: int = Query(100, le=1000)) -> list[MessageView]:
    """Outbound messages newest first (``state=dead`` lists the dead letters)."""
    query = select(OutboxMessage)
    if state:
        query = query.where(OutboxMessage.state == state)
    if partner:
        query = query.where(OutboxMessage.partner_id == partner)
    with session(services.engine) as s:
        return [MessageView.of(m) for m in s.exec(query.order_by(col(OutboxMessage.id).desc()).limit(limit)).all()]


@router.get("/api/outbox/{message_id}/attempts", response_model=list[AttemptView])
def message_attempts(message_id: int, services: ServicesDep, _operator: OperatorDep) -> list[AttemptView]:
    """Every attempt at delivering a message, oldest first."""
    with session(services.engine) as s:
        if s.get(OutboxMessage, message_id) is None:
            raise HTTPException(404, f"no outbox message {message_id}")
        return [AttemptView.of(a) for a in attempts_of(s, message_id=message_id)]


@router.post("/api/outbox/{message_id}/redeliver", response_model=MessageView)
async def redeliver_message(message_id: int, services: ServicesDep, operator: OperatorDep) -> MessageView:
    """Deliver a dead or failed message again, with a fresh count of attempts."""
    try:
        message = await run_in_threadpool(redeliver, services.engine, message_id, actor=operator)
    except RedeliveryRefused as exc:
        raise HTTPException(404 if "no outbox" in str(exc) else 409, str(exc)) from exc
    return MessageView.of(message)


@router.get("/api/documents/{document_id}/attempts", response_model=list[AttemptView])
def document_attempts(document_id: int, services: ServicesDep, _operator: OperatorDep) -> list[AttemptView]:
    """Every failed attempt at processing an inbound document, oldest first."""
    with session(services.engine) as s:
        if s.get(Document, document_id) is None:
            raise HTTPException(404, f"no document {document_id}")
        return [AttemptView.of(a) for a in attempts_of(s, document_id=document_id)]


@router.post("/api/documents/{document_id}/edit", status_code=201, response_model=EditView)
async def edit_document(document_id: int, request: Request, services: ServicesDep, operator: OperatorDep,
                        reason: Annotated[str, Query(min_length=1, max_length=500)]) -> EditView:
    """Store the corrected bytes (the request body) of a rejected or dead document as a new document, queued.

    The original is kept unchanged; 409 when the document cannot be edited, 422 (with every
    problem and its location) when the corrected document does not translate.
    """
    raw, too_large = await read_limited(request, services.settings.max_upload_bytes)
    if too_large:
        raise HTTPException(413, f"an edited document is limited to {services.settings.max_upload_bytes} bytes")
    try:
        edited = await run_in_threadpool(edit_and_retry, services.engine, document_id, raw, actor=operator,
                                         reason=reason)
    except EditRefused as exc:
        missing = str(exc).startswith("no document")
        status = 404 if missing else 422 if exc.problems or "does not translate" in str(exc) else 409
        raise HTTPException(status, {"error": str(exc), "problems": exc.problems}) from exc
    with session(services.engine) as s:
        edit = s.exec(select(DocumentEdit).where(DocumentEdit.original_id == document_id)).one()
        return EditView(original_id=document_id, edited_id=edited.id or 0, actor=edit.actor, reason=edit.reason,
                        state=edited.state, at=edit.at)
