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
from gateway.services import Services
from tests.formats.cxml.conftest import DtdValidator
from tests.gateway.flow import docs, drain
from tests.gateway.punchout.buyer_endpoint import BuyerEndpoint, demo_buyer_endpoint
from tests.gateway.punchout.cxml_requests import order

from .helpers import ledger, set_limit


@pytest.fixture
def buyer(services: Services) -> Iterator[BuyerEndpoint]:
    """The demo cXML buyer (it buys as ACME), its procurement system on loopback as its order URL."""
    with demo_buyer_endpoint(services.engine, 200) as endpoint:
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
