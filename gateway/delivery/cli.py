"""``b2bgw edit`` and ``b2bgw outbox list|attempts|redeliver``: delivery from the operator's shell.

Kept beside the delivery code so the top-level command line only mounts them; the shell user is
the operator, recorded as ``cli`` in the document history and the audit log.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gateway.config import get_settings
from gateway.services import Services, build_services

outbox_app = typer.Typer(help="Outbound messages: list, show attempts, deliver again.", no_args_is_help=True)


def _services() -> Services:
    from gateway.store.db import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    return build_services(settings)


def edit_command(
    document_id: int,
    file: Annotated[Path | None, typer.Option("--file", help="the corrected document; omit it to print the original")
                    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="why it is edited (kept with the edit)")] = None,
) -> None:
    """Edit-and-retry: queue a corrected copy of a rejected or dead document (the original is kept).

    ``b2bgw edit 7 > po.x12`` prints the stored document; fix it, then ``b2bgw edit 7 --file po.x12 --reason ...``.
    """
    from gateway.delivery.edits import EditRefused, edit_and_retry
    from gateway.store.db import session
    from gateway.store.tables import Document

    with _services() as services:
        if file is None:
            with session(services.engine) as s:
                doc = s.get(Document, document_id)
            if doc is None:
                typer.echo(f"no document {document_id}", err=True)
                raise typer.Exit(1)
            sys.stdout.buffer.write(doc.raw)
            return
        if not file.is_file():
            typer.echo(f"no file {file}", err=True)
            raise typer.Exit(1)
        try:
            edited = edit_and_retry(services.engine, document_id, file.read_bytes(), actor="cli",
                                    reason=reason or "")
        except EditRefused as exc:
            typer.echo(str(exc), err=True)
            for problem in exc.problems:
                typer.echo(f"  {problem}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(f"document {document_id} edited into document {edited.id} ({edited.state})")


@outbox_app.command("list")
def outbox_list(state: Annotated[str | None, typer.Option("--state", help="pending, retry, delivered, failed, dead")]
                = None, limit: int = 50) -> None:
    """Outbound messages newest first."""
    from sqlmodel import col, select

    from gateway.delivery.tables import OutboxMessage
    from gateway.store.db import session

    with _services() as services, session(services.engine) as s:
        query = select(OutboxMessage)
        if state:
            query = query.where(OutboxMessage.state == state)
        rows = s.exec(query.order_by(col(OutboxMessage.id).desc()).limit(limit)).all()
        typer.echo(f"{'ID':>6}  {'CHANNEL':7}  {'DOC':>6}  {'PARTNER':10}  {'STATE':10}  {'TRIES':>5}  ERROR")
        for m in rows:
            typer.echo(f"{m.id:>6}  {m.channel:7}  {m.document_id or '-':>6}  {m.partner_id or '-':10}  "
                       f"{m.state:10}  {m.attempts:>5}  {(m.last_error or '')[:80]}")


@outbox_app.command("attempts")
def outbox_attempts(message_id: int) -> None:
    """Every attempt at delivering a message, with its error."""
    from gateway.delivery.attempts import attempts_of
    from gateway.store.db import session

    with _services() as services, session(services.engine) as s:
        for a in attempts_of(s, message_id=message_id):
            typer.echo(f"{a.attempt:>3}  {a.started_at:%Y-%m-%d %H:%M:%S}  {a.worker[:30]:30}  {a.outcome:10}  "
                       f"{a.error or ''}")


@outbox_app.command("redeliver")
def outbox_redeliver(message_id: int) -> None:
    """Deliver a dead or failed message again, with a fresh count of attempts."""
    from gateway.delivery.outbox import RedeliveryRefused, redeliver

    try:
        with _services() as services:
            message = redeliver(services.engine, message_id, actor="cli")
    except RedeliveryRefused as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"message {message_id} is {message.state}")
