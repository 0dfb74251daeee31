"""``POST /edi/{partner}`` takes files only with the partner's own credential, and only in the partner's own name.

The failure this answers: anyone who could reach the URL placed, re-priced and cancelled ERP
orders with no credential (the ISA sender ids it checked are printed on every document), and
UBL had no sender check at all.
"""

from __future__ import annotations

import base64
import re
import socket
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from sqlmodel import select

from gateway.app import create_app
from gateway.auth import audit_trail
from gateway.auth.partner_credentials import add_certificate, issue_token, revoke_credential
from gateway.auth.tables import AuditEntry
from gateway.demo import seed_demo
from gateway.pipeline.states import State
from gateway.services import Services, build_services
from gateway.store.db import session
from gateway.store.tables import Document, DocumentEvent, Partner, utcnow
from tests.browser import served
from tests.conftest import corpus_path

from .auth.test_partner_credentials import certificate
from .conftest import empty_database, make_settings
from .flow import FIXTURES, X12, docs, drain
from .partner_auth import edi_headers

ORDER_850 = (X12 / "850-4010-basic.x12").read_bytes()
UBL_ORDER = (FIXTURES / "ubl" / "order-acme-demo.xml").read_bytes()
CHALLENGE = 'Basic realm="b2b-gateway", Bearer'


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def failures(client: TestClient, reason: str) -> float:
    """``b2bgw_auth_failures{channel="edi", reason=...}`` as /metrics shows it (0 when absent)."""
    pattern = rf'^b2bgw_auth_failures_total\{{channel="edi",reason="{re.escape(reason)}"\}} ([0-9.e+]+)$'
    found = re.search(pattern, client.get("/metrics").text, re.M)
    return float(found.group(1)) if found else 0.0


def set_settings(services: Services, partner_id: str, **settings: object) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, partner_id)
        assert partner is not None
        partner.settings = {**partner.settings, **settings}
        s.add(partner)
        s.commit()


# -- who may upload ----------------------------------------------------------------------------------------------


def test_an_anonymous_upload_is_refused_401_nothing_stored_counted_and_audited(client: TestClient,
                                                                               services: Services) -> None:
    before = failures(client, "no credential")
    answer = client.post("/edi/acme", content=ORDER_850)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == CHALLENGE
    assert "document_id" not in answer.json()
    assert docs(services) == []
    assert failures(client, "no credential") == before + 1
    with session(services.engine) as s:
        [entry] = audit_trail(s, action="partner.auth_failed")
    assert (entry.actor, entry.target) == ("testclient", "partner:acme")
    assert entry.details == {"channel": "edi", "method": None, "reason": "no credential", "credential": None}


@pytest.mark.parametrize(("partner", "authorization", "reason"), [
    ("acme", basic("acme", "not-acme-demo-password"), "wrong password"),
    ("acme", basic("globex", "globex-demo-password"), "wrong user"),
    ("nobody", basic("nobody", "acme-demo-password"), "unknown partner"),
    ("acme", {"Authorization": "Bearer b2bgwp_0123456789ab_" + "A" * 43}, "unknown token"),
    ("acme", {"Authorization": "Bearer test-operator-token"}, "malformed credential"),  # an operator is no partner
])
def test_a_wrong_credential_is_refused_401_alike_whatever_was_wrong(client: TestClient, services: Services,
                                                                   partner: str, authorization: dict[str, str],
                                                                   reason: str) -> None:
    before = failures(client, reason)
    answer = client.post(f"/edi/{partner}", content=ORDER_850, headers=authorization)
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == CHALLENGE
    assert answer.json() == client.post("/edi/acme", content=ORDER_850).json()  # says nothing about why
    assert docs(services) == []
    assert failures(client, reason) == before + 1
    secret = authorization["Authorization"].split(" ", 1)[1]
    with session(services.engine) as s:
        entries = audit_trail(s, action="partner.auth_failed")
    assert entries[-1].details["reason"] == reason and entries[-1].target == f"partner:{partner}"
    assert all(secret not in repr(e.details) + e.actor + e.target for e in entries)


