"""Junk and broken cXML: every failure is a FormatError subclass that says where."""

from __future__ import annotations

import pytest

import formats.cxml
from formats import cxml
from formats.cxml import order_request, punchout
from formats.errors import DetectionError, FormatError, MappingError, XmlSyntaxError
from tests.conftest import FIXTURES

ORDER = (FIXTURES / "cxml" / "order-request-demo.xml").read_bytes()


def _broken(old: bytes, new: bytes) -> bytes:
    assert old in ORDER
    return ORDER.replace(old, new, 1)


@pytest.mark.parametrize(("raw", "error", "message", "path"), [
    (b"ISA*00*junk~", XmlSyntaxError, "not well-formed", None),
    (b"", XmlSyntaxError, "empty", None),
    (b"<Order><ID>1</ID></Order>", DetectionError, "not a cXML document", "/Order"),
    (_broken(b' orderID="PO-DEMO-0001"', b""), MappingError, "no orderID", "OrderRequestHeader/@orderID"),
    (_broken(b'quantity="20"', b'quantity="twenty"'), MappingError, "'twenty' is not a number", "ItemOut[1]/@quantity"),
    (_broken(b'quantity="20"', b'quantity="-2"'), MappingError, "negative", "ItemOut[1]/@quantity"),
    (_broken(b'<Money currency="USD">1.29', b'<Money currency="XXY">1.29'), MappingError, "unknown currency 'XXY'",
     "UnitPrice/Money/@currency"),
    (_broken(b"<UnitOfMeasure>BX</UnitOfMeasure>", b"<UnitOfMeasure>BOGUS</UnitOfMeasure>"), MappingError,
     "'BOGUS'", "ItemOut[2]/ItemDetail/UnitOfMeasure"),
    (_broken(b'type="new"', b'type="frobnicate"'), MappingError, "not new, update or delete", "@type"),
    (_broken(b'orderDate="2024-03-15T10:14:00-05:00"', b'orderDate="15/03/2024"'), MappingError, "ISO 8601",
     "@orderDate"),
    (_broken(b'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd">',
             b'<!DOCTYPE cXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'), XmlSyntaxError, "declares entities",
     None),
])
def test_bad_order_requests(raw: bytes, error: type[FormatError], message: str, path: str | None) -> None:
    with pytest.raises(error, match=message) as caught:
        order_request.parse(raw)
    if path is not None:
        assert caught.value.location.path is not None and caught.value.location.path.endswith(path)
        assert caught.value.location.line is not None


def test_billion_laughs_is_refused_before_parsing() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE cXML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b'<cXML payloadID="x" timestamp="t">&b;</cXML>')
    with pytest.raises(XmlSyntaxError, match="entities"):
        cxml.parse(bomb)


def test_order_without_lines_or_wrong_document() -> None:
    start, end = ORDER.index(b"<ItemOut "), ORDER.rindex(b"</ItemOut>") + len(b"</ItemOut>")
    with pytest.raises(MappingError, match="at least one ItemOut"):
        order_request.parse(ORDER[:start] + ORDER[end:])
    with pytest.raises(MappingError, match="expected a PunchOutSetupRequest, got <OrderRequest>"):
        punchout.parse_setup_request(ORDER)


def test_setup_request_without_cookie_or_with_bad_operation() -> None:
    raw = (FIXTURES / "cxml" / "punchout-setup-request-demo.xml").read_bytes()
    with pytest.raises(MappingError, match="operation 'destroy'"):
        punchout.parse_setup_request(raw.replace(b'operation="create"', b'operation="destroy"'))
    with pytest.raises(MappingError, match="no <BuyerCookie>"):
        punchout.parse_setup_request(raw.replace(b"<BuyerCookie> acme&amp;demo-7f3c </BuyerCookie>", b""))


def test_lenient_case_and_blanks() -> None:
    raw = ORDER.replace(b"<cXML ", b"<cxml ").replace(b"</cXML>", b"</cxml>").replace(
        b'quantity="20"', b'quantity=" 20 "').replace(b"<UnitOfMeasure>EA</UnitOfMeasure>",
                                                      b"<UnitOfMeasure> ea </UnitOfMeasure>")
    raw = raw.replace(b'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd">', b"")
    order = order_request.parse(raw)
    assert order.lines[0].quantity.value == 20 and order.lines[0].quantity.unit == "EA"


def test_public_api_is_exported() -> None:
    for name in formats.cxml.__all__:
        assert hasattr(formats.cxml, name), name
