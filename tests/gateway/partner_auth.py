"""Uploads as a partner does them: with its own credential (``POST /edi/{partner}`` refuses anonymous ones).

:func:`edi_headers` issues a bearer token once per partner and database and hands back the
header; the token is issued again when the database was emptied (each test starts clean) or
the token revoked. Tokens, not the demo passwords: a token costs an HMAC per upload, a password
an scrypt, and the tests upload thousands of files.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import col, select

from gateway.auth.partner_credentials import issue_token
from gateway.auth.tables import PartnerCredential
from gateway.store.db import session
from gateway.store.tables import Partner

_TOKENS: dict[tuple[str, str], tuple[str, str]] = {}
"""(database URL, partner) -> (the token's public id, the token)."""


def edi_headers(engine: Engine, partner_id: str) -> dict[str, str]:
    """``Authorization: Bearer`` with a live token of ``partner_id`` (none when the partner does not exist)."""
    key = (engine.url.render_as_string(hide_password=False), partner_id)
    with session(engine) as s:
        known = _TOKENS.get(key)
        if known is not None and s.exec(select(PartnerCredential.id).where(
                PartnerCredential.public_id == known[0], PartnerCredential.partner_id == partner_id,
                col(PartnerCredential.revoked_at).is_(None))).first() is not None:
            return {"Authorization": f"Bearer {known[1]}"}
        if s.get(Partner, partner_id) is None:
            return {}
        issued = issue_token(s, partner_id, actor="tests", label="test uploads")
        s.commit()
    assert issued.secret is not None and issued.row.public_id is not None
    _TOKENS[key] = (issued.row.public_id, issued.secret)
    return {"Authorization": f"Bearer {issued.secret}"}


def client_edi_headers(client: TestClient, partner_id: str) -> dict[str, str]:
    """:func:`edi_headers` for the database of the app behind ``client``."""
    return edi_headers(client.app.state.services.engine, partner_id)  # type: ignore[attr-defined]


__all__ = ["client_edi_headers", "edi_headers"]
