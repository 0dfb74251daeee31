"""The procurement order cycle for a cXML buyer: OrderRequest in, confirmation, ship notice, invoice out.

The buyer's procurement system is a real HTTP server on loopback answering cXML Responses; our
documents reach it through the outbox on the ``cxml`` channel and must be DTD-valid.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from erp.builtin.catalog import invoice_order, ship_order
from formats.cxml import confirmation, envelope, invoice, ship_notice
from formats.model import HeaderStatus, LineStatus, OrderPurpose
from gateway.delivery.attempts import attempts_of
from gateway.delivery.tables import OutboxMessage
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, OrderLink
from tests.formats.cxml.conftest import DtdValidator
from tests.gateway.punchout.buyer_endpoint import BuyerEndpoint, buyer_endpoint, deliver_to, demo_buyer_endpoint
from tests.gateway.punchout.cxml_requests import order


@pytest.fixture
def buyer(services: Services) -> Iterator[BuyerEndpoint]:
    """The demo buyer's procurement system, on loopback, as its order URL."""
    with demo_buyer_endpoint(services.engine, 200) as endpoint:
        yield endpoint


def drain(services: Services) -> int:
    return Worker(services.engine, services.erp, services.settings, worker_id="test-worker").drain()


def send(client: TestClient, raw: bytes) -> tuple[int, str]:
    answer = client.post("/cxml", content=raw)
    head = envelope.parse(answer.content)
    assert head.status is not None
    return head.status.code, head.status.text


def documents(services: Services, doc_type: str) -> list[Document]:
    with session(services.engine) as s:
        return list(s.exec(select(Document).where(Document.doc_type == doc_type).order_by(Document.id)).all())


def test_order_to_invoice(client: TestClient, services: Services, buyer: BuyerEndpoint,
                          dtd_validate: DtdValidator) -> None:
    raw = order("PO-7001", [("DEMO-1001", "10", "1.29"), ("DEMO-1049", "2", "12.99")])
    assert send(client, raw)[0] == 201
    drain(services)
    [placed] = documents(services, "OrderRequest")
    assert placed.state == State.PROCESSED.value and placed.erp_order_id
    erp_order = services.erp.get_order(placed.erp_order_id)
    assert erp_order is not None and erp_order.customer_id == "ACME"

    [sent] = buyer.of_type("ConfirmationRequest")
    dtd_validate(sent)
    assert b"seller-secret-for-contoso" in sent  # our own SharedSecret, in the Sender of what we post
    confirmed = confirmation.parse(sent)
    assert confirmed.po_number == "PO-7001" and confirmed.status == HeaderStatus.ACCEPTED_WITH_CHANGES
    statuses = {ln.line_number: ln.status for ln in confirmed.lines}
    assert statuses["1"] == LineStatus.ACCEPTED and statuses["2"] == LineStatus.BACKORDERED
    assert envelope.parse(raw).payload_id.encode() in sent  # DocumentReference to the OrderRequest
    [outbound] = documents(services, "ConfirmationRequest")
    assert (outbound.state, outbound.parent_id) == (State.SENT.value, placed.id)

    ship_order(services.engine, placed.erp_order_id, carrier="UPSN", tracking_number="1Z999")
    drain(services)
    [notice_raw] = buyer.of_type("ShipNoticeRequest")
    dtd_validate(notice_raw)
    notice = ship_notice.parse(notice_raw)
    assert notice.po_number == "PO-7001" and notice.tracking_number == "1Z999"

    invoice_order(services.engine, placed.erp_order_id)
    drain(services)
    [invoice_raw] = buyer.of_type("InvoiceDetailRequest")
    dtd_validate(invoice_raw)
    billed = invoice.parse(invoice_raw)
    assert billed.po_number == "PO-7001" and billed.lines[0].quantity.value == 10

    refused = send(client, order("PO-7001", [("DEMO-1001", "5", "1.29")], purpose=OrderPurpose.CHANGE))
    assert refused[0] == 409 and "PO-7001" in refused[1] and "refused" in refused[1]


def test_the_same_order_id_makes_no_second_order(client: TestClient, services: Services,
                                                 buyer: BuyerEndpoint) -> None:
    assert send(client, order("PO-7002", [("DEMO-1002", "3", "1.29")]))[0] == 201
    code, text = send(client, order("PO-7002", [("DEMO-1002", "3", "1.29")]))  # a new payloadID, same orderID
    assert code == 200 and "already received" in text
    drain(services)
    code, text = send(client, order("PO-7002", [("DEMO-1002", "3", "1.29")]))
    assert code == 200 and "already received" in text
    with session(services.engine) as s:
        links = s.exec(select(OrderLink).where(OrderLink.po_number == "PO-7002")).all()
    assert len(links) == 1
    states = sorted(d.state for d in documents(services, "OrderRequest"))
    assert states == [State.DUPLICATE.value, State.DUPLICATE.value, State.PROCESSED.value]
    assert len(buyer.of_type("ConfirmationRequest")) == 1


