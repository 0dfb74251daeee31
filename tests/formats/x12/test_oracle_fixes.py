"""What the partners' own validators (Bots, pyx12) found in the 856 and 810 we answered corpus orders with.

* bots' 850-004010-18 names its buyer only by a ``PER*BD`` contact: that buyer has no name and
  no identifier, which no N1 can carry (N102 or N103/N104), and the 856/810 were never written;
* bots' 850-004010-01 separates components with ``@``: our own e-mail address in a PER is then
  read as a composite by both validators;
* a credit note names the invoice it credits as the canonical ``BillingReference``, which is no
  X12 128 qualifier: the 810 carries it as ``REF*OI`` (original invoice number);
* the 832 wrote the catalogue's name in BCT06 (15 characters, a catalog number): its place is
  BCT09 (352 description, 80), and our maps had BCT05-09 wrong.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formats.errors import MappingError, Problem
from formats.model import (
    Catalogue,
    CatalogueItem,
    Contact,
    Invoice,
    InvoiceLine,
    ItemId,
    ItemIdKind,
    Money,
    Order,
    Party,
    PartyId,
    PartyIdKind,
    PartyRole,
    Quantity,
    Reference,
    ShipNotice,
    ShippedItem,
)
from formats.x12 import asn856, catalog832, invoice810, po850
from formats.x12.envelope import Delimiters, Segment
from formats.x12.implementation_map import ElementRule, load_map
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from tests.conftest import corpus_path
from tests.formats.x12.bots_harness import bots_problems
from tests.formats.x12.outbound import checked, interchange, transaction_sets
from tests.formats.x12.pyx12_harness import pyx12_problems

SELLER = Party(role=PartyRole.SELLER, name="Demo Office Supplies B.V.",
               ids=(PartyId(kind=PartyIdKind.SELLER_ASSIGNED, value="B2BGWSELLER", qualifier="91"),),
               contacts=(Contact(name="Accounts receivable", phone="+31 20 555 0100",
                                 email="invoices@demo-office.example"),))
ITEM = ItemId(kind=ItemIdKind.SELLER, value="4531", qualifier="VP")


def corpus_order(name: str) -> tuple[Order, Delimiters]:
    [ts] = transaction_sets(corpus_path("x12", "bots", name).read_bytes())
    return po850.parse(ts), ts.interchange.delimiters


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def invoice_for(order: Order, **more: object) -> Invoice:
    line = InvoiceLine(line_number="1", quantity=Quantity(value=Decimal(20), unit="XCS"), unit_price=usd("226.56"),
                       items=(ITEM,))
    fields: dict[str, object] = {"invoice_number": "INV-1", "invoice_date": dt.date(2026, 12, 8),
                                 "po_number": order.po_number, "currency": "USD", "seller": SELLER,
                                 "buyer": order.buyer, "ship_to": order.ship_to, "lines": (line,)}
    return Invoice(**(fields | more))  # type: ignore[arg-type]


def notice_for(order: Order) -> ShipNotice:
    return ShipNotice(shipment_id="SHIP-1", po_number=order.po_number, ship_date=dt.date(2026, 12, 8),
                      buyer=order.buyer, ship_to=order.ship_to, seller=SELLER,
                      items=(ShippedItem(line_number="1", items=(ITEM,),
                                         quantity=Quantity(value=Decimal(20), unit="XCS")),))


def tags(body: list[Segment], tag: str) -> list[Segment]:
    return [segment for segment in body if segment[0] == tag]


# --------------------------------------------------------------------------------------------
# A buyer named only by its contact
# --------------------------------------------------------------------------------------------


def test_the_corpus_buyer_is_a_contact_without_name_or_identifier() -> None:
    order, _ = corpus_order("850-004010-18.x12")
    assert order.buyer is not None and order.buyer.contacts
    assert (order.buyer.name, order.buyer.ids) == (None, ())


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_an_810_to_a_buyer_known_only_by_its_contact_is_written_without_its_n1(version: str) -> None:
    order, _ = corpus_order("850-004010-18.x12")
    for invoice in (invoice_for(order), invoice_for(order, is_credit_note=True)):
        body = invoice810.render(invoice, version=version)
        checked("810", body, version)
        assert [n1[1] for n1 in tags(body, "N1")] == ["SE", "ST"]  # no N1*BY: nothing could name it


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_an_856_to_a_buyer_known_only_by_its_contact_is_written_without_its_n1(version: str) -> None:
    order, _ = corpus_order("850-004010-18.x12")
    body = asn856.render(notice_for(order), version=version)
    checked("856", body, version)
    assert "BY" not in [n1[1] for n1 in tags(body, "N1")]
    assert {"ST", "SE"} <= {n1[1] for n1 in tags(body, "N1")}


def test_a_party_without_name_or_identifier_has_no_n1_loop_but_one_with_a_name_keeps_its_contact() -> None:
    order, _ = corpus_order("850-004010-18.x12")
    assert order.buyer is not None
    body = invoice810.render(invoice_for(order, buyer=order.buyer.model_copy(update={"name": "SAFEWAY"})))
    n1 = body.index(["N1", "BY", "SAFEWAY"])
    assert body[n1 + 1] == ["PER", "BD", "Buyer Name", "TE", "Buyer Phone number"]


# --------------------------------------------------------------------------------------------
# Our e-mail address in an interchange whose component separator is @
# --------------------------------------------------------------------------------------------


def answer(code: str, body: list[Segment], delimiters: Delimiters, notes: list[Problem] | None) -> bytes:
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="B2BGWSELLER", receiver_qualifier="ZZ",
                           receiver_id="TEST111111", control_number=17, version="00401",
                           timestamp=dt.datetime(2026, 12, 8, 2, 30), delimiters=delimiters)
    group = GroupSpec(functional_id={"810": "IN", "856": "SH"}[code], application_sender="B2BGWSELLER",
                      application_receiver="test111111", control_number=17, version="004010")
    return render_interchange(spec, [(group, [TransactionSetSpec(code, "0001", body)])], notes=notes)


@pytest.mark.parametrize("code", ["810", "856"])
def test_an_email_holding_the_partners_component_separator_is_left_out_with_a_note(code: str) -> None:
    order, delimiters = corpus_order("850-004010-01.x12")
    assert delimiters.component == "@"
    body = invoice810.render(invoice_for(order)) if code == "810" else asn856.render(notice_for(order))
    notes: list[Problem] = []
    raw = answer(code, body, delimiters, notes)
    assert bots_problems(raw) == []
    assert pyx12_problems(raw) == []
    [ts] = transaction_sets(raw)
    assert ["PER", "IC", "Accounts receivable", "TE", "+31 20 555 0100"] in ts.segments  # the phone stays
    assert b"invoices" not in raw
    [note] = notes
    assert note.level == "note" and note.location.segment_tag == "PER" and note.location.element_position == 6
    assert "invoices@demo-office.example" in note.message


def test_a_simple_element_holding_the_component_separator_is_carried_with_a_note() -> None:
    order, delimiters = corpus_order("850-004010-01.x12")
    notes: list[Problem] = []
    raw = answer("810", invoice810.render(invoice_for(order, invoice_number="INV@1")), delimiters, notes)
    assert bots_problems(raw) == []
    assert [segment[:3] for segment in transaction_sets(raw)[0].segments if segment[0] == "BIG"] == [
        ["BIG", "20261208", "INV?1"]]
    assert [(n.location.segment_tag, n.location.element_position) for n in notes] == [("BIG", 2), ("PER", 6)]


def test_the_strict_writer_refuses_a_simple_element_holding_the_component_separator() -> None:
    order, delimiters = corpus_order("850-004010-01.x12")
    with pytest.raises(MappingError, match="PER06"):
        answer("810", invoice810.render(invoice_for(order)), delimiters, None)


def test_a_composite_keeps_its_component_separator() -> None:
    """An element the map says is a composite (an 810 REF04, C040) is written with its components."""
    order, delimiters = corpus_order("850-004010-01.x12")
    body = invoice810.render(invoice_for(order, seller=SELLER.model_copy(update={"contacts": ()})))
    body.insert(2, ["REF", "VN", "SO-1", "", "PO@91393058"])
    notes: list[Problem] = []
    raw = answer("810", body, delimiters, notes)
    assert notes == []
    assert b"REF*VN*SO-1**PO@91393058" in raw


# --------------------------------------------------------------------------------------------
# The credited invoice: REF*OI
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_the_credited_invoice_is_ref_oi_both_ways(version: str) -> None:
    order, _ = corpus_order("850-004010-18.x12")
    credit = invoice_for(order, invoice_number="CN-1", is_credit_note=True,
                         references=(Reference(qualifier="BillingReference", value="INV-1"),))
    body = invoice810.render(credit, version=version)
    assert ["REF", "OI", "INV-1"] in [segment[:3] for segment in body]
    ts = checked("810", body, version)
    assert invoice810.parse(ts).references == (Reference(qualifier="BillingReference", value="INV-1"),)


def test_a_reference_that_is_no_128_qualifier_is_refused_by_name() -> None:
    order, _ = corpus_order("850-004010-18.x12")
    invoice = invoice_for(order, references=(Reference(qualifier="BuyerReference", value="dept 7"),))
    with pytest.raises(MappingError, match="BuyerReference"):
        invoice810.render(invoice)


def test_x12_reference_qualifiers_are_written_as_they_are() -> None:
    order, _ = corpus_order("850-004010-18.x12")
    invoice = invoice_for(order, references=(Reference(qualifier="VN", value="SO-10001"),
                                             Reference(qualifier="ACE", value="7")))
    assert [segment for segment in invoice810.render(invoice) if segment[0] == "REF"] == [
        ["REF", "VN", "SO-10001", ""], ["REF", "ACE", "7", ""]]


# --------------------------------------------------------------------------------------------
# The catalogue's name: BCT09
# --------------------------------------------------------------------------------------------


CATALOGUE = Catalogue(
    catalogue_id="DEMO-2027", issue_date=dt.date(2026, 12, 8), name="Demo Office Supplies B.V. price list 2027",
    currency="USD", seller=SELLER.model_copy(update={"contacts": ()}),
    items=(CatalogueItem(items=(ITEM,), description="GROCERY ITEM DESCRIPTION 24/360 ML", unit_price=usd("226.56")),))


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_the_catalogue_name_is_bct09_the_description(version: str) -> None:
    body = catalog832.render(CATALOGUE, version=version)
    assert body[0] == ["BCT", "PC", "DEMO-2027", "", "", "", "", "", "", CATALOGUE.name, "00"]
    raw = interchange("832", body, version)
    assert bots_problems(raw) == []
    assert pyx12_problems(raw) == []


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_our_832_map_has_bct_as_x12_defines_it(version: str) -> None:
    """BCT05 class of trade, BCT06-08 a catalog's number, version and revision, BCT09 the description."""
    bct = load_map("832", version).segments_by_tag["BCT"]
    assert [(f.reference, f.max_length) for f in bct.fields if isinstance(f, ElementRule)] == [
        ("683", 2), ("684", 15), ("685", 15), ("686", 6), ("687", 2), ("684", 15), ("685", 15), ("686", 6),
        ("352", 80), ("353", 2)]


def test_the_numbers_after_a_left_out_one_move_up() -> None:
    """PER03/04 left out: the fax that followed is PER03/04 now (pairs are written in order, no gap)."""
    order, delimiters = corpus_order("850-004010-01.x12")
    seller = SELLER.model_copy(update={"contacts": (Contact(name="Billing", email="ap@demo.example", fax="555 0199"),)})
    notes: list[Problem] = []
    raw = answer("810", invoice810.render(invoice_for(order, seller=seller)), delimiters, notes)
    assert ["PER", "IC", "Billing", "FX", "555 0199"] in transaction_sets(raw)[0].segments
    assert [(n.location.segment_tag, n.location.element_position) for n in notes] == [("PER", 4)]
    assert bots_problems(raw) == []
