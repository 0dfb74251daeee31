"""The hardened parser's cap on attributes per element, and attributes read in one pass."""

from __future__ import annotations

import pytest

from formats.errors import XmlSyntaxError
from formats.xml import MAX_ATTRIBUTES, attribute_items, attribute_named, parse_xml


def crowded(count: int, equals: str = "=") -> str:
    return "<cXML><Header/><Request " + " ".join(f'a{i}{equals}"v{i}"' for i in range(count)) + "/></cXML>"


def test_an_element_over_the_cap_is_refused_naming_it_its_line_path_and_count() -> None:
    with pytest.raises(XmlSyntaxError) as refused:
        parse_xml(crowded(MAX_ATTRIBUTES + 1).encode(), what="cXML request")
    assert str(refused.value) == ("line 1, /cXML/Request: cXML request: <Request> has 257 attributes, "
                                  "more than the 256 allowed")


def test_the_cap_is_a_parameter_and_at_the_cap_the_document_is_read() -> None:
    assert len(parse_xml(crowded(MAX_ATTRIBUTES).encode())[1].attrib) == MAX_ATTRIBUTES
    assert len(parse_xml(crowded(1_000).encode(), max_attributes=1_000)[1].attrib) == 1_000
    with pytest.raises(XmlSyntaxError, match="has 11 attributes, more than the 10 allowed"):
        parse_xml(crowded(11).encode(), max_attributes=10)


@pytest.mark.parametrize("encoding", ["UTF-16", "UTF-32"])
def test_the_cap_holds_in_wide_encodings(encoding: str) -> None:
    raw = (f'<?xml version="1.0" encoding="{encoding}"?>' + crowded(300)).encode(encoding.lower())
    with pytest.raises(XmlSyntaxError, match="<Request> has 300 attributes"):
        parse_xml(raw)


def test_the_cap_holds_in_utf7_which_can_write_equals_signs_in_base64() -> None:
    raw = ('<?xml version="1.0" encoding="UTF-7"?>' + crowded(300, equals="+AD0-")).encode()
    assert raw.count(b"=") < MAX_ATTRIBUTES  # the quick count sees none of them
    with pytest.raises(XmlSyntaxError, match="<Request> has 300 attributes"):
        parse_xml(raw)


@pytest.mark.parametrize("count", [3, 200])  # lxml's own items() below 17, one XPath pass above
def test_attribute_items_gives_every_name_and_value_in_order(count: int) -> None:
    extra = " ".join(f'a{i}="v{i}"' for i in range(count))
    root = parse_xml(f'<r xmlns:x="urn:x" {extra} x:b="B" xml:lang="en"/>'.encode())
    assert attribute_items(root) == [*((f"a{i}", f"v{i}") for i in range(count)), ("{urn:x}b", "B"),
                                     ("{http://www.w3.org/XML/1998/namespace}lang", "en")]


def test_attribute_named_ignores_case_and_namespace() -> None:
    root = parse_xml(b'<cXML PayloadID="p" xml:lang="en" xmlns:x="urn:x" x:Version="1"/>')
    assert attribute_named(root, "payloadID") == "p"
    assert attribute_named(root, "lang") == "en"
    assert attribute_named(root, "version") == "1"
    assert attribute_named(root, "timestamp") is None
