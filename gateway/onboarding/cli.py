"""``b2bgw partners``: onboard, change, disable and test trading partners, and manage their credentials.

The shell user is the operator, recorded as ``cli`` in the audit log. A secret (a password or
token just issued) is printed once, on its own line, and never again: it is stored only hashed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from gateway.auth.partner_credentials import (
    CredentialError,
    IssuedCredential,
    add_certificate,
    issue_token,
    revoke_credential,
    set_password,
)
from gateway.config import get_settings
from gateway.onboarding.service import (
    PartnerError,
    add_partner,
    commit,
    disable_partner,
    enable_partner,
    get_partner,
    list_partners,
    show_partner,
    update_partner,
)
from gateway.onboarding.settings import SettingsError, parse_setting
from gateway.onboarding.views import CredentialView, PartnerDetail
from gateway.services import Services, build_services
from gateway.store.db import session

partners_app = typer.Typer(help="Trading partners: add, show, list, set, disable, enable, check; their credentials.",
                           no_args_is_help=True)
ACTOR = "cli"


def _services() -> Services:
    from gateway.store.db import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    return build_services(settings)


@contextmanager
def _session() -> Iterator[tuple[Services, Session]]:
    """Services and a session; a refusal is printed on stderr with exit status 1 (nothing is committed)."""
    try:
        with _services() as services, session(services.engine) as s:
            yield services, s
    except (SettingsError, PartnerError, CredentialError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


def _settings_of(assignments: list[str] | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for assignment in assignments or []:
        key, value = parse_setting(assignment)
        values[key] = value
    return values


XId = Annotated[str | None, typer.Option("--x12-id", help="the partner's ISA06 (default: the id in capitals)")]
XQual = Annotated[str | None, typer.Option("--x12-qualifier", help="the partner's ISA05 (default ZZ)")]
XApp = Annotated[str | None, typer.Option("--x12-application-id", help="the partner's GS02, when not its ISA06")]
OurId = Annotated[str | None, typer.Option("--our-x12-id", help="our ISA08 toward it (default: as most partners)")]
OurQual = Annotated[str | None, typer.Option("--our-x12-qualifier", help="our ISA07 (default ZZ)")]
OurApp = Annotated[str | None, typer.Option("--our-x12-application-id", help="our GS03, when not our ISA id")]
Version = Annotated[str | None, typer.Option("--x12-version", help="004010 or 005010: the version we answer in")]
Usage = Annotated[str | None, typer.Option("--usage", help="ISA15: P production, T test")]
As2 = Annotated[str | None, typer.Option("--as2-id", help="the partner's AS2 name (AS2-From), 1-128 ASCII")]
Standard = Annotated[str | None, typer.Option("--standard", help="x12, ubl or cxml (the setting 'standard')")]
Setting = Annotated[list[str] | None, typer.Option(
    "--setting", help='a setting KEY=VALUE, VALUE as JSON or text (repeat): price_policy=reject, '
                      'delivery=\'{"channel":"http","destination":"https://..."}\'')]


def _fields(**given: str | None) -> dict[str, str]:
    return {name: value for name, value in given.items() if value is not None}


@partners_app.command("add")
def partners_add(partner_id: Annotated[str, typer.Argument(metavar="ID")],
                 name: Annotated[str, typer.Option("--name", help="the partner's name")],
                 customer: Annotated[str, typer.Option("--customer", help="the ERP customer it buys as")],
                 x12_id: XId = None, x12_qualifier: XQual = None, x12_application_id: XApp = None,
                 our_x12_id: OurId = None, our_x12_qualifier: OurQual = None, our_x12_application_id: OurApp = None,
                 x12_version: Version = None, usage: Usage = None, as2_id: As2 = None, standard: Standard = None,
                 setting: Setting = None) -> None:
    """Add a partner (identities, ERP customer, settings), checked field by field; audited."""
    with _session() as (_, s):
        settings = _settings_of(setting)
        if standard is not None:
            settings["standard"] = standard
        fields = _fields(id=partner_id, name=name, customer_id=customer, x12_id=x12_id, x12_qualifier=x12_qualifier,
                         x12_application_id=x12_application_id, our_x12_id=our_x12_id,
                         our_x12_qualifier=our_x12_qualifier, our_x12_application_id=our_x12_application_id,
                         x12_version=x12_version, usage=usage, as2_id=as2_id)
        partner = add_partner(s, fields, settings, actor=ACTOR)
        commit(s)
        typer.echo(f"partner {partner.id} added ({partner.name}, ERP customer {partner.customer_id}, X12 "
                   f"{partner.x12_qualifier}:{partner.x12_id}); give it a credential: "
                   f"b2bgw partners token {partner.id}")


@partners_app.command("set")
def partners_set(partner_id: Annotated[str, typer.Argument(metavar="ID")],
                 name: Annotated[str | None, typer.Option("--name")] = None,
                 customer: Annotated[str | None, typer.Option("--customer", help="the ERP customer")] = None,
                 x12_id: XId = None, x12_qualifier: XQual = None, x12_application_id: XApp = None,
                 our_x12_id: OurId = None, our_x12_qualifier: OurQual = None, our_x12_application_id: OurApp = None,
                 x12_version: Version = None, usage: Usage = None, as2_id: As2 = None, standard: Standard = None,
                 setting: Setting = None,
                 unset_setting: Annotated[list[str] | None, typer.Option(
                     "--unset-setting", help="remove a setting (back to its default); repeat")] = None) -> None:
    """Change some fields and settings of a partner; the rest stays. Audited with before and after."""
    with _session() as (_, s):
        settings = _settings_of(setting)
        if standard is not None:
            settings["standard"] = standard
        fields = _fields(name=name, customer_id=customer, x12_id=x12_id, x12_qualifier=x12_qualifier,
                         x12_application_id=x12_application_id, our_x12_id=our_x12_id,
                         our_x12_qualifier=our_x12_qualifier, our_x12_application_id=our_x12_application_id,
                         x12_version=x12_version, usage=usage, as2_id=as2_id)
        if not fields and not settings and not unset_setting:
            typer.echo("nothing to change: give a field option, --setting or --unset-setting", err=True)
            raise typer.Exit(2)
        update_partner(s, partner_id, fields=fields, set_settings=settings, unset_settings=unset_setting or [],
                       actor=ACTOR)
        commit(s)
        typer.echo(f"partner {partner_id} updated")


def _when(moment: Any) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"


def _credential_lines(rows: list[CredentialView]) -> Iterator[str]:
    yield f"  {'ID':>5}  {'KIND':11}  {'LABEL':24}  {'PUBLIC ID':20}  {'CREATED':16}  {'LAST USED':16}  REVOKED"
    for c in rows:
        yield (f"  {c.id:>5}  {c.kind:11}  {c.label[:24]:24}  {(c.public_id or '-')[:20]:20}  "
               f"{_when(c.created_at):16}  {_when(c.last_used_at):16}  {_when(c.revoked_at)}")


def _detail_lines(d: PartnerDetail) -> Iterator[str]:
    yield f"partner {d.id}: {d.name}"
    yield f"  status        {d.status}" + (f" since {_when(d.disabled_at)} UTC: {d.disabled_reason}"
                                          if d.disabled_at else "")
    yield f"  ERP customer  {d.customer_id}"
    yield (f"  X12 theirs    {d.x12_qualifier}:{d.x12_id}" + (f" (GS02 {d.x12_application_id})"
                                                             if d.x12_application_id else ""))
    yield (f"  X12 ours      {d.our_x12_qualifier}:{d.our_x12_id}" + (f" (GS03 {d.our_x12_application_id})"
                                                                     if d.our_x12_application_id else ""))
    yield f"  X12 version   {d.x12_version}, usage {d.usage} ({'production' if d.usage == 'P' else 'test'})"
    yield f"  AS2 name      {d.as2_id or '-'}"
    yield "  settings      " + (json.dumps(d.settings, sort_keys=True) if d.settings else "(all defaults)")
    for problem in d.problems:
        yield f"  INVALID       {problem}"
    if d.credentials:
        yield f"credentials ({len(d.credentials)}):"
        yield from _credential_lines(d.credentials)
    else:
        yield "credentials: none (uploads to /edi are refused; issue one: b2bgw partners token " + d.id + ")"
    if d.our_as2 is not None:
        ours = d.our_as2
        yield (f"our AS2        {ours.as2_id}: certificate {ours.fingerprint}, valid until {_when(ours.not_after)} UTC "
               f"({ours.days_left} days)" if ours.fingerprint else
               f"our AS2        {ours.as2_id}: no key pair yet (b2bgw as2 keygen --as2-id {ours.as2_id})")
    if d.certificates:
        yield f"AS2 certificates ({len(d.certificates)}):"
        for c in d.certificates:
            state = "EXPIRED" if c.days_left < 0 else f"{c.days_left} days left" + (" (renew soon)" if c.expiring
                                                                                    else "")
            yield f"  {c.fingerprint}  {c.subject}  not after {_when(c.not_after)} UTC: {state}"


@partners_app.command("show")
def partners_show(partner_id: Annotated[str, typer.Argument(metavar="ID")],
                  as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
                  all_: Annotated[bool, typer.Option("--all", help="include revoked credentials")] = False) -> None:
    """A partner whole: identities, settings (secrets hidden), what is invalid, credentials, certificates."""
    with _session() as (services, s):
        detail = show_partner(s, partner_id, warning_days=services.settings.certificate_warning_days,
                              our_as2_id=services.settings.as2_id, include_revoked=all_)
    if as_json:
        typer.echo(detail.model_dump_json(indent=2))
        return
    for line in _detail_lines(detail):
        typer.echo(line)


@partners_app.command("list")
def partners_list(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Every partner: status, standard, X12 identity, AS2 name, active credentials, certificate expiry."""
    with _session() as (_, s):
        rows = list_partners(s)
    if as_json:
        typer.echo(json.dumps([row.model_dump(mode="json") for row in rows], indent=2))
        return
    typer.echo(f"{'ID':14}  {'STATUS':8}  {'STD':4}  {'CUSTOMER':10}  {'X12':20}  {'AS2':16}  {'CREDS':>5}  "
               f"{'CERT EXPIRY':11}  {'DELIVERY':8}  NAME")
    for r in rows:
        expiry = f"{r.certificate_expiry:%Y-%m-%d}" if r.certificate_expiry else "-"
        flag = f"  ({r.problems} invalid)" if r.problems else ""
        typer.echo(f"{r.id[:14]:14}  {r.status:8}  {r.standard:4}  {r.customer_id[:10]:10}  {r.x12[:20]:20}  "
                   f"{(r.as2_id or '-')[:16]:16}  {r.credentials:>5}  {expiry:11}  {r.delivery or '-':8}  "
                   f"{r.name}{flag}")


