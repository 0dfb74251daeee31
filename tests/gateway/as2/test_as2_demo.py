"""The README's AS2 command, run as written: OpenSSL signs and encrypts acme's 850, curl posts it, the MDN prints."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlmodel import select

from gateway.app import create_app
from gateway.as2.demo import PARTNER_FILES, SEND_COMMAND, seed_demo_as2, send_command
from gateway.as2.tables import As2Identity, PartnerCertificate
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, Partner
from tests.browser import served
from tests.conftest import PROJECT_ROOT
from tests.gateway.as2.gateway_setup import ORDER, messages


def test_seeding_is_idempotent_and_writes_the_partner_files(services: Services, tmp_path: Path) -> None:
    folder = seed_demo_as2(services.engine, services.settings, keys_dir=tmp_path / "keys")
    seed_demo_as2(services.engine, services.settings, keys_dir=tmp_path / "keys")
    assert sorted(p.name for p in folder.iterdir()) == sorted([*PARTNER_FILES, "README.md"])
    assert "NEVER USE IN PRODUCTION" in (folder / "README.md").read_text()
    with session(services.engine) as s:
        assert len(s.exec(select(As2Identity)).all()) == 1
        assert len(s.exec(select(PartnerCertificate)).all()) == 1
        acme = s.get(Partner, "acme")
        assert acme is not None and acme.as2_id == "ACME"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_documented_command_sends_a_signed_encrypted_850_and_prints_the_mdn(services: Services,
                                                                                 tmp_path: Path) -> None:
    folder = seed_demo_as2(services.engine, services.settings, keys_dir=tmp_path / "b2bgw-demo-as2")
    assert "{keys}" in SEND_COMMAND and "fixtures/x12/850-4010-basic.x12" in SEND_COMMAND
    with served(create_app(services, workers=0)) as url:
        completed = subprocess.run(["bash", "-o", "pipefail", "-c", send_command(folder, url)], cwd=PROJECT_ROOT,
                                   capture_output=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr.decode()
    printed = completed.stdout.decode("latin-1")
    assert "multipart/report" in printed and "application/pkcs7-signature" in printed  # a signed MDN
    assert "Disposition: automatic-action/MDN-sent-automatically; processed\r\n" in printed
    assert "Received-Content-MIC:" in printed
    [row] = messages(services.engine)
    assert row.state == "processed" and row.signed and row.encrypted
    with session(services.engine) as s:
        doc = s.get(Document, row.document_id)
        assert doc is not None and doc.partner_id == "acme"
        assert doc.raw.replace(b"\r\n", b"\n") == ORDER  # S/MIME text mode sends CRLF line ends
        assert s.exec(select(Document).where(Document.parent_id == doc.id, Document.doc_type == "850")).first()


def test_the_readme_shows_the_command_that_is_tested() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert send_command("b2bgw-demo-as2") in readme
