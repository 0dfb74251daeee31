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


QUADRATIC = (b'<?xml version="1.0"?>\n<!DOCTYPE kaboom [<!ENTITY a "' + b"a" * 50_000 + b'">]>\n<kaboom>'
             + b"&a;" * 50_000 + b"</kaboom>")
XXE_NETWORK = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/secret">]>
<foo>&xxe;</foo>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<foo/>"""


@pytest.mark.parametrize("raw", [QUADRATIC, XXE_NETWORK, PARAMETER_ENTITY],
                         ids=["quadratic-blowup", "xxe-network", "parameter-entity"])
def test_every_kind_of_entity_attack_is_refused(raw: bytes) -> None:
    with pytest.raises(XmlSyntaxError, match="declares entities"):
        parse_xml(raw)


def test_entities_hidden_behind_a_long_prologue_are_refused_too() -> None:
    padding = b"<!--" + b"x" * 70_000 + b"-->"  # pushes the DOCTYPE past the quick check's window
    for attack in (BILLION_LAUGHS, XXE):
        head, _, rest = attack.partition(b"\n")
        with pytest.raises(XmlSyntaxError, match="declares entities"):
            parse_xml(head + b"\n" + padding + rest)


def test_an_external_dtd_is_never_fetched() -> None:
    """A DOCTYPE naming a DTD on a server we run: the document parses and the server sees no request."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    requests: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY leak SYSTEM "file:///etc/passwd">')

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/cXML.dtd"
        root = parse_xml(f'<?xml version="1.0"?>\n<!DOCTYPE cXML SYSTEM "{url}">\n<cXML><a>&amp;</a></cXML>'.encode())
        assert local_name(root) == "cXML" and text_of(root) == "&"
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []


def test_deep_nesting_is_refused_with_the_parser_limit() -> None:
    with pytest.raises(XmlSyntaxError, match="depth"):
        parse_xml(b"<a>" * 5000 + b"</a>" * 5000)
