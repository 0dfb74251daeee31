from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from formats.cxml import envelope
from formats.cxml.envelope import Credential, Routing
from tests.conftest import corpus_path

from .conftest import NOW, DtdValidator


def test_payload_id_is_pure_and_follows_the_recommended_shape() -> None:
    moment = dt.datetime(2024, 1, 2, 4, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    expected = "20240102030405.42.8f3a@gw.example.com"
    assert envelope.payload_id(moment, "8f3a", "gw.example.com", process="42") == expected
    assert envelope.payload_id(moment, "8f3a", "gw.example.com", process="42") == \
        envelope.payload_id(moment, "8f3a", "gw.example.com", process="42")


def test_header_of_a_corpus_order_request() -> None:
    head = envelope.parse(corpus_path("cxml", "samples", "friendsofcxml", "OrderRequest.xml").read_bytes())
    assert head.payload_id == "1625586002.193314.7293@dev"
    assert head.timestamp == "2000-10-12T18:39:09-08:00"
    assert (head.kind, head.document_type, head.deployment_mode) == ("Request", "OrderRequest", "test")
    assert head.from_ == (Credential("NetworkId", "inbound@prominate-platform.com"),)
    assert head.to == (Credential("NetworkId", "supplier@supplier.com"),)
    assert head.shared_secret == "coyote"
    assert head.user_agent == "Platform Order Fulfillment Hub"
    assert "coyote" not in repr(head)


def test_odd_timestamp_is_kept_as_written() -> None:
    head = envelope.parse(corpus_path("cxml", "samples", "officeluv", "punch_out_setup_request_doc_coupa.xml")
                          .read_bytes())
    assert head.timestamp == "Mon May 19 18:29:48 +0000 2008"
    assert head.sender == (Credential("DUNS", "coupa-t", "test"),)


@pytest.mark.parametrize(("name", "code", "text"), [
    ("response_status_200.xml", 200, "OK"),
    ("response_status_400.xml", 400, "java.lang.Exception: missing required parameter 'document'"),
])
def test_responses_of_the_corpus(name: str, code: int, text: str) -> None:
    head = envelope.parse(corpus_path("cxml", "samples", "officeluv", name).read_bytes())
    assert head.kind == "Response"
    assert head.status is not None and (head.status.code, head.status.text) == (code, text)


@pytest.mark.parametrize("code", [200, 201, 400, 401, 406, 409, 500])
def test_response_renders_valid_with_status(code: int, dtd_validate: DtdValidator) -> None:
    raw = envelope.response(code, payload_id="p1@gw", timestamp=NOW, detail="see log" if code >= 400 else "")
    dtd_validate(raw)
    head = envelope.parse(raw)
    assert head.status is not None
    assert head.status.code == code
    assert head.status.text == envelope.STATUS_TEXTS[code]
    assert head.payload_id == "p1@gw"
    assert b'SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd"' in raw


def test_shared_secret_only_written_when_passed_explicitly() -> None:
    routing = Routing(from_=[Credential("DUNS", "1")], to=[Credential("DUNS", "2", "their-secret")],
                      sender=Credential("DUNS", "1", "parsed-secret"))
    root, _ = envelope.request_document("p@x", NOW, routing)
    written = etree.tostring(root)
    assert b"SharedSecret" not in written and b"secret" not in written
    root, _ = envelope.request_document("p@x", NOW, Routing(routing.from_, routing.to, routing.sender,
                                                             shared_secret="ours"))
    assert etree.tostring(root).count(b"<SharedSecret>ours</SharedSecret>") == 1
