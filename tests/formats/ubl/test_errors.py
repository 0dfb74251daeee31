"""Bad UBL input is refused with a FormatError naming the XML line and path."""

from __future__ import annotations

import pytest

import formats.ubl as ubl
from formats.errors import DetectionError, FormatError, MappingError, XmlSyntaxError
from formats.ubl import invoice, order

ORDER = b"""<?xml version="1.0" encoding="UTF-8"?>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>%(id)s</cbc:ID>
  <cbc:IssueDate>2024-05-01</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>%(currency)s</cbc:DocumentCurrencyCode>
  <cac:BuyerCustomerParty/>
  <cac:SellerSupplierParty/>
  <cac:OrderLine>
    <cac:LineItem>
      <cbc:ID>1</cbc:ID>
      <cbc:Quantity unitCode="EA">2</cbc:Quantity>
      <cac:Price><cbc:PriceAmount currencyID="%(price_currency)s">%(price)s</cbc:PriceAmount></cac:Price>
      <cac:Item><cbc:Name>Pen</cbc:Name></cac:Item>
    </cac:LineItem>
  </cac:OrderLine>
</Order>
"""


def _order(**values: str) -> bytes:
    fields = {"id": "PO-1", "currency": "EUR", "price_currency": "EUR", "price": "1.29"} | values
    return (ORDER.decode() % fields).encode()


def test_good_order_parses() -> None:
    parsed = order.parse(_order())
    assert parsed.lines[0].unit_price is not None and str(parsed.lines[0].unit_price.amount) == "1.29"


def test_not_xml() -> None:
    with pytest.raises(XmlSyntaxError):
        ubl.parse(b"ISA*00*not xml")


def test_entities_refused() -> None:
    with pytest.raises(XmlSyntaxError, match="entities"):
        ubl.parse(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Order/>')


def test_unknown_root() -> None:
    with pytest.raises(DetectionError) as error:
        ubl.parse(b"<Quotation xmlns='urn:oasis:names:specification:ubl:schema:xsd:Quotation-2'/>")
    assert error.value.location.line == 1


def test_wrong_root_for_module() -> None:
    with pytest.raises(MappingError, match="expected a UBL Invoice or CreditNote") as error:
        invoice.parse(_order())
    assert error.value.location.line is not None and error.value.location.path == "/*"


def test_missing_id() -> None:
    with pytest.raises(MappingError, match="order number") as error:
        order.parse(_order(id=""))
    assert error.value.location.line == 5
    assert error.value.location.path == "/*/cbc:ID"


def test_bad_amount() -> None:
    with pytest.raises(MappingError, match="PriceAmount '1,2x' is not a number") as error:
        order.parse(_order(price="1,2x"))
    assert error.value.location.line == 14
    assert error.value.location.path is not None and error.value.location.path.endswith("cbc:PriceAmount")


@pytest.mark.parametrize(("field", "line"), [("currency", 7), ("price_currency", 14)])
def test_unknown_currency(field: str, line: int) -> None:
    with pytest.raises(MappingError, match="'XYZ' is not an ISO 4217 currency") as error:
        order.parse(_order(**{field: "XYZ"}))
    assert error.value.location.line == line


def test_bad_unit() -> None:
    with pytest.raises(MappingError, match="Rec 20"):
        order.parse(_order().replace(b'unitCode="EA"', b'unitCode="each"'))


def test_missing_quantity() -> None:
    with pytest.raises(MappingError, match="quantity on line 1") as error:
        order.parse(_order().replace(b'<cbc:Quantity unitCode="EA">2</cbc:Quantity>', b""))
    assert error.value.location.line == 11


def test_bad_date() -> None:
    with pytest.raises(MappingError, match="not a date"):
        order.parse(_order().replace(b"2024-05-01", b"01.05.2024"))


@pytest.mark.parametrize("junk", [b"", b"   ", b"<a/>", b"<Order/>", b"\xff\xfe", b"<Invoice xmlns='x'/>"])
def test_junk_is_a_format_error(junk: bytes) -> None:
    with pytest.raises(FormatError):
        ubl.parse(junk)
