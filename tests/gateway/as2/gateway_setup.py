"""The gateway's side of the AS2 tests: our key pair stored, a partner given an AS2 name and certificate.

OpenSSL plays the partner (:mod:`tests.gateway.as2.openssl_partner`); this module only does what
an operator does with ``b2bgw as2 import-key`` / ``import-cert`` and ``b2bgw partners set``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from gateway.as2.certificates import import_partner_certificate
from gateway.as2.keys import store_key_pair
from gateway.as2.tables import As2Message
from gateway.store.db import session
from gateway.store.tables import Document, Partner
from tests.conftest import FIXTURES
from tests.gateway.as2.openssl_partner import KeyPair, run_openssl, verify_mdn_with_openssl

ORDER = (FIXTURES / "x12" / "850-4010-basic.x12").read_bytes()
"""acme's 850 (ISA sender ZZ:ACMEBUYER, to ZZ:B2BGWSELLER), the payload of every inbound test."""


def set_up_as2(engine: Engine, *, ours: KeyPair, partner: KeyPair | None, partner_id: str = "acme",
               as2_id: str = "PARTNER", options: dict[str, Any] | None = None,
               delivery: str | None = None, passphrase: str | None = None) -> None:
    """Our key pair for B2BGW; ``partner_id`` named ``as2_id`` with ``partner``'s certificate and AS2 options."""
    with session(engine) as s:
        store_key_pair(s, "B2BGW", ours.key, ours.certificate, passphrase=passphrase)  # type: ignore[arg-type]
        row = s.get(Partner, partner_id)
        assert row is not None
        row.as2_id = as2_id
        settings = dict(row.settings)
        if options is not None:
            settings["as2"] = options
        if delivery is not None:
            settings["delivery"] = {"channel": "as2", "destination": delivery}
        row.settings = settings
        s.add(row)
        s.flush()
        if partner is not None:
            import_partner_certificate(s, partner_id, partner.certificate_pem, usage="both")
        s.commit()


def messages(engine: Engine, direction: str = "in") -> list[As2Message]:
    """Every AS2 message row of ``direction``, oldest first."""
    with session(engine) as s:
        return list(s.exec(select(As2Message).where(As2Message.direction == direction).order_by(As2Message.id)).all())


def inbound_documents(engine: Engine) -> list[Document]:
    """Every inbound document (interchanges and their transaction sets)."""
    with session(engine) as s:
        return list(s.exec(select(Document).where(Document.direction == "in")).all())


def verify_mdn(headers: Mapping[str, str], body: bytes, *, signer: KeyPair | None, work: Path) -> dict[str, str]:
    """Our MDN's disposition fields after ``openssl cms -verify`` (S/MIME text mode) checked its signature.

    Text mode, not ``-binary``: the signed report is canonical CRLF text, and OpenSSL 3.0's
    multipart reader in binary mode keeps the CR of the CRLF that RFC 2046 gives to the boundary
    (it strips only the LF), so it verifies bytes one CR longer than any S/MIME signer signed.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    if signer is None:
        return verify_mdn_with_openssl(headers, body, signer=None, work=work)
    assert lowered["content-type"].startswith("multipart/signed"), lowered["content-type"]
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"mdn-{secrets.token_hex(4)}.eml"
    source.write_bytes(f"Content-Type: {lowered['content-type']}\r\n\r\n".encode() + body)
    content = run_openssl("cms", "-verify", "-inform", "SMIME", "-in", str(source),
                          "-CAfile", str(signer.certificate_path), "-purpose", "any")
    head, _, report = re.split(rb"(\r?\n\r?\n)", content, maxsplit=1)
    inner = dict(re.findall(r"^([A-Za-z-]+):\s*(.*?)\s*$", head.decode("latin-1"), re.M))
    return verify_mdn_with_openssl(inner, report, signer=None, work=work)


__all__ = ["ORDER", "inbound_documents", "messages", "set_up_as2", "verify_mdn"]
