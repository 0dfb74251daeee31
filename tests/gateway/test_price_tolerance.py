"""Price tolerance (issue 17 item 7): an 850 at 0.01 against a 1.05 contract price is never placed silently.

ACME's contract (demo price list ACME-2026) prices DEMO-1001 at 1.05, and its writing
instruments at list less 20% (DEMO-1002 1.032, DEMO-1003 1.72). The order below prices the
other lines at contract and line 1 at 0.01; each policy is taken through the real HTTP intake, a
worker and, for a hold, the operator's page.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from formats.model import HeaderStatus, LineStatus
from formats.x12 import poack855
from gateway.credit.control import CreditStatus
from gateway.pipeline.states import State
from gateway.pricing.sync import sync_from_erp
from gateway.services import Services
from gateway.store.db import session
from gateway.store.documents import history
from gateway.store.tables import Partner

from .conftest import OPERATOR_TOKEN
from .credit.helpers import credit_orders
from .flow import X12, docs, drain, post, sets_of


@pytest.fixture(autouse=True)
def contract_prices(services: Services) -> None:
    """The customers' prices pulled from the ERP, as a worker does at start and every 15 minutes."""
    sync_from_erp(services.engine, services.erp, trigger="test")


def priced_850(line_1: str = "0.01") -> bytes:
    """The basic 850 with lines 2 and 3 at ACME's contract prices and line 1 at ``line_1``."""
    return ((X12 / "850-4010-basic.x12").read_bytes()
            .replace(b"PO1*1*10*EA*12.5*", f"PO1*1*10*EA*{line_1}*".encode())
            .replace(b"PO1*2*24*EA*4.75*", b"PO1*2*24*EA*1.032*")
            .replace(b"PO1*3*2*EA*99.99*", b"PO1*3*2*EA*1.72*"))


def set_price_settings(services: Services, **settings: object) -> None:
    """Acme's price settings as given; those not given removed (the default applies)."""
    with session(services.engine) as s:
        partner = s.get(Partner, "acme")
        assert partner is not None
        kept = {k: v for k, v in partner.settings.items() if k not in ("price_policy", "price_tolerance")}
        partner.settings = {**kept, **settings}
        s.add(partner)
        s.commit()


def the_order(services: Services):  # type: ignore[no-untyped-def]
    [order] = docs(services, doc_type="850")
    return order


def operator_page(client: TestClient, document_id: int) -> str:
    answer = client.post("/admin/login", data={"token": OPERATOR_TOKEN, "next": "/admin/documents"},
                         follow_redirects=False)
    assert answer.status_code == 303
    return client.get(f"/admin/documents/{document_id}").text


def decide(client: TestClient, document_id: int, decision: str, note: str = "") -> str:
    page = operator_page(client, document_id)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert csrf and 'value="release"' in page
    answer = client.post(f"/admin/documents/{document_id}/price-hold",
                         data={"decision": decision, "note": note, "csrf": csrf.group(1)}, follow_redirects=False)
    assert answer.status_code == 303
    return client.get(answer.headers["location"]).text


def test_a_partner_without_a_price_policy_holds_the_order_for_an_operator(client: TestClient,
                                                                          services: Services) -> None:
    set_price_settings(services)  # a new partner: no price_policy, no price_tolerance
    assert post(client, "", raw=priced_850()).status_code == 202
    drain(services)
    order = the_order(services)
    assert order.state == State.PRICE_HOLD.value and order.erp_order_id is None
    assert "line 1 priced 0.01 USD, our contract price 1.05 USD" in (order.error or "")
    assert "line 2" not in (order.error or "") and docs(services, doc_type="855") == []
    assert credit_orders(services, "ACME") == []  # nothing reserved while it waits
    page = decide(client, order.id or 0, "release", "agreed by phone")
    assert "queued" in page
    drain(services)
    order = the_order(services)
    assert order.state == State.PROCESSED.value and order.erp_order_id
    with session(services.engine) as s:
        reasons = [e.reason or "" for e in history(s, order.id or 0)]
    assert any("released from price hold" in r and "0.01" in r for r in reasons)
    [ack] = docs(services, doc_type="855")
    assert poack855.parse(sets_of(ack.raw)[0]).lines[0].status is LineStatus.ACCEPTED


