"""Who may approve a quote's discount: a manager other than whoever set its terms (four eyes).

A discount over the threshold needs a second person's yes, so the manager who made the quote, or
who last set its lines and discounts on this revision (an edit by a manager to a rep's quote
counts), cannot approve it. An operator runs the gateway and is admitted everywhere by
:func:`gateway.auth.deps.require_role`, but approving a discount is a sales decision, not
operations: an operator token is refused here explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.auth.tokens import Principal, Role
from gateway.quotes.states import QuoteState
from gateway.quotes.tables import Quote, QuoteEvent


def terms_authors(quote: Quote, events: Iterable[QuoteEvent]) -> set[str]:
    """The names that set this revision's terms: its owner and whoever created or edited it (a return edits nothing)."""
    authors = {quote.owner}
    for event in events:
        changes = event.changes or {}
        if event.to_state == QuoteState.DRAFT.value and "returned" not in changes:
            authors.add(event.actor)
    return authors


def approval_refusal(quote: Quote, events: Iterable[QuoteEvent], who: Principal) -> str | None:
    """Why ``who`` may not approve ``quote`` (a sentence for the 403), or None when they may."""
    if who.role is Role.OPERATOR:
        return (f"an operator token may not approve quote {quote.number}'s discount: a manager who did not "
                "set its terms approves it")
    if who.role is not Role.MANAGER:
        return f"a {who.role.value} token may not approve a discount; a manager approves it"
    if who.name in terms_authors(quote, events):
        return (f"{who.name} set the terms of quote {quote.number} and may not approve its own discount: "
                "another manager approves it")
    return None


__all__ = ["approval_refusal", "terms_authors"]