@partners_app.command("disable")
def partners_disable(partner_id: Annotated[str, typer.Argument(metavar="ID")],
                     reason: Annotated[str, typer.Option("--reason", help="why (kept and shown)")]) -> None:
    """Disable a partner: every channel refuses it from now on (403); its documents stay."""
    with _session() as (_, s):
        disable_partner(s, partner_id, reason=reason, actor=ACTOR)
        s.commit()
    typer.echo(f"partner {partner_id} disabled: {reason.strip()}")


@partners_app.command("enable")
def partners_enable(partner_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Let a disabled partner in again."""
    with _session() as (_, s):
        enable_partner(s, partner_id, actor=ACTOR)
        s.commit()
    typer.echo(f"partner {partner_id} enabled")


@partners_app.command("check")
def partners_check(partner_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Test the partner's set-up and outbound channel step by step; exit 1 when a step failed."""
    from gateway.onboarding.check import check_partner

    with _session() as (services, _s):
        steps = check_partner(services.engine, services.settings, partner_id, erp=services.erp)
    for step in steps:
        typer.echo(f"{'ok' if step.ok else 'FAILED':6}  {step.name}: {step.detail}")
    if not all(step.ok for step in steps):
        raise typer.Exit(1)


# -- credentials -----------------------------------------------------------------------------------------------


def _issued(partner_id: str, issued: IssuedCredential, what: str) -> None:
    typer.echo(f"{what} {issued.row.id} for partner {partner_id}; keep it now, it is not shown again:")
    typer.echo(issued.secret or "")


@partners_app.command("password")
def partners_password(partner_id: Annotated[str, typer.Argument(metavar="ID")],
                      generate: Annotated[bool, typer.Option("--generate", help="a strong random one (default)")]
                      = False,
                      password_stdin: Annotated[bool, typer.Option(
                          "--password-stdin", help="read the password from standard input")] = False) -> None:
    """Set the partner's HTTP Basic password (user = the partner id), replacing its current one."""
    if generate and password_stdin:
        typer.echo("--generate or --password-stdin, not both", err=True)
        raise typer.Exit(2)
    chosen = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with _session() as (_, s):
        get_partner(s, partner_id)
        issued = set_password(s, partner_id, actor=ACTOR, password=chosen)
        s.commit()
    if chosen is None:
        _issued(partner_id, issued, "password")
    else:
        typer.echo(f"password {issued.row.id} set for partner {partner_id} (HTTP Basic, user {partner_id})")


@partners_app.command("token")
def partners_token(partner_id: Annotated[str, typer.Argument(metavar="ID")],
                   label: Annotated[str, typer.Option("--label", help="which system of the partner holds it")]
                   = "") -> None:
    """Issue an upload token (Authorization: Bearer) for the partner; printed once."""
    with _session() as (_, s):
        get_partner(s, partner_id)
        issued = issue_token(s, partner_id, actor=ACTOR, label=label)
        s.commit()
    _issued(partner_id, issued, "token")


@partners_app.command("certificate")
def partners_certificate(partner_id: Annotated[str, typer.Argument(metavar="ID")],
                         pem: Annotated[Path | None, typer.Option(
                             "--pem", help="the partner's client certificate (PEM or DER file)")] = None,
                         fingerprint: Annotated[str | None, typer.Option(
                             "--fingerprint", help="or its SHA-256 fingerprint")] = None,
                         label: Annotated[str, typer.Option("--label")] = "") -> None:
    """Admit a client certificate (passed on by the TLS terminator in front) as the partner's credential."""
    with _session() as (_, s):
        get_partner(s, partner_id)
        issued = add_certificate(s, partner_id, actor=ACTOR, pem=pem.read_bytes() if pem else None,
                                 fingerprint=fingerprint, label=label)
        s.commit()
    typer.echo(f"certificate {issued.row.id} ({issued.row.public_id}) admitted for partner {partner_id}")


@partners_app.command("credentials")
def partners_credentials(partner_id: Annotated[str, typer.Argument(metavar="ID")],
                         all_: Annotated[bool, typer.Option("--all", help="include revoked ones")] = False) -> None:
    """The partner's credentials: kind, id, label, created, last used, revoked; never a secret."""
    with _session() as (services, s):
        detail = show_partner(s, partner_id, warning_days=services.settings.certificate_warning_days,
                              our_as2_id=services.settings.as2_id, include_revoked=all_)
    for line in _credential_lines(detail.credentials):
        typer.echo(line)


@partners_app.command("revoke")
def partners_revoke(partner_id: Annotated[str, typer.Argument(metavar="ID")],
                    credential_id: Annotated[int, typer.Argument(metavar="CREDENTIAL_ID")]) -> None:
    """Revoke one of the partner's credentials: the next upload with it is refused."""
    from gateway.auth.tables import PartnerCredential

    with _session() as (_, s):
        row = s.get(PartnerCredential, credential_id)
        if row is None or row.partner_id != partner_id:
            raise CredentialError(f"partner {partner_id!r} has no credential {credential_id}")
        revoke_credential(s, credential_id, actor=ACTOR)
        s.commit()
    typer.echo(f"credential {credential_id} of partner {partner_id} revoked")


__all__ = ["partners_app"]