def test_an_operator_rejecting_a_price_hold_answers_with_our_price(client: TestClient, services: Services) -> None:
    set_price_settings(services, price_policy="hold")
    post(client, "", raw=priced_850())
    drain(services)
    order = the_order(services)
    decide(client, order.id or 0, "reject", "please resend at contract prices")
    order = the_order(services)
    assert order.state == State.REJECTED.value and "please resend" in (order.error or "")
    [answer] = docs(services, doc_type="855")
    response = poack855.parse(sets_of(answer.raw)[0])
    assert response.status is HeaderStatus.REJECTED_WITH_DETAIL
    first = response.lines[0]
    assert first.status is LineStatus.PRICE_CHANGED and first.unit_price is not None
    assert first.unit_price.amount == Decimal("1.05")
    assert b"PO1*1*10*EA*1.05*" in answer.raw and b"ACK*IP*10*EA" in answer.raw


def test_policy_reject_answers_at_once_with_ip_and_our_price(client: TestClient, services: Services) -> None:
    set_price_settings(services, price_policy="reject")
    post(client, "", raw=priced_850())
    drain(services)
    order = the_order(services)
    assert order.state == State.REJECTED.value and order.erp_order_id is None
    [answer] = docs(services, doc_type="855")
    assert b"BAK*00*RD*ACME-PO-1001" in answer.raw
    response = poack855.parse(sets_of(answer.raw)[0])
    statuses = {line.line_number: (line.status, line.unit_price.amount if line.unit_price else None)
                for line in response.lines}
    assert statuses == {"1": (LineStatus.PRICE_CHANGED, Decimal("1.05")),
                        "2": (LineStatus.REJECTED, Decimal("1.032")), "3": (LineStatus.REJECTED, Decimal("1.72"))}
    assert "our contract price 1.05" in (response.lines[0].reason or "")
    assert all(row.status != CreditStatus.RESERVED.value for row in credit_orders(services, "ACME"))


def test_policy_accept_places_the_order_at_the_partners_price_and_flags_it(client: TestClient,
                                                                           services: Services) -> None:
    set_price_settings(services, price_policy="accept")
    post(client, "", raw=priced_850())
    drain(services)
    order = the_order(services)
    assert order.state == State.PROCESSED.value
    placed = services.erp.get_order(order.erp_order_id or "")
    assert placed is not None and placed.order.lines[0].unit_price is not None
    assert placed.order.lines[0].unit_price.amount == Decimal("0.01")
    with session(services.engine) as s:
        reasons = [e.reason or "" for e in history(s, order.id or 0)]
    assert any("price_policy accept" in r and "our contract price 1.05" in r for r in reasons)
    assert "price_policy accept" in operator_page(client, order.id or 0)


@pytest.mark.parametrize(("tolerance", "line_1", "held"), [
    ("0.02", "1.07", False), ("0.02", "1.08", True), ("1%", "1.06", False), ("1%", "1.04", False),
    ("1%", "1.07", True), ("0", "1.05", False), ("0", "1.0501", True),
])
def test_the_tolerance_is_an_amount_or_a_percentage_of_our_price(client: TestClient, services: Services,
                                                                  tolerance: str, line_1: str, held: bool) -> None:
    set_price_settings(services, price_policy="hold", price_tolerance=tolerance)
    post(client, "", raw=priced_850(line_1))
    drain(services)
    assert the_order(services).state == (State.PRICE_HOLD if held else State.PROCESSED).value


def test_a_partner_price_setting_that_makes_no_sense_rejects_the_order_naming_it(client: TestClient,
                                                                                services: Services) -> None:
    set_price_settings(services, price_policy="haggle")
    post(client, "", raw=priced_850())
    drain(services)
    order = the_order(services)
    assert order.state == State.REJECTED.value and "settings.price_policy 'haggle'" in (order.error or "")
