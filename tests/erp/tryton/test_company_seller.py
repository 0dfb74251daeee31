"""The Tryton adapter names the Tryton company as seller on every document, never the order's stated seller.

The buyer's order names the seller of the OASIS UBL sample Order (Moderna Produkter AB, its GLN,
party id and contact). The order response, the ship notice and the invoice read from the event
stream must name the company of the Tryton database instead: its party's name, address, tax
identifier and e-mail, as the seller keeps them in Tryton.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from erp.port import ErpEventKind
from erp.tryton import TrytonErp
from formats import ubl
from formats.model import ItemId, ItemIdKind, Order, OrderLine, Party, PartyIdKind, Quantity
from tests.conftest import corpus_path
from tests.erp.tryton import backoffice
from tests.erp.tryton.conftest import connect
from tests.erp.tryton.harness import TrytonServer

VAT_NUMBER = "NL004495445B01"  # a well-formed Dutch VAT number (Tryton checks it with python-stdnum)


def _give_the_company_its_master_data(erp: TrytonErp) -> str:
    """What the seller enters on its company party in Tryton: an address, a VAT number, an e-mail (once).

    The company's name, as the seed named it.
    """
    [company] = erp.rpc.search_read("company.company", [("id", "=", erp.rpc.context.get("company"))],
                                    ["party", "party.name"])
    party, name = company["party"], str(company["party."]["name"])
    if erp.rpc.search_read("party.identifier", [("party", "=", party), ("code", "=", VAT_NUMBER)], ["id"]):
        return name
    erp.rpc.model("party.identifier", "create", [{"party": party, "type": "eu_vat", "code": VAT_NUMBER}])
    erp.rpc.model("party.address", "create", [{"party": party, "street": "Havenstraat 12", "city": "Rotterdam",
                                               "postal_code": "3011 AB"}])
    erp.rpc.model("party.contact_mechanism", "create", [{"party": party, "type": "email",
                                                         "value": "invoices@company.example"}])
    return name


def _values(party: Party) -> set[str]:
    values = {i.value for i in party.ids}
    for contact in party.contacts:
        values |= {v for v in (contact.name, contact.email, contact.phone, contact.fax) if v}
    return values


def test_every_document_names_the_tryton_company(tryton_server: TrytonServer) -> None:
    setup = connect(tryton_server)
    name = _give_the_company_its_master_data(setup)
    erp = connect(tryton_server)  # a fresh adapter: the company is read once per adapter
    sample = ubl.parse(corpus_path("ubl", "samples", "oasis", "UBL-Order-2.1-Example.xml").read_bytes())
    assert isinstance(sample, Order) and sample.seller is not None
    events = list(erp.events_after(None, limit=100000))
    cursor = events[-1].event_id if events else None
    order = Order(po_number=f"PO-{uuid.uuid4().hex[:8].upper()}", order_date=dt.date(2026, 3, 1), currency="USD",
                  seller=sample.seller, lines=(OrderLine(line_number="1", items=(
                      ItemId(kind=ItemIdKind.SELLER, value="DEMO-1003"),), quantity=Quantity(value=Decimal(1))),))
    pushed = erp.push_order(order, customer_id="GLOBEX", idempotency_key=uuid.uuid4().hex)
    backoffice.ship(erp, pushed.erp_order_id)
    backoffice.post_invoices(erp, pushed.erp_order_id)
    found = {e.kind: e for e in erp.events_after(cursor, limit=100000) if e.erp_order_id == pushed.erp_order_id}
    notice, invoice = found[ErpEventKind.SHIPPED].ship_notice, found[ErpEventKind.INVOICED].invoice
    assert notice is not None and invoice is not None

    company = erp.company_party()
    assert company.name == name
    assert [(i.kind, i.value) for i in company.ids] == [(PartyIdKind.TAX, VAT_NUMBER)]
    assert company.address is not None and company.address.lines == ("Havenstraat 12",)
    assert company.address.city == "Rotterdam" and company.address.postal_code == "3011 AB"
    assert [c.email for c in company.contacts] == ["invoices@company.example"]
    for document in (pushed.response, notice, invoice):
        assert document.seller == company
        assert _values(sample.seller).isdisjoint(_values(document.seller))
