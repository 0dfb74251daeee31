"""Drive the real order-to-cash for every profile and collect every document the gateway wrote out.

For each profile (:mod:`.profiles`): the corpus order goes in through the partner's own intake
(``POST /edi/{partner}`` with its credential, ``POST /cxml`` for the cXML buyer), a worker
processes it (the acknowledgment), the built-in ERP ships and invoices it through
:mod:`gateway.erp_admin` (ship notice, invoice), a credit note of that invoice arrives as an ERP
event (:func:`gateway.pipeline.erp_events.poll_erp_events`, the path any ERP's credit note takes;
neither the built-in ERP nor the Tryton adapter issues one yet), and the inventory and catalogue
feeds are sent
(:func:`gateway.feeds.send_feed`). Then every outbound :class:`~gateway.store.tables.Document` of
the profile's partner is collected, whatever its state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlmodel import col, select

from erp.builtin.catalog import add_customer, add_product, set_pack_size, set_stock
from erp.builtin.company import set_customer_tax
from erp.builtin.pricelists import put_price_list
from erp.builtin.tables import ErpProduct
from erp.port import ErpEvent, ErpEventKind, ErpPriceAssignment, ErpPriceLine, ErpPriceList, ErpPriceTier
from formats.model import Invoice, Reference
from gateway import erp_admin
from gateway.feeds import send_feed
from gateway.outbound import Outgoing
from gateway.partners import ensure_partner
from gateway.pipeline.erp_events import poll_erp_events
from gateway.pipeline.worker import Worker
from gateway.pricing.service import pricing_for
from gateway.pricing.sync import sync_from_erp
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, Partner
from tests.gateway.partner_auth import edi_headers
from tests.gateway.punchout.coupa_order import use_buyer

from .matrix import CASES_BY_KEY, CREDIT_NOTE, Expected
from .profiles import UNREACHABLE, Customer, Profile

ACTOR = "oracles"


@dataclass(frozen=True)
class Outbound:
    """One document the gateway wrote for a profile's partner, as stored."""

    profile: str
    id: int
    doc_type: str
    standard: str
    state: str
    raw: bytes
    canonical: dict | None  # type: ignore[type-arg]
    error: str | None


@dataclass
class Production:
    """What driving one profile gave: its outbound documents and the steps that failed (with why)."""

    profile: Profile
    documents: list[Outbound]
    failures: list[str]


class CreditNoteErp:
    """An ERP port that has one event to tell: a credit note for an invoice (the built-in ERP issues none)."""

    def __init__(self, event: ErpEvent) -> None:
        self.event = event

    def events_after(self, after: str | None, *, limit: int = 100) -> Iterator[ErpEvent]:
        if after is None or after < self.event.event_id:
            yield self.event


def credit_note_of(invoice: Invoice) -> Invoice:
    """The credit note taking ``invoice`` back whole, as an ERP would issue it: a number of its own, the invoice's."""
    return invoice.model_copy(update={
        "invoice_number": f"CN-{invoice.invoice_number}", "is_credit_note": True,
        "references": (*invoice.references, Reference(qualifier="BillingReference", value=invoice.invoice_number))})


def contract_prices(profile: Profile, buyer: Customer) -> ErpPriceList:
    """The customer's contract in its own currency: the profile's items at their price, 5 % off from 100."""
    lines = tuple(ErpPriceLine(scope="item", key=item.sku, tiers=(
        ErpPriceTier(unit_price=Decimal(item.price)),
        ErpPriceTier(min_quantity=Decimal(100), unit_price=Decimal(item.price) * Decimal("0.95"))))
        for item in profile.items)
    return ErpPriceList(list_id=f"{buyer.id}-CONTRACT", name=f"{buyer.name} contract", currency=buyer.currency,
                        updated_at=dt.datetime.now(dt.UTC), lines=lines,
                        assignments=(ErpPriceAssignment(level="customer", target=buyer.id, priority=10),))


def stock_items(services: Services, profile: Profile) -> None:
    """Add the items the profile's corpus order names to the ERP, in stock, and let pricing see them."""
    with session(services.engine) as s:
        known = set(s.exec(select(ErpProduct.sku)).all())
    for item in profile.items:
        if item.sku in known:
            continue
        add_product(services.engine, sku=item.sku, name=item.name, list_price=Decimal(item.price), unit=item.unit)
        set_stock(services.engine, item.sku, "MAIN", Decimal(5000))
        if item.case is not None:
            set_pack_size(services.engine, item.sku, "XCS", Decimal(item.case))
    sync_from_erp(services.engine, services.erp)


def add_partner(services: Services, profile: Profile) -> None:
    if profile.cxml_buyer:  # its configuration and items come with it
        use_buyer(services, UNREACHABLE, synchronous=False)
        sync_from_erp(services.engine, services.erp)
        return
    if profile.customer is not None:
        buyer = profile.customer
        add_customer(services.engine, customer_id=buyer.id, name=buyer.name, currency=buyer.currency,
                     credit_limit=Decimal(1_000_000))
        set_customer_tax(services.engine, buyer.id, country=buyer.country, vat_id=buyer.vat_id)
        put_price_list(services.engine, contract_prices(profile, buyer))
    with session(services.engine) as s:
        ensure_partner(s, profile.partner())
        s.commit()
    stock_items(services, profile)


