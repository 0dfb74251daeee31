"""The operator pages: sign-in, finding documents, reading one whole, replay, correct-and-retry, KPIs.

Driven through the real application with real partner files; the browser test in
``test_admin_browser.py`` clicks through the same pages in Chromium.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from gateway.admin.auth import COOKIE
from gateway.pipeline.states import State
from gateway.services import Services

from .conftest import OPERATOR_TOKEN
from .flow import FIXTURES, docs, drain, post


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture
def operator(client: TestClient) -> TestClient:
    answer = client.post("/admin/login", data={"token": OPERATOR_TOKEN, "next": "/admin/documents"},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/documents"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/;" in cookie
    assert OPERATOR_TOKEN not in cookie  # a session key, never the token (tests/security/test_sandbox_and_sessions.py)
    return client


def test_pages_need_an_operator(client: TestClient) -> None:
    answer = client.get("/admin/documents?state=rejected", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/login?next=/admin/documents%3Fstate%3Drejected"
    bad = client.post("/admin/login", data={"token": "guess", "next": "/admin/kpis"}, follow_redirects=False)
    assert bad.status_code == 401 and "not a valid operator token" in bad.text and COOKIE not in bad.headers.get(
        "set-cookie", "")
    client.cookies.set(COOKIE, "guess")
    assert client.get("/admin/partners", follow_redirects=False).status_code == 303


def test_sign_in_never_redirects_off_site(client: TestClient) -> None:
    answer = client.post("/admin/login", data={"token": OPERATOR_TOKEN, "next": "//evil.example/admin"},
                         follow_redirects=False)
    assert answer.headers["location"] == "/admin/documents"


def test_find_documents_by_partner_type_state_and_po(operator: TestClient, services: Services) -> None:
    assert post(operator, "850-4010-basic.x12").status_code == 202
    assert post(operator, "850-4010-unknown-item.x12").status_code == 202
    drain(services)
    orders = docs(services, doc_type="850")
    assert len(orders) == 2
    page = operator.get("/admin/documents?partner=acme&type=850").text
    for order in orders:
        assert f'href="/admin/documents/{order.id}"' in page
    assert "855" not in re.sub(r"<select.*?</select>", "", page, flags=re.S).split("<tbody>")[1]
    by_po = operator.get(f"/admin/documents?po={orders[0].po_number}&type=850").text
    assert f'href="/admin/documents/{orders[0].id}"' in by_po and f'href="/admin/documents/{orders[1].id}"' not in by_po
    searched = operator.get(f"/admin/documents?q={orders[0].po_number.lower()}&direction=in").text
    assert f'href="/admin/documents/{orders[0].id}"' in searched
    assert "No document matches" in operator.get("/admin/documents?partner=globex").text


def test_paging_back_through_many_documents(operator: TestClient, services: Services) -> None:
    raw = (FIXTURES / "x12" / "850-4010-basic.x12").read_bytes()
    for n in range(40):  # 40 interchanges, each with its 850 and our 997: over two pages of 50
        control = f"{n + 5000:09d}".encode()
        assert post(operator, "", raw=raw.replace(b"000001001", control)).status_code == 202
    drain(services)
    first = operator.get("/admin/documents").text
    older = re.search(r'href="/admin/documents\?before=(\d+)"', first)
    assert older
    second = operator.get(f"/admin/documents?before={older.group(1)}").text
    ids = [int(i) for i in re.findall(r'<td class="num"><a href="/admin/documents/(\d+)"', first + second)]
    assert len(ids) == len(set(ids)) == 100 and ids == sorted(ids, reverse=True)


def test_a_document_page_shows_everything_about_it(operator: TestClient, services: Services) -> None:
    post(operator, "850-4010-basic.x12")
    drain(services)
    [order] = docs(services, doc_type="850")
    page = operator.get(f"/admin/documents/{order.id}").text
    assert "BEG*00*SA*" in page  # the raw document
    assert "Canonical translation" in page and order.po_number in page
    assert order.erp_order_id and order.erp_order_id in page
    [response] = docs(services, doc_type="855")
    assert f'href="/admin/documents/{response.id}"' in page  # the 855 it caused
    assert "queued" in page and "processed" in page  # its history
    assert operator.get("/admin/documents/999999").status_code == 404


def test_replay_from_the_page_is_audited_and_makes_no_second_order(operator: TestClient, services: Services) -> None:
    post(operator, "850-4010-basic.x12")
    drain(services)
    [order] = docs(services, doc_type="850")
    page = operator.get(f"/admin/documents/{order.id}").text
    refused = operator.post(f"/admin/documents/{order.id}/replay", data={"csrf": "forged"}, follow_redirects=False)
    assert "expired" in refused.headers["location"]
    answer = operator.post(f"/admin/documents/{order.id}/replay", data={"csrf": csrf_of(page)})
    assert answer.status_code == 200 and "Replayed: the document is queued now." in answer.text
    drain(services)
    [again] = docs(services, doc_type="850")
    assert again.erp_order_id == order.erp_order_id
    assert len({d.erp_order_id for d in docs(services, doc_type="850")}) == 1
    audit = operator.get("/admin/audit").text
    assert "document.replay" in audit and f"document:{order.id}" in audit and "admin.sign_in" in audit


def test_correct_and_retry_keeps_the_original(operator: TestClient, services: Services) -> None:
    raw = (FIXTURES / "x12" / "850-4010-basic.x12").read_bytes()
    broken = raw.replace(b"PO1*1*", b"PO1*1*X", 1)  # a quantity that is not a number: the set is rejected
    post(operator, "", raw=broken)
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.REJECTED.value
    form = operator.get(f"/admin/documents/{order.id}/edit").text
    assert "PO1*1*X" in form
    refused = operator.post(f"/admin/documents/{order.id}/edit",
                            data={"csrf": csrf_of(form), "raw": broken.decode(), "reason": ""})
    assert refused.status_code == 422 and "Not queued" in refused.text
    fixed = operator.post(f"/admin/documents/{order.id}/edit",
                          data={"csrf": csrf_of(form), "raw": raw.decode(), "reason": "quantity typo, partner called"})
    assert fixed.status_code == 200 and f"Corrected copy of document {order.id} queued." in fixed.text
    drain(services)
    original, corrected = docs(services, doc_type="850")
    assert original.raw == broken and original.state == State.REJECTED.value
    assert corrected.parent_id == order.id and corrected.state == State.PROCESSED.value
    assert "quantity typo, partner called" in operator.get(f"/admin/documents/{order.id}").text


def test_partners_and_kpis(operator: TestClient, services: Services) -> None:
    post(operator, "850-4010-basic.x12")
    post(operator, "850-4010-unknown-item.x12")
    drain(services)
    partners = operator.get("/admin/partners").text
    for partner in ("acme", "globex", "initech"):
        assert f'id="partner-{partner}"' in partners
    kpis = operator.get("/admin/kpis?hours=1").text
    row = re.search(r'<tr><td><a href="/admin/documents\?partner=acme">acme</a></td>(.*?)</tr>', kpis, re.S)
    assert row, kpis
    cells = re.findall(r'<td class="num">(.*?)</td>', row.group(1), re.S)
    received, succeeded, failed = (int(c) for c in cells[:3])
    assert received >= 2 and succeeded + failed >= 2
    assert cells[5].strip().endswith(" s")  # a median processing time
    assert "This server has been up for" in kpis


def test_sign_out_needs_the_form_token(operator: TestClient) -> None:
    page = operator.get("/admin/documents").text
    operator.post("/admin/logout", data={"csrf": "forged"})
    assert operator.get("/admin/documents", follow_redirects=False).status_code == 200
    operator.post("/admin/logout", data={"csrf": csrf_of(page)})
    assert operator.get("/admin/documents", follow_redirects=False).status_code == 303


def test_credit_holds_are_released_or_rejected_from_the_page(operator: TestClient, services: Services) -> None:
    from gateway.credit.actions import set_policy
    from gateway.credit.control import Policy
    from tests.gateway.credit.helpers import set_limit

    set_limit(services, "ACME", "400")  # the basic 850 is worth 438.98
    set_policy(services.engine, "ACME", Policy.HOLD, actor="test")
    raw = (FIXTURES / "x12" / "850-4010-basic.x12").read_bytes()
    post(operator, "", raw=raw)
    post(operator, "", raw=raw.replace(b"000001001", b"000001002").replace(b"ACME-PO-1001", b"ACME-PO-1002"))
    drain(services)
    held = [d for d in docs(services, doc_type="850") if d.state == State.CREDIT_HOLD.value]
    assert len(held) == 2
    page = operator.get("/admin/credit-holds").text
    ids = re.findall(r'<tr id="hold-(\d+)">', page)
    assert len(ids) == 2 and "ACME-PO-1001" in page and "438.98 USD" in page
    released = operator.post(f"/admin/credit-holds/{ids[0]}", data={
        "csrf": csrf_of(page), "decision": "release", "note": "paid in advance"})
    assert "released by" in released.text and "paid in advance" in released.text
    rejected = operator.post(f"/admin/credit-holds/{ids[1]}", data={"csrf": csrf_of(page), "decision": "reject"})
    assert "rejected by" in rejected.text and "No order is waiting on credit." in rejected.text
    again = operator.post(f"/admin/credit-holds/{ids[1]}", data={"csrf": csrf_of(page), "decision": "reject"})
    assert "Nothing done" in again.text
    drain(services)
    states = sorted(d.state for d in docs(services, doc_type="850"))
    assert states == [State.PROCESSED.value, State.REJECTED.value]
    audit = operator.get("/admin/audit").text
    assert "credit.release" in audit and "credit.reject" in audit
