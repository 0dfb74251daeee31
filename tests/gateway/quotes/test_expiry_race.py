"""Expiry racing an acceptance: the accepted quote is never overwritten with expired.

The acceptance holds the quote's row lock while it commits; expiry has already read the quote as
``sent`` and past its validity. Its conditional UPDATE waits for the lock (PostgreSQL; the
write lock on SQLite), then finds the quote accepted and leaves it alone.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlmodel import select

from gateway.quotes.service import expire_quotes
from gateway.quotes.states import QuoteState, transition
from gateway.quotes.tables import Quote, QuoteEvent
from gateway.services import Services
from gateway.store.db import session

from .conftest import SMALL, Caller


def test_expiry_waits_for_a_concurrent_acceptance_and_leaves_it_accepted(rep: Caller, synced: Services) -> None:
    number = rep("POST", "", SMALL).json()["number"]
    rep("POST", f"/{number}/send")
    with session(synced.engine) as s:
        quote = s.exec(select(Quote).where(Quote.number == number)).one()
        quote.valid_until = dt.date(2020, 1, 1)
        s.add(quote)
        s.commit()
    locked, expired = threading.Event(), []

    def accept_slowly() -> None:
        with session(synced.engine) as s:
            row = s.exec(select(Quote).where(Quote.number == number).with_for_update()).one()
            s.add(transition(row, QuoteState.ACCEPTED, actor="customer"))
            s.add(row)
            s.flush()  # the row is written and locked until the commit below
            locked.set()
            time.sleep(1.0)
            s.commit()

    def expire() -> None:
        locked.wait(10)
        expired.extend(expire_quotes(synced.engine, today=dt.date(2026, 11, 23), actor="housekeeping"))

    threads = [threading.Thread(target=accept_slowly), threading.Thread(target=expire)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert expired == []
    with session(synced.engine) as s:
        quote = s.exec(select(Quote).where(Quote.number == number)).one()
        events = s.exec(select(QuoteEvent.to_state).where(QuoteEvent.quote_id == quote.id)).all()
    assert quote.state == QuoteState.ACCEPTED.value
    assert list(events) == ["draft", "sent", "accepted"]
