"""``b2bgw as2``: our AS2 key pairs and partners' certificates, without SQL by hand.

``keygen`` makes a key pair and prints the certificate to give partners and its fingerprint,
never the private key (it goes into the database, encrypted with ``B2BGW_KEY_PASSPHRASE`` when
set). ``import-key`` takes a pair made elsewhere (a CA-issued certificate), ``import-cert`` a
partner's certificate, ``certs`` lists every certificate with its expiry, ``export-cert`` prints
ours again, ``retire`` stops a pair of ours from signing and decrypting after a rollover.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives import serialization
from sqlmodel import select

from gateway.as2.certificates import CertificateRefused, Usage, certificate_overview, import_partner_certificate
from gateway.as2.keys import (
    KeyProblem,
    KeyType,
    fingerprint,
    generate_key_pair,
    our_certificate,
    read_certificate,
    read_private_key,
    store_key_pair,
)
from gateway.as2.tables import As2Identity
from gateway.config import get_settings
from gateway.services import Services, build_services
from gateway.store.db import session
from gateway.store.tables import utcnow

as2_app = typer.Typer(help="AS2: our key pairs and certificates, partners' certificates.", no_args_is_help=True)


def _services() -> Services:
    from gateway.store.db import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    return build_services(settings)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


@as2_app.command()
def keygen(as2_id: Annotated[str | None, typer.Option("--as2-id", help="our AS2 name; default B2BGW_AS2_ID")] = None,
           days: Annotated[int, typer.Option(help="validity of the certificate in days")] = 730,
           key_type: Annotated[str, typer.Option("--key-type", help="rsa2048, rsa3072 or ec")] = "rsa2048") -> None:
    """Make our key pair and self-signed certificate; print the certificate (for partners) and its fingerprint."""
    if key_type not in ("rsa2048", "rsa3072", "ec"):
        raise _fail(f"--key-type {key_type!r}: choose rsa2048, rsa3072 or ec")
    if days < 1:
        raise _fail("--days must be at least 1")
    with _services() as services:
        name = as2_id or services.settings.as2_id
        key_kind: KeyType = key_type  # type: ignore[assignment]
        key, certificate = generate_key_pair(name, days=days, key_type=key_kind)
        with session(services.engine) as s:
            store_key_pair(s, name, key, certificate, passphrase=services.settings.key_passphrase)
            s.commit()
        _print_certificate(certificate, name)
        if not services.settings.key_passphrase:
            typer.echo("note: B2BGW_KEY_PASSPHRASE is not set, so the private key is stored unencrypted in the "
                       "database", err=True)


def _print_certificate(certificate: object, as2_id: str) -> None:
    from cryptography import x509

    assert isinstance(certificate, x509.Certificate)
    typer.echo(certificate.public_bytes(serialization.Encoding.PEM).decode(), nl=False)
    typer.echo(f"AS2 name: {as2_id}")
    typer.echo(f"SHA-256 fingerprint: {fingerprint(certificate)}")
    typer.echo(f"valid until: {certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")


@as2_app.command("import-key")
def import_key(keyfile: Path, certfile: Path,
               as2_id: Annotated[str | None, typer.Option("--as2-id", help="our AS2 name")] = None,
               passphrase_stdin: Annotated[bool, typer.Option(
                   "--passphrase-stdin", help="read the key file's passphrase from stdin")] = False) -> None:
    """Import a key pair of ours made elsewhere (PEM or DER key, PEM or DER certificate)."""
    passphrase = sys.stdin.readline().rstrip("\r\n").encode() if passphrase_stdin else None
    try:
        key = read_private_key(keyfile.read_bytes(), passphrase)
        certificate = read_certificate(certfile.read_bytes())
    except (OSError, KeyProblem) as exc:
        raise _fail(f"not imported: {exc}") from None
    if certificate.not_valid_after_utc < utcnow():
        raise _fail(f"not imported: the certificate expired on {certificate.not_valid_after_utc:%Y-%m-%d}")
    with _services() as services:
        name = as2_id or services.settings.as2_id
        with session(services.engine) as s:
            try:
                store_key_pair(s, name, key, certificate, passphrase=services.settings.key_passphrase)
            except KeyProblem as exc:
                raise _fail(f"not imported: {exc}") from None
            s.commit()
        _print_certificate(certificate, name)


@as2_app.command("import-cert")
def import_cert(partner_id: str, file: Path,
                usage: Annotated[str, typer.Option(help="signing, encryption or both")] = "both") -> None:
    """Import a partner's certificate (PEM or DER): what its signatures are verified with and we encrypt to."""
    if usage not in ("signing", "encryption", "both"):
        raise _fail(f"--usage {usage!r}: choose signing, encryption or both")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise _fail(f"not imported: {exc}") from None
    with _services() as services, session(services.engine) as s:
        try:
            kind: Usage = usage  # type: ignore[assignment]
            row = import_partner_certificate(s, partner_id, data, usage=kind)
        except CertificateRefused as exc:
            raise _fail(f"not imported: {exc}") from None
        s.commit()
        typer.echo(f"{partner_id}: {row.subject} ({row.usage}), valid until {row.not_after:%Y-%m-%d}, "
                   f"SHA-256 {row.fingerprint}")


@as2_app.command()
def certs() -> None:
    """Our certificates and the partners', soonest expiry first, with the days left."""
    with _services() as services, session(services.engine) as s:
        rows = certificate_overview(s, warning_days=services.settings.certificate_warning_days)
    if not rows:
        typer.echo("no certificates: run `b2bgw as2 keygen`, and `b2bgw as2 import-cert PARTNER FILE`")
        return
    typer.echo(f"{'owner':<12} {'AS2 name':<16} {'usage':<10} {'expires':<10} {'days':>5}  {'state':<9} "
               "fingerprint / subject")
    for row in rows:
        typer.echo(f"{row.owner:<12} {row.as2_id or '-':<16} {row.usage:<10} {row.not_after:%Y-%m-%d} "
                   f"{row.days_left:>5}  {row.state:<9} {row.fingerprint[:16]} {row.subject}")


@as2_app.command("export-cert")
def export_cert(as2_id: Annotated[str | None, typer.Option("--as2-id", help="our AS2 name")] = None) -> None:
    """Print our current certificate (PEM), to give to a partner."""
    with _services() as services, session(services.engine) as s:
        name = as2_id or services.settings.as2_id
        try:
            certificate = our_certificate(s, name)
        except KeyProblem as exc:
            raise _fail(str(exc)) from None
    typer.echo(certificate.public_bytes(serialization.Encoding.PEM).decode(), nl=False)


@as2_app.command()
def retire(fingerprint_prefix: Annotated[str, typer.Argument(help="the certificate's SHA-256 fingerprint (a prefix "
                                                                  "of 8 or more)")]) -> None:
    """Stop using a key pair of ours (after partners have our new certificate)."""
    if len(fingerprint_prefix) < 8:
        raise _fail("give at least 8 characters of the fingerprint")
    with _services() as services, session(services.engine) as s:
        rows = [row for row in s.exec(select(As2Identity)).all()
                if row.fingerprint.startswith(fingerprint_prefix.lower()) and row.retired_at is None]
        if len(rows) != 1:
            raise _fail(f"{len(rows)} unretired key pairs match {fingerprint_prefix!r}")
        rows[0].retired_at = utcnow()
        s.add(rows[0])
        s.commit()
        typer.echo(f"retired {rows[0].as2_id} {rows[0].fingerprint}")


__all__ = ["as2_app"]
