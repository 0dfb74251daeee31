"""A UBL buyer's own order, in, to our invoice, out: the invoice names us, not the seller the order stated.

Each UBL order of the corpus (the OASIS samples and the PEPPOL ones) states a seller of its own:
another company's EndpointID, party id, legal registration and contact. Placed through the real
pipeline for the UBL partner, shipped and invoiced, each must come back as an invoice that is
valid against the UBL 2.1 XSD and the EN 16931 rules, whose seller has none of those values.
The catalog is given the items each order names, so every line is accepted.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from erp.builtin.catalog import add_product, set_stock
from erp.builtin.demo_company import DEMO_COMPANY
from erp.builtin.profile import company_party
from erp.builtin.tables import ErpCustomer
from formats import ubl
from formats.model import Invoice, Order, OrderResponse, Party, ShipNotice
from formats.ubl import rules
from gateway.pipeline.states import State
from gateway.services import Services
from tests.conftest import CORPUS, Validator, corpus_files

from .flow import AUTH, docs, drain
from .partner_auth import client_edi_headers
from .test_partner_auth import set_settings

SCHEMES = {"GLN": "0088"}
"""Endpoint schemes written by name in the older samples, as the partner settings name them (ISO 6523)."""


def _orders() -> list[Path]:
    """The corpus's UBL orders (not changes or cancellations) with an item id on at least one line."""
    found = []
    for path in corpus_files("ubl/samples", "*Order*.xml"):
        document = ubl.parse(path.read_bytes())
        if type(document) is Order and document.purpose.value == "original" and any(
                line.items for line in document.lines):
            found.append(path)
    return found


def _stock_the_items(services: Services, order: Order) -> None:
    """Every item the order names in the catalog, in its unit and currency, with stock for the whole order.

    The buyer's account is kept in the order's currency with room for it, so its credit check passes.
    """
    currency = order.currency or next((line.unit_price.currency for line in order.lines if line.unit_price), "EUR")
    with Session(services.engine) as s:
        customer = s.get(ErpCustomer, "INITECH")
        assert customer is not None
        customer.currency, customer.credit_limit = currency, Decimal(10) ** 9
        s.add(customer)
        s.commit()
    for line in order.lines:
        if not line.items:
            continue
        sku = line.items[0].value
        price = line.unit_price.amount if line.unit_price else Decimal(1)
        add_product(services.engine, sku=sku, name=line.description or sku, list_price=price,
                    unit=line.quantity.unit, currency=currency)
        set_stock(services.engine, sku, "MAIN", line.quantity.value * 2)


def _values(party: Party | None) -> set[str]:
    """The identifiers, name and contact values of a party."""
    if party is None:
        return set()
    values = {i.value for i in party.ids} | ({party.name} if party.name else set())
    for contact in party.contacts:
        values |= {v for v in (contact.name, contact.email, contact.phone, contact.fax) if v}
    return values


@pytest.mark.parametrize("path", _orders(), ids=lambda p: p.name)
def test_a_corpus_order_is_invoiced_by_the_company_alone(client: TestClient, services: Services, path: Path,
                                                         xsd_validate: Validator,
                                                         en16931_rules: rules.CompiledRules) -> None:
    raw = path.read_bytes()
    order = ubl.parse(raw)
    assert isinstance(order, Order) and order.seller is not None
    endpoint = next((i for i in order.buyer.ids if i.kind.value == "network"), None) if order.buyer else None
    scheme = SCHEMES.get(endpoint.qualifier or "", endpoint.qualifier) if endpoint else None
    set_settings(services, "initech", ubl_profile=None, endpoint_scheme=scheme,
                 endpoint_id=endpoint.value if endpoint else None)  # plain UBL: these buyers are no PEPPOL ones
    _stock_the_items(services, order)

    answer = client.post("/edi/initech", content=raw, headers=client_edi_headers(client, "initech"))
    assert answer.status_code == 202, answer.text
    drain(services)
    [order_doc] = docs(services, doc_type="Order")
    assert order_doc.state == State.PROCESSED.value, order_doc.error
    shipped = client.post(f"/api/erp/orders/{order_doc.erp_order_id}/shipments", json={}, headers=AUTH)
    assert shipped.status_code == 201, shipped.text
    billed = client.post(f"/api/erp/orders/{order_doc.erp_order_id}/invoices", headers=AUTH)
    assert billed.status_code == 201, billed.text

    ours = company_party(DEMO_COMPANY)
    stated = _values(order.seller) - _values(ours)  # a sample may happen to share nothing; the name is ours
    for doc_type, kind in (("OrderResponse", OrderResponse), ("DespatchAdvice", ShipNotice), ("Invoice", Invoice)):
        [doc] = docs(services, doc_type=doc_type)
        assert doc.state == State.OUTBOX.value, doc.error
        xsd_validate(doc.raw)
        document = ubl.parse(doc.raw)
        assert isinstance(document, kind)
        seller = document.seller or (document.ship_from if isinstance(document, ShipNotice) else None)
        assert seller is not None and seller.name == DEMO_COMPANY.name
        assert stated.isdisjoint(_values(seller)), doc.raw.decode()
    [invoice_doc] = docs(services, doc_type="Invoice")
    assert [(p.code, p.text) for p in rules.fatal(rules.check(en16931_rules, invoice_doc.raw))] == []


def test_the_corpus_has_the_oasis_sample_order() -> None:
    """The table above is not empty where the corpus is present: the OASIS sample Order is in it."""
    if not (CORPUS / "ubl" / "samples").exists():
        pytest.skip("corpus not present")
    assert "UBL-Order-2.1-Example.xml" in {p.name for p in _orders()}
