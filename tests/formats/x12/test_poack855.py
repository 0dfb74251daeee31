"""X12 855 <-> canonical OrderResponse: the corpus 855s, what we write, validity, round trip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from formats.codes.units import UnitMap
from formats.errors import MappingError
from formats.model import (
    Contact,
    Extension,
    HeaderStatus,
    ItemId,
    ItemIdKind,
    LineResponse,
    LineStatus,
    Money,
    OrderResponse,
    Party,
    PartyId,
    PartyIdKind,
    PartyRole,
    Quantity,
)
from formats.x12 import poack855
from formats.x12.envelope import Delimiters, TransactionSet
from formats.x12.reader import read_interchanges
from formats.x12.validator import validate
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from tests.conftest import corpus_path
from tests.formats.x12.pyx12_harness import pyx12_problems


def transaction_sets(raw: bytes) -> list[TransactionSet]:
    return [event for event in read_interchanges(raw) if isinstance(event, TransactionSet)]


def responses_of(*parts: str) -> list[OrderResponse]:
    return [poack855.parse(ts) for ts in transaction_sets(corpus_path("x12", *parts).read_bytes())]


# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------


def test_node_x12_855_line_statuses_quantities_and_prices() -> None:
    [response] = responses_of("node-x12", "855.edi")
    assert (response.po_number, response.po_date, response.response_date) == (
        "POTEST1112", dt.date(2020, 10, 15), dt.date(2020, 10, 15))
    assert response.status is HeaderStatus.ACCEPTED  # BAK02 AD: with detail, no change
    assert Extension(source="x12:855/BAK", name="BAK02", value="AD") in response.extensions
    assert Extension(source="x12:855/BAK", name="BAK06", value="60169126") in response.extensions
    assert response.currency == "USD"
    assert response.ship_to is not None and response.ship_to.name == "EDI TEST ACCOUNT-SUFFIX"
    assert response.ship_to.ids == (PartyId(kind=PartyIdKind.OTHER, value="123MILL 0001", qualifier="15"),)
    assert response.ship_to.address is not None
    assert response.ship_to.address.lines == ("REGULAR EDI ACCOUNT", "ATTN ACQ SERVS", "7615 DISALLE BOULEVARD")
    assert [(line.line_number, line.status, line.quantity.value, line.ordered_quantity.value if
             line.ordered_quantity else None) for line in response.lines] == [
        ("1", LineStatus.ACCEPTED, 3, 3), ("2", LineStatus.REJECTED, 0, 2),
        ("3", LineStatus.REJECTED, 0, 1), ("4", LineStatus.ACCEPTED, 2, 2)]
    assert {line.quantity.unit for line in response.lines} == {"C62"}  # UN: unit
    assert [line.unit_price.amount if line.unit_price else None for line in response.lines] == [
        Decimal("4.5"), Decimal("15.99"), Decimal(0), Decimal("4.5")]
    first = response.lines[0]
    assert first.items[0] == ItemId(kind=ItemIdKind.GTIN, value="9780446360265", qualifier="EN")
    # the BISAC reason code (ACK27..29) and the SCH are kept
    assert Extension(source="x12:855/ACK", name="ACK29", value="AC") in first.extensions
    assert Extension(source="x12:855/SCH", name="SCH", value="3*UN*WH*MO*080*20041231*****000") in first.extensions


def test_stedi_5010_855_parties_and_dates() -> None:
    [response] = responses_of("stedi", "855-5010-inbound.edi")
    assert response.po_number == "365465413"
    assert (response.po_date, response.response_date) == (dt.date(2022, 9, 14), dt.date(2022, 9, 13))
    assert response.seller is not None and response.seller.name == "Marvin Acme"
    assert response.seller.role_code == "SE"
    assert response.ship_to is not None and response.ship_to.name == "Wile E Coyote"
    assert response.ship_to.address is not None and response.ship_to.address.city == "Phoenix"
    assert [(line.line_number, line.status, line.quantity, line.unit_price) for line in response.lines] == [
        ("item-1", LineStatus.ACCEPTED, each(8), Money(amount=Decimal(400), currency="USD")),
        ("item-2", LineStatus.ACCEPTED, each(4), Money(amount=Decimal(125), currency="USD")),
    ]
    assert response.lines[0].items[0] == ItemId(kind=ItemIdKind.SELLER, value="VND1234567", qualifier="VC")


def test_bots_855_without_ack_takes_line_status_from_bak_and_date_from_dtm_009() -> None:
    responses = responses_of("bots", "855-004010UCS-01.x12")
    assert [r.po_number for r in responses] == ["194207", "194208", "194721", "194722", "194723", "194724"]
    assert [len(r.lines) for r in responses] == [26, 1, 1, 17, 22, 1]
    first = responses[0]
    assert first.status is HeaderStatus.ACCEPTED  # AP: product replenishment
    assert first.response_date == dt.date(2003, 5, 7)  # no BAK09: DTM*009
    assert first.seller is not None and first.seller.name == "BIG BITE FOODS" and first.seller.role_code == "VN"
    assert first.ship_to is not None and first.ship_to.ids[0].value == "0091372092902"
    line = first.lines[0]
    assert (line.line_number, line.status, line.quantity) == ("1", LineStatus.ACCEPTED,
                                                              Quantity(value=Decimal(102), unit="XCS"))
    assert line.items == (ItemId(kind=ItemIdKind.UPC, value="001119432383", qualifier="UA"),)
    assert Extension(source="x12:855/DTM", name="DTM", value="067*20030512") in first.extensions


# --------------------------------------------------------------------------------------------
# What we write
# --------------------------------------------------------------------------------------------

SELLER = Party(role=PartyRole.SELLER, role_code="SE", name="B2B GATEWAY DEMO SELLER",
               ids=(PartyId(kind=PartyIdKind.SELLER_ASSIGNED, value="B2BGWSELLER", qualifier="91"),))
BUYER = Party(role=PartyRole.BUYER, role_code="BY", name="ACME RETAIL",
              ids=(PartyId(kind=PartyIdKind.BUYER_ASSIGNED, value="ACME", qualifier="92"),))


def sku(value: str) -> tuple[ItemId, ...]:
    return (ItemId(kind=ItemIdKind.SELLER, value=value, qualifier="VP"),)


def each(value: int) -> Quantity:
    return Quantity(value=Decimal(value), unit="EA")


RESPONSE = OrderResponse(
    po_number="ACME-PO-1001", po_date=dt.date(2026, 11, 18), response_number="SO-10001",
    response_date=dt.date(2026, 11, 23), status=HeaderStatus.ACCEPTED_WITH_CHANGES, seller=SELLER, buyer=BUYER,
    currency="USD", notes=("Thank you for your order",),
    lines=(
        LineResponse(line_number="1", status=LineStatus.ACCEPTED, quantity=each(10), items=sku("DEMO-1001"),
                     unit_price=Money(amount=Decimal("12.5"), currency="USD"), ordered_quantity=each(10),
                     promised_date=dt.date(2026, 11, 25)),
        LineResponse(line_number="2", status=LineStatus.ACCEPTED, quantity=each(20), items=sku("DEMO-1002"),
                     unit_price=Money(amount=Decimal("4.75"), currency="USD"), ordered_quantity=each(24)),
        LineResponse(line_number="2", status=LineStatus.BACKORDERED, quantity=each(4), items=sku("DEMO-1002"),
                     unit_price=Money(amount=Decimal("4.75"), currency="USD"), ordered_quantity=each(24),
                     promised_date=dt.date(2026, 12, 10), reason="only 20 in stock"),
        LineResponse(line_number="3", status=LineStatus.REJECTED, quantity=each(0), items=sku("NOSUCH-9999"),
                     ordered_quantity=each(3), reason="unknown item NOSUCH-9999"),
        LineResponse(line_number="4", status=LineStatus.QUANTITY_CHANGED, quantity=each(5), items=sku("DEMO-1004"),
                     ordered_quantity=each(6)),
        LineResponse(line_number="5", status=LineStatus.PRICE_CHANGED, quantity=each(1), items=sku("DEMO-1005"),
                     unit_price=Money(amount=Decimal("19.99"), currency="USD"), ordered_quantity=each(1)),
        LineResponse(line_number="6", status=LineStatus.DATE_CHANGED, quantity=each(2), items=sku("DEMO-1006"),
                     ordered_quantity=each(2), promised_date=dt.date(2027, 1, 4)),
    ),
)


def interchange(body: list[list[str]], version: str) -> bytes:
    isa_version = "00501" if version.startswith("005") else "00401"
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="B2BGWSELLER", receiver_qualifier="ZZ",
                           receiver_id="ACMEBUYER", control_number=700001, version=isa_version,
                           timestamp=dt.datetime(2026, 11, 23, 9, 30),
                           delimiters=Delimiters(repetition="^" if isa_version == "00501" else None,
                                                 segment_suffix="\n"))
    group = GroupSpec(functional_id="PR", application_sender="B2BGWSELLER", application_receiver="ACMEBUYER",
                      control_number=700001, version=version)
    return render_interchange(spec, [(group, [TransactionSetSpec("855", "0001", body)])])


def test_rendered_855_says_what_the_spec_says_where() -> None:
    body = poack855.render(RESPONSE)
    assert body[0] == ["BAK", "00", "AC", "ACME-PO-1001", "20261118", "", "", "", "SO-10001", "20261123"]
    assert ["CUR", "SE", "USD"] in body
    po1s = [s for s in body if s[0] == "PO1"]
    assert po1s[0] == ["PO1", "1", "10", "EA", "12.5", "", "VP", "DEMO-1001"]
    assert po1s[1][:4] == ["PO1", "2", "24", "EA"]  # one PO1 for the split line, ordered quantity
    acks = [s for s in body if s[0] == "ACK"]
    assert [a[1] for a in acks] == ["IA", "IA", "IB", "IR", "IQ", "IP", "DR"]
    assert acks[0] == ["ACK", "IA", "10", "EA", "068", "20261125"]
    assert acks[2] == ["ACK", "IB", "4", "EA", "068", "20261210"]
    at = body.index(acks[2])
    assert body[at + 1:at + 3] == [["N9", "L1", "ACK2"], ["MSG", "only 20 in stock"]]
    assert body[-1] == ["CTT", "6"]  # number of PO1 segments


@pytest.mark.parametrize(("status", "code"), [
    (HeaderStatus.ACCEPTED, "AT"), (HeaderStatus.ACCEPTED_WITH_CHANGES, "AC"),
    (HeaderStatus.REJECTED, "RJ"), (HeaderStatus.REJECTED_WITH_DETAIL, "RD"),
])
def test_header_status_codes(status: HeaderStatus, code: str) -> None:
    assert poack855.render(RESPONSE.model_copy(update={"status": status}))[0][2] == code


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_rendered_855_is_valid_x12_for_pyx12_and_our_maps(version: str) -> None:
    raw = interchange(poack855.render(RESPONSE, version=version), version)
    assert pyx12_problems(raw) == []
    [ts] = transaction_sets(raw)
    assert ts.problems == ()
    assert validate(ts) == ()


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_round_trip_render_read_parse(version: str) -> None:
    [ts] = transaction_sets(interchange(poack855.render(RESPONSE, version=version), version))
    assert poack855.parse(ts) == RESPONSE


def test_buyer_known_only_by_a_contact_goes_in_a_heading_per() -> None:
    contact_only = Party(role=PartyRole.BUYER, contacts=(Contact(role="BD", name="JANE BUYER", phone="6145550100"),))
    response = RESPONSE.model_copy(update={"buyer": contact_only})
    body = poack855.render(response)
    assert body[1:3] == [["CUR", "SE", "USD"], ["PER", "BD", "JANE BUYER", "TE", "6145550100"]]
    raw = interchange(body, "004010")
    assert pyx12_problems(raw) == []
    [ts] = transaction_sets(raw)
    assert validate(ts) == ()
    assert poack855.parse(ts) == response


def test_partner_codes_survive_a_round_trip_through_us() -> None:
    [response] = responses_of("node-x12", "855.edi")
    body = poack855.render(response)
    assert body[0][2] == "AD"  # the partner's own 587 code, which still means "accepted"
    changed = response.model_copy(update={"status": HeaderStatus.REJECTED})
    assert poack855.render(changed)[0][2] == "RJ"  # ... but not once it no longer does


def test_units_go_through_the_partners_map() -> None:
    partner = UnitMap.default_x12().with_overrides({"CS": "XCS"})
    line = RESPONSE.lines[0].model_copy(update={"quantity": Quantity(value=Decimal(2), unit="XCS"),
                                                "ordered_quantity": Quantity(value=Decimal(2), unit="XCS")})
    body = poack855.render(RESPONSE.model_copy(update={"lines": (line,)}), units=partner)
    assert next(s for s in body if s[0] == "ACK")[3] == "CS"
    with pytest.raises(MappingError, match="NAR"):
        poack855.render(RESPONSE.model_copy(update={"lines": (line.model_copy(
            update={"quantity": Quantity(value=Decimal(1), unit="NAR")}),)}))


def test_render_refuses_what_x12_cannot_say() -> None:
    with pytest.raises(MappingError, match="BAK04"):
        poack855.render(RESPONSE.model_copy(update={"po_date": None}))
    with pytest.raises(MappingError, match="version"):
        poack855.render(RESPONSE, version="003040")


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


def broken(old: str, new: str) -> TransactionSet:
    raw = interchange(poack855.render(RESPONSE), "004010")
    assert old.encode() in raw
    [ts] = transaction_sets(raw.replace(old.encode(), new.encode(), 1))
    return ts


@pytest.mark.parametrize(("old", "new", "where", "words"), [
    ("BAK*00*AC*ACME-PO-1001*20261118****SO-10001*20261123~", "", ("BAK", 2, None), "no BAK"),
    ("*ACME-PO-1001*20261118*", "*ACME-PO-1001*20261318*", ("BAK", 2, 4), "not a date"),
    ("BAK*00*AC*", "BAK*00*ZZ*", ("BAK", 2, 2), "'ZZ'"),
    ("ACK*IQ*", "ACK*XX*", ("ACK", 20, 1), "'XX'"),
    ("ACK*IQ*5*EA~", "ACK*IQ*5*KILO~", ("ACK", 20, 3), "'KILO'"),  # an unknown 2-letter code is carried
])
def test_bad_855_says_what_and_where(old: str, new: str, where: tuple[str, int, int | None], words: str) -> None:
    ts = broken(old, new)
    with pytest.raises(MappingError) as caught:
        poack855.parse(ts)
    location = caught.value.location
    assert (location.segment_tag, location.segment_position, location.element_position) == where
    assert location.transaction == "0001" and location.interchange == "000700001"
    assert words in str(caught.value)
