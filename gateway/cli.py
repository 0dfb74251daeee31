"""``b2bgw``: the gateway's command line.

Serve, worker, db, translate, validate, ingest, documents, replay. The verbs and options are
part of the public contract in ``DESIGN.md``.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from formats.errors import FormatError
from gateway.as2.cli import as2_app
from gateway.auth.cli import tokens_app
from gateway.config import get_settings
from gateway.delivery.cli import edit_command, outbox_app
from gateway.onboarding.cli import partners_app
from gateway.pricing.cli import prices_app, stock_app
from gateway.production import production_problems
from gateway.services import Services, build_services

app = typer.Typer(help="b2b-gateway: B2B punchout and EDI gateway.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
erp_app = typer.Typer(help="Check the configured ERP; act as the built-in ERP's user: ship, invoice, record payments.",
                      no_args_is_help=True)
app.add_typer(erp_app, name="erp")
app.add_typer(tokens_app, name="tokens")
app.add_typer(outbox_app, name="outbox")
app.command("edit")(edit_command)
app.add_typer(prices_app, name="prices")
app.add_typer(stock_app, name="stock")
app.add_typer(as2_app, name="as2")
app.add_typer(partners_app, name="partners")


def _services(upgrade_first: bool = True) -> Services:
    settings = get_settings()
    if upgrade_first:
        from gateway.store.db import upgrade

        upgrade(settings.database_url)
    return build_services(settings)


def served_url(host: str, port: int, *, tls: bool) -> str:
    """The demo's own URL when ``B2BGW_PUBLIC_URL`` is unset: the address and port ``serve`` listens on.

    Links we hand out (StartPage, order URLs) must not come from the request's ``Host`` header,
    which anyone can set. A wildcard address is not one a browser can reach, so it becomes the
    loopback; a demo reached from elsewhere sets ``B2BGW_PUBLIC_URL``.
    """
    name = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    return f"{'https' if tls else 'http'}://{name}:{port}"


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: Annotated[int, typer.Option(help="background worker threads in this process")] = 2,
          demo: Annotated[bool, typer.Option("--demo", help="seed the demo catalog and partner")] = False,
          ssl_certfile: Annotated[Path | None, typer.Option(help="serve HTTPS with this certificate (PEM)")] = None,
          ssl_keyfile: Annotated[Path | None, typer.Option(help="the certificate's private key (PEM)")] = None) -> None:
    """Run the API, the pages and background workers (upgrades the database first).

    With ``--ssl-certfile`` and ``--ssl-keyfile`` uvicorn serves HTTPS itself; behind a TLS proxy
    leave them out. Punchout needs HTTPS in production: buyers' systems post credentials and
    carts to these URLs, and browsers refuse to post a cart from an HTTPS procurement page to HTTP.
    """
    import uvicorn

    from gateway.app import create_app
    from gateway.runtime import tune_garbage_collector

    if (ssl_certfile is None) != (ssl_keyfile is None):
        typer.echo("give both --ssl-certfile and --ssl-keyfile, or neither", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    if demo:
        settings.demo = settings.sandbox = True
        if not settings.public_url:  # the demo's links name the address served, never a request's Host header
            settings.public_url = served_url(host, port, tls=ssl_certfile is not None)
    problems = production_problems(settings)
    if problems:
        for problem in problems:
            typer.echo(f"not starting: {problem}", err=True)
        typer.echo("(b2bgw serve --demo accepts these, for a demo with published credentials only)", err=True)
        raise typer.Exit(2)
    with _services() as services:
        if demo:
            from gateway.as2.demo import seed_demo_as2, send_command
            from gateway.demo import DEMO_PASSWORDS, seed_demo

            seed_demo(services.engine, base_url=settings.public_url)
            typer.echo(f"links we hand out (StartPage, ProfileResponse, the demo buyers' order URLs) use "
                       f"{settings.public_url}; set B2BGW_PUBLIC_URL if buyers reach the demo at another address")

            keys = seed_demo_as2(services.engine, services.settings)
            typer.echo(f"AS2: acme is ACME, we are B2BGW; PUBLISHED demo keys in {keys}/ (never for production); "
                       f"send a signed, encrypted 850:\n  {send_command(keys, settings.public_url or '')}")
            typer.echo("demo data ready: partners 'acme' (X12 4010, ZZ:ACMEBUYER), 'globex' (X12 5010, "
                       "ZZ:GLOBEXEDI), 'initech' (UBL); our id ZZ:B2BGWSELLER; SKUs DEMO-1001..DEMO-1050")
            typer.echo("partners upload to POST /edi/{id} with their own credential; PUBLISHED demo passwords "
                       "(never for production): " + ", ".join(f"{partner_id} / {password}"
                                                              for partner_id, password in DEMO_PASSWORDS.items()))
            typer.echo("cXML buyer 'contoso' (NetworkID AN01000000042, SharedSecret sandbox-secret): POST /cxml, "
                       "or play it in the buyer sandbox at /sandbox")
            typer.echo("OCI buyer 'srm-acme' (USERNAME srm-demo, PASSWORD oci-demo): GET|POST /oci, or play SAP SRM "
                       "at /sandbox/oci")
            if settings.operator_token or settings.sandbox_token:
                typer.echo("the sandbox needs a sign-in: /admin/login with B2BGW_OPERATOR_TOKEN, or /sandbox/enter "
                           "with B2BGW_SANDBOX_TOKEN")
            else:
                typer.echo("the sandbox and /admin need a sign-in: start with B2BGW_OPERATOR_TOKEN=secret (the "
                           "published demo token, accepted only with --demo) to use them")
        tune_garbage_collector()
        # X-Forwarded-* are read by gateway.api.client.ForwardedHeaders, from B2BGW_TRUSTED_PROXIES only.
        uvicorn.run(create_app(services, workers=workers), host=host, port=port, log_level="info",
                    proxy_headers=False, server_header=False,
                    ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
                    ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None)


@app.command()
def worker(once: Annotated[bool, typer.Option("--once", help="drain the queue and exit")] = False) -> None:
    """Run background processing only (scale out beside ``serve``).

    The worker runs under a supervisor that restarts it if it dies; only SIGTERM or SIGINT end
    the command (exit 0), never a document's fault.
    """
    from gateway.pipeline.supervisor import Supervisor
    from gateway.pipeline.worker import Worker
    from gateway.runtime import tune_garbage_collector

    tune_garbage_collector()

    with _services() as services:
        w = Worker(services.engine, services.erp, services.settings)
        if once:
            typer.echo(f"processed {w.drain()} document(s)")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        Supervisor([w], stop).run()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from gateway.store.db import upgrade

    upgrade(get_settings().database_url)
    typer.echo("database is up to date")


@app.command()
def translate(file: Path, to: Annotated[str | None, typer.Option("--to", help="cxml, ubl or x12")] = None) -> None:
    """Print the canonical JSON of every document in FILE (or render them in another format)."""
    from gateway.offline import UnreadableInput, read_input, translate_report

    try:
        raw = read_input(file)
    except UnreadableInput as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(1) from None
    report = translate_report(raw, to=to)
    sys.stdout.write(report.output)
    for line in [*report.warnings, *report.errors]:  # warnings alone leave the exit status 0
        typer.echo(f"{file}: {line}", err=True)
    raise typer.Exit(1 if report.errors else 0)


@app.command()
def validate(file: Path) -> None:
    """Check FILE against its standard and the configured validators of the pre-send gate; print every problem."""
    from gateway.offline import UnreadableInput, read_input, validate_file

    try:
        raw = read_input(file)
    except UnreadableInput as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(1) from None
    from gateway.presend import configure

    problems = validate_file(raw, artefacts=configure(get_settings()))
    for problem in problems:
        typer.echo(f"{file}: {problem}")
    if problems:
        typer.echo(f"{file}: {len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"{file}: valid")


@app.command()
def ingest(file: Path, partner: Annotated[str, typer.Option("--partner", help="the partner id")]) -> None:
    """Submit FILE into the pipeline as if received from PARTNER; prints the outcome as JSON."""
    from gateway.intake.files import receive_file

    with _services() as services:
        result = receive_file(services.engine, partner_id=partner, raw=file.read_bytes(), filename=file.name,
                              actor="cli")
    typer.echo(json.dumps({
        "document_id": result.document_id, "state": result.state.value, "documents": result.documents,
        "acknowledgment_documents": result.acknowledgments, "error": result.error,
        "duplicate_of": result.duplicate_of,
    }, indent=2))
    if result.acknowledgment:
        typer.echo(result.acknowledgment.decode("latin-1"))
    raise typer.Exit(0 if result.http_status < 400 else 1)


@app.command()
def documents(status: Annotated[str | None, typer.Option("--status")] = None,
              partner: Annotated[str | None, typer.Option("--partner")] = None,
              doc_type: Annotated[str | None, typer.Option("--type")] = None,
              po: Annotated[str | None, typer.Option("--po")] = None,
              search: Annotated[str | None, typer.Option("--search", help="text in PO, ERP order, error, file")] = None,
              limit: int = 50) -> None:
    """List documents newest first (the operator pages' filters)."""
    from gateway.store.db import session
    from gateway.store.search import DocumentFilter, find_documents

    where = DocumentFilter(state=status or "", partner=partner or "", doc_type=doc_type or "", po_number=po or "",
                           search=search or "")
    with _services() as services, session(services.engine) as s:
        rows = find_documents(s, where, limit=limit)
        typer.echo(f"{'ID':>6}  {'DIR':3}  {'TYPE':11}  {'PARTNER':10}  {'STATE':10}  {'PO':14}  {'ERP':10}  ERROR")
        for d in rows:
            typer.echo(f"{d.id:>6}  {d.direction:3}  {d.doc_type:11}  {d.partner_id or '-':10}  {d.state:10}  "
                       f"{d.po_number or '-':14}  {d.erp_order_id or '-':10}  {(d.error or '')[:80]}")


@app.command()
def replay(document_id: int, partner: Annotated[str | None, typer.Option(
        "--partner", help="for a file refused as from an unknown partner: the partner it came from")] = None) -> None:
    """Queue a rejected, dead or processed document again (a refused file is read again)."""
    from gateway.pipeline.replay import ReplayRefused
    from gateway.pipeline.replay import replay as replay_document

    try:
        with _services() as services:
            state = replay_document(services.engine, document_id, actor="cli", partner_id=partner)
    except ReplayRefused as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"document {document_id} is {state.value}")


