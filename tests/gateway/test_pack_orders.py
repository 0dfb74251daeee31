"""X12 850s ordering cases of items sold by the each: accepted in cases, stock taken in eaches, priced per case.

A case (X12 ``CA``, Rec 20 ``XCS``) of DEMO-1001 is 12 of its eaches in the demo ERP; DEMO-1003 has
no case size. The ERP keeps the line in cases (see :mod:`erp.builtin.planning` for why), the 855
acknowledges cases, and our price snapshot prices the case as its eaches on the customer's list.
"""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from formats.model import LineStatus
from formats.x12 import poack855
from gateway.pipeline.states import State
from gateway.pricing.snapshot import snapshot_of
from gateway.pricing.sync import sync_from_erp
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner
from tests.conftest import corpus_path

from .flow import X12, docs, drain, post, sets_of


def _available(services: Services, sku: str) -> Decimal:
    return sum((level.available for level in services.erp.get_stock([sku])), Decimal(0))


def _ack(services: Services) -> list[tuple[str, LineStatus, Decimal, str, str | None]]:
    [ack] = docs(services, doc_type="855")
    response = poack855.parse(sets_of(ack.raw)[0])
    return [(line.line_number, line.status, line.quantity.value, line.quantity.unit, line.reason)
            for line in response.lines]


def test_two_cases_of_pens_are_ordered_as_cases_and_reserve_24_eaches(client: TestClient, services: Services) -> None:
    sync_from_erp(services.engine, services.erp)
    raw = (X12 / "850-4010-basic.x12").read_bytes()
    raw = raw.replace(b"PO1*1*10*EA*12.5*PE*VP*DEMO-1001", b"PO1*1*2*CA*12.6*PE*VP*DEMO-1001")
    raw = raw.replace(b"PO1*3*2*EA*99.99*PE*VP*DEMO-1003", b"PO1*3*2*CA*99.99*PE*VP*DEMO-1003")
    before = _available(services, "DEMO-1001")
    assert post(client, "", raw=raw).status_code == 202
    drain(services)
    [po] = docs(services, doc_type="850")
    assert po.state == State.PROCESSED.value and po.erp_order_id, po.error
    erp_order = services.erp.get_order(po.erp_order_id)
    assert erp_order is not None
    first = erp_order.order.lines[0]
    assert (first.quantity.value, first.quantity.unit, first.unit_price.amount if first.unit_price else None) == (
        Decimal(2), "XCS", Decimal("12.6"))
    assert _available(services, "DEMO-1001") == before - 24
    assert _ack(services) == [
        ("1", LineStatus.ACCEPTED, Decimal(2), "XCS", None),
        ("2", LineStatus.ACCEPTED, Decimal(24), "EA", None),
        ("3", LineStatus.REJECTED, Decimal(2), "XCS", "item DEMO-1003 is sold in EA, not XCS"),
    ]
    assert po.id is not None
    with session(services.engine) as s:
        rows = {row.line_number: row for row in snapshot_of(s, po.id)}
    case = rows["1"]
    assert (case.unit, case.unit_price, case.amount, case.buyer_unit_price) == (
        "XCS", Decimal("12.60"), Decimal("25.20"), Decimal("12.6"))  # 12 x ACME's 1.05 per each
    assert case.quote is not None and case.quote["base_quantity"] == {"value": "24", "unit": "EA"}
    assert rows["3"].unit_price is None and "item DEMO-1003: no conversion from unit XCS" in (rows["3"].problem or "")


def test_a_real_850_ordering_cases_by_upc_reaches_the_erp_in_cases(client: TestClient, services: Services) -> None:
    """bots' 850-004010-06: six lines of 26-30 cases of oats by UPC at 21.10 a case, mapped to DEMO-1001."""
    raw = corpus_path("x12", "bots", "850-004010-06.x12").read_bytes()
    with session(services.engine) as s:
        s.add(Partner(id="bots-oats", name="bots sample buyer", customer_id="ACME", x12_qualifier="01",
                      x12_id="012345678", x12_application_id="TEST", our_x12_qualifier="01",
                      our_x12_id="012341234", our_x12_application_id="1234", x12_version="004010", usage="P",
                      settings={"item_map": {"004184080648": "DEMO-1001"},  # 21.10 a case against ACME's 11.40:
                                "price_policy": "accept"}))  # placed and flagged (a partner without it holds)
        s.commit()
    sync_from_erp(services.engine, services.erp)
    answer = post(client, "", partner="bots-oats", raw=raw)
    assert answer.status_code == 202, answer.text
    drain(services)
    [po] = docs(services, doc_type="850")
    assert po.state == State.PROCESSED.value and po.erp_order_id, po.error
    # 650 pens in stock = 54 whole cases: 26 + 27 accepted, then 1 of 28, the rest backordered in cases
    assert [(n, status, qty, unit) for n, status, qty, unit, _why in _ack(services)] == [
        ("1", LineStatus.ACCEPTED, Decimal(26), "XCS"), ("2", LineStatus.ACCEPTED, Decimal(27), "XCS"),
        ("3", LineStatus.ACCEPTED, Decimal(1), "XCS"), ("3", LineStatus.BACKORDERED, Decimal(27), "XCS"),
        ("4", LineStatus.BACKORDERED, Decimal(29), "XCS"), ("5", LineStatus.BACKORDERED, Decimal(30), "XCS"),
        ("6", LineStatus.BACKORDERED, Decimal(30), "XCS")]
    assert _available(services, "DEMO-1001") == Decimal(650 - 54 * 12)
    assert po.id is not None
    with session(services.engine) as s:
        first = snapshot_of(s, po.id)[0]
    assert (first.sku, first.unit, first.buyer_unit_price, first.unit_price) == (
        "DEMO-1001", "XCS", Decimal("21.1"), Decimal("11.40"))  # 312 EA reach ACME's tier from 200: 12 x 0.95
