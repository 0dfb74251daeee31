"""What we write in UBL is what our reader reads back: the fields the round-trip oracle found lost.

* An OrderResponse (and OrderResponseSimple) quotes the order's time of day (``po_time``) in
  ``cac:OrderReference/cbc:IssueTime``, zone included when the order gave one; the answer is built
  from a corpus order the way the gateway builds it (``po_date`` + :func:`formats.dates.order_time`).
* A DespatchAdvice names the seller as ``DespatchSupplierParty`` when no separate ship-from is
  known: it is read back as the seller; a separate ship-from stays a ship-from.
"""

from __future__ import annotations

import datetime as dt

import pytest

from formats.dates import order_time
from formats.model import HeaderStatus, Order, OrderResponse, PartyRole, ShipNotice
from formats.ubl import despatch_advice, order, order_response, order_response_simple
from tests.conftest import corpus_path

from .conftest import Validator

ORDER_WITH_TIME = ("ubl", "samples", "peppol-poacc", "Order_use_cases_UC5_Order.xml")
DESPATCH_SAMPLES = ("Despatch_Advice_use_cases_DespatchAdvice-BIS3_UseCase4.xml", "DespatchAdvice_Example.xml")
RESPONSES = {"OrderResponse": order_response, "OrderResponseSimple": order_response_simple}


def _corpus_order() -> Order:
    parsed = order.parse(corpus_path(*ORDER_WITH_TIME).read_bytes())
    assert order_time(parsed) is not None, "the corpus order gives an IssueTime"
    return parsed


def _answer(ordered: Order, po_time: dt.time | None) -> OrderResponse:
    return OrderResponse(po_number=ordered.po_number, po_date=ordered.order_date, po_time=po_time,
                         response_number="SO-1", response_date=dt.date(2026, 12, 8), status=HeaderStatus.ACCEPTED,
                         buyer=ordered.buyer, seller=ordered.seller)


@pytest.mark.parametrize("zone", [None, dt.timezone(dt.timedelta(hours=1))], ids=["wall-time", "zoned"])
@pytest.mark.parametrize("name", list(RESPONSES))
def test_order_response_quotes_the_order_time(name: str, zone: dt.timezone | None, xsd_validate: Validator) -> None:
    ordered = _corpus_order()
    time = order_time(ordered)
    assert time is not None
    po_time = time.replace(tzinfo=zone)
    rendered = RESPONSES[name].render(_answer(ordered, po_time))
    xsd_validate(rendered)
    back = RESPONSES[name].parse(rendered)
    assert (back.po_date, back.po_time) == (ordered.order_date, po_time)


@pytest.mark.parametrize("name", list(RESPONSES))
def test_order_response_without_time_writes_none(name: str, xsd_validate: Validator) -> None:
    rendered = RESPONSES[name].render(_answer(_corpus_order(), None))
    xsd_validate(rendered)
    assert b"IssueTime" not in rendered.split(b"OrderReference")[1]
    assert RESPONSES[name].parse(rendered).po_time is None


def _despatch(name: str) -> ShipNotice:
    return despatch_advice.parse(corpus_path("ubl", "samples", "peppol-poacc", name).read_bytes())


def test_despatch_supplier_alone_is_the_seller() -> None:
    notice = _despatch(DESPATCH_SAMPLES[0])
    assert notice.seller is not None and notice.seller.role == PartyRole.SELLER
    assert notice.seller.name
    assert notice.ship_from is None


def test_despatch_supplier_beside_a_seller_is_the_ship_from() -> None:
    notice = _despatch(DESPATCH_SAMPLES[1])
    assert notice.seller is not None and notice.ship_from is not None
    assert notice.seller.name != notice.ship_from.name


def _as_gateway_sends(notice: ShipNotice, *, seller: bool, ship_from: bool) -> ShipNotice:
    """The corpus notice's parties rearranged: the gateway sends its seller and no ship-from."""
    party = notice.seller or notice.ship_from
    assert party is not None
    return notice.model_copy(update={
        "seller": party.model_copy(update={"role": PartyRole.SELLER}) if seller else None,
        "ship_from": party.model_copy(update={"role": PartyRole.SHIP_FROM, "name": "Warehouse"}) if ship_from
        else None})


@pytest.mark.parametrize(("seller", "ship_from"), [(True, False), (False, True), (True, True)],
                         ids=["seller-only", "ship-from-only", "both"])
@pytest.mark.parametrize("sample", DESPATCH_SAMPLES)
def test_despatch_parties_read_back(sample: str, seller: bool, ship_from: bool, xsd_validate: Validator) -> None:
    sent = _as_gateway_sends(_despatch(sample), seller=seller, ship_from=ship_from)
    rendered = despatch_advice.render(sent)
    xsd_validate(rendered)
    back = despatch_advice.parse(rendered)
    if sent.seller is not None:
        assert back.seller == sent.seller
    if sent.ship_from is not None:
        assert back.ship_from == sent.ship_from
