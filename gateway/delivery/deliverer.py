"""The delivery worker: claims outbox messages and hands them to their channel's transport.

It runs inside every ``b2bgw worker`` (and the worker threads of ``b2bgw serve``): whenever the
document queue has nothing due, the worker delivers messages. Each attempt is written to
``gw_delivery_attempt`` in the same transaction as the state it leads to:

* delivered: the message is ``delivered``; a message carrying an outbound document moves that
  document from ``outbox`` to ``sent``;
* transient failure: ``retry`` at ``now + backoff`` (exponential, with jitter), until the
  partner's ``max_attempts`` setting (else ``B2BGW_MAX_ATTEMPTS``), then ``dead``;
* permanent failure: ``failed`` at once.

A dead or failed message carrying a document moves the document to ``dead`` too, so the
operator's list of dead letters shows it; ``redeliver`` brings both back.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Engine
from sqlmodel import Session

from gateway.config import Settings
from gateway.delivery.attempts import record_attempt
from gateway.delivery.failures import FailureKind, PermanentFailure, classify, max_attempts_for, retry_delay
from gateway.delivery.outbox import MessageState, claim_next_message, recover_expired_messages
from gateway.delivery.tables import OutboxMessage
from gateway.delivery.transports import Message, Receipt, Transport
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import move
from gateway.store.tables import Document, Partner, utcnow

log = logging.getLogger(__name__)


class Deliverer:
    """Delivers outbox messages through a registry of transports keyed by channel."""

    def __init__(self, engine: Engine, transports: dict[str, Transport], settings: Settings, worker_id: str) -> None:
        self.engine = engine
        self.transports = transports
        self.settings = settings
        self.worker_id = worker_id

    def recover(self) -> list[int]:
        """Take up messages whose worker died mid-delivery (housekeeping)."""
        return recover_expired_messages(self.engine, self.settings.lease_seconds)

    def deliver_next(self) -> int | None:
        """Claim and deliver one due message; its id, or None when nothing was due."""
        message_id = claim_next_message(self.engine, self.worker_id)
        if message_id is None:
            return None
        self.deliver(message_id)
        return message_id

    def drain(self) -> int:
        """Deliver every due message (tests, ``b2bgw worker --once``); how many attempts were made."""
        done = 0
        while self.deliver_next() is not None:
            done += 1
        return done

    def deliver(self, message_id: int) -> str:
        """Deliver a claimed message; the state it is in afterwards."""
        started = utcnow()
        with session(self.engine) as s:
            row = s.get(OutboxMessage, message_id)
            if row is None:
                return "missing"
            message = Message(id=message_id, channel=row.channel, destination=row.destination, kind=row.kind,
                              idempotency_key=row.idempotency_key, payload=row.payload,
                              content_type=row.content_type, headers=dict(row.headers),
                              partner_id=row.partner_id, document_id=row.document_id, attempt=row.attempts)
        try:
            transport = self.transports.get(message.channel)
            if transport is None:
                raise PermanentFailure(f"no transport for channel {message.channel!r}; known: "
                                       f"{', '.join(sorted(self.transports))}")
            receipt = transport.deliver(message)
        except Exception as exc:  # every failure is recorded and classified, none escapes the worker
            return self._failed(message, exc, started)
        return self._delivered(message, receipt, started)

    def _delivered(self, message: Message, receipt: Receipt, started: dt.datetime) -> str:
        with session(self.engine) as s:
            row = s.get(OutboxMessage, message.id)
            assert row is not None
            row.state = MessageState.DELIVERED.value
            row.response = receipt.response
            row.last_error = None
            row.claimed_by = row.claimed_at = None
            row.delivered_at = row.updated_at = utcnow()
            s.add(row)
            record_attempt(s, message_id=message.id, attempt=message.attempt, worker=self.worker_id,
                           outcome="delivered", error=None, started_at=started)
            doc = s.get(Document, message.document_id) if message.document_id else None
            if doc is not None and doc.state == State.OUTBOX.value:
                move(s, doc, State.SENT, actor=self.worker_id, reason=f"{message.channel}: {receipt.detail}")
            s.commit()
        log.info("message %s delivered: %s", message.id, receipt.detail,
                 extra={"document_id": message.document_id, "partner": message.partner_id})
        return MessageState.DELIVERED.value

    def _max_attempts(self, s: Session, row: OutboxMessage) -> int:
        """The message's own cap, else its partner's ``max_attempts``, else the installation's."""
        if row.max_attempts is not None:
            return row.max_attempts
        partner = s.get(Partner, row.partner_id) if row.partner_id else None
        return max_attempts_for(partner.settings if partner else None, self.settings.max_attempts)

    def _failed(self, message: Message, exc: Exception, started: dt.datetime) -> str:
        kind = classify(exc)
        error = f"{type(exc).__name__}: {exc}"
        with session(self.engine) as s:
            row = s.get(OutboxMessage, message.id)
            assert row is not None
            row.last_error = error
            row.claimed_by = row.claimed_at = None
            row.updated_at = utcnow()
            if kind is FailureKind.PERMANENT:
                row.state = MessageState.FAILED.value
            elif row.attempts >= self._max_attempts(s, row):
                row.state = MessageState.DEAD.value
            else:
                row.state = MessageState.RETRY.value
                row.next_attempt_at = utcnow() + retry_delay(row.attempts, self.settings.retry_base_seconds)
            s.add(row)
            record_attempt(s, message_id=message.id, attempt=message.attempt, worker=self.worker_id,
                           outcome=kind.value, error=error, started_at=started)
            doc = s.get(Document, message.document_id) if message.document_id else None
            if doc is not None and doc.state == State.OUTBOX.value and row.state != MessageState.RETRY.value:
                why = "refused" if kind is FailureKind.PERMANENT else f"gave up after {row.attempts} attempts"
                move(s, doc, State.DEAD, actor=self.worker_id,
                     reason=f"delivery by {message.channel} {why}: {error}")
            s.commit()
            state = row.state
        log.warning("message %s: attempt %s %s: %s", message.id, message.attempt, kind.value, error,
                    extra={"document_id": message.document_id, "partner": message.partner_id})
        return state
