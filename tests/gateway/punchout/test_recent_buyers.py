"""Recently authenticated buyers: a repeated Header skips the database, nothing else does."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import select

from formats.cxml import envelope
from gateway.punchout.buyers import RecentBuyers
from gateway.punchout.errors import CxmlRefusal
from gateway.punchout.secrets import hash_secret
from gateway.punchout.tables import CxmlBuyer
from gateway.services import Services
from gateway.store.db import session
from tests.gateway.punchout.cxml_requests import demo_routing, setup_request


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def header(secret: str | None = "sandbox-secret") -> envelope.Envelope:
    return envelope.parse(setup_request(routing=demo_routing(secret)))


def selects_of(services: Services) -> list[str]:
    seen: list[str] = []
    event.listen(services.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: seen.append(statement) if statement.startswith("SELECT") else None)
    return seen


def test_the_same_credentials_moments_later_are_not_read_again(services: Services) -> None:
    recent = RecentBuyers(seconds=2.0, clock=Clock())
    selects = selects_of(services)
    with session(services.engine) as s:
        first = recent.authenticate(s, header())
        read = len(selects)
        again = recent.authenticate(s, header())
    assert read >= 1 and len(selects) == read  # the second answer came from memory
    assert again is first and first.id == "contoso"


def test_a_wrong_secret_is_refused_even_right_after_the_right_one(services: Services) -> None:
    recent = RecentBuyers(seconds=60.0)
    with session(services.engine) as s:
        recent.authenticate(s, header())
        with pytest.raises(CxmlRefusal, match="SharedSecret is wrong for buyer contoso"):
            recent.authenticate(s, header("not-the-secret"))
        with pytest.raises(CxmlRefusal, match="no SharedSecret"):
            recent.authenticate(s, header(None))


def test_a_rotated_secret_takes_effect_once_the_window_has_passed(services: Services) -> None:
    clock = Clock()
    recent = RecentBuyers(seconds=2.0, clock=clock)
    with session(services.engine) as s:
        recent.authenticate(s, header())
        buyer = s.exec(select(CxmlBuyer).where(CxmlBuyer.partner_id == "contoso")).one()
        buyer.secret_hash = hash_secret("rotated-secret")
        s.add(buyer)
        s.commit()
        clock.now += 1.0
        assert recent.authenticate(s, header()).id == "contoso"  # within the window: still the old answer
        clock.now += 1.5
        with pytest.raises(CxmlRefusal, match="SharedSecret is wrong"):
            recent.authenticate(s, header())
        assert recent.authenticate(s, header("rotated-secret")).id == "contoso"


def test_a_removed_buyer_is_refused_once_the_window_has_passed(services: Services) -> None:
    clock = Clock()
    recent = RecentBuyers(seconds=2.0, clock=clock)
    with session(services.engine) as s:
        recent.authenticate(s, header())
        s.delete(s.exec(select(CxmlBuyer).where(CxmlBuyer.partner_id == "contoso")).one())
        s.commit()
        clock.now += 2.0
        with pytest.raises(CxmlRefusal, match="unknown buyer"):
            recent.authenticate(s, header())


def test_the_key_never_holds_the_secret_itself() -> None:
    key = RecentBuyers.key(header())
    assert "sandbox-secret" not in repr(key)
    assert RecentBuyers.key(header("other")) != key
