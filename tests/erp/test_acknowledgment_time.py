"""Both ERP adapters acknowledge an order with its time of day and zone beside its date.

The orders are the corpus's cXML OrderRequests (each ``orderDate`` has a time and a zone, e.g.
``2020-03-31T21:39:22+01:00``); the acknowledgment the adapter builds must carry that time
(``po_time``) so the cXML ConfirmationRequest can quote ``orderDate`` as sent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from erp.builtin import planning
from erp.tryton import lines as tryton_lines
from formats.cxml import order_request
from tests.conftest import corpus_files

ORDER_SAMPLES = [p for p in corpus_files("cxml/samples") if b"<OrderRequest>" in p.read_bytes()]
TODAY = dt.date(2026, 12, 8)


@pytest.mark.parametrize("path", ORDER_SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_acknowledgment_carries_the_order_time(path: Path) -> None:
    order = order_request.parse(path.read_bytes())
    [ordered] = [d for d in order.dates if d.qualifier == "orderDate"]
    assert ordered.time is not None and ordered.time.utcoffset() is not None

    for response in (planning.acknowledge(order, "SO-1", [], TODAY, None),
                     tryton_lines.acknowledge(order, "SO-1", [], TODAY, "USD")):
        assert (response.po_date, response.po_time) == (ordered.date, ordered.time)
        assert response.po_time is not None and response.po_time.utcoffset() == ordered.time.utcoffset()
