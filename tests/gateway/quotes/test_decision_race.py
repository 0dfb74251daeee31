"""Two decisions on one sent quote at once (a double click, the customer and the rep): one wins, one is refused.

Every quote change reads the quote's newest revision "for update", checks its state, then moves
it. On SQLite ``FOR UPDATE`` locks nothing, so two acceptances could both find the quote sent and
both queue an order document (two orders for one quote), or an acceptance and a decline both
succeed. The two calls are held in that interleaving (:mod:`tests.gateway.interleaving`); exactly
one may act and the other is refused by the quote's state table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlmodel import select

from gateway.auth import Role
from gateway.auth.tokens import Principal
from gateway.quotes import service
from gateway.quotes.service import QuoteError, accept_quote, decline_quote
from gateway.quotes.tables import Quote, QuoteEvent
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document

from ..interleaving import hold_at
from .conftest import SMALL, Caller

CUSTOMER = Principal(name="pat", role=Role.MANAGER)
TODAY = dt.date(2026, 11, 23)
DECISIONS: dict[str, Callable[[Services, str], object]] = {
    "accept": lambda services, number: accept_quote(services.engine, number, who=CUSTOMER, today=TODAY),
    "decline": lambda services, number: decline_quote(services.engine, number, who=CUSTOMER, note="too dear"),
}
PAIRS = [("accept", "accept"), ("accept", "decline")]


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=["-".join(p) for p in PAIRS])
def test_a_sent_quote_is_decided_once(rep: Caller, synced: Services, monkeypatch: pytest.MonkeyPatch,
                                      first: str, second: str) -> None:
    number = rep("POST", "", SMALL).json()["number"]
    assert rep("POST", f"/{number}/send").status_code == 200
    interleaving = hold_at(monkeypatch, service, "current", after=True)

    _, errors = interleaving.run(lambda: DECISIONS[first](synced, number),
                                 lambda: DECISIONS[second](synced, number))

    assert len(errors) == 1 and isinstance(errors[0], QuoteError), errors
    with session(synced.engine) as s:
        quote = s.exec(select(Quote).where(Quote.number == number)).one()
        events = list(s.exec(select(QuoteEvent.to_state).where(QuoteEvent.quote_id == quote.id)
                             .order_by(QuoteEvent.id)).all())  # type: ignore[arg-type]
        orders = s.exec(select(Document).where(Document.standard == "quote")).all()
    assert events == ["draft", "sent", quote.state]
    assert len(orders) == (1 if quote.state == "accepted" else 0)
