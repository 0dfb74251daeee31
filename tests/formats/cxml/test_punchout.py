from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from formats.cxml import envelope, punchout
from formats.cxml.punchout import CartHeader
from formats.model import ItemId, ItemIdKind, Money, OrderLine, Quantity, extension
from tests.conftest import FIXTURES, corpus_files, corpus_path

from .conftest import NOW, ROUTING, DtdValidator

SETUP_SAMPLES = [p for p in corpus_files("cxml/samples") if b"<PunchOutSetupRequest" in p.read_bytes()]
MESSAGE_SAMPLES = [p for p in corpus_files("cxml/samples") if b"<PunchOutOrderMessage>" in p.read_bytes()]
FIXTURE_SETUP = FIXTURES / "cxml" / "punchout-setup-request-demo.xml"


def test_corpus_has_punchout_documents() -> None:
    assert len(SETUP_SAMPLES) == 4 and len(MESSAGE_SAMPLES) == 3


def test_setup_request_level2_with_items() -> None:
    request = punchout.parse_setup_request(
        corpus_path("cxml", "samples", "friendsofcxml", "PunchOutSetupRequest.xml").read_bytes())
    assert request.operation == "create"
    assert request.buyer_cookie == "550bce3e592023b2e7b015307f965133"
    assert request.browser_form_post == "https://prominate-platform.com/hook-url"
    assert request.extrinsics == {"UserEmail": "john-doe@domain.com"}
    assert request.user_email == "john-doe@domain.com"
    assert request.selected_item == (ItemId(kind=ItemIdKind.SELLER, value="4545321"),
                                     ItemId(kind=ItemIdKind.BUYER, value="II99825"))
    assert [(ln.line_number, ln.item_id(ItemIdKind.SELLER), ln.quantity.value) for ln in request.items] == [
        ("10", "5555", Decimal(2)), ("20", "6666", Decimal(1))]
    assert request.items[0].description == "Excelsior Desk Chair"
    assert request.items[1].unit_price == Money(amount=Decimal("764.20"), currency="EUR")
    assert request.ship_to is not None and request.ship_to.name == "Acme"


def test_coupa_setup_request_out_of_dtd_order() -> None:
    request = punchout.parse_setup_request(
        corpus_path("cxml", "samples", "officeluv", "punch_out_setup_request_doc_coupa.xml").read_bytes())
    assert request.buyer_cookie == "c64af92dc27e68172e030d3dfd1bc944"
    assert request.browser_form_post == "https://qa.coupahost.com/punchout/checkout/4"
    assert request.extrinsics["BusinessUnit"] == "COUPA" and len(request.extrinsics) == 6
    assert request.contacts[0].email == "noah+jim@coupa.com"
    assert request.user_email == "noah+jim@coupa.com"


def test_setup_request_with_blank_urls_and_ship_to() -> None:
    request = punchout.parse_setup_request(
        corpus_path("cxml", "samples", "officeluv", "punch_out_setup_request_doc_with_ship_to.xml").read_bytes())
    assert request.buyer_cookie == "demoSCAWIGP"
    assert request.browser_form_post == "http://return_to_supplier_url.com"
    assert request.supplier_setup == "http://localhost:3000"
    assert request.ship_to is not None and request.ship_to.address is not None
    assert request.ship_to.address.city == "san leandro"
    assert request.ship_to.contacts[-1].phone == "+1 (855) 8671234"


def test_fixture_cookie_kept_verbatim() -> None:
    request = punchout.parse_setup_request(FIXTURE_SETUP.read_bytes())
    assert request.buyer_cookie == " acme&amp;demo-7f3c "
    assert request.extrinsics["CostCenter"] == "CC-4100"
    assert request.selected_item[0].value == "DEMO-1024"


def test_cookie_with_xml_inside_is_kept_and_written_back() -> None:
    raw = FIXTURE_SETUP.read_bytes().replace(
        b"<BuyerCookie> acme&amp;demo-7f3c </BuyerCookie>",
        b'<BuyerCookie>\n  <Extrinsic name="s">a&lt;b</Extrinsic> tail </BuyerCookie>')
    cookie = punchout.parse_setup_request(raw).buyer_cookie
    assert cookie == '\n  <Extrinsic name="s">a&lt;b</Extrinsic> tail '
    rendered = punchout.render_order_message(CartHeader(cookie, "USD"), [_line()], payload_id="p@gw",
                                             timestamp=NOW, routing=ROUTING)
    assert punchout.parse_order_message(rendered).header.buyer_cookie == cookie


