"""The partner's 997/999 for what we sent: matched back to our documents, and overdue ones flagged.

Every outbound X12 document records its GS06 and ST02. A functional acknowledgment names the
group it answers (AK102) and, set by set, its status (AK2/AK5); a 997 that accepts a whole group
may leave the AK2 loops out, and then the group status (AK9) holds for every set in it. The
outcome lands on our document as ``ack_status`` with a link to the acknowledgment.

A document the partner has not acknowledged within its window (``ack_window_hours``, 24 by
default) is flagged ``overdue`` so the operator sees it; an acknowledgment that arrives later
still clears the flag.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from erp.port import ErpPort
from formats.x12.ack997 import FunctionalAck, parse_acknowledgment
from gateway.partners import acknowledgment_window
from gateway.pipeline.orders import Outcome
from gateway.pipeline.reading import document_and_partner, single_set
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import move
from gateway.store.tables import Document, Partner, utcnow

log = logging.getLogger(__name__)

ACK_STATUS = {"A": "accepted", "E": "accepted-with-errors", "P": "partially-accepted", "R": "rejected",
              "M": "rejected", "W": "rejected", "X": "rejected"}
"""AK501/IK501 and AK901 codes as the status we show on our document."""

ACKNOWLEDGED_TYPES = ("997", "999")
OVERDUE = "overdue"


def _number(value: str | None) -> int | None:
    """Control numbers compared as numbers: partners pad them (``0001`` and ``1`` are the same)."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _ours_in_group(s: Session, partner_id: str, ack: FunctionalAck) -> list[Document]:
    group = _number(ack.group_control_number)
    if group is None:
        return []
    # We write GS06 unpadded (allocate() numbers), so the stored text of the number finds the group.
    return list(s.exec(select(Document).where(
        Document.partner_id == partner_id, Document.direction == "out", Document.standard == "x12",
        Document.group_control == str(group), col(Document.doc_type).not_in(ACKNOWLEDGED_TYPES))).all())


def apply_acknowledgment(s: Session, partner_id: str, ack: FunctionalAck, ack_document_id: int) -> list[Document]:
    """Mark our documents of the acknowledged group with their status; the documents matched."""
    ours = _ours_in_group(s, partner_id, ack)
    by_set = {_number(item.control_number): item for item in ack.sets}
    matched: list[Document] = []
    for doc in ours:
        item = by_set.get(_number(doc.set_control))
        if item is None and ack.sets:
            continue  # the acknowledgment lists its sets, and this one is not among them
        code = item.status if item is not None else ack.status
        doc.ack_status = ACK_STATUS.get(code, "rejected")
        doc.acknowledged_by = ack_document_id
        s.add(doc)
        matched.append(doc)
    return matched


def process_functional_ack(engine: Engine, _erp: ErpPort, doc_id: int, actor: str) -> Outcome:
    """Read a partner's 997/999 and mark what it acknowledges."""
    doc, partner = document_and_partner(engine, doc_id)
    ack = parse_acknowledgment(single_set(doc.raw, partner.settings.get("charset")))
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        matched = apply_acknowledgment(s, partner.id, ack, doc_id)
        if matched:
            reason = (f"acknowledges group {ack.group_control_number} ({ACK_STATUS.get(ack.status, ack.status)}): "
                      + ", ".join(f"document {d.id} {d.doc_type} {d.ack_status}" for d in matched))
        else:
            reason = f"acknowledges group {ack.group_control_number}, which matches nothing we sent"
            doc.error = reason
        doc.claimed_by = doc.claimed_at = None
        move(s, doc, State.PROCESSED, actor=actor, reason=reason)
        s.commit()
    log.info("document %s: %s", doc_id, reason, extra={"document_id": doc_id, "partner": partner.id})
    return Outcome(State.PROCESSED, reason)


def flag_overdue(engine: Engine, now: dt.datetime | None = None) -> list[int]:
    """Flag outbound X12 documents whose acknowledgment is later than the partner's window."""
    now = now or utcnow()
    flagged: list[int] = []
    with session(engine) as s:
        for partner in s.exec(select(Partner)).all():
            cutoff = now - dt.timedelta(hours=acknowledgment_window(partner))
            late = s.exec(select(Document).where(
                Document.partner_id == partner.id, Document.direction == "out", Document.standard == "x12",
                col(Document.ack_status).is_(None), col(Document.doc_type).not_in(ACKNOWLEDGED_TYPES),
                col(Document.created_at) < cutoff)).all()
            for doc in late:
                doc.ack_status = OVERDUE
                s.add(doc)
                flagged.append(doc.id or 0)
        s.commit()
    return flagged


__all__ = ["ACK_STATUS", "OVERDUE", "apply_acknowledgment", "flag_overdue", "process_functional_ack"]
