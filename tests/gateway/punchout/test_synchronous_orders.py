"""OrderRequests of a buyer with ``synchronous_orders``: answered 200 once the ERP order exists.

The orders are the corpus's Coupa OrderRequest and its update and delete (:mod:`.coupa_order`);
what reaches the buyer's procurement system (a loopback server) must be DTD-valid.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from erp.port import ErpOrderState
from formats.cxml import confirmation
from formats.model import HeaderStatus
from gateway.app import create_app
from gateway.credit.actions import list_holds, release_hold, set_policy
from gateway.credit.control import Policy
from gateway.delivery.faults import ErpOutage
from gateway.pipeline.states import State
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, OrderLink, utcnow
from tests.formats.cxml.conftest import DtdValidator
from tests.gateway.credit.helpers import set_limit
from tests.gateway.punchout.buyer_endpoint import BuyerEndpoint, buyer_endpoint
from tests.gateway.punchout.coupa_order import (
    BUYER,
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
def sync_buyer(services: Services) -> Iterator[BuyerEndpoint]:
    """The sample's buyer with ``synchronous_orders`` set."""
    with buyer_endpoint(200) as endpoint:
        use_buyer(services, endpoint.url, synchronous=True)
        yield endpoint


def test_a_synchronous_order_exists_in_the_erp_before_the_200(client: TestClient, services: Services,
                                                              sync_buyer: BuyerEndpoint,
                                                              dtd_validate: DtdValidator) -> None:
    code, text, doc_id = send(client, sample())
    placed = stored(services, doc_id)
    assert code == 200 and placed.erp_order_id and f"placed as our order {placed.erp_order_id}" in text
    assert (placed.state, placed.po_number, placed.claimed_by) == (State.PROCESSED.value, "3309", None)
    erp_order = services.erp.get_order(placed.erp_order_id)  # no worker has run: the request placed it
    assert erp_order is not None and erp_order.customer_id == "ACME"
    assert erp_order.idempotency_key == f"{BUYER}:3309:"
    assert [(ln.line_number, ln.quantity.value) for ln in erp_order.order.lines] == [("1", 1), ("2", 9)]
    [outbound] = confirmations(services)  # the ConfirmationRequest still follows the 200
    assert (outbound.state, outbound.parent_id) == (State.OUTBOX.value, doc_id)

    drain(services)
    [sent] = sync_buyer.of_type("ConfirmationRequest")
    dtd_validate(sent)
    confirmed = confirmation.parse(sent)
    assert confirmed.po_number == "3309" and confirmed.status == HeaderStatus.ACCEPTED
    assert references(sent) == SAMPLE_PAYLOAD_ID


def test_the_same_order_id_again_makes_no_second_order(client: TestClient, services: Services,
                                                       sync_buyer: BuyerEndpoint) -> None:
    assert send(client, sample())[0] == 200
    code, text, _ = send(client, sample())  # the very same document again
    assert code == 200 and "already received" in text
    again = sample().replace(SAMPLE_PAYLOAD_ID.encode(), b"resent-1@tests")  # same orderID, new payloadID
    code, text, doc_id = send(client, again)
    assert code == 200 and "already received" in text
    assert stored(services, doc_id).state == State.DUPLICATE.value
    with session(services.engine) as s:
        assert len(s.exec(select(OrderLink).where(OrderLink.partner_id == BUYER)).all()) == 1
    drain(services)
    assert len(sync_buyer.of_type("ConfirmationRequest")) == 1


def test_a_credit_hold_falls_back_to_201_and_is_confirmed_once_released(
        client: TestClient, services: Services, sync_buyer: BuyerEndpoint, dtd_validate: DtdValidator) -> None:
    set_limit(services, "ACME", "50")  # the sample is 91.71 USD
    set_policy(services.engine, "ACME", Policy.HOLD, actor="test")
    code, text, doc_id = send(client, sample())
    assert code == 201 and "credit review" in text
    held = stored(services, doc_id)
    assert (held.state, held.erp_order_id, held.claimed_by) == (State.CREDIT_HOLD.value, None, None)
    assert services.erp.find_order(f"{BUYER}:3309:") is None and confirmations(services) == []

    [hold] = list_holds(services.engine, "ACME")
    release_hold(services.engine, hold.id or 0, actor="test")
    drain(services)  # the worker finishes it, as for any buyer
    assert stored(services, doc_id).state == State.PROCESSED.value
    [sent] = sync_buyer.of_type("ConfirmationRequest")
    dtd_validate(sent)
    assert references(sent) == SAMPLE_PAYLOAD_ID


