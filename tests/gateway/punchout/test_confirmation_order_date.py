"""The ConfirmationRequests the buyer receives quote its OrderRequest's orderDate as sent, time and zone included.

Through the real pipeline (``/cxml``, the worker, the built-in ERP, the outbox to a loopback
procurement system): the corpus's Coupa order (``orderDate="2020-03-31T21:39:22+01:00"``) placed,
updated and deleted, and an order over the credit limit refused. Each answer is built in a
different place (the ERP's acknowledgment, the deletion answer, the credit refusal); every one
must quote the order's date and time, not midnight UTC, and stay valid against Fulfill.dtd.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from formats.cxml import confirmation
from formats.cxml.common import parse_datetime
from gateway.credit.actions import set_policy
from gateway.credit.control import Policy
from gateway.services import Services
from tests.formats.cxml.conftest import DtdValidator
from tests.gateway.credit.helpers import set_limit
from tests.gateway.punchout.buyer_endpoint import BuyerEndpoint, buyer_endpoint, demo_buyer_endpoint
from tests.gateway.punchout.coupa_order import drain, sample, send, use_buyer
from tests.gateway.punchout.cxml_requests import order


def order_date(raw: bytes, element: str) -> tuple[dt.datetime, dt.timedelta | None]:
    """The ``orderDate`` of ``element`` in ``raw``, and its zone offset."""
    node = etree.fromstring(raw).find(f".//{element}")
    assert node is not None and node.get("orderDate"), f"no {element} orderDate in {raw[:300]!r}"
    value = parse_datetime(node.get("orderDate") or "", node, "orderDate")
    assert isinstance(value, dt.datetime)
    return value, value.utcoffset()


@pytest.fixture
def coupa_buyer(services: Services) -> Iterator[BuyerEndpoint]:
    """The Coupa sample's buyer, orders queued and confirmed by the worker."""
    with buyer_endpoint(200) as endpoint:
        use_buyer(services, endpoint.url, synchronous=False)
        yield endpoint


def test_new_update_and_delete_are_confirmed_with_the_order_time(
        client: TestClient, services: Services, coupa_buyer: BuyerEndpoint, dtd_validate: DtdValidator) -> None:
    new = sample()
    ordered = order_date(new, "OrderRequestHeader")
    assert ordered[1] == dt.timedelta(hours=1)  # the corpus order: 21:39:22+01:00
    for raw in (new, sample("update", quantity="5"), sample("delete")):
        assert send(client, raw)[0] == 201
        drain(services)

    sent = coupa_buyer.of_type("ConfirmationRequest")
    assert [etree.fromstring(raw).find(".//ConfirmationHeader").get("type") for raw in sent] == [  # type: ignore[union-attr]
        "allDetail", "allDetail", "reject"]
    for raw in sent:
        dtd_validate(raw)
        assert order_date(raw, "OrderReference") == ordered
        read = confirmation.parse(raw)
        assert read.po_time is not None and dt.datetime.combine(read.po_date, read.po_time) == ordered[0]  # type: ignore[arg-type]


@pytest.fixture
def demo_buyer(services: Services) -> Iterator[BuyerEndpoint]:
    """The demo cXML buyer (buying as ACME), its procurement system on loopback."""
    with demo_buyer_endpoint(services.engine, 200) as endpoint:
        yield endpoint


def test_a_refusal_quotes_the_order_time(client: TestClient, services: Services, demo_buyer: BuyerEndpoint,
                                         dtd_validate: DtdValidator) -> None:
    set_limit(services, "ACME", "10")
    set_policy(services.engine, "ACME", Policy.BLOCK, actor="test")
    raw = order("PO-TIME-1", [("DEMO-1001", "10", "1.29")])
    written = etree.fromstring(raw).find(".//OrderRequestHeader")
    assert written is not None and written.get("orderDate")
    raw = raw.replace(f'orderDate="{written.get("orderDate")}"'.encode(), b'orderDate="2026-11-24T10:15:00-08:00"', 1)
    assert client.post("/cxml", content=raw).status_code == 200
    drain(services)

    [sent] = demo_buyer.of_type("ConfirmationRequest")
    dtd_validate(sent)
    assert etree.fromstring(sent).find(".//ConfirmationHeader").get("type") == "reject"  # type: ignore[union-attr]
    assert order_date(sent, "OrderReference") == order_date(raw, "OrderRequestHeader") == (
        dt.datetime(2026, 11, 24, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=-8))), dt.timedelta(hours=-8))