def _report(handled: list[Any]) -> None:
    for item in handled:
        typer.echo(f"ERP event {item.event_id} ({item.kind.value}): {item.note}")


@erp_app.command("ship")
def erp_ship(erp_order_id: str, carrier: Annotated[str | None, typer.Option(help="carrier name or SCAC")] = None,
             tracking: Annotated[str | None, typer.Option(help="tracking number")] = None,
             carton: Annotated[list[str] | None, typer.Option(
                 help="a carton as LINE=QTY,LINE=QTY (repeat for each carton); default one carton")] = None) -> None:
    """Ship an order; the partner's ship notice (856 / DespatchAdvice) goes to the outbox."""
    from erp.port import ErpError
    from gateway.erp_admin import parse_carton, ship

    try:
        cartons = [parse_carton(text) for text in carton] if carton else None
        with _services() as services:
            notice, handled = ship(services, erp_order_id, actor="cli", carrier=carrier, tracking_number=tracking,
                                   cartons=cartons)
    except (ErpError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"shipment {notice.shipment_id} for PO {notice.po_number}: {len(notice.packages)} package(s)")
    _report(handled)


@erp_app.command("check")
def erp_check() -> None:
    """Check the configured ERP: connection, login and the modules the gateway needs (exit 1 on a problem)."""
    settings = get_settings()
    if settings.erp != "tryton":
        typer.echo(f"ERP adapter {settings.erp!r}: built in, nothing to connect to")
        return
    from erp.tryton.check import check
    from gateway.services import make_tryton_erp

    findings = check(make_tryton_erp(settings))
    for finding in findings:
        typer.echo(f"{'ok' if finding.ok else 'PROBLEM':8} {finding.what}: {finding.detail}")
    if not all(finding.ok for finding in findings):
        raise typer.Exit(1)


