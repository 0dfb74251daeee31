"""Per-partner settings the pipeline honours: item-number mapping, documents accepted, usage, version."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from formats.model import ItemIdKind, LineStatus
from formats.x12 import poack855
from gateway.partners import PricePolicy, PriceRule, check_settings, price_rule
from gateway.pipeline.states import State
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner

from .flow import X12, docs, drain, post, sets_of


def _configure(services: Services, partner_id: str, **changes: object) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, partner_id)
        assert partner is not None
        settings = dict(partner.settings)
        for name, value in changes.items():
            if hasattr(partner, name) and name != "settings":
                setattr(partner, name, value)
            else:
                settings[name] = value
        partner.settings = settings
        s.add(partner)
        s.commit()


def test_items_named_only_by_the_buyers_part_number_are_mapped_to_our_skus(client: TestClient,
                                                                           services: Services) -> None:
    raw = (X12 / "850-4010-basic.x12").read_bytes().replace(b"*VP*DEMO-1001*BP*ACME-7781", b"*BP*ACME-7781")
    _configure(services, "acme", item_map={"ACME-7781": "DEMO-1001"})
    assert post(client, "", raw=raw).status_code == 202
    drain(services)
    [po] = docs(services, doc_type="850")
    assert po.state == State.PROCESSED.value
    order = services.erp.get_order(po.erp_order_id or "")
    assert order is not None
    first = order.order.lines[0]
    assert first.item_id(ItemIdKind.SELLER) == "DEMO-1001" and first.item_id(ItemIdKind.BUYER) == "ACME-7781"
    [ack] = docs(services, doc_type="855")
    response = poack855.parse(sets_of(ack.raw)[0])
    assert {line.status for line in response.lines} == {LineStatus.ACCEPTED}


def test_an_unmapped_buyer_part_is_rejected_in_the_855(client: TestClient, services: Services) -> None:
    raw = (X12 / "850-4010-basic.x12").read_bytes().replace(b"*VP*DEMO-1001*BP*ACME-7781", b"*BP*ACME-7781")
    post(client, "", raw=raw)
    drain(services)
    [ack] = docs(services, doc_type="855")
    statuses = {line.line_number: line.status for line in poack855.parse(sets_of(ack.raw)[0]).lines}
    assert statuses["1"] is LineStatus.REJECTED


def test_a_document_the_partner_does_not_send_is_refused_in_the_997(client: TestClient, services: Services) -> None:
    _configure(services, "acme", sends=["860"])
    answer = post(client, "850-4010-basic.x12")
    assert answer.status_code == 422
    assert "AK5*R*1" in answer.json()["acknowledgment"]
    [po] = docs(services, doc_type="850")
    assert po.state == State.REJECTED.value and "settings.sends" in (po.error or "")


def test_test_usage_and_5010_answers(client: TestClient, services: Services) -> None:
    _configure(services, "acme", usage="T", x12_version="005010")
    post(client, "850-4010-basic.x12")
    drain(services)
    [ack] = docs(services, doc_type="855")
    [ts] = sets_of(ack.raw)
    assert ts.interchange.usage == "T" and ts.interchange.version == "00501" and ts.group.version == "005010"


def test_price_settings_are_read_and_validated() -> None:
    def partner(**settings: object) -> Partner:
        return Partner(id="p", name="P", customer_id="C", x12_qualifier="ZZ", x12_id="P", our_x12_qualifier="ZZ",
                       our_x12_id="US", settings=settings)

    assert price_rule(partner()) == PriceRule(PricePolicy.HOLD, Decimal(0), percent=False)  # new partners hold
    assert price_rule(partner(price_policy="Accept", price_tolerance="0.05")) == PriceRule(
        PricePolicy.ACCEPT, Decimal("0.05"))
    rule = price_rule(partner(price_policy="reject", price_tolerance="2%"))
    assert rule.percent and rule.allows(Decimal("1.02"), Decimal("1.00")) and not rule.allows(Decimal("1.03"),
                                                                                               Decimal("1.00"))
    assert price_rule(partner(price_tolerance=1)).allows(Decimal(2), Decimal(1))
    problems = check_settings(partner(price_policy="haggle", price_tolerance="-1", unit_overrides={"KI": "kilo!"}))
    assert [p.split(":")[1].strip().split(" ")[0] for p in problems] == ["settings.price_policy",
                                                                          "settings.unit_overrides"]
    for bad in ("-1", "abc", "5%%", True, 0.5):
        with pytest.raises(ValueError, match=r"settings\.price_tolerance"):
            price_rule(partner(price_tolerance=bad))
