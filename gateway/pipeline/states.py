"""Document states as a table of allowed transitions, applied by one function.

Every change of a document's state goes through :func:`transition`, which checks the change is
allowed, stamps the row and writes a :class:`~gateway.store.tables.DocumentEvent` saying who,
when and why (OCA edi-framework's explicit exchange states, without scattered string writes).

Inbound::

    received --claim--> translating --> accepted (an interchange, split into its sets)
                                     \\-> queued (a UBL document, processed as it is)
                                     \\-> rejected / duplicate
    queued --claim--> processing --> processed | duplicate | rejected
                                 \\-> credit_hold --operator--> queued (released) | rejected
                                 \\-> price_hold --operator--> queued (released) | rejected
                                 \\-> retry (transient) --claim--> processing ... --> dead
    rejected | dead | processed --operator replay--> queued

Outbound::

    (rendered) --pre-send gate--> outbox | invalid
    outbox --> sent (delivered through the partner's channel, see gateway.delivery)
           \\-> dead (delivery refused or out of attempts) --operator redeliver--> outbox
    invalid --operator corrects it, or renders it again--> corrected (the valid copy is a new document)
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from erp.rows import row
from gateway.store.tables import Document, DocumentEvent, utcnow


class State(StrEnum):
    """Where a document stands."""

    RECEIVED = "received"  # raw bytes stored, nothing else done yet
    TRANSLATING = "translating"  # an intake worker holds the interchange
    ACCEPTED = "accepted"  # interchange split into transaction-set documents
    QUEUED = "queued"  # waiting for a worker
    PROCESSING = "processing"  # a worker holds it
    RETRY = "retry"  # a transient failure; claimable again at next_attempt_at
    PROCESSED = "processed"  # done: ERP order placed and acknowledged
    DUPLICATE = "duplicate"  # a resend of something already handled; nothing new done
    REJECTED = "rejected"  # invalid or refused; will not succeed unchanged
    DEAD = "dead"  # transient failures exhausted the attempts
    CREDIT_HOLD = "credit_hold"  # an order over the customer's credit, waiting for an operator
    PRICE_HOLD = "price_hold"  # an order priced outside the partner's tolerance, waiting for an operator
    OUTBOX = "outbox"  # outbound, waiting to be delivered
    SENT = "sent"  # outbound, delivered
    INVALID = "invalid"  # outbound, failed the partner's validators before sending; held, never sent
    CORRECTED = "corrected"  # outbound, was invalid; a corrected copy (a new document) took its place


ALLOWED: dict[State | None, frozenset[State]] = {
    None: frozenset({State.RECEIVED, State.QUEUED, State.REJECTED, State.OUTBOX, State.INVALID}),
    State.RECEIVED: frozenset({State.TRANSLATING, State.REJECTED}),
    State.TRANSLATING: frozenset({State.ACCEPTED, State.QUEUED, State.REJECTED, State.DUPLICATE, State.RECEIVED}),
    State.QUEUED: frozenset({State.PROCESSING, State.REJECTED}),
    State.PROCESSING: frozenset(
        {State.PROCESSED, State.DUPLICATE, State.REJECTED, State.RETRY, State.DEAD, State.QUEUED,
         State.CREDIT_HOLD, State.PRICE_HOLD}
    ),
    State.CREDIT_HOLD: frozenset({State.QUEUED, State.REJECTED}),  # the operator releases or rejects it
    State.PRICE_HOLD: frozenset({State.QUEUED, State.REJECTED}),  # the operator releases or rejects it
    State.RETRY: frozenset({State.PROCESSING, State.QUEUED}),
    State.PROCESSED: frozenset({State.QUEUED}),
    State.REJECTED: frozenset({State.QUEUED, State.RECEIVED}),
    State.DEAD: frozenset({State.QUEUED, State.OUTBOX}),
    State.DUPLICATE: frozenset(),
    State.ACCEPTED: frozenset(),
    State.OUTBOX: frozenset({State.SENT, State.DEAD}),
    State.SENT: frozenset(),
    State.INVALID: frozenset({State.CORRECTED}),
    State.CORRECTED: frozenset(),
}

CLAIMABLE_WORK = (State.QUEUED, State.RETRY)
FINAL = frozenset({State.PROCESSED, State.DUPLICATE, State.REJECTED, State.DEAD, State.ACCEPTED, State.SENT,
                   State.CORRECTED})


class TransitionError(RuntimeError):
    """A state change the table does not allow (a bug or a race, never bad input)."""


def event_values(document_id: int, current: State | None, to: State, *, actor: str,
                 reason: str | None = None, at: dt.datetime | None = None) -> dict[str, Any]:
    """The row of the history event ``current`` -> ``to`` (None: a new document), if the table allows it.

    Every history event is built here, so one table decides every move: :func:`transition` for a
    loaded document, and the moves made without an ORM object (a claim made in one ``UPDATE ...
    RETURNING``, a batch's new documents inserted as rows, a batch's documents moved by id).
    """
    if to not in ALLOWED[current]:
        raise TransitionError(f"document {document_id}: {current} -> {to} is not allowed")
    when = {"at": at} if at is not None else {}  # else now, as the table's default says
    return row(DocumentEvent, document_id=document_id, from_state=current.value if current else None,
               to_state=to.value, actor=actor, reason=reason, **when)


def claim_event(document_id: int, current: State, *, actor: str, reason: str) -> dict[str, Any]:
    """The event of a worker's claim (``current`` -> processing), for a claim made in one UPDATE.

    The queue claims without loading the document, so it cannot go through :func:`transition`;
    the same table still decides whether it is allowed.
    """
    return event_values(document_id, current, State.PROCESSING, actor=actor, reason=reason)


def transition(doc: Document, to: State, *, actor: str, reason: str | None = None) -> DocumentEvent:
    """Move ``doc`` to state ``to``; returns the event to add to the same session.

    The caller adds both the document and the event in one transaction, so the history is never
    out of step with the state.
    """
    values = event_values(doc.id or 0, State(doc.state) if doc.state else None, to, actor=actor, reason=reason)
    doc.state = to.value
    doc.updated_at = utcnow()
    return DocumentEvent(**values)