def test_update_and_delete_before_shipping(client: TestClient, services: Services, buyer: BuyerEndpoint,
                                           dtd_validate: DtdValidator) -> None:
    send(client, order("PO-7003", [("DEMO-1003", "4", "2.15")]))
    drain(services)
    code, _text = send(client, order("PO-7003", [("DEMO-1003", "6", "2.15"), ("DEMO-1004", "1", "1.89")],
                                     purpose=OrderPurpose.CHANGE))
    assert code == 201
    drain(services)
    [placed, update] = documents(services, "OrderRequest")
    assert update.state == State.PROCESSED.value and update.erp_order_id == placed.erp_order_id
    erp_order = services.erp.get_order(placed.erp_order_id or "")
    assert erp_order is not None and [ln.quantity.value for ln in erp_order.order.lines] == [6, 1]
    confirmations = buyer.of_type("ConfirmationRequest")
    assert len(confirmations) == 2
    dtd_validate(confirmations[1])

    assert send(client, order("PO-7003", [("DEMO-1003", "6", "2.15")], purpose=OrderPurpose.CANCEL))[0] == 201
    drain(services)
    cancelled = services.erp.get_order(placed.erp_order_id or "")
    assert cancelled is not None and cancelled.state.value == "cancelled"
    code, text = send(client, order("PO-7003", [("DEMO-1003", "1", "2.15")], purpose=OrderPurpose.CHANGE))
    assert code == 409 and "cancelled" in text


def test_bad_orders_are_refused_with_the_reason(client: TestClient, services: Services) -> None:
    code, text = send(client, order("PO-7004", [("DEMO-1001", "1", "1.29"), ("NO-SUCH-SKU", "1", "9.99")]))
    assert code == 400 and "line 2: NO-SUCH-SKU" in text
    code, text = send(client, order("PO-7005", [("DEMO-1001", "1", "1.29")], purpose=OrderPurpose.CHANGE))
    assert code == 400 and "never received" in text
    rejected = documents(services, "OrderRequest")
    assert [d.state for d in rejected] == [State.REJECTED.value] * 2
    assert rejected[0].error is not None and "NO-SUCH-SKU" in rejected[0].error


def test_a_refusing_buyer_is_recorded_and_not_retried(client: TestClient,
                                                                     services: Services) -> None:
    with demo_buyer_endpoint(services.engine, 400) as refusing:
        send(client, order("PO-7006", [("DEMO-1005", "2", "0.99")]))
        drain(services)
    [outbound] = documents(services, "ConfirmationRequest")
    assert outbound.state == State.DEAD.value and len(refusing.received) == 1  # permanent: not retried
    with session(services.engine) as s:
        message = s.exec(select(OutboxMessage).where(OutboxMessage.document_id == outbound.id)).one()
        tried = attempts_of(s, message_id=message.id)
    assert message.state == "failed" and [a.outcome for a in tried] == ["permanent"]
    assert "the buyer refused it: cXML 400 Bad Request" in (tried[0].error or "")


def test_an_unreachable_buyer_is_retried(client: TestClient, services: Services) -> None:
    with buyer_endpoint(200) as gone:
        url = gone.url  # the port is closed once the block ends
    deliver_to(services.engine, url)
    send(client, order("PO-7007", [("DEMO-1005", "1", "0.99")]))
    drain(services)
    [outbound] = documents(services, "ConfirmationRequest")
    assert outbound.state == State.OUTBOX.value
    with session(services.engine) as s:
        message = s.exec(select(OutboxMessage).where(OutboxMessage.document_id == outbound.id)).one()
        tried = attempts_of(s, message_id=message.id)
    assert message.state == "retry" and tried[0].outcome == "transient" and "not reachable" in (tried[0].error or "")


def test_a_buyer_answering_500_is_tried_again(client: TestClient, services: Services) -> None:
    with demo_buyer_endpoint(services.engine, 500, 200) as flaky:
        send(client, order("PO-7008", [("DEMO-1005", "1", "0.99")]))
        deadline = time.monotonic() + 10
        while len(flaky.received) < 2 and time.monotonic() < deadline:  # the retry is due a few ms later
            drain(services)
            time.sleep(0.01)
        [outbound] = documents(services, "ConfirmationRequest")
        with session(services.engine) as s:
            message = s.exec(select(OutboxMessage).where(OutboxMessage.document_id == outbound.id)).one()
            tried = attempts_of(s, message_id=message.id)
        assert [a.outcome for a in tried] == ["transient", "delivered"] and len(flaky.received) == 2
        assert "the buyer answered cXML 500" in (tried[0].error or "") and message.state == "delivered"
