"""Two decisions on one held order at once (two operators, a double click): one wins, the other is refused.

A credit hold and a price hold are decided by reading the hold, checking it is still held, then
acting: release queues the order, reject sends the partner a rejecting acknowledgment. On SQLite
``SELECT ... FOR UPDATE`` locks nothing, so two decisions could both find the order held and both
act: two rejecting 855s, or an order queued for the ERP and refused to the partner at once. The
two decisions are held in that interleaving (:mod:`tests.gateway.interleaving`); exactly one may
act, the other gets the "not on hold" refusal. On the test session's database: a SQLite file, or
PostgreSQL when ``B2BGW_DATABASE_URL`` names one.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from gateway.credit import actions as credit_actions
from gateway.credit.actions import CreditActionError, reject_hold, release_hold
from gateway.credit.control import Policy
from gateway.pipeline import price_holds
from gateway.pipeline.price_holds import PriceHoldError, reject_price_hold, release_price_hold
from gateway.pipeline.states import State
from gateway.pricing.sync import sync_from_erp
from gateway.services import Services

from .credit.helpers import credit_orders, set_limit
from .flow import docs, drain, post
from .interleaving import hold_at
from .test_price_tolerance import priced_850, set_price_settings

Decide = Callable[[Services, int, str], object]

CREDIT_DECISIONS: dict[str, Decide] = {
    "release": lambda services, hold, who: release_hold(services.engine, hold, actor=who),
    "reject": lambda services, hold, who: reject_hold(services.engine, hold, actor=who, reason="overdue"),
}
PRICE_DECISIONS: dict[str, Decide] = {
    "release": lambda services, doc, who: release_price_hold(services.engine, doc, actor=who),
    "reject": lambda services, doc, who: reject_price_hold(services.engine, doc, actor=who, reason="resend"),
}
PAIRS = [("reject", "reject"), ("release", "reject"), ("reject", "release")]


def _decided_once(services: Services, errors: list[BaseException], refused: type[Exception]) -> None:
    """One decision acted, the other was refused as no longer on hold; the partner got at most one answer."""
    assert len(errors) == 1 and isinstance(errors[0], refused), errors
    assert "hold" in str(errors[0])
    [order] = docs(services, doc_type="850")
    answers = docs(services, doc_type="855")
    if order.state == State.REJECTED.value:
        assert len(answers) == 1
    else:
        assert order.state == State.QUEUED.value and answers == []


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=["-".join(p) for p in PAIRS])
def test_a_credit_hold_is_decided_once(client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch,
                                       first: str, second: str) -> None:
    set_limit(services, "ACME", "100")
    credit_actions.set_policy(services.engine, "ACME", Policy.HOLD, actor="test")
    assert post(client, "850-4010-basic.x12").status_code == 202
    drain(services)
    [hold] = credit_orders(services, "ACME")
    assert hold.id is not None and hold.status == "held"
    interleaving = hold_at(monkeypatch, credit_actions, "_document", after=True)  # its last read before acting

    _, errors = interleaving.run(lambda: CREDIT_DECISIONS[first](services, hold.id or 0, "Maria"),
                                 lambda: CREDIT_DECISIONS[second](services, hold.id or 0, "Omar"))

    _decided_once(services, errors, CreditActionError)
    [row] = credit_orders(services, "ACME")
    assert row.status in ("approved", "rejected")


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=["-".join(p) for p in PAIRS])
def test_a_price_hold_is_decided_once(client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch,
                                      first: str, second: str) -> None:
    sync_from_erp(services.engine, services.erp, trigger="test")
    set_price_settings(services, price_policy="hold")
    assert post(client, "", raw=priced_850()).status_code == 202
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.id is not None and order.state == State.PRICE_HOLD.value
    interleaving = hold_at(monkeypatch, price_holds, "_held", after=True)

    _, errors = interleaving.run(lambda: PRICE_DECISIONS[first](services, order.id or 0, "Maria"),
                                 lambda: PRICE_DECISIONS[second](services, order.id or 0, "Omar"))

    _decided_once(services, errors, PriceHoldError)