def test_order_messages_of_the_corpus() -> None:
    message = punchout.parse_order_message(
        corpus_path("cxml", "samples", "friendsofcxml", "PunchoutOrderMessage.xml").read_bytes())
    assert message.header.buyer_cookie == "1CX3L4843PPZO"
    assert message.header.operation_allowed == "create"
    assert message.header.total == Money(amount=Decimal("763.20"), currency="USD")
    assert [(ln.item_id(ItemIdKind.SELLER), ln.item_id(ItemIdKind.BUYER), ln.quantity.value)
            for ln in message.lines] == [("5555", "KD5555", Decimal(3)), ("666", "KD666", Decimal(5))]
    advanced = punchout.parse_order_message(
        corpus_path("cxml", "samples", "friendsofcxml", "PunchoutOrderMessageAdvancedPricing.xml").read_bytes())
    basis = advanced.lines[0].price_basis
    assert (basis.quantity, basis.unit) == (Decimal(2), "XBX")
    lowercase = punchout.parse_order_message(
        corpus_path("cxml", "samples", "officeluv", "punch_out_order_message_doc.xml").read_bytes())
    assert lowercase.header.buyer_cookie.strip() == "example_buyer_cookie"
    assert lowercase.header.total == Money(amount=Decimal("5.35"), currency="GBP")
    assert lowercase.lines == ()


@pytest.mark.parametrize("path", MESSAGE_SAMPLES, ids=lambda p: p.name)
def test_order_message_round_trip(path: Path, dtd_validate: DtdValidator) -> None:
    message = punchout.parse_order_message(path.read_bytes())
    rendered = punchout.render_order_message(message.header, message.lines, payload_id="p@gw", timestamp=NOW,
                                             routing=ROUTING)
    dtd_validate(rendered)
    assert punchout.parse_order_message(rendered) == message


def _line() -> OrderLine:
    return OrderLine(line_number="1", items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1024"),
                                             ItemId(kind=ItemIdKind.SELLER_AUX, value="quote:Q-9"),
                                             ItemId(kind=ItemIdKind.MANUFACTURER, value="TN-760")),
                     description="Laser toner cartridge, black, 3000 pages",
                     quantity=Quantity(value=Decimal(3), unit="EA"),
                     unit_price=Money(amount=Decimal("89.99"), currency="USD"), classification="44103103",
                     extensions=(extension("cxml:ItemDetail", "ManufacturerName", "Demo Imaging"),
                                 extension("cxml:ItemDetail", "LeadTime", "2")))


def test_cart_from_canonical_lines(dtd_validate: DtdValidator) -> None:
    box = OrderLine(line_number="2", items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1026"),),
                    description="Nitrile disposable gloves, large, 100 per box",
                    quantity=Quantity(value=Decimal(2), unit="XBX"),
                    unit_price=Money(amount=Decimal("14.25"), currency="USD"), classification="46181504")
    rendered = punchout.render_order_message(CartHeader("cookie-1", "USD", "edit"), [_line(), box],
                                             payload_id="p@gw", timestamp=NOW, routing=ROUTING)
    dtd_validate(rendered)
    assert b"<LeadTime>2</LeadTime>" in rendered and b"<UnitOfMeasure>XBX</UnitOfMeasure>" in rendered
    message = punchout.parse_order_message(rendered)
    assert message.header.total == Money(amount=Decimal("298.47"), currency="USD")  # 269.97 + 28.50
    assert message.lines == (_line(), box)


@pytest.mark.parametrize(("start_page", "payload_id"), [
    ("https://gw.example.com/punchout/start/t0k", "p@gw"),
    ("https://gw.example.com/a&b<c>\"d'\u00e9\t\n\rx", 'p"<&>\n\t\r@gw'),
])
def test_setup_response_from_its_template_is_what_the_tree_writer_writes(start_page: str, payload_id: str,
                                                                        dtd_validate: DtdValidator) -> None:
    raw = punchout.render_setup_response(start_page, payload_id=payload_id, timestamp=NOW)
    assert raw == punchout._setup_response_tree(start_page, payload_id=payload_id, timestamp=NOW)
    dtd_validate(raw)
    assert envelope.parse(raw).payload_id == payload_id


def test_setup_response_refuses_what_xml_cannot_hold() -> None:
    with pytest.raises(ValueError, match="XML compatible"):
        punchout.render_setup_response("https://gw.example.com/\x01", payload_id="p@gw", timestamp=NOW)


def test_setup_response(dtd_validate: DtdValidator) -> None:
    raw = punchout.render_setup_response("https://gw.example.com/punchout/start/t0k", payload_id="p@gw", timestamp=NOW)
    dtd_validate(raw)
    assert b"<URL>https://gw.example.com/punchout/start/t0k</URL>" in raw
    assert b'code="200"' in raw
