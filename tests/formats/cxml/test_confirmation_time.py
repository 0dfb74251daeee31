"""A ConfirmationRequest quotes the OrderRequest's ``orderDate`` as sent: its time and zone, not midnight UTC.

Fulfill.dtd 1.2.063 says ``OrderReference orderDate`` "must be copied directly from the referenced
OrderRequest document's OrderRequestHeader"; every corpus OrderRequest gives a time and a zone
(``2020-03-31T21:39:22+01:00`` ...). The confirmation is rendered from the order the way the
ERP adapters build their answer (``po_date`` + :func:`formats.dates.order_time`), checked against
the DTD and read back.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from formats.cxml import confirmation, order_request
from formats.cxml.common import parse_datetime
from formats.dates import order_time
from formats.model import HeaderStatus, OrderResponse
from tests.conftest import corpus_files

from .conftest import NOW, ROUTING, DtdValidator

ORDER_SAMPLES = [p for p in corpus_files("cxml/samples") if b"<OrderRequest>" in p.read_bytes()]


def _order_date(raw: bytes, element: str) -> dt.datetime:
    node = etree.fromstring(raw).find(f".//{element}")
    assert node is not None and node.get("orderDate"), f"no {element} orderDate"
    value = parse_datetime(node.get("orderDate") or "", node, "orderDate")
    assert isinstance(value, dt.datetime)
    return value


@pytest.mark.parametrize("path", ORDER_SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_confirmation_quotes_the_order_date_and_time(path: Path, dtd_validate: DtdValidator) -> None:
    raw = path.read_bytes()
    order = order_request.parse(raw)
    sent = _order_date(raw, "OrderRequestHeader")
    assert sent.utcoffset() is not None  # the corpus orders all carry a zone

    answer = OrderResponse(po_number=order.po_number, po_date=order.order_date, po_time=order_time(order),
                           response_date=NOW.date(), status=HeaderStatus.ACCEPTED)
    rendered = confirmation.render(answer, order_payload_id="order@buyer", payload_id="p@gw", timestamp=NOW,
                                   routing=ROUTING)
    dtd_validate(rendered)
    quoted = _order_date(rendered, "OrderReference")
    assert (quoted, quoted.utcoffset()) == (sent, sent.utcoffset())

    read_back = confirmation.parse(rendered)
    assert (read_back.po_date, read_back.po_time) == (answer.po_date, answer.po_time)
    assert read_back.po_time is not None and read_back.po_time.utcoffset() == sent.utcoffset()


def test_a_bare_order_date_stays_midnight_utc(dtd_validate: DtdValidator) -> None:
    answer = OrderResponse(po_number="4711", po_date=dt.date(2026, 11, 24), response_date=NOW.date(),
                           status=HeaderStatus.ACCEPTED)
    rendered = confirmation.render(answer, order_payload_id="order@buyer", payload_id="p@gw", timestamp=NOW,
                                   routing=ROUTING)
    dtd_validate(rendered)
    assert _order_date(rendered, "OrderReference") == dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    assert confirmation.parse(rendered).po_time is None
