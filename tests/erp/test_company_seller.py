"""The built-in ERP names itself from its company profile on every document, and its invoices say how to pay.

A buyer's order states a seller: its own view of us, or, in the OASIS sample Order, another
company altogether (Moderna Produkter AB, with its GLN, party id and contact). The order
response, ship notice and invoice must name the company of the ERP's profile and nothing of
that stated party; the invoices of the Dutch demo seller must pass the EN 16931 and PEPPOL BIS
Billing 3 rules, which want a payment means of a Dutch supplier (NL-R-007).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from erp.builtin import BuiltinErp, ErpCompany, invoice_order, seed_demo, ship_order
from erp.builtin.company import set_company, set_customer_tax
from erp.builtin.demo_company import DEMO_COMPANY
from erp.builtin.profile import company_party
from erp.port import ErpRejected
from formats import ubl
from formats.model import Address, Invoice, Order, Party, PartyId, PartyIdKind, PartyRole, PaymentMeans, Reference
from formats.ubl import rules
from formats.ubl.profiles import PEPPOL_BILLING
from tests.conftest import Validator, corpus_path

from .conftest import FIXED_NOW
from .test_builtin import line


def oasis_seller() -> Party:
    """The seller the OASIS UBL 2.1 sample Order states (a real document's party, ids and contact)."""
    sample = ubl.parse(corpus_path("ubl", "samples", "oasis", "UBL-Order-2.1-Example.xml").read_bytes())
    assert isinstance(sample, Order) and sample.seller is not None
    return sample.seller


def peppol_order(po: str, country: str, seller: Party | None = None) -> Order:
    """A PEPPOL order of the demo catalog: the buyer with its electronic address (GLN) and address in ``country``."""
    address = Address(lines=("Stationsplein 1",), city="Utrecht", postal_code="3511 ED", country=country)
    buyer = Party(role=PartyRole.BUYER, name="Initech", address=address,
                  ids=(PartyId(kind=PartyIdKind.NETWORK, value="0614141000005", qualifier="0088"),))
    return Order(po_number=po, order_date=dt.date(2026, 3, 1), currency="EUR",
                 lines=(line("1", "DEMO-1024", "3"), line("2", "DEMO-1001", "7")), buyer=buyer, seller=seller,
                 ship_to=Party(role=PartyRole.SHIP_TO, name="Initech warehouse", address=address))


def stated_values(party: Party) -> set[str]:
    """Every identifier and contact value of a party (what must not reappear on our documents)."""
    values = {i.value for i in party.ids}
    for contact in party.contacts:
        values |= {v for v in (contact.name, contact.email, contact.phone, contact.fax) if v}
    return values


def test_every_document_names_the_company_not_the_orders_seller(erp: BuiltinErp, demo_engine: Engine) -> None:
    stated = oasis_seller()
    pushed = erp.push_order(peppol_order("PO-SELLER-1", "NL", stated), customer_id="INITECH", idempotency_key="k-s1")
    notice = ship_order(demo_engine, pushed.erp_order_id)
    invoice = invoice_order(demo_engine, pushed.erp_order_id, clock=lambda: FIXED_NOW)
    ours = company_party(DEMO_COMPANY)
    for document in (pushed.response, notice, invoice):
        seller = document.seller
        assert seller == ours
        assert stated_values(stated).isdisjoint(stated_values(seller))
    assert ours.name == "Demo Office Supplies B.V." and ours.address and ours.address.country == "NL"
    assert {(i.kind, i.value) for i in ours.ids} == {(PartyIdKind.TAX, "NL999999999B01"),
                                                    (PartyIdKind.OTHER, "99999999"),
                                                    (PartyIdKind.GLN, "0614141999996")}


def test_the_company_party_is_offered_for_the_feeds(erp: BuiltinErp, demo_engine: Engine) -> None:
    assert erp.company_party() == company_party(DEMO_COMPANY)
    assert company_party(DEMO_COMPANY).contacts[0].phone == DEMO_COMPANY.contact_phone


def test_a_changed_order_is_answered_by_the_company_too(erp: BuiltinErp) -> None:
    pushed = erp.push_order(peppol_order("PO-SELLER-2", "NL"), customer_id="INITECH", idempotency_key="k-s2")
    changed = erp.change_order(pushed.erp_order_id, peppol_order("PO-SELLER-2", "NL", oasis_seller()),
                               reason="buyer's change")
    assert changed.response.seller == company_party(DEMO_COMPANY)


def test_the_invoice_asks_to_be_paid_into_the_companys_account(erp: BuiltinErp, demo_engine: Engine) -> None:
    pushed = erp.push_order(peppol_order("PO-PAY-1", "NL"), customer_id="INITECH", idempotency_key="k-p1")
    ship_order(demo_engine, pushed.erp_order_id)
    invoice = invoice_order(demo_engine, pushed.erp_order_id, clock=lambda: FIXED_NOW)
    assert invoice.payment_means == (PaymentMeans(code="58", account_id="NL91ABNA0417164300",
                                                  account_name="Demo Office Supplies B.V.", institution_id="ABNANL2A",
                                                  payment_id=invoice.invoice_number),)


def test_a_company_without_a_bank_account_states_no_payment_means(erp: BuiltinErp, demo_engine: Engine) -> None:
    set_company(demo_engine, DEMO_COMPANY.model_copy(update={"iban": None, "bic": None}))
    pushed = erp.push_order(peppol_order("PO-PAY-2", "NL"), customer_id="INITECH", idempotency_key="k-p2")
    ship_order(demo_engine, pushed.erp_order_id)
    assert invoice_order(demo_engine, pushed.erp_order_id, clock=lambda: FIXED_NOW).payment_means == ()


def test_a_demo_seeded_before_the_bank_account_existed_gets_it(demo_engine: Engine) -> None:
    older = DEMO_COMPANY.model_copy(update=dict.fromkeys((
        "endpoint_scheme", "endpoint_id", "contact_name", "contact_phone", "contact_email", "iban", "bic")))
    set_company(demo_engine, older.model_copy(update={"street": "Havenstraat 14"}))  # and an operator's edit
    seed_demo(demo_engine)
    with Session(demo_engine) as s:
        company = s.get(ErpCompany, "main")
        assert company is not None
        assert (company.iban, company.endpoint_id, company.street) == (DEMO_COMPANY.iban, DEMO_COMPANY.endpoint_id,
                                                                       "Havenstraat 14")


def test_an_electronic_address_needs_its_scheme(demo_engine: Engine) -> None:
    with pytest.raises(ErpRejected, match="endpoint_scheme"):
        set_company(demo_engine, DEMO_COMPANY.model_copy(update={"endpoint_scheme": None, "endpoint_id": "99999999"}))


def as_credit_note(invoice: Invoice) -> Invoice:
    """The credit note crediting ``invoice`` in full (a Dutch supplier's names the invoice it credits, NL-R-001)."""
    return invoice.model_copy(update={
        "is_credit_note": True, "invoice_number": f"CN-{invoice.invoice_number}",
        "references": (*invoice.references, Reference(qualifier="BillingReference", value=invoice.invoice_number))})


@pytest.mark.parametrize(("country", "vat_id"), [("NL", "NL888888888B01"), ("DE", "DE123456789"), ("US", None)])
@pytest.mark.parametrize("credit", [False, True], ids=["invoice", "credit-note"])
def test_the_dutch_sellers_peppol_invoices_pass_en16931_and_peppol(
        erp: BuiltinErp, demo_engine: Engine, xsd_validate: Validator, en16931_rules: rules.CompiledRules,
        peppol_rules: rules.CompiledRules, country: str, vat_id: str | None, credit: bool) -> None:
    set_customer_tax(demo_engine, "INITECH", country=country, vat_id=vat_id)
    pushed = erp.push_order(peppol_order(f"PO-PEPPOL-{country}", country, oasis_seller()), customer_id="INITECH",
                            idempotency_key=f"k-peppol-{country}")
    ship_order(demo_engine, pushed.erp_order_id)
    invoice = invoice_order(demo_engine, pushed.erp_order_id, clock=lambda: FIXED_NOW)
    document = as_credit_note(invoice) if credit else invoice
    raw = ubl.render(document, profile=PEPPOL_BILLING)
    xsd_validate(raw)
    assert [(p.code, p.text) for p in rules.fatal(rules.check(en16931_rules, raw))] == []
    assert [(p.code, p.text) for p in rules.fatal(rules.check(peppol_rules, raw))] == []
    assert ubl.parse(raw).payment_means == invoice.payment_means  # type: ignore[union-attr]
