"""``b2bgw tokens create|list|revoke``: API tokens from the command line (the operator's own shell).

Kept beside the tokens rather than in ``gateway/cli.py`` so the top-level command line only
mounts this group. The shell user is the operator, recorded as ``cli`` in the audit log.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.auth.tokens import TokenError, create_token, list_tokens, parse_role, revoke_token
from gateway.config import get_settings
from gateway.services import Services, build_services

tokens_app = typer.Typer(help="API tokens with roles: create (shown once), list, revoke.", no_args_is_help=True)


def _services() -> Services:
    from gateway.store.db import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    return build_services(settings)


@tokens_app.command("create")
def tokens_create(
    role: Annotated[str, typer.Option("--role", help="operator, manager, sales_rep or integration")],
    name: Annotated[str | None, typer.Option("--name", help="who or what holds it")] = None,
    customers: Annotated[list[str] | None, typer.Option(
        "--customers", help="ERP customers a sales rep works for (repeat, or comma-separated)")] = None,
) -> None:
    """Create a token and print it once: it is stored only as a hash and cannot be shown again."""
    wanted = [c for value in customers or [] for c in value.split(",")]
    try:
        with _services() as services:
            issued = create_token(services.engine, role=parse_role(role), name=name, customers=wanted, actor="cli")
    except TokenError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"token {issued.row.id} ({issued.row.role}, {issued.row.name}); keep it now, it is not shown again:")
    typer.echo(issued.token)


@tokens_app.command("list")
def tokens_list(all_: Annotated[bool, typer.Option("--all", help="include revoked tokens")] = False) -> None:
    """List tokens (id, role, name, customers, created, revoked); never their secrets."""
    with _services() as services:
        rows = list_tokens(services.engine, include_revoked=all_)
    typer.echo(f"{'ID':>4}  {'ROLE':11}  {'NAME':24}  {'PREFIX':20}  {'CREATED':16}  {'REVOKED':16}  CUSTOMERS")
    for row in rows:
        revoked = f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "-"
        typer.echo(f"{row.id:>4}  {row.role:11}  {row.name[:24]:24}  b2bgw_{row.public_id:14}  "
                   f"{row.created_at:%Y-%m-%d %H:%M}  {revoked:16}  {','.join(row.customers) or '-'}")


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke a token: the next request that presents it is refused."""
    try:
        with _services() as services:
            row = revoke_token(services.engine, token_id, actor="cli")
    except TokenError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"token {row.id} ({row.role}, {row.name}) revoked")


__all__ = ["tokens_app"]
