"""A document the partner's validators refuse is held, alerted, shown, corrected and only then sent.

The document is a real one: the PEPPOL BIS Billing sample invoice, read into the canonical model
and sent to the demo PEPPOL partner ``initech`` without its buyer reference, which EN 16931
allows and PEPPOL does not (rule PEPPOL-EN16931-R003).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from formats import ubl
from formats.model import Invoice
from gateway.alerts.incidents import AlertKind, AlertRules, raise_alerts
from gateway.delivery.tables import DocumentEdit, OutboxMessage
from gateway.outbound import Outgoing, emit
from gateway.pipeline.replay import ReplayRefused, replay
from gateway.pipeline.states import State
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, Partner
from tests.conftest import corpus_path
from tests.gateway.admin_session import sign_in
from tests.gateway.flow import AUTH
from tests.gateway.interleaving import hold_at

from ..test_admin import csrf_of

PEPPOL_PARTNER = "initech"
DESTINATION = "http://127.0.0.1:9/invoices"  # never called: these tests look at the outbox, not at delivery


def _invoice_without_buyer_reference() -> Invoice:
    invoice = ubl.parse(corpus_path("ubl", "samples", "peppol-invoice", "base-example.xml").read_bytes())
    assert isinstance(invoice, Invoice)
    return invoice.model_copy(update={"po_number": None, "references": ()})


def _hold(services: Services) -> Document:
    """Emit the invoice the PEPPOL rules refuse to a partner with a delivery channel; the stored document."""
    with session(services.engine) as s:
        partner = s.get(Partner, PEPPOL_PARTNER)
        assert partner is not None
        partner.settings = {**partner.settings, "delivery": {"channel": "http", "destination": DESTINATION}}
        s.add(partner)
        doc = emit(s, partner, Outgoing.INVOICE, _invoice_without_buyer_reference(), parent_id=None, actor="test",
                   reason="invoice of the test")
        s.commit()
        assert doc is not None
        s.refresh(doc)
        s.expunge(doc)
        return doc


def _messages(services: Services, doc_id: int) -> list[OutboxMessage]:
    with session(services.engine) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.document_id == doc_id)).all())


def test_a_refused_invoice_is_held_with_every_error_and_never_sent(services: Services) -> None:
    held = _hold(services)
    assert held.state == State.INVALID.value
    assert "PEPPOL-EN16931-R003" in {p["code"] for p in held.problems}
    assert held.error and held.error.startswith("not sent: 1 error(s)") and "PEPPOL BIS Billing 3" in held.error
    assert _messages(services, held.id or 0) == []  # nothing on the partner's channel


def test_the_operator_is_alerted_until_it_is_corrected(services: Services) -> None:
    held = _hold(services)
    rules = AlertRules(webhooks=("http://127.0.0.1:9/hook",))
    [incident] = raise_alerts(services.engine, rules).opened
    assert (incident.kind, incident.subject) == (AlertKind.INVALID_OUTBOUND.value, f"document:{held.id}")
    assert "was not sent" in incident.summary and PEPPOL_PARTNER in incident.summary
    with session(services.engine) as s:
        s.get(Partner, PEPPOL_PARTNER).settings = {**s.get(Partner, PEPPOL_PARTNER).settings, "ubl_profile": ""}
        s.commit()
    replay(services.engine, held.id or 0, actor="operator")
    assert [row.subject for row in raise_alerts(services.engine, rules).closed] == [f"document:{held.id}"]


def test_rendered_again_after_the_partner_settings_are_fixed_it_is_sent(services: Services) -> None:
    held = _hold(services)
    with pytest.raises(ReplayRefused, match=r"still fails.*buyer reference"):
        replay(services.engine, held.id or 0, actor="operator")  # nothing changed: still refused, nothing stored
    with session(services.engine) as s:
        assert s.get(Document, held.id).state == State.INVALID.value
        partner = s.get(Partner, PEPPOL_PARTNER)
        partner.settings = {**partner.settings, "ubl_profile": ""}  # it was never a PEPPOL partner
        s.add(partner)
        s.commit()
    assert replay(services.engine, held.id or 0, actor="operator") == State.OUTBOX
    with session(services.engine) as s:
        edit = s.exec(select(DocumentEdit).where(DocumentEdit.original_id == held.id)).one()
        copy = s.get(Document, edit.edited_id)
        assert s.get(Document, held.id).state == State.CORRECTED.value
        assert copy is not None and copy.state == State.OUTBOX.value and copy.doc_type == "Invoice"
        assert b"urn:fdc:peppol.eu" not in copy.raw  # rendered with the corrected settings
    assert len(_messages(services, edit.edited_id)) == 1
    with pytest.raises(ReplayRefused, match="only inbound"):
        replay(services.engine, held.id or 0, actor="operator")  # corrected once


def test_corrected_by_hand_in_admin_it_is_sent(client: TestClient, services: Services) -> None:
    held = _hold(services)
    sign_in(client)
    page = client.get(f"/admin/documents/{held.id}")
    assert page.status_code == 200
    assert "invalid" in page.text and "PEPPOL-EN16931-R003" in page.text and "Render again and send" in page.text
    listed = client.get("/admin/documents", params={"state": "invalid"})
    assert f"/admin/documents/{held.id}" in listed.text

    form = client.get(f"/admin/documents/{held.id}/edit").text
    still_wrong = held.raw.replace(b"<cbc:DocumentCurrencyCode>", b"<cbc:Note>checked</cbc:Note>"
                                   b"<cbc:DocumentCurrencyCode>", 1)
    refused = client.post(f"/admin/documents/{held.id}/edit",
                          data={"csrf": csrf_of(form), "raw": still_wrong.decode(), "reason": "add a note"})
    assert refused.status_code == 422 and "still fails" in refused.text and "Not sent" in refused.text

    corrected = re.sub(rb"(</cbc:DocumentCurrencyCode>)", rb"\1<cbc:BuyerReference>PO-4711</cbc:BuyerReference>",
                       held.raw, count=1)
    sent = client.post(f"/admin/documents/{held.id}/edit",
                       data={"csrf": csrf_of(form), "raw": corrected.decode(), "reason": "buyer reference from the PO"})
    assert sent.status_code == 200 and "sent" in sent.text
    with session(services.engine) as s:
        edit = s.exec(select(DocumentEdit).where(DocumentEdit.original_id == held.id)).one()
        copy = s.get(Document, edit.edited_id)
        assert copy is not None and copy.raw == corrected and copy.state == State.OUTBOX.value
        assert s.get(Document, held.id).state == State.CORRECTED.value
    assert len(_messages(services, edit.edited_id)) == 1


def test_the_api_refuses_a_correction_that_still_fails(client: TestClient, services: Services) -> None:
    held = _hold(services)
    answer = client.post(f"/api/documents/{held.id}/edit", params={"reason": "try"}, headers=AUTH,
                         content=held.raw.replace(b"<cbc:IssueDate>", b"<cbc:IssueDay>", 1))
    assert answer.status_code == 422
    assert any("IssueDay" in problem for problem in answer.json()["detail"]["problems"])


def test_two_operators_rendering_one_document_again_send_it_once(services: Services,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.presend import corrections

    held = _hold(services)
    with session(services.engine) as s:
        partner = s.get(Partner, PEPPOL_PARTNER)
        partner.settings = {**partner.settings, "ubl_profile": ""}
        s.add(partner)
        s.commit()
    interleaving = hold_at(monkeypatch, corrections, "_held", after=True)  # its last read before acting

    _, errors = interleaving.run(lambda: corrections.render_again(services.engine, held.id or 0, actor="Maria"),
                                 lambda: corrections.render_again(services.engine, held.id or 0, actor="Omar"))

    assert len(errors) == 1 and isinstance(errors[0], corrections.CorrectionRefused), errors
    with session(services.engine) as s:
        assert len(s.exec(select(DocumentEdit).where(DocumentEdit.original_id == held.id)).all()) == 1
        copies = s.exec(select(Document).where(Document.doc_type == "Invoice", Document.id != held.id)).all()
    assert len(copies) == 1 and len(_messages(services, copies[0].id or 0)) == 1
