"""Order to cash for each kind of trading partner: order in, acknowledgment, ship notice, invoice out.

Every outbound document must be valid for its standard (UBL 2.1 XSD and the EN 16931 rules for
invoices; our X12 maps and pyx12 for X12) and sit in the outbox linked to the order it belongs to.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from formats import ubl
from formats.model import Invoice, LineStatus, OrderResponse, ShipNotice
from formats.ubl import rules
from gateway.pipeline.states import State
from gateway.services import Services
from tests.conftest import Validator

from .flow import AUTH, FIXTURES, X12, docs, drain, sets_of
from .partner_auth import client_edi_headers


def test_ubl_partner_from_order_to_invoice(client: TestClient, services: Services, xsd_validate: Validator,
                                           en16931_rules: rules.CompiledRules) -> None:
    raw = (FIXTURES / "ubl" / "order-acme-demo.xml").read_bytes()
    answer = client.post("/edi/initech", content=raw, headers=client_edi_headers(client, "initech"))
    assert answer.status_code == 202, answer.text
    assert drain(services) == 1
    [order_doc] = docs(services, doc_type="Order")
    assert order_doc.state == State.PROCESSED.value and order_doc.standard == "ubl"
    erp_order = order_doc.erp_order_id
    assert erp_order

    [response_doc] = docs(services, doc_type="OrderResponse")
    assert (response_doc.state, response_doc.parent_id, response_doc.standard) == (State.OUTBOX.value,
                                                                                   order_doc.id, "ubl")
    xsd_validate(response_doc.raw)
    response = ubl.parse(response_doc.raw)
    assert isinstance(response, OrderResponse) and response.po_number == order_doc.po_number
    statuses = {line.line_number: line.status for line in response.lines}
    assert LineStatus.ACCEPTED in statuses.values()
    assert b"urn:fdc:peppol.eu:poacc:trns:order_response:3" in response_doc.raw  # the partner's PEPPOL profile

    shipped = client.post(f"/api/erp/orders/{erp_order}/shipments", json={"carrier": "DHL"}, headers=AUTH)
    assert shipped.status_code == 201, shipped.text
    [despatch_doc] = docs(services, doc_type="DespatchAdvice")
    assert shipped.json()["documents"] == [despatch_doc.id] and despatch_doc.parent_id == order_doc.id
    xsd_validate(despatch_doc.raw)
    notice = ubl.parse(despatch_doc.raw)
    assert isinstance(notice, ShipNotice) and notice.po_number == order_doc.po_number
    assert notice.packages and notice.packages[0].sscc

    billed = client.post(f"/api/erp/orders/{erp_order}/invoices", headers=AUTH)
    assert billed.status_code == 201, billed.text
    [invoice_doc] = docs(services, doc_type="Invoice")
    xsd_validate(invoice_doc.raw)
    assert [p.code for p in rules.fatal(rules.check(en16931_rules, invoice_doc.raw))] == []
    invoice = ubl.parse(invoice_doc.raw)
    assert isinstance(invoice, Invoice) and invoice.po_number == order_doc.po_number
    # the seller is the ERP's company; the delivery goes to the US, so every line is an export (G)
    assert invoice.seller and invoice.seller.name == "Demo Office Supplies B.V."
    assert invoice.seller.address and invoice.seller.address.country == "NL"
    assert {(t.category, t.percent, t.description) for line in invoice.lines for t in line.taxes} == {
        ("G", 0, "Export outside the EU")}
    assert invoice.invoice_number == billed.json()["reference"]


def test_a_ubl_document_that_is_ours_to_send_is_refused(client: TestClient, services: Services) -> None:
    raw = (FIXTURES / "ubl" / "order-acme-demo.xml").read_bytes().replace(b"<Order ", b"<Catalogue ", 1)
    answer = client.post("/edi/initech", content=raw, headers=client_edi_headers(client, "initech"))
    assert answer.status_code in (400, 422)
    [doc] = docs(services, direction="in")
    assert doc.state == State.REJECTED.value and doc.error


def test_a_ubl_cancellation_cancels_the_erp_order(client: TestClient, services: Services) -> None:
    order = (FIXTURES / "ubl" / "order-acme-demo.xml").read_bytes()
    assert client.post("/edi/initech", content=order, headers=client_edi_headers(client, "initech")).status_code == 202
    drain(services)
    [order_doc] = docs(services, doc_type="Order")
    cancel = (FIXTURES / "ubl" / "order-cancellation-acme-demo.xml").read_bytes()
    answer = client.post("/edi/initech", content=cancel, headers=client_edi_headers(client, "initech"))
    assert answer.status_code == 202, answer.text
    drain(services)
    [cancel_doc] = docs(services, doc_type="OrderCancellation")
    assert cancel_doc.state == State.PROCESSED.value, cancel_doc.error
    erp_order = services.erp.get_order(order_doc.erp_order_id or "")
    assert erp_order is not None and erp_order.state.value == "cancelled"


@pytest.mark.parametrize(("partner", "fixture", "sender"), [
    ("acme", "850-4010-basic.x12", b"ACMEBUYER"),
    ("globex", "850-5010-basic.x12", b"GLOBEXEDI"),
], ids=["x12-4010", "x12-5010"])
def test_x12_partner_from_order_to_invoice(client: TestClient, services: Services, partner: str, fixture: str,
                                           sender: bytes) -> None:
    from formats.x12 import asn856, invoice810
    from formats.x12.validator import validate
    from tests.formats.x12.pyx12_harness import pyx12_problems

    raw = (X12 / fixture).read_bytes().replace(b"ACMEBUYER", sender)  # same length: ISA stays fixed-width
    answer = client.post(f"/edi/{partner}", content=raw, headers=client_edi_headers(client, partner))
    assert answer.status_code == 202, answer.text
    drain(services)
    [order_doc] = docs(services, doc_type="850")
    assert order_doc.state == State.PROCESSED.value
    version = "005010" if partner == "globex" else "004010"

    erp_order = services.erp.get_order(order_doc.erp_order_id or "")
    assert erp_order is not None
    accepted = [line for line in erp_order.response.lines if line.status is LineStatus.ACCEPTED]
    cartons = [{line.line_number: str(line.quantity.value)} for line in accepted[:2]]  # one carton per line
    shipped = client.post(f"/api/erp/orders/{order_doc.erp_order_id}/shipments",
                          json={"carrier": "UPSN", "tracking_number": "1Z999", "cartons": cartons}, headers=AUTH)
    assert shipped.status_code == 201, shipped.text
    billed = client.post(f"/api/erp/orders/{order_doc.erp_order_id}/invoices", headers=AUTH)
    assert billed.status_code == 201, billed.text

    for doc_type, codec in (("856", asn856), ("810", invoice810)):
        [doc] = docs(services, doc_type=doc_type)
        assert (doc.state, doc.parent_id, doc.partner_id) == (State.OUTBOX.value, order_doc.id, partner)
        [ts] = sets_of(doc.raw)
        assert ts.group.version == version and (doc.interchange_control, doc.set_control) == (
            ts.interchange.control_number, ts.control_number)
        assert list(validate(ts)) == []
        assert pyx12_problems(doc.raw) == []
        document = codec.parse(ts)
        assert document.po_number == order_doc.po_number
    notice = asn856.parse(sets_of(docs(services, doc_type="856")[0].raw)[0])
    assert len(notice.packages) == len(cartons) and all(p.sscc for p in notice.packages)
    invoice = invoice810.parse(sets_of(docs(services, doc_type="810")[0].raw)[0])
    assert invoice.invoice_number == billed.json()["reference"]


def test_a_ubl_partner_can_ask_for_the_simple_order_response(client: TestClient, services: Services,
                                                             xsd_validate: Validator) -> None:
    from gateway.store.db import session
    from gateway.store.tables import Partner

    with session(services.engine) as s:
        partner = s.get(Partner, "initech")
        assert partner is not None
        partner.settings = {**partner.settings, "ubl_order_response": "simple"}
        s.add(partner)
        s.commit()
    order = (FIXTURES / "ubl" / "order-acme-demo.xml").read_bytes()
    assert client.post("/edi/initech", content=order, headers=client_edi_headers(client, "initech")).status_code == 202
    drain(services)
    [simple] = docs(services, doc_type="OrderResponseSimple")
    xsd_validate(simple.raw)
    response = ubl.parse(simple.raw)
    assert isinstance(response, OrderResponse) and response.po_number
