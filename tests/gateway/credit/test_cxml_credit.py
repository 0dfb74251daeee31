"""Credit control on the cXML path: a buyer's OrderRequest over the limit is refused with a DTD-valid reject."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from formats.cxml import confirmation, envelope
from formats.model import LineStatus
from gateway.credit.actions import set_policy
from gateway.credit.control import Policy
from gateway.pipeline.states import State
from gateway.punchout.buyers import buyer_settings
from gateway.punchout.demo import DEMO_BUYER
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner
from tests.formats.cxml.conftest import DtdValidator
from tests.gateway.flow import docs, drain
from tests.gateway.punchout.buyer_endpoint import BuyerEndpoint, buyer_endpoint
from tests.gateway.punchout.cxml_requests import order

from .helpers import ledger, set_limit


@pytest.fixture
def buyer(services: Services) -> Iterator[BuyerEndpoint]:
    """The demo cXML buyer (it buys as ACME), its procurement system on loopback as its order URL."""
    with buyer_endpoint(200) as endpoint:
        with session(services.engine) as s:
            partner = s.get(Partner, DEMO_BUYER)
            assert partner is not None
            partner.settings = buyer_settings(endpoint.url)
            s.add(partner)
            s.commit()
        yield endpoint


def test_a_cxml_order_over_the_limit_is_refused_with_a_rejecting_confirmation(
        client: TestClient, services: Services, buyer: BuyerEndpoint, dtd_validate: DtdValidator) -> None:
    set_limit(services, "ACME", "10")
    set_policy(services.engine, "ACME", Policy.BLOCK, actor="test")
    answer = client.post("/cxml", content=order("PO-CREDIT-1", [("DEMO-1001", "10", "1.29")]))
    head = envelope.parse(answer.content)
    assert head.status is not None and head.status.code == 201  # accepted for processing
    drain(services)
    [placed] = docs(services, doc_type="OrderRequest")
    assert placed.state == State.REJECTED.value and placed.erp_order_id is None
    assert "order total 12.90 USD exceeds the available credit 10" in (placed.error or "")
    [sent] = buyer.of_type("ConfirmationRequest")
    dtd_validate(sent)
    confirmed = confirmation.parse(sent)
    assert confirmed.po_number == "PO-CREDIT-1"
    assert {line.status for line in confirmed.lines} <= {LineStatus.REJECTED}
    assert ledger(services, "ACME") == []
