"""Read, check, write: each of these happens once when two callers do it at once.

Claiming a received file for translation, revoking an operator's API token and revoking a
partner's credential each read a row "for update", check its state, then change it. On SQLite
``FOR UPDATE`` locks nothing, so two callers could both pass the check: the same interchange
translated twice, a revocation audited twice under two names. The two calls are held in that
interleaving (:mod:`tests.gateway.interleaving`); exactly one may act.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from gateway.auth import Role, create_token, partner_credentials, tokens
from gateway.auth.partner_credentials import CredentialError, issue_token, revoke_credential
from gateway.auth.tables import AuditEntry, PartnerCredential
from gateway.auth.tokens import TokenError, revoke_token
from gateway.intake import x12 as x12_intake
from gateway.intake.x12 import claim_for_translation
from gateway.pipeline.states import State
from gateway.services import Services
from gateway.store.db import session
from gateway.store.documents import create_document
from gateway.store.tables import Document

from .flow import X12
from .interleaving import hold_at


def test_a_received_file_is_claimed_for_translation_once(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    with session(services.engine) as s:
        doc = create_document(s, raw=(X12 / "850-4010-basic.x12").read_bytes(), direction="in",
                              doc_type="interchange", state=State.RECEIVED, actor="test", partner_id="acme",
                              standard="x12")
        s.commit()
    interleaving = hold_at(monkeypatch, x12_intake, "move")  # both have read the file as received

    claimed, errors = interleaving.run(lambda: claim_for_translation(services.engine, doc.id or 0, "worker-1"),
                                       lambda: claim_for_translation(services.engine, doc.id or 0, "worker-2"))

    assert errors == []
    assert len([c for c in claimed if c is not None]) == 1
    with session(services.engine) as s:
        stored = s.get(Document, doc.id)
    assert stored is not None and stored.state == State.TRANSLATING.value


def _audited(services: Services, action: str) -> list[str]:
    with session(services.engine) as s:
        return list(s.exec(select(AuditEntry.actor).where(AuditEntry.action == action)).all())


def test_an_api_token_is_revoked_once(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    issued = create_token(services.engine, role=Role.SALES_REP, name="sam", customers=["ACME"], actor="test")
    interleaving = hold_at(monkeypatch, tokens, "audit")  # both have found it not yet revoked

    _, errors = interleaving.run(lambda: revoke_token(services.engine, issued.row.id or 0, actor="maria"),
                                 lambda: revoke_token(services.engine, issued.row.id or 0, actor="omar"))

    assert len(errors) == 1 and isinstance(errors[0], TokenError) and "already revoked" in str(errors[0])
    assert len(_audited(services, "token.revoke")) == 1


def test_a_partner_credential_is_revoked_once(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    with session(services.engine) as s:
        issued = issue_token(s, "acme", actor="test")
        s.commit()
    credential_id = issued.row.id or 0
    interleaving = hold_at(monkeypatch, partner_credentials, "_revoke")  # both have found it live

    def revoke_from_the_admin_page(operator: str) -> None:
        with session(services.engine) as s:  # as the admin page and the API do: look it up, then revoke
            row = s.get(PartnerCredential, credential_id)
            assert row is not None and row.partner_id == "acme"
            revoke_credential(s, credential_id, actor=operator)
            s.commit()

    _, errors = interleaving.run(lambda: revoke_from_the_admin_page("maria"),
                                 lambda: revoke_from_the_admin_page("omar"))

    assert len(errors) == 1 and isinstance(errors[0], CredentialError) and "already revoked" in str(errors[0])
    assert len(_audited(services, "partner.credential_revoke")) == 1
