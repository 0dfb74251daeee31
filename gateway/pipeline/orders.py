"""Processing an inbound purchase order: translate, place it in the ERP once, acknowledge it.

The steps are arranged so that a crash between any two of them, followed by taking the document
up again, gives the same end state with no second ERP order and no second 855:

1. translate the stored set (pure, repeatable);
2. claim the order's idempotency key ``partner:PO:revision`` in ``gw_order_link`` (a unique
   key): if another document already owns it, this one is a duplicate and stops there;
3. push to the ERP with that key (the port is idempotent on it: a second push returns the first
   order);
4. in one transaction: render the 855 with freshly allocated control numbers into the outbox
   (unless this document already has one), record the ERP order on the link and the document,
   and mark the document processed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from erp.port import ErpPort, PushedOrder
from formats.model import Order, OrderPurpose
from formats.x12 import po850, poack855
from formats.x12.envelope import TransactionSet
from formats.x12.reader import read_interchanges
from formats.x12.standalone import envelope_controls
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from gateway.partners import isa_version, outbound_delimiters, unit_map, wants
from gateway.pipeline.states import State
from gateway.store.control_numbers import ControlKind, allocate
from gateway.store.db import session
from gateway.store.documents import children, create_document, move
from gateway.store.tables import Document, OrderLink, Partner, utcnow

log = logging.getLogger(__name__)


GAVE_UP = frozenset({State.REJECTED.value, State.DEAD.value})


class DocumentRejected(Exception):
    """Processing found the document cannot succeed as it is (a permanent failure)."""


@dataclass(frozen=True)
class Outcome:
    """How processing a document ended, for logs and tests."""

    state: State
    reason: str
    erp_order_id: str | None = None


def single_set(raw: bytes, charset: str | None = None) -> TransactionSet:
    """The one transaction set of a stored set document."""
    sets = [e for e in read_interchanges(raw, charset=charset) if isinstance(e, TransactionSet)]
    if len(sets) != 1:
        raise DocumentRejected(f"expected one transaction set in the stored document, found {len(sets)}")
    return sets[0]


def idempotency_key(partner_id: str, order: Order) -> str:
    """The key under which an order exists at most once: partner, PO number, revision."""
    return f"{partner_id}:{order.po_number}:{order.revision or ''}"


def _claim_key(engine: Engine, doc_id: int, partner_id: str, key: str, po_number: str) -> OrderLink:
    """Own ``key`` for this document, or find who owns it."""
    with session(engine) as s:
        link = s.exec(select(OrderLink).where(OrderLink.idempotency_key == key)).first()
        if link is not None:
            owner = s.get(Document, link.document_id)
            if link.erp_order_id is None and owner is not None and owner.state in GAVE_UP:
                link.document_id = doc_id  # the earlier document never placed it: this one may
                s.add(link)
                s.commit()
            return link
        link = OrderLink(idempotency_key=key, partner_id=partner_id, po_number=po_number, document_id=doc_id)
        s.add(link)
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            existing = s.exec(select(OrderLink).where(OrderLink.idempotency_key == key)).one()
            return existing
        return link


def _render_855(s: Session, partner: Partner, ts: TransactionSet, pushed: PushedOrder, now: dt.datetime) -> bytes:
    version = partner.x12_version
    body = poack855.render(pushed.response, units=unit_map(partner), version=version)
    st_control = f"{allocate(s, partner.id, ControlKind.TRANSACTION):04d}"
    group = GroupSpec(functional_id="PR",
                      application_sender=partner.our_x12_application_id or partner.our_x12_id,
                      application_receiver=partner.x12_application_id or partner.x12_id,
                      control_number=allocate(s, partner.id, ControlKind.GROUP), version=version)
    spec = InterchangeSpec(
        sender_qualifier=partner.our_x12_qualifier, sender_id=partner.our_x12_id,
        receiver_qualifier=partner.x12_qualifier, receiver_id=partner.x12_id,
        control_number=allocate(s, partner.id, ControlKind.INTERCHANGE), timestamp=now,
        version=isa_version(version), usage=partner.usage,
        delimiters=outbound_delimiters(partner, ts.interchange.delimiters),
    )
    return render_interchange(spec, [(group, [TransactionSetSpec("855", st_control, body)])])


def process_purchase_order(engine: Engine, erp: ErpPort, doc_id: int, *, actor: str) -> Outcome:
    """Run an 850 document through steps 1-4 (module doc); raises ErpUnavailable to be retried."""
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        partner = s.get(Partner, doc.partner_id) if doc and doc.partner_id else None
    if doc is None or partner is None:
        raise DocumentRejected(f"document {doc_id} has no partner")

    ts = single_set(doc.raw, partner.settings.get("charset"))
    order = po850.parse(ts, units=unit_map(partner))
    if order.purpose not in (OrderPurpose.ORIGINAL, OrderPurpose.CONFIRMATION, OrderPurpose.DUPLICATE):
        raise DocumentRejected(
            f"BEG01: an 850 with purpose {order.purpose.value} is not processed; send changes as an 860"
        )
    key = idempotency_key(partner.id, order)
    link = _claim_key(engine, doc_id, partner.id, key, order.po_number)
    if link.document_id != doc_id:
        with session(engine) as s:
            doc = s.get(Document, doc_id)
            assert doc is not None
            doc.erp_order_id = link.erp_order_id
            doc.canonical = order.model_dump(mode="json")
            reason = f"PO {order.po_number} was already ordered by document {link.document_id}"
            move(s, doc, State.DUPLICATE, actor=actor, reason=reason)
            s.commit()
        return Outcome(State.DUPLICATE, reason, link.erp_order_id)

    pushed = erp.push_order(order, customer_id=partner.customer_id, idempotency_key=key)

    with session(engine) as s:
        doc = s.get(Document, doc_id)
        link = s.exec(select(OrderLink).where(OrderLink.idempotency_key == key)).one()
        assert doc is not None
        if wants(partner, "855") and not children(s, doc_id, "855"):
            raw = _render_855(s, partner, ts, pushed, utcnow())
            isa13, gs06, st02 = envelope_controls(raw)
            create_document(s, raw=raw, direction="out", doc_type="855", state=State.OUTBOX, actor=actor,
                            interchange_control=isa13, group_control=gs06, set_control=st02,
                            reason=f"acknowledges PO {order.po_number} ({pushed.response.status.value})",
                            standard="x12", partner_id=partner.id, parent_id=doc_id, po_number=order.po_number,
                            erp_order_id=pushed.erp_order_id,
                            canonical=pushed.response.model_dump(mode="json"))
        link.erp_order_id = pushed.erp_order_id
        doc.erp_order_id = pushed.erp_order_id
        doc.po_number = order.po_number
        doc.canonical = order.model_dump(mode="json")
        doc.error = None
        doc.claimed_by = doc.claimed_at = None
        reason = f"ERP order {pushed.erp_order_id} ({'created' if pushed.created else 'found'})"
        move(s, doc, State.PROCESSED, actor=actor, reason=reason)
        s.add(link)
        s.commit()
    log.info("document %s: %s", doc_id, reason, extra={"document_id": doc_id, "partner": partner.id})
    return Outcome(State.PROCESSED, reason, pushed.erp_order_id)
