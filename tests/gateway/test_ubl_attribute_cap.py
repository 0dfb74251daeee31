"""A UBL upload with an element of too many attributes: refused before it is read, stored rejected with why.

The cap (``formats.xml.MAX_ATTRIBUTES``) is checked by the hardened parser every XML standard
goes through; reading a UBL document is linear in its attributes and children either way
(``bench/xml_attributes.py``), the cap bounds what one element can make any library do.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from formats.xml import MAX_ATTRIBUTES
from gateway.pipeline.states import State
from gateway.services import Services
from tests.gateway.flow import FIXTURES, docs
from tests.gateway.partner_auth import client_edi_headers

ORDER = FIXTURES / "ubl" / "order-acme-demo.xml"


def attributes(count: int) -> bytes:
    return " ".join(f'a{i}="v{i}"' for i in range(count)).encode()


def test_an_element_with_60000_attributes_is_refused_and_the_upload_kept(client: TestClient,
                                                                          services: Services) -> None:
    raw = ORDER.read_bytes().replace(b"<cbc:ID>", b"<cbc:ID " + attributes(60_000) + b">", 1)
    answer = client.post("/edi/initech", content=raw, headers=client_edi_headers(client, "initech"))
    assert answer.status_code == 400, answer.text
    assert answer.json()["state"] == State.REJECTED.value
    [doc] = docs(services, id=answer.json()["document_id"])
    assert doc.state == State.REJECTED.value and doc.raw == raw
    assert doc.error is not None
    assert f"<ID> has 60,000 attributes, more than the {MAX_ATTRIBUTES:,} allowed" in doc.error
    assert doc.error.startswith("line 7, /*/cbc:ID: ")  # where: the line and path of the element


def test_an_order_at_the_cap_is_read(client: TestClient, services: Services) -> None:
    raw = ORDER.read_bytes().replace(b"<cbc:ID>", b"<cbc:ID " + attributes(MAX_ATTRIBUTES) + b">", 1)
    answer = client.post("/edi/initech", content=raw, headers=client_edi_headers(client, "initech"))
    assert answer.status_code < 300, answer.text
    [doc] = docs(services, id=answer.json()["document_id"])
    assert doc.state != State.REJECTED.value and doc.po_number
