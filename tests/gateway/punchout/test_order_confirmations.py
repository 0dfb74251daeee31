"""Every OrderRequest of a cXML buyer is confirmed: new and update line by line, delete as a whole.

The orders are the corpus's Coupa OrderRequest and its update and delete (:mod:`.coupa_order`);
what reaches the buyer's procurement system (a loopback server) must be DTD-valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from erp.port import ErpOrderState
from formats.cxml import confirmation, envelope
from gateway.pipeline.states import State
from gateway.services import Services
from tests.formats.cxml.conftest import DtdValidator
from tests.gateway.punchout.buyer_endpoint import BuyerEndpoint, buyer_endpoint
from tests.gateway.punchout.coupa_order import (
    SAMPLE_PAYLOAD_ID,
    confirmations,
    drain,
    references,
    sample,
    send,
    stored,
    use_buyer,
)


@pytest.fixture
def async_buyer(services: Services) -> Iterator[BuyerEndpoint]:
    """The sample's buyer with the default settings: 201, queued, confirmed later."""
    with buyer_endpoint(200) as endpoint:
        use_buyer(services, endpoint.url, synchronous=False)
        yield endpoint


def test_update_and_delete_are_confirmed(client: TestClient, services: Services, async_buyer: BuyerEndpoint,
                                         dtd_validate: DtdValidator) -> None:
    assert send(client, sample())[0] == 201  # the default: queued, confirmed later
    drain(services)
    update = sample("update", quantity="5")
    assert send(client, update)[0] == 201
    drain(services)
    delete = sample("delete")
    code, _text, delete_id = send(client, delete)
    assert code == 201
    drain(services)
    cancelled = services.erp.get_order(stored(services, delete_id).erp_order_id or "")
    assert cancelled is not None and cancelled.state is ErpOrderState.CANCELLED

    sent = async_buyer.of_type("ConfirmationRequest")
    assert [references(raw) for raw in sent] == [SAMPLE_PAYLOAD_ID, envelope.parse(update).payload_id,
                                                 envelope.parse(delete).payload_id]
    for raw in sent:
        dtd_validate(raw)
    changed = confirmation.parse(sent[1])
    assert [(ln.line_number, ln.quantity.value) for ln in changed.lines] == [("1", 1), ("2", 5)]
    header = etree.fromstring(sent[2]).find(".//ConfirmationHeader")
    assert header is not None and header.get("type") == "reject"
    assert etree.fromstring(sent[2]).find(".//ConfirmationItem") is None  # a reject carries no lines
    comments = " ".join(header.findtext("Comments", "").split())
    assert re.search(r"Order 3309 was deleted at the buyer's request .* is cancelled", comments)
    assert [d.state for d in confirmations(services)] == [State.SENT.value] * 3
