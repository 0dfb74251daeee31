"""Hostile XML is refused before it can do harm; real documents parse."""

from __future__ import annotations

import pytest

from formats.errors import XmlSyntaxError
from formats.xml import local_name, parse_xml, text_of
from tests.conftest import corpus_files

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<foo>&xxe;</foo>"""


@pytest.mark.parametrize("raw", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entity_declarations_are_refused(raw: bytes) -> None:
    with pytest.raises(XmlSyntaxError, match="declares entities") as caught:
        parse_xml(raw)
    assert caught.value.location.line == 2


def test_not_well_formed_names_the_line() -> None:
    with pytest.raises(XmlSyntaxError, match="not well-formed") as caught:
        parse_xml(b"<a>\n<b>\n</a>")
    assert caught.value.location.line == 3


def test_size_limit_and_empty_input() -> None:
    with pytest.raises(XmlSyntaxError, match="more than"):
        parse_xml(b"<a/>" + b" " * 100, max_bytes=50)
    with pytest.raises(XmlSyntaxError, match="empty"):
        parse_xml(b"  ")


def test_external_dtd_is_not_loaded_and_documents_parse() -> None:
    root = parse_xml(b'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">'
                     b'<cXML payloadID="1"><Header> x </Header></cXML>')
    assert local_name(root) == "cXML" and text_of(root.find("Header")) == "x"


@pytest.mark.parametrize("path", corpus_files("cxml/samples", "*.xml")[:40], ids=lambda p: p.name)
def test_corpus_cxml_parses(path) -> None:  # type: ignore[no-untyped-def]
    assert local_name(parse_xml(path.read_bytes())).lower() == "cxml"  # one real sample spells it "cxml"