def test_a_revoked_token_and_another_partners_token_are_refused(client: TestClient, services: Services) -> None:
    with session(services.engine) as s:
        globex = issue_token(s, "globex", actor="test")
        acme = issue_token(s, "acme", actor="test")
        s.commit()
    assert client.post("/edi/acme", content=ORDER_850,
                       headers={"Authorization": f"Bearer {globex.secret}"}).status_code == 401
    with session(services.engine) as s:
        revoke_credential(s, acme.row.id or 0, actor="test")
        s.commit()
    answer = client.post("/edi/acme", content=ORDER_850, headers={"Authorization": f"Bearer {acme.secret}"})
    assert answer.status_code == 401
    assert docs(services) == []
    with session(services.engine) as s:
        reasons = [e.details["reason"] for e in reversed(audit_trail(s, action="partner.auth_failed"))]
    assert reasons == ["credential of another partner", "revoked token"]


def test_a_disabled_partner_is_refused_403_with_its_valid_credential(client: TestClient, services: Services) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, "acme")
        assert partner is not None
        partner.disabled_at, partner.disabled_reason = utcnow(), "contract ended"
        s.add(partner)
        s.commit()
    before = failures(client, "partner disabled")
    answer = client.post("/edi/acme", content=ORDER_850, headers=basic("acme", "acme-demo-password"))
    assert (answer.status_code, answer.json()["detail"]) == (403, "partner disabled")
    assert docs(services) == []
    assert failures(client, "partner disabled") == before + 1
    assert client.post("/edi/acme", content=ORDER_850, headers=basic("acme", "guess-password")).status_code == 401


def test_the_demo_password_and_a_token_are_each_accepted_and_named_in_the_history(client: TestClient,
                                                                                  services: Services) -> None:
    answer = client.post("/edi/acme", content=ORDER_850, headers=basic("acme", "acme-demo-password"))
    assert answer.status_code == 202, answer.text
    with session(services.engine) as s:
        token = issue_token(s, "acme", actor="test")
        s.commit()
    resend = ORDER_850.replace(b"000001001", b"000001999")
    second = client.post("/edi/acme", content=resend, headers={"Authorization": f"Bearer {token.secret}"})
    assert second.status_code == 202, second.text
    with session(services.engine) as s:
        actors = {e.document_id: e.actor for e in s.exec(select(DocumentEvent)).all()}
    assert actors[answer.json()["document_id"]].startswith("http:acme:password#")
    assert actors[second.json()["document_id"]] == f"http:acme:token#{token.row.id}"
    drain(services)
    assert docs(services, doc_type="850")[0].state == State.PROCESSED.value


def test_an_anonymous_gigabyte_is_refused_before_a_byte_of_it_is_read(services: Services) -> None:
    """The head alone is answered 401: the client has sent no body at all when the answer comes."""
    with served(create_app(services, workers=0)) as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(f"POST /edi/acme HTTP/1.1\r\nHost: {host}\r\nContent-Length: {1 << 30}\r\n\r\n".encode())
            head = sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 401"), head
    assert docs(services) == []


# -- client certificates through a TLS terminator ----------------------------------------------------------------

CERT_HEADER = "X-SSL-Client-Cert"


@pytest.fixture
def terminated(database_url: str) -> Iterator[Services]:
    """Services behind a TLS terminator at 10.0.0.0/8 that passes client certificates on."""
    built = build_services(make_settings(database_url, client_cert_header=CERT_HEADER, trusted_proxies="10.0.0.0/8"))
    empty_database(built.engine)
    seed_demo(built.engine)
    yield built
    built.close()