@erp_app.command("invoice")
def erp_invoice(erp_order_id: str) -> None:
    """Invoice a shipped order; the partner's invoice (810 / UBL Invoice) goes to the outbox."""
    from erp.port import ErpError
    from gateway.erp_admin import invoice

    try:
        with _services() as services:
            billed, handled = invoice(services, erp_order_id, actor="cli")
    except ErpError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"invoice {billed.invoice_number} for PO {billed.po_number}")
    _report(handled)


@erp_app.command("pay")
def erp_pay(invoice_number: str, amount: str, currency: str = "USD") -> None:
    """Record a customer's payment of an invoice."""
    from decimal import Decimal, InvalidOperation

    from erp.port import ErpError
    from formats.model import Money
    from gateway.erp_admin import pay

    try:
        paid = Money(amount=Decimal(amount), currency=currency)
        with _services() as services:
            handled = pay(services, invoice_number, paid, actor="cli")
    except (ErpError, InvalidOperation, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"payment of {paid.amount} {paid.currency} recorded on {invoice_number}")
    _report(handled)


@app.command("send")
def send(feed: Annotated[str, typer.Argument(help="inventory (846) or catalogue (832 / UBL Catalogue)")],
         partner: Annotated[str, typer.Option("--partner", help="the partner id")]) -> None:
    """Put an inventory or catalogue feed for PARTNER in the outbox, built from the ERP now."""
    from gateway.feeds import send_feed
    from gateway.outbound import Outgoing
    from gateway.pricing.service import pricing_for
    from gateway.rules import PricingError
    from gateway.store.db import session
    from gateway.store.tables import Partner

    kinds = {"inventory": Outgoing.INVENTORY, "catalogue": Outgoing.CATALOGUE, "catalog": Outgoing.CATALOGUE}
    if feed not in kinds:
        typer.echo(f"unknown feed {feed!r}: inventory or catalogue", err=True)
        raise typer.Exit(2)
    with _services() as services, session(services.engine) as s:
        row = s.get(Partner, partner)
        if row is None:
            typer.echo(f"unknown partner {partner!r}", err=True)
            raise typer.Exit(1)
        try:
            doc = send_feed(s, services.erp, row, kinds[feed], actor="cli",
                            pricing=pricing_for(services.engine, services.settings))
        except (FormatError, PricingError) as exc:
            typer.echo(f"{feed} for {partner} cannot be written: {exc}", err=True)
            raise typer.Exit(1) from exc
        s.commit()
        if doc is None:
            typer.echo(f"partner {partner} does not expect {feed} (settings.expects)")
            return
        typer.echo(f"document {doc.id}: {doc.doc_type} in the outbox ({len(doc.raw)} bytes)")


def main() -> None:
    """Console entry point."""
    from gateway.observability.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    app()
