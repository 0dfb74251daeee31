"""Every X12 answer to an order is written with the delimiters of the order's interchange.

A partner that sets no delimiters of its own is answered in those it used: the 855 when the
order is read, the 856 and the 810 later, from the ERP's shipped and invoiced events (which know
the order only through its link). ``850-4010-unusual-delimiters.x12`` separates elements with
``|``, components with ``\\`` and ends segments with ``!``; its ship-to address and a description
hold ``*``, which is data there and would be a delimiter in our default ``* > ~``.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from formats.model import ShipNotice
from formats.x12 import asn856, invoice810, poack855
from formats.x12.envelope import Delimiters
from formats.x12.validator import validate
from gateway.pipeline.price_holds import reject_price_hold
from gateway.pipeline.states import State
from gateway.pricing.sync import sync_from_erp
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner

from .flow import AUTH, X12, docs, drain, post, sets_of


def test_ship_notice_and_invoice_keep_the_orders_delimiters(client: TestClient, services: Services) -> None:
    raw = (X12 / "850-4010-unusual-delimiters.x12").read_bytes()
    assert post(client, "", raw=raw).status_code == 202
    drain(services)
    [order_doc] = docs(services, doc_type="850")
    assert order_doc.state == State.PROCESSED.value, order_doc.error
    [order_set] = sets_of(order_doc.raw)
    street = order_set.segments[[s[0] for s in order_set.segments].index("N3")][1]
    assert "*" in street  # data in the order, a delimiter in ours

    erp_order = order_doc.erp_order_id
    assert client.post(f"/api/erp/orders/{erp_order}/shipments", json={"carrier": "UPSN"},
                       headers=AUTH).status_code == 201
    assert client.post(f"/api/erp/orders/{erp_order}/invoices", headers=AUTH).status_code == 201

    theirs = Delimiters(element="|", component="\\", segment="!")
    for doc_type, codec in (("855", poack855), ("856", asn856), ("810", invoice810)):
        [doc] = docs(services, doc_type=doc_type)
        assert (doc.state, doc.parent_id) == (State.OUTBOX.value, order_doc.id), doc.error
        assert doc.problems in (None, []), doc.problems  # nothing had to be replaced
        [ts] = sets_of(doc.raw)
        written = ts.interchange.delimiters
        assert (written.element, written.component, written.segment) == (
            theirs.element, theirs.component, theirs.segment), doc_type
        assert list(validate(ts)) == []
        assert codec.parse(ts).po_number == order_doc.po_number
    notice = asn856.parse(sets_of(docs(services, doc_type="856")[0].raw)[0])
    assert isinstance(notice, ShipNotice)
    assert notice.ship_to is not None and notice.ship_to.address is not None
    assert notice.ship_to.address.lines[0] == street


def test_an_operators_refusal_keeps_the_orders_delimiters(client: TestClient, services: Services) -> None:
    """An order held for its prices and refused later by an operator is answered in its own delimiters."""
    sync_from_erp(services.engine, services.erp, trigger="test")
    with session(services.engine) as s:
        partner = s.get(Partner, "acme")
        assert partner is not None
        partner.settings = {**partner.settings, "price_policy": "hold", "price_tolerance": "0"}
        s.add(partner)
        s.commit()
    raw = (X12 / "850-4010-unusual-delimiters.x12").read_bytes().replace(b"PO1|1|7|EA|12.5|", b"PO1|1|7|EA|0.01|")
    assert post(client, "", raw=raw).status_code == 202
    drain(services)
    [order_doc] = docs(services, doc_type="850")
    assert order_doc.state == State.PRICE_HOLD.value, order_doc.error
    reject_price_hold(services.engine, order_doc.id or 0, actor="operator", reason="resend at contract prices")
    [answer] = docs(services, doc_type="855")
    [ts] = sets_of(answer.raw)
    assert ts.interchange.delimiters.element == "|"
    assert answer.problems in (None, []), answer.problems
