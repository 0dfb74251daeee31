"""What we write in cXML is what our reader reads back: the fields the round-trip oracle found lost.

The documents answer the corpus's Coupa OrderRequest (``officeluv/order_request.xml``) the way
the gateway does: its buyer, bill-to and ship-to, its lines with their supplier and auxiliary
part ids, our company as seller (GLN, VAT number, company registration), a due date, payment
means and a VAT breakdown. Each is checked against its DTD, read back, and compared with the
oracle's projection (:func:`tests.oracles.round_trip.losses`, which leaves out only what
``NOT_CARRIED`` says a standard cannot carry).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formats.cxml import confirmation, invoice, order_request, ship_notice
from formats.dates import order_time
from formats.model import (
    Address,
    HeaderStatus,
    Invoice,
    InvoiceLine,
    LineResponse,
    LineStatus,
    Money,
    Order,
    OrderResponse,
    Package,
    Party,
    PartyId,
    PartyIdKind,
    PartyRole,
    PaymentMeans,
    PaymentTerms,
    Quantity,
    ShipNotice,
    ShippedItem,
    Tax,
)
from tests.conftest import corpus_path
from tests.oracles.round_trip import losses

from .conftest import NOW, ROUTING, DtdValidator

SELLER = Party(role=PartyRole.SELLER, name="Demo Office Supplies B.V.", ids=(
    PartyId(kind=PartyIdKind.TAX, value="NL999999999B01", qualifier="VAT"),
    PartyId(kind=PartyIdKind.OTHER, value="99999999", qualifier="legal:0106"),
    PartyId(kind=PartyIdKind.GLN, value="0614141999996", qualifier="0088")),
    address=Address(lines=("Havenstraat 12",), city="Rotterdam", postal_code="3011 AB", country="NL"))


def _order() -> Order:
    return order_request.parse(corpus_path("cxml", "samples", "officeluv", "order_request.xml").read_bytes())


def _invoice(credit: bool) -> Invoice:
    ordered = _order()
    assert ordered.buyer is not None and ordered.bill_to is not None and ordered.ship_to is not None
    currency = ordered.currency or "USD"
    rate = Tax(category="G", percent=Decimal(0), scheme="VAT", description="Export outside the EU")
    lines = tuple(InvoiceLine(line_number=ln.line_number, order_line_number=ln.line_number, items=ln.items,
                              description=ln.description, quantity=ln.quantity,
                              unit_price=ln.unit_price or Money(amount=Decimal(1), currency=currency), taxes=(rate,))
                  for ln in ordered.lines)
    assert any(len(ln.items) > 1 for ln in lines), "the corpus order gives auxiliary part ids"
    date = dt.date(2026, 12, 8)
    return Invoice(invoice_number="INV-7", invoice_date=date, is_credit_note=credit, po_number=ordered.po_number,
                   currency=currency, seller=SELLER, buyer=ordered.buyer, bill_to=ordered.bill_to,
                   ship_to=ordered.ship_to, terms=PaymentTerms(description="Net 30", net_days=30),
                   due_date=date + dt.timedelta(days=30), lines=lines,
                   payment_means=(PaymentMeans(code="58", account_id="NL91ABNA0417164300",
                                               account_name="Demo Office Supplies B.V.", institution_id="ABNANL2A"),),
                   taxes=(rate.model_copy(update={"amount": Money(amount=Decimal("0.00"), currency=currency)}),))


@pytest.mark.parametrize("credit", [False, True], ids=["invoice", "credit-memo"])
def test_invoice_reads_back_what_it_carries(credit: bool, dtd_validate: DtdValidator) -> None:
    sent = _invoice(credit)
    raw = invoice.render(sent, payload_id="p@gw", timestamp=NOW, routing=ROUTING)
    dtd_validate(raw)
    assert losses("cxml", "InvoiceDetailRequest", sent.model_dump(mode="json"), raw) == []


def test_invoice_due_date_without_terms_is_sent_as_days(dtd_validate: DtdValidator) -> None:
    """cXML has no due date (NOT_CARRIED): PaymentTerm's days after the invoice date say it."""
    sent = _invoice(False).model_copy(update={"terms": None})
    raw = invoice.render(sent, payload_id="p@gw", timestamp=NOW, routing=ROUTING)
    dtd_validate(raw)
    back = invoice.parse(raw)
    assert back.terms is not None and back.terms.net_days is not None and sent.due_date is not None
    assert back.invoice_date + dt.timedelta(days=back.terms.net_days) == sent.due_date


def _notice() -> ShipNotice:
    ordered = _order()
    shipped = tuple(ShippedItem(line_number=ln.line_number, items=ln.items, quantity=ln.quantity,
                                description=ln.description) for ln in ordered.lines)
    return ShipNotice(shipment_id="ASN-7", po_number=ordered.po_number, ship_date=dt.date(2026, 12, 8),
                      seller=SELLER, buyer=ordered.buyer, ship_to=ordered.ship_to,
                      packages=(Package(sscc="006141410000000074", kind="carton", items=shipped[:1],
                                        weight=Quantity(value=Decimal("2.5"), unit="KGM")),
                                Package(sscc="006141410000000081", items=shipped[1:])))


@pytest.mark.parametrize("ship_from", [False, True], ids=["seller", "seller-and-ship-from"])
def test_ship_notice_reads_back_parties_and_packages(ship_from: bool, dtd_validate: DtdValidator) -> None:
    sent = _notice()
    if ship_from:
        sent = sent.model_copy(update={"ship_from": SELLER.model_copy(update={"role": PartyRole.SHIP_FROM,
                                                                              "name": "Warehouse"})})
    raw = ship_notice.render(sent, order_payload_id="1585687161.003309@stg1565utl2.int.coupahost.com",
                             payload_id="p@gw", timestamp=NOW, routing=ROUTING)
    dtd_validate(raw)
    assert losses("cxml", "ShipNoticeRequest", sent.model_dump(mode="json"), raw) == []
    back = ship_notice.parse(raw)
    assert [(p.kind, p.weight) for p in back.packages] == [(p.kind, p.weight) for p in sent.packages]


def _confirmation() -> OrderResponse:
    ordered = _order()
    lines = tuple(LineResponse(line_number=ln.line_number, status=LineStatus.ACCEPTED, quantity=ln.quantity,
                               ordered_quantity=ln.quantity, items=ln.items, unit_price=ln.unit_price)
                  for ln in ordered.lines)
    return OrderResponse(po_number=ordered.po_number, po_date=ordered.order_date, po_time=order_time(ordered),
                         response_number="SO-7", response_date=dt.date(2026, 12, 8), status=HeaderStatus.ACCEPTED,
                         buyer=ordered.buyer, seller=SELLER, ship_to=ordered.ship_to, currency=ordered.currency,
                         lines=lines)


def test_confirmation_reads_back_parties_and_currency(dtd_validate: DtdValidator) -> None:
    sent = _confirmation()
    assert sent.currency and all(ln.unit_price for ln in sent.lines), "the corpus order prices its lines"
    raw = confirmation.render(sent, order_payload_id="1585687161.003309@stg1565utl2.int.coupahost.com",
                              payload_id="p@gw", timestamp=NOW, routing=ROUTING)
    dtd_validate(raw)
    assert losses("cxml", "ConfirmationRequest", sent.model_dump(mode="json"), raw) == []
