"""The transactional outbox: write an outbound call with the decision, deliver it afterwards.

A decision (an 855 rendered for a partner, an order released for the ERP) and the message that
carries it out commit in one transaction: :func:`enqueue` only adds the row to the caller's
session. If the transaction rolls back, nothing is sent; if it commits, the message is in the
table and some worker will deliver it, even after a crash. Delivery is therefore *at least once*;
the message's unique ``idempotency_key`` travels with it so receivers can drop a repeat.

Message states::

    pending --claim--> delivering --> delivered
                                  \\-> retry (transient) --claim--> delivering ... --> dead
                                  \\-> failed (permanent)
    dead | failed --operator redeliver--> pending

Claims use ``FOR UPDATE SKIP LOCKED`` on PostgreSQL like the document queue, with a lease: a
message whose worker vanished is taken up again by :func:`recover_expired_messages`.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from gateway.auth.audit import audit
from gateway.delivery.tables import OutboxMessage
from gateway.pipeline.states import State
from gateway.store.db import is_postgresql, session
from gateway.store.documents import move
from gateway.store.tables import Document, Partner, utcnow


class MessageState(StrEnum):
    """Where an outbox message stands."""

    PENDING = "pending"
    DELIVERING = "delivering"
    RETRY = "retry"
    DELIVERED = "delivered"
    FAILED = "failed"  # a permanent failure: will not succeed unchanged
    DEAD = "dead"  # transient failures used up the partner's attempts


CLAIMABLE = (MessageState.PENDING.value, MessageState.RETRY.value)
REDELIVERABLE = frozenset({MessageState.DEAD.value, MessageState.FAILED.value})


class RedeliveryRefused(Exception):
    """The message cannot be delivered again, with the reason."""


def enqueue(s: Session, *, channel: str, destination: str, kind: str, idempotency_key: str, payload: bytes,
            max_attempts: int | None = None, content_type: str = "application/octet-stream",
            headers: dict[str, Any] | None = None, partner_id: str | None = None,
            document_id: int | None = None) -> OutboxMessage:
    """Add a message to the caller's transaction (the caller commits it with its decision).

    A message with the same key already written is returned instead of a second one, so a
    decision taken again (a replay) does not send twice.
    """
    existing = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)).first()
    if existing is not None:
        return existing
    message = OutboxMessage(channel=channel, destination=destination, kind=kind, idempotency_key=idempotency_key,
                            payload=payload, content_type=content_type, headers=headers or {},
                            partner_id=partner_id, document_id=document_id, state=MessageState.PENDING.value,
                            max_attempts=max_attempts)
    s.add(message)
    return message


CONTENT_TYPES = {"x12": "application/edi-x12", "ubl": "application/xml", "cxml": "text/xml"}


def delivery_route(partner: Partner) -> dict[str, Any] | None:
    """The partner's ``delivery`` setting (``{"channel": "http", "destination": URL}``), if any."""
    route = partner.settings.get("delivery")
    if not isinstance(route, dict) or not route.get("channel") or not route.get("destination"):
        return None
    return route


def enqueue_document(s: Session, partner: Partner, *, doc_id: int, raw: bytes, standard: str) -> OutboxMessage | None:
    """Queue an outbound document for the partner's delivery channel; None when it has none.

    Partners without a ``delivery`` setting fetch their documents (or get them in the HTTP
    answer, like the 997): the document then simply stays in the outbox.
    """
    route = delivery_route(partner)
    if route is None:
        return None
    headers = {str(k): str(v) for k, v in (route.get("headers") or {}).items()}
    return enqueue(s, channel=str(route["channel"]), destination=str(route["destination"]), kind="document",
                   idempotency_key=f"document:{doc_id}", payload=raw,
                   content_type=CONTENT_TYPES.get(standard, "application/octet-stream"), headers=headers,
                   partner_id=partner.id, document_id=doc_id)


def enqueue_json(s: Session, *, channel: str, destination: str, kind: str, idempotency_key: str,
                 body: dict[str, Any], max_attempts: int | None = None, partner_id: str | None = None,
                 document_id: int | None = None) -> OutboxMessage:
    """A message whose payload is JSON (ERP calls, webhooks)."""
    return enqueue(s, channel=channel, destination=destination, kind=kind, idempotency_key=idempotency_key,
                   payload=json.dumps(body, default=str).encode(), content_type="application/json",
                   max_attempts=max_attempts, partner_id=partner_id, document_id=document_id)


def claim_next_message(engine: Engine, worker_id: str) -> int | None:
    """Claim the next due message for ``worker_id``; its id, or None when nothing is due."""
    now = utcnow()
    with session(engine) as s:
        query = (select(OutboxMessage.id, OutboxMessage.state)
                 .where(col(OutboxMessage.state).in_(CLAIMABLE))
                 .where(or_(col(OutboxMessage.next_attempt_at).is_(None), col(OutboxMessage.next_attempt_at) <= now))
                 .order_by(col(OutboxMessage.id)).limit(1))
        if is_postgresql(engine):
            query = query.with_for_update(skip_locked=True)
        row = s.exec(query).first()
        if row is None:
            return None
        message_id, previous = row
        claimed = s.execute(
            update(OutboxMessage).where(col(OutboxMessage.id) == message_id, col(OutboxMessage.state) == previous)
            .values(state=MessageState.DELIVERING.value, claimed_by=worker_id, claimed_at=now,
                    attempts=OutboxMessage.attempts + 1, updated_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            s.rollback()
            return None
        s.commit()
        return message_id


def recover_expired_messages(engine: Engine, lease_seconds: float) -> list[int]:
    """Messages left ``delivering`` past the lease (their worker died) become due again."""
    cutoff = utcnow() - dt.timedelta(seconds=lease_seconds)
    with session(engine) as s:
        query = select(OutboxMessage).where(OutboxMessage.state == MessageState.DELIVERING.value,
                                            col(OutboxMessage.claimed_at) < cutoff)
        if is_postgresql(engine):
            query = query.with_for_update(skip_locked=True)
        recovered = []
        for message in s.exec(query).all():
            message.state = MessageState.RETRY.value
            message.last_error = f"lease of {message.claimed_by} expired; delivered again"
            message.claimed_by = message.claimed_at = message.next_attempt_at = None
            message.updated_at = utcnow()
            s.add(message)
            recovered.append(message.id or 0)
        s.commit()
    return recovered


def redeliver(engine: Engine, message_id: int, *, actor: str) -> OutboxMessage:
    """The operator sends a dead or failed message again, with a fresh count of attempts."""
    with session(engine) as s:
        message = s.get(OutboxMessage, message_id)
        if message is None:
            raise RedeliveryRefused(f"no outbox message {message_id}")
        if message.state not in REDELIVERABLE:
            raise RedeliveryRefused(f"message {message_id} is {message.state}; only dead or failed messages "
                                    "are delivered again")
        message.state = MessageState.PENDING.value
        message.attempts = 0
        message.next_attempt_at = None
        message.updated_at = utcnow()
        s.add(message)
        audit(s, actor=actor, action="outbox.redeliver", target=f"message:{message_id}",
              channel=message.channel, destination=message.destination)
        doc = s.get(Document, message.document_id) if message.document_id else None
        if doc is not None and doc.state == State.DEAD.value:
            move(s, doc, State.OUTBOX, actor=actor, reason=f"delivery of message {message_id} retried by {actor}")
        s.commit()
        return message
