"""The AS2 demo: published key pairs for us (B2BGW) and partner ``acme`` (ACME), and the files a partner needs.

``b2bgw serve --demo`` calls :func:`seed_demo_as2`: our demo key pair is imported for the AS2
name ``B2BGW``, partner ``acme`` gets the AS2 name ``ACME`` and its demo certificate, and the
files playing acme needs (its key and certificate, our certificate, a README with the command)
are written to ``B2BGW_DEMO_KEYS_DIR``. Everything is idempotent: a second run changes nothing.

These keys are published in the package (``gateway/as2/demo_keys``): anyone can sign as ACME or
read what is encrypted to B2BGW with them. They exist so a new user can send a signed and
encrypted 850 with ``openssl cms`` in one command (:data:`SEND_COMMAND`); never use them for a
real partner.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from cryptography import x509
from sqlalchemy import Engine
from sqlmodel import select

from gateway.as2.certificates import import_partner_certificate
from gateway.as2.keys import read_certificate, read_private_key, store_key_pair
from gateway.config import Settings
from gateway.store.db import session
from gateway.store.tables import Partner

DEMO_PARTNER = "acme"
DEMO_PARTNER_AS2_ID = "ACME"
OUR_DEMO_AS2_ID = "B2BGW"
PARTNER_FILES = ("acme.key.pem", "acme.cert.pem", "b2bgw.cert.pem")
"""What playing the partner takes: acme's key pair (to sign) and our certificate (to encrypt to)."""

SEND_COMMAND = (
    "openssl cms -sign -text -md sha256 -signer {keys}/acme.cert.pem -inkey {keys}/acme.key.pem "
    "-in fixtures/x12/850-4010-basic.x12 "
    "| openssl cms -encrypt -binary -aes256 -outform DER {keys}/b2bgw.cert.pem "
    "| curl -sS --data-binary @- -H 'AS2-Version: 1.2' -H 'AS2-From: ACME' -H 'AS2-To: B2BGW' "
    "-H \"Message-ID: <demo-$(date +%s%N)@acme>\" "
    "-H 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m' "
    "-H 'Disposition-Notification-To: edi@acme.example' "
    "-H 'Disposition-Notification-Options: signed-receipt-protocol=optional, pkcs7-signature; "
    "signed-receipt-micalg=optional, sha-256' "
    "{url}/as2"
)
"""The one documented command: acme signs the 850, encrypts it to us, posts it; the signed MDN is printed."""


def demo_key_bytes(name: str) -> bytes:
    """A published demo key or certificate file from the package."""
    return files("gateway.as2").joinpath("demo_keys", name).read_bytes()


def seed_demo_as2(engine: Engine, settings: Settings, *, keys_dir: Path | None = None) -> Path:
    """Import the demo keys, give acme its AS2 name and certificate, write the partner's files; the folder."""
    our_key = read_private_key(demo_key_bytes("b2bgw.key.pem"))
    our_cert = read_certificate(demo_key_bytes("b2bgw.cert.pem"))
    with session(engine) as s:
        store_key_pair(s, OUR_DEMO_AS2_ID, our_key, our_cert, passphrase=settings.key_passphrase)
        partner = s.get(Partner, DEMO_PARTNER)
        if partner is not None:
            taken = s.exec(select(Partner).where(Partner.as2_id == DEMO_PARTNER_AS2_ID)).first()
            if partner.as2_id is None and taken is None:
                partner.as2_id = DEMO_PARTNER_AS2_ID
                s.add(partner)
                s.flush()
            import_partner_certificate(s, DEMO_PARTNER, demo_key_bytes("acme.cert.pem"), usage="both")
        s.commit()
    folder = keys_dir or Path(settings.demo_keys_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for name in PARTNER_FILES:
        target = folder / name
        data = demo_key_bytes(name)
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
    (folder / "README.md").write_text(readme(folder, settings.public_url or "http://127.0.0.1:8000"))
    return folder


def send_command(keys_dir: Path | str, url: str = "http://127.0.0.1:8000") -> str:
    """The documented command with the demo folder and the gateway's URL filled in."""
    return SEND_COMMAND.format(keys=keys_dir, url=url.rstrip("/"))


def readme(folder: Path, url: str) -> str:
    """What the demo folder's README says (also printed by ``serve --demo``)."""
    return ("# PUBLISHED DEMO AS2 KEYS - NEVER USE IN PRODUCTION\n\n"
            "Written by `b2bgw serve --demo`. acme.key.pem / acme.cert.pem play the partner acme (AS2 name ACME);\n"
            "b2bgw.cert.pem is the gateway's demo certificate (AS2 name B2BGW). The private keys are published\n"
            "with b2b-gateway: anyone has them.\n\n"
            "Send a signed and encrypted 850 from the project folder and read the signed MDN:\n\n"
            f"    {send_command(folder, url)}\n")


def certificate(name: str) -> x509.Certificate:
    """A demo certificate (``b2bgw.cert.pem``, ``acme.cert.pem``)."""
    return read_certificate(demo_key_bytes(name))


__all__ = ["DEMO_PARTNER", "DEMO_PARTNER_AS2_ID", "OUR_DEMO_AS2_ID", "PARTNER_FILES", "SEND_COMMAND",
           "certificate", "demo_key_bytes", "readme", "seed_demo_as2", "send_command"]
