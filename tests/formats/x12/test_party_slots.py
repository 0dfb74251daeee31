"""Each N1 loop we write names the slot its party fills, whatever code the party was read with.

An order read from X12 keeps each party's N1 code (``role_code``). The built-in ERP bills the
buyer when the order names no bill-to: its invoice's bill-to is a copy of the buyer with the
role ``bill_to``, and the code ``BY`` it was read with. The 810 must then say ``N1*BT``, not a
second ``N1*BY``; the same holds for every slot of every set we write.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formats.model import (
    HeaderStatus,
    Invoice,
    InvoiceLine,
    Money,
    Order,
    OrderResponse,
    Party,
    PartyRole,
    Quantity,
    ShipNotice,
)
from formats.x12 import asn856, invoice810, po850, poack855
from formats.x12.envelope import Segment
from tests.conftest import corpus_path
from tests.formats.x12.outbound import checked, transaction_sets


def corpus_order() -> Order:
    """bots' 850-004010-01: a buyer (``N1*BY``) and a ship-to, no bill-to."""
    [ts] = transaction_sets(corpus_path("x12", "bots", "850-004010-01.x12").read_bytes())
    order = po850.parse(ts)
    assert order.buyer is not None and order.buyer.role_code == "BY" and order.bill_to is None
    return order


def n1_codes(body: list[Segment]) -> list[str]:
    return [segment[1] for segment in body if segment[0] == "N1"]


def billed_to_the_buyer(order: Order) -> Invoice:
    """The invoice the built-in ERP writes for an order without a bill-to: the buyer is billed."""
    assert order.buyer is not None
    line = order.lines[0]
    price = line.unit_price or Money(amount=Decimal(1), currency="USD")
    return Invoice(
        invoice_number="INV-000001", invoice_date=dt.date(2026, 12, 1), po_number=order.po_number,
        currency=price.currency, buyer=order.buyer,
        bill_to=order.buyer.model_copy(update={"role": PartyRole.BILL_TO}), ship_to=order.ship_to,
        lines=(InvoiceLine(line_number="1", order_line_number=line.line_number, items=line.items,
                           quantity=Quantity(value=line.quantity.value, unit=line.quantity.unit), unit_price=price),))


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_an_invoice_billing_the_buyer_says_n1_bt(version: str) -> None:
    order = corpus_order()
    invoice = billed_to_the_buyer(order)
    body = invoice810.render(invoice, version=version)
    assert n1_codes(body) == ["BY", "BT", "ST"]
    again = invoice810.parse(checked("810", body, version))
    assert again.bill_to is not None and again.buyer is not None
    assert (again.bill_to.role, again.bill_to.name) == (PartyRole.BILL_TO, order.buyer.name)  # type: ignore[union-attr]
    assert again.buyer.name == order.buyer.name  # type: ignore[union-attr]


def test_a_party_in_another_slot_is_written_with_that_slots_code() -> None:
    order = corpus_order()
    assert order.buyer is not None and order.ship_to is not None
    as_ship_to = order.buyer.model_copy(update={"role": PartyRole.SHIP_TO})
    notice = ShipNotice(shipment_id="SH-1", po_number=order.po_number, ship_date=dt.date(2026, 12, 1),
                        ship_to=as_ship_to, buyer=order.buyer)
    assert n1_codes(asn856.render(notice)) == ["ST", "BY"]
    response = OrderResponse(po_number=order.po_number, po_date=order.order_date, response_date=dt.date(2026, 12, 1),
                             status=HeaderStatus.ACCEPTED, ship_to=as_ship_to)
    assert n1_codes(poack855.render(response)) == ["ST"]


def test_a_code_naming_the_slots_role_is_kept() -> None:
    """A seller read as ``N1*VN`` (vendor) is a seller: the partner's own code goes back out."""
    vendor = Party(role=PartyRole.SELLER, role_code="VN", name="B2B GATEWAY DEMO SELLER")
    invoice = billed_to_the_buyer(corpus_order()).model_copy(update={"seller": vendor})
    assert n1_codes(invoice810.render(invoice)) == ["VN", "BY", "BT", "ST"]