def test_an_unreachable_erp_falls_back_to_201_and_the_worker_places_it(
        services: Services, sync_buyer: BuyerEndpoint, dtd_validate: DtdValidator) -> None:
    down = ErpOutage(services.erp, seconds=3600)
    with TestClient(create_app(Services(services.settings, services.engine, down), workers=0)) as client:  # type: ignore[arg-type]
        code, text, doc_id = send(client, sample())
    assert code == 201 and "3309" in text and down.refused >= 1
    waiting = stored(services, doc_id)
    assert waiting.state == State.RETRY.value and waiting.attempts == 1 and waiting.erp_order_id is None
    with session(services.engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        doc.next_attempt_at = utcnow()  # due now rather than after the backoff
        s.add(doc)
        s.commit()
    drain(services)
    placed = stored(services, doc_id)
    assert placed.state == State.PROCESSED.value and services.erp.get_order(placed.erp_order_id or "") is not None
    [sent] = sync_buyer.of_type("ConfirmationRequest")
    dtd_validate(sent)


def test_a_business_refusal_is_a_400_with_the_reason(client: TestClient, services: Services,
                                                     sync_buyer: BuyerEndpoint) -> None:
    set_limit(services, "ACME", "50")
    set_policy(services.engine, "ACME", Policy.BLOCK, actor="test")
    code, text, doc_id = send(client, sample())
    assert code == 400 and "order 3309 is refused" in text and "exceeds the available credit 50" in text
    refused = stored(services, doc_id)
    assert refused.state == State.REJECTED.value and refused.erp_order_id is None
    assert services.erp.find_order(f"{BUYER}:3309:") is None


def test_synchronous_update_and_delete_are_applied_before_the_200(client: TestClient, services: Services,
                                                                  sync_buyer: BuyerEndpoint,
                                                                  dtd_validate: DtdValidator) -> None:
    _code, _text, placed_id = send(client, sample())
    erp_order_id = stored(services, placed_id).erp_order_id or ""
    code, text, _ = send(client, sample("update", quantity="5"))
    assert code == 200 and f"applied to our order {erp_order_id}" in text
    changed = services.erp.get_order(erp_order_id)
    assert changed is not None and [ln.quantity.value for ln in changed.order.lines] == [1, 5]
    code, text, _ = send(client, sample("delete"))
    assert code == 200 and f"our order {erp_order_id} is cancelled" in text
    cancelled = services.erp.get_order(erp_order_id)
    assert cancelled is not None and cancelled.state is ErpOrderState.CANCELLED
    assert len(confirmations(services)) == 3
    drain(services)
    sent = sync_buyer.of_type("ConfirmationRequest")
    assert len(sent) == 3
    for raw in sent:
        dtd_validate(raw)
    assert confirmation.parse(sent[2]).status == HeaderStatus.REJECTED
    code, text, _ = send(client, sample("update", quantity="7"))  # the handler refuses what is cancelled
    assert code == 409 and "cancelled" in text


def test_an_unreachable_erp_does_not_refuse_an_order_of_a_buyer_confirmed_later(
        services: Services, dtd_validate: DtdValidator) -> None:
    with buyer_endpoint(200) as later_buyer:
        use_buyer(services, later_buyer.url, synchronous=False)
        down = ErpOutage(services.erp, seconds=3600)
        with TestClient(create_app(Services(services.settings, services.engine, down), workers=0)) as client:  # type: ignore[arg-type]
            code, text, doc_id = send(client, sample())
        assert code == 201 and "3309" in text and down.refused >= 1  # the item check could not ask the ERP
        assert stored(services, doc_id).state == State.QUEUED.value
        drain(services)  # the ERP is back: the worker checks and places it
        placed = stored(services, doc_id)
        assert placed.state == State.PROCESSED.value
        assert services.erp.get_order(placed.erp_order_id or "") is not None
        [sent] = later_buyer.of_type("ConfirmationRequest")
        dtd_validate(sent)
        assert references(sent) == SAMPLE_PAYLOAD_ID