def test_a_client_certificate_counts_only_from_a_trusted_proxy(terminated: Services) -> None:
    cert = certificate()
    with session(terminated.engine) as s:
        added = add_certificate(s, "acme", actor="test", pem=cert.public_bytes(serialization.Encoding.PEM))
        s.commit()
    passed_on = {CERT_HEADER: quote(cert.public_bytes(serialization.Encoding.PEM).decode())}  # nginx's escaped PEM
    app = create_app(terminated, workers=0)
    with TestClient(app, client=("10.1.2.3", 44321)) as proxied:
        answer = proxied.post("/edi/acme", content=ORDER_850, headers=passed_on)
        assert answer.status_code == 202, answer.text
        assert proxied.post("/edi/globex", content=ORDER_850, headers=passed_on).status_code == 401
    with TestClient(app, client=("203.0.113.7", 44321)) as direct:  # anyone can write the header
        assert direct.post("/edi/acme", content=ORDER_850.replace(b"000001001", b"000001002"),
                           headers=passed_on).status_code == 401
    with session(terminated.engine) as s:
        [event] = s.exec(select(DocumentEvent).where(DocumentEvent.document_id == answer.json()["document_id"])
                         .limit(1)).all()
        refusals = [(e.actor, e.details["reason"]) for e in reversed(audit_trail(s, action="partner.auth_failed"))]
    assert event.actor == f"http:acme:certificate#{added.row.id}"
    assert refusals == [("10.1.2.3", "credential of another partner"), ("203.0.113.7", "no credential")]


# -- the sender must be the authenticated partner ----------------------------------------------------------------


def test_x12_from_another_partners_isa06_or_gs02_is_refused_403_and_stored(client: TestClient,
                                                                          services: Services) -> None:
    headers = edi_headers(services.engine, "acme")
    as_globex = ORDER_850.replace(b"ACMEBUYER      ", b"GLOBEXEDI      ", 1)
    answer = client.post("/edi/acme", content=as_globex, headers=headers)
    assert answer.status_code == 403 and "ISA06" in answer.json()["error"]
    other_application = ORDER_850.replace(b"GS*PO*ACMEBUYER*", b"GS*PO*GLOBEXEDI*", 1)
    second = client.post("/edi/acme", content=other_application, headers=headers)
    assert second.status_code == 403, second.text
    assert "GS02" in second.json()["error"] and "GLOBEXEDI" in second.json()["error"]
    for sent, result in ((as_globex, answer), (other_application, second)):
        [doc] = docs(services, id=result.json()["document_id"])
        assert doc.state == State.REJECTED.value and doc.raw == sent and doc.error == result.json()["error"]


def _isa(raw: bytes, **fields: str) -> bytes:
    """``raw`` with ISA01..ISA04 replaced (each padded to its fixed width)."""
    parts = raw.split(b"*", 5)
    widths = {"isa01": (1, 2), "isa02": (2, 10), "isa03": (3, 2), "isa04": (4, 10)}
    for name, value in fields.items():
        index, width = widths[name]
        parts[index] = value.ljust(width).encode()
    return b"*".join(parts)


@pytest.mark.parametrize(("setting", "element", "qualifier"), [
    ("isa_authorization", "isa02", "isa01"), ("isa_security", "isa04", "isa03")])
def test_isa_authorization_and_security_are_checked_when_agreed(client: TestClient, services: Services,
                                                                setting: str, element: str, qualifier: str) -> None:
    set_settings(services, "acme", **{setting: "S3CRET-987"})
    headers = edi_headers(services.engine, "acme")
    blank = client.post("/edi/acme", content=ORDER_850, headers=headers)
    wrong = client.post("/edi/acme", content=_isa(ORDER_850, **{qualifier: "03" if element == "isa02" else "01",
                                                               element: "S3CRET-986"}), headers=headers)
    for answer in (blank, wrong):
        assert answer.status_code == 403, answer.text
        error = answer.json()["error"]
        assert element.upper() in error and setting in error and "S3CRET" not in error
        [doc] = docs(services, id=answer.json()["document_id"])
        assert doc.state == State.REJECTED.value and doc.error == error
    right = _isa(ORDER_850, **{qualifier: "03" if element == "isa02" else "01", element: "S3CRET-987"})
    assert client.post("/edi/acme", content=right, headers=headers).status_code == 202


