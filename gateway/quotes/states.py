"""Quote states as a table of allowed transitions, applied by one function that records the event.

::

    draft --submit--> pending_approval --approve--> approved --send--> sent
      |  \\--send (no approval needed)------------------------------> sent
      |   pending_approval / approved --edit or return--> draft
    sent --accept--> accepted --order placed--> ordered
    sent --decline--> declined
    sent --edit--> revised (the new revision starts as draft)
    draft | pending_approval | approved | sent --expiry--> expired

``accepted``, ``declined``, ``expired``, ``ordered`` and ``revised`` are terminal for expiry and
editing: nothing overwrites them (``accepted`` only goes on to ``ordered``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from gateway.quotes.tables import Quote, QuoteEvent
from gateway.store.tables import utcnow


class QuoteState(StrEnum):
    """Where a quote revision stands."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    ORDERED = "ordered"
    REVISED = "revised"


ALLOWED: dict[QuoteState | None, frozenset[QuoteState]] = {
    None: frozenset({QuoteState.DRAFT}),
    QuoteState.DRAFT: frozenset({QuoteState.PENDING_APPROVAL, QuoteState.SENT, QuoteState.EXPIRED}),
    QuoteState.PENDING_APPROVAL: frozenset({QuoteState.APPROVED, QuoteState.DRAFT, QuoteState.EXPIRED}),
    QuoteState.APPROVED: frozenset({QuoteState.SENT, QuoteState.DRAFT, QuoteState.EXPIRED}),
    QuoteState.SENT: frozenset({QuoteState.ACCEPTED, QuoteState.DECLINED, QuoteState.EXPIRED, QuoteState.REVISED}),
    QuoteState.ACCEPTED: frozenset({QuoteState.ORDERED}),
    QuoteState.DECLINED: frozenset(),
    QuoteState.EXPIRED: frozenset(),
    QuoteState.ORDERED: frozenset(),
    QuoteState.REVISED: frozenset(),
}

EXPIRABLE = frozenset({QuoteState.DRAFT, QuoteState.PENDING_APPROVAL, QuoteState.APPROVED, QuoteState.SENT})
EDITABLE = frozenset({QuoteState.DRAFT, QuoteState.PENDING_APPROVAL, QuoteState.APPROVED, QuoteState.SENT})


class QuoteTransitionError(Exception):
    """A transition the table does not allow, said in the quote's terms (answered as 409)."""


def transition(quote: Quote, to: QuoteState, *, actor: str, **changes: Any) -> QuoteEvent:
    """Move ``quote`` to ``to``; the event to add in the same transaction (who, when, what changed)."""
    current = QuoteState(quote.state) if quote.state else None
    if to not in ALLOWED[current]:
        raise QuoteTransitionError(f"quote {quote.number} rev {quote.revision} is {current}; it cannot become {to}")
    quote.state = to.value
    quote.updated_at = utcnow()
    return QuoteEvent(quote_id=quote.id or 0, from_state=current.value if current else None, to_state=to.value,
                      actor=actor, changes=changes)


__all__ = ["ALLOWED", "EDITABLE", "EXPIRABLE", "QuoteState", "QuoteTransitionError", "transition"]
