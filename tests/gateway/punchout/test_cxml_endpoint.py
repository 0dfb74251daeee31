"""POST /cxml: authentication, dispatch, status codes, every request stored (with its error when bad)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlmodel import select

from formats.cxml import envelope
from formats.cxml.redaction import redact_secrets
from gateway.app import create_app
from gateway.pipeline.states import State
from gateway.punchout.tables import PunchoutSession
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document
from tests.conftest import corpus_path
from tests.formats.cxml.conftest import DtdValidator
from tests.gateway.conftest import make_settings
from tests.gateway.punchout.cxml_requests import bare_request, demo_routing, setup_request


def post(client: TestClient, raw: bytes) -> tuple[int, envelope.Envelope, etree._Element, int]:
    """POST to /cxml: (HTTP status, the Response envelope, its root, the stored document id)."""
    answer = client.post("/cxml", content=raw, headers={"Content-Type": "text/xml"})
    assert answer.headers["content-type"].startswith("text/xml")
    return (answer.status_code, envelope.parse(answer.content), etree.fromstring(answer.content),
            int(answer.headers["x-document-id"]))


def stored(services: Services, doc_id: int) -> Document:
    with session(services.engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        return doc


def sample(name: str) -> bytes:
    return corpus_path("cxml", "samples", *name.split("/")).read_bytes()


def test_profile_request_from_the_corpus(client: TestClient, services: Services, corpus_buyers: list[str],
                                         dtd_validate: DtdValidator) -> None:
    status, head, root, doc_id = post(client, sample("friendsofcxml/simple-profile-request.xml"))
    assert status == 200 and head.status is not None and head.status.code == 200
    names = [t.get("requestName") for t in root.iter("Transaction")]
    assert names == ["ProfileRequest", "PunchOutSetupRequest", "OrderRequest"]
    assert {u.text for u in root.iter("URL")} == {"http://testserver/cxml"}
    dtd_validate(etree.tostring(root, doctype=envelope_doctype()))
    doc = stored(services, doc_id)
    assert (doc.partner_id, doc.doc_type, doc.state) == ("acme-ariba", "ProfileRequest", State.ACCEPTED.value)


def envelope_doctype() -> str:
    return '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd">'


@pytest.mark.parametrize(("name", "partner", "cookie", "email", "form_post"), [
    ("officeluv/punch_out_setup_request_doc_coupa.xml", "coupa", "c64af92dc27e68172e030d3dfd1bc944",
     "noah+jim@coupa.com", "https://qa.coupahost.com/punchout/checkout/4"),
    ("friendsofcxml/PunchOutSetupRequest.xml", "prominate", "550bce3e592023b2e7b015307f965133",
     "john-doe@domain.com", "https://prominate-platform.com/hook-url"),
    ("officeluv/punch_out_setup_request_doc_with_ship_to.xml", "iesa", "demoSCAWIGP", None,
     "http://return_to_supplier_url.com"),
])
def test_setup_requests_from_the_corpus_open_a_session(name: str, partner: str, cookie: str, email: str | None,
                                                       form_post: str, client: TestClient, services: Services,
                                                       corpus_buyers: list[str], dtd_validate: DtdValidator) -> None:
    raw = sample(name)
    status, head, root, doc_id = post(client, raw)
    assert status == 200, head.status
    start_page = root.findtext("Response/PunchOutSetupResponse/StartPage/URL")
    assert start_page is not None and start_page.startswith("http://testserver/punchout/start/")
    token = start_page.rsplit("/", 1)[1]
    assert len(token) >= 40
    assert b"SharedSecret" not in etree.tostring(root)
    dtd_validate(etree.tostring(root, doctype=envelope_doctype()))
    with session(services.engine) as s:
        row = s.exec(select(PunchoutSession)).one()
    assert (row.partner_id, row.operation, row.buyer_cookie, row.browser_form_post) == (
        partner, "create", cookie, form_post)
    assert row.extrinsics.get("UserEmail") == email
    assert token not in (row.token_hash, row.browser_key_hash)
    assert stored(services, doc_id).state == State.ACCEPTED.value


def test_coupa_setup_keeps_every_extrinsic_and_the_contact(client: TestClient, services: Services,
                                                           corpus_buyers: list[str]) -> None:
    post(client, sample("officeluv/punch_out_setup_request_doc_coupa.xml"))
    with session(services.engine) as s:
        row = s.exec(select(PunchoutSession)).one()
    assert row.extrinsics == {"FirstName": "Jim", "LastName": "Halpert", "UniqueName": "jim",
                              "UserEmail": "noah+jim@coupa.com", "User": "jim", "BusinessUnit": "COUPA"}
    assert row.contacts[0]["email"] == "noah+jim@coupa.com" and row.contacts[0]["name"] == "jim"


def test_setup_keeps_ship_to_and_the_level_two_item(client: TestClient, services: Services,
                                                    corpus_buyers: list[str]) -> None:
    post(client, sample("friendsofcxml/PunchOutSetupRequest.xml"))
    with session(services.engine) as s:
        row = s.exec(select(PunchoutSession)).one()
    assert row.selected_sku == "4545321"
    assert row.ship_to is not None and row.ship_to["address"]["city"] == "Sunnyvale"
    assert row.ship_to["address"]["postal_code"] == "90489"


def test_buyer_cookie_with_xml_inside_is_kept_exactly(client: TestClient, services: Services) -> None:
    raw = setup_request(cookie="PLACEHOLDER").replace(
        b"<BuyerCookie>PLACEHOLDER</BuyerCookie>",
        b"<BuyerCookie>  <session id=\"42\">a&amp;b</session> tail </BuyerCookie>")
    status, _head, _root, _doc = post(client, raw)
    assert status == 200
    with session(services.engine) as s:
        row = s.exec(select(PunchoutSession)).one()
    assert row.buyer_cookie == '  <session id="42">a&amp;b</session> tail '


NOT_VALID = "the credentials are not valid"  # one text for every 401: no oracle
SECRETS = {"unknown sender": ("unknown buyer", "unknown buyer"), "wrong secret": ("wrong", "SharedSecret is wrong"),
           "no secret": ("not checked", "no SharedSecret")}
"""What is stored of the secret of each 401 (the marker's verdict) and what the stored error tells the operator."""

REFUSALS = [
    # (what, request, cXML status, a phrase the status text must contain)
    ("malformed XML", b"<cXML><Header>", 400, "not well-formed"),
    ("not cXML", b"<Order/>", 400, "not a cXML document"),
    ("entity bomb", b'<!DOCTYPE cXML [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><cXML>&b;</cXML>', 400,
     "declares entities"),
    ("external entity", b'<!DOCTYPE cXML [<!ENTITY x SYSTEM "file:///etc/passwd">]><cXML>&x;</cXML>', 400,
     "declares entities"),
    ("unknown sender", setup_request(routing=demo_routing(from_=("NetworkID", "AN-NOBODY"))), 401, NOT_VALID),
    ("wrong secret", setup_request(routing=demo_routing(secret="guess")), 401, NOT_VALID),
    ("no secret", setup_request(routing=demo_routing(secret=None)), 401, NOT_VALID),
    ("unknown request type", bare_request("SupplierDataRequest"), 406, "SupplierDataRequest is not taken"),
    ("unsupported operation", setup_request(operation="source"), 406, "'source' is not supported"),
    ("no BrowserFormPost", setup_request(form_post=None), 400, "no BrowserFormPost"),
]


@pytest.mark.parametrize(("what", "raw", "code", "phrase"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_bad_requests_are_answered_and_stored(what: str, raw: bytes, code: int, phrase: str, client: TestClient,
                                              services: Services, dtd_validate: DtdValidator) -> None:
    status, head, root, doc_id = post(client, raw)
    assert status == code and head.status is not None and head.status.code == code
    assert phrase in head.status.text
    dtd_validate(etree.tostring(root, doctype=envelope_doctype()))
    doc = stored(services, doc_id)
    verdict, detail = SECRETS.get(what, ("matched", phrase))
    assert doc.raw == redact_secrets(raw, verdict=verdict) and doc.state == State.REJECTED.value
    assert b"sandbox-secret" not in doc.raw and b"guess" not in doc.raw
    assert doc.error is not None and phrase in doc.error and detail in doc.error  # the operator is told why


def test_corpus_samples_with_wrong_or_missing_secrets_are_refused(client: TestClient, services: Services,
                                                                   corpus_buyers: list[str]) -> None:
    # The friendsofcxml OrderRequest comes from the same buyer as its setup request, with another secret.
    status, head, _root, _doc = post(client, sample("friendsofcxml/OrderRequest.xml"))
    assert (status, head.status and head.status.code) == (401, 401)
    assert head.status is not None and head.status.text == NOT_VALID
    status, head, _root, _doc = post(client, sample("officeluv/purchase_order_request_200.xml"))
    assert status == 401 and head.status is not None and head.status.text == NOT_VALID
    status, head, _root, _doc = post(client, sample("friendsofcxml/StatusUpdateRequest.xml"))
    assert status == 406 and head.status is not None and "StatusUpdateRequest" in head.status.text


def test_a_body_over_the_limit_is_refused_and_kept(services: Services) -> None:
    small = Services(make_settings(services.settings.database_url, cxml_max_bytes=2000), services.engine, services.erp)
    with TestClient(create_app(small)) as client:
        raw = setup_request() + b"<!--" + b"x" * 3000 + b"-->"
        status, head, _root, doc_id = post(client, raw)
    assert status == 400 and head.status is not None and "larger than 2000 bytes" in head.status.text
    doc = stored(services, doc_id)
    assert doc.state == State.REJECTED.value and doc.raw == redact_secrets(raw[:2001])  # the first bytes, no secret


def test_the_plain_route_answers_first_and_the_documented_route_answers_alike(services: Services) -> None:
    from fastapi import FastAPI

    from gateway.api import cxml

    app = create_app(services)
    assert app.router.routes[0] is cxml.route  # /cxml is matched before any router
    assert "/cxml" in app.openapi()["paths"]  # and still documented
    routers_only = FastAPI()
    routers_only.state.services = services
    routers_only.include_router(cxml.router)
    answers = []
    for served in (app, routers_only):
        with TestClient(served) as client:
            status, head, _root, doc_id = post(client, setup_request())
            wrong = post(client, setup_request(routing=demo_routing(secret="guess")))
            assert client.get("/cxml").status_code == 405
        answers.append((status, head.status and head.status.code, stored(services, doc_id).state, wrong[0]))
    assert answers == [(200, 200, State.ACCEPTED.value, 401)] * 2


def test_response_payload_ids_are_unique_and_timestamps_current(client: TestClient) -> None:
    heads = [post(client, setup_request())[1] for _ in range(3)]
    assert len({h.payload_id for h in heads}) == 3
    assert all("@" in h.payload_id for h in heads)
    stamps = [dt.datetime.fromisoformat(h.timestamp) for h in heads]
    assert all(abs((dt.datetime.now(dt.UTC) - t).total_seconds()) < 60 for t in stamps)


def test_the_shared_secret_is_stored_hashed(services: Services) -> None:
    from gateway.punchout.tables import CxmlBuyer

    with session(services.engine) as s:
        buyer = s.get(CxmlBuyer, "contoso")
    assert buyer is not None and "sandbox-secret" not in buyer.secret_hash
    assert buyer.secret_hash.startswith("pbkdf2_sha256$")


def test_a_request_stored_but_never_answered_is_rejected_by_housekeeping(services: Services) -> None:
    from gateway.pipeline.worker import Worker
    from gateway.punchout.requests import UNANSWERED
    from gateway.store.documents import create_document

    raw = setup_request()
    with session(services.engine) as s:  # stored alone, as an older version did, and the process "stopped"
        doc = create_document(s, raw=raw, direction="in", doc_type="cXML", state=State.RECEIVED, actor="test",
                              reason=f"received {len(raw)} bytes", standard="cxml")
        s.commit()
        doc_id = doc.id or 0
    settings = services.settings.model_copy(update={"lease_seconds": 0})
    Worker(services.engine, services.erp, settings, worker_id="test").housekeeping()
    doc = stored(services, doc_id)
    assert doc.state == State.REJECTED.value and doc.error == UNANSWERED