def test_ubl_from_the_partners_own_endpoint_is_taken(client: TestClient, services: Services) -> None:
    answer = client.post("/edi/initech", content=UBL_ORDER, headers=basic("initech", "initech-demo-password"))
    assert answer.status_code == 202, answer.text
    drain(services)
    [doc] = docs(services, id=answer.json()["document_id"])
    assert doc.state == State.PROCESSED.value, doc.error


def test_ubl_in_another_buyers_name_is_refused_403_and_stored(client: TestClient, services: Services) -> None:
    other = UBL_ORDER.replace(b'<cbc:EndpointID schemeID="0088">0614141000005<', b'<cbc:EndpointID schemeID="0088">'
                              b"7300010000001<", 1)
    assert other != UBL_ORDER
    answer = client.post("/edi/initech", content=other, headers=edi_headers(services.engine, "initech"))
    assert answer.status_code == 403, answer.text
    error = answer.json()["error"]
    assert "BuyerCustomerParty" in error and "0088:7300010000001" in error and "0088:0614141000005" in error
    [doc] = docs(services, id=answer.json()["document_id"])
    assert doc.state == State.REJECTED.value and doc.raw == other and doc.error == error
    assert drain(services) == 0  # nothing queued: no order placed


@pytest.mark.parametrize(("sample", "endpoint"), [
    ("peppol-poacc/Order_use_cases_UC1_Order.xml", ("0088", "7300010000001")),  # EndpointID schemeID 0088
    ("oasis/UBL-Order-2.1-Example.xml", ("0088", "7300072311115")),  # schemeID "GLN": the same scheme
])
def test_corpus_orders_are_checked_against_the_configured_endpoint(client: TestClient, services: Services,
                                                                   sample: str, endpoint: tuple[str, str]) -> None:
    raw = corpus_path("ubl", "samples", *sample.split("/")).read_bytes()
    headers = edi_headers(services.engine, "initech")
    refused = client.post("/edi/initech", content=raw, headers=headers)
    assert refused.status_code == 403 and endpoint[1] in refused.json()["error"], refused.text
    set_settings(services, "initech", endpoint_scheme=endpoint[0], endpoint_id=endpoint[1])
    taken = client.post("/edi/initech", content=raw, headers=headers)
    assert taken.status_code == 202, taken.text


def test_ubl_of_a_partner_without_endpoint_is_taken_and_the_history_says_it_was_not_checked(
        client: TestClient, services: Services) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, "initech")
        assert partner is not None
        partner.settings = {k: v for k, v in partner.settings.items() if not k.startswith("endpoint_")}
        s.add(partner)
        s.commit()
    answer = client.post("/edi/initech", content=UBL_ORDER, headers=edi_headers(services.engine, "initech"))
    assert answer.status_code == 202, answer.text
    with session(services.engine) as s:
        reasons = [e.reason or "" for e in s.exec(select(DocumentEvent).where(
            DocumentEvent.document_id == answer.json()["document_id"])).all()]
    assert any("BuyerCustomerParty not checked" in r for r in reasons), reasons


def test_metrics_show_refused_credentials(client: TestClient) -> None:
    client.post("/edi/acme", content=b"", headers=basic("acme", "wrong-password-1"))
    text = client.get("/metrics").text
    assert 'b2bgw_auth_failures_total{channel="edi",reason="wrong password"}' in text


def test_audit_rows_of_refusals_hold_no_secret(client: TestClient, services: Services) -> None:
    client.post("/edi/acme", content=ORDER_850, headers=basic("acme", "hunter2-but-longer"))
    with session(services.engine) as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.action == "partner.auth_failed")).all()
        assert s.exec(select(Document)).all() == []
    assert rows and all("hunter2" not in repr(r.model_dump()) for r in rows)