def receive(client: TestClient, services: Services, profile: Profile) -> str:
    """Post the corpus order through the partner's intake; the status code and answer, for a failure message."""
    raw = profile.order()
    if profile.cxml_buyer:
        answer = client.post("/cxml", content=raw, headers={"Content-Type": "text/xml"})
    else:
        answer = client.post(f"/edi/{profile.partner_id}", content=raw,
                             headers=edi_headers(services.engine, profile.partner_id))
    Worker(services.engine, services.erp, services.settings, worker_id=ACTOR).drain()
    return f"{answer.status_code} {answer.text[:300]}"


def the_order(services: Services, profile: Profile) -> Document | None:
    with session(services.engine) as s:
        return s.exec(select(Document).where(Document.partner_id == profile.partner_id, Document.direction == "in",
                                             col(Document.erp_order_id).is_not(None))).first()


def drive(client: TestClient, services: Services, profile: Profile) -> Production:
    """Order to cash and the feeds for one profile (module doc); a step that fails is recorded, not raised.

    One profile that cannot be driven at all leaves the others to be checked: its failure is
    what each of its cases reports.
    """
    try:
        return _drive(client, services, profile)
    except Exception as exc:  # reported by every case of the profile
        return Production(profile, collect(services, profile), [f"driving {profile.id}: {type(exc).__name__}: {exc}"])


def _drive(client: TestClient, services: Services, profile: Profile) -> Production:
    failures: list[str] = []
    add_partner(services, profile)
    answer = receive(client, services, profile)
    order = the_order(services, profile)
    if order is None or order.erp_order_id is None:
        failures.append(f"the corpus order was not placed in the ERP (intake answered {answer})")
    else:
        _cash(services, order.erp_order_id, failures)
    with session(services.engine) as s:
        partner = s.get(Partner, profile.partner_id)
        assert partner is not None
        for kind in (Outgoing.INVENTORY, Outgoing.CATALOGUE):
            if (profile.id, kind.value) in CASES_BY_KEY:
                try:
                    send_feed(s, services.erp, partner, kind, actor=ACTOR,
                              pricing=pricing_for(services.engine, services.settings))
                    s.commit()
                except Exception as exc:  # reported: the case's test names the step that failed
                    s.rollback()
                    failures.append(f"{kind.value} feed: {type(exc).__name__}: {exc}")
    return Production(profile, collect(services, profile), failures)


def _cash(services: Services, erp_order_id: str, failures: list[str]) -> None:
    """Ship, invoice and credit the order; each failing step recorded in ``failures``."""
    try:
        erp_admin.ship(services, erp_order_id, actor=ACTOR, carrier="UPSN", tracking_number="1Z999")
    except Exception as exc:
        failures.append(f"ship: {type(exc).__name__}: {exc}")
        return
    try:
        invoice, _handled = erp_admin.invoice(services, erp_order_id, actor=ACTOR)
    except Exception as exc:
        failures.append(f"invoice: {type(exc).__name__}: {exc}")
        return
    order = services.erp.get_order(erp_order_id)
    event = ErpEvent(event_id=f"credit-{erp_order_id}", kind=ErpEventKind.INVOICED, erp_order_id=erp_order_id,
                     customer_id=order.customer_id if order else "", at=dt.datetime.now(dt.UTC),
                     invoice=credit_note_of(invoice))
    handled = poll_erp_events(services.engine, CreditNoteErp(event), source=f"{ACTOR}-credit-notes",  # type: ignore[arg-type]
                              actor=ACTOR)
    if not handled or handled[0].document_id is None:
        failures.append(f"credit note: {handled[0].note if handled else 'the event was not handled'}")


def collect(services: Services, profile: Profile) -> list[Outbound]:
    """Every outbound document of the profile's partner, oldest first, whatever its state."""
    with session(services.engine) as s:
        rows = s.exec(select(Document).where(Document.partner_id == profile.partner_id, Document.direction == "out")
                      .order_by(col(Document.id))).all()
        return [Outbound(profile.id, row.id or 0, row.doc_type, row.standard or "", row.state, row.raw,
                         row.canonical, row.error) for row in rows]


def written(productions: dict[str, Production], expected: Expected) -> list[Outbound]:
    """The documents the gateway wrote for ``expected``: its type, and for an invoice type, credit or not."""
    found = [doc for doc in productions[expected.profile].documents if doc.doc_type == expected.doc_type]
    if expected.case in ("invoice", CREDIT_NOTE):
        found = [doc for doc in found if bool((doc.canonical or {}).get("is_credit_note")) == (
            expected.case == CREDIT_NOTE)]
    return found


def not_written_why(productions: dict[str, Production], expected: Expected) -> str:
    """Why ``expected`` has no document: the steps that failed and the documents refused on the way."""
    production = productions[expected.profile]
    refused = [f"document {d.id} ({d.doc_type}) {d.state}: {d.error}" for d in production.documents
               if d.state not in ("outbox", "sent")]
    return "; ".join([*production.failures, *refused]) or "no step failed and no document was refused"


__all__ = ["Outbound", "Production", "credit_note_of", "drive", "not_written_why", "written"]
