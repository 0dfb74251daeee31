"""What the operator pages read: documents by any filter, one document whole, and the KPIs.

Everything here is a read over the store; nothing changes state (replay and edit live in the
pipeline and delivery packages, and the pages call them).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from gateway.pipeline.states import State
from gateway.store.tables import Document, DocumentEvent, aware

SUCCEEDED = frozenset({State.PROCESSED.value, State.DUPLICATE.value, State.SENT.value, State.ACCEPTED.value})
FAILED = frozenset({State.REJECTED.value, State.DEAD.value, State.INVALID.value})
WAITING = frozenset({State.RECEIVED.value, State.TRANSLATING.value, State.QUEUED.value, State.PROCESSING.value,
                     State.RETRY.value, State.CREDIT_HOLD.value, State.OUTBOX.value})


def choices(s: Session) -> dict[str, list[str]]:
    """The values each filter can take, from what is stored (for the filter form's lists)."""
    def distinct(column: object) -> list[str]:
        return sorted(v for v in s.exec(select(column).distinct()).all() if v)  # type: ignore[call-overload]
    return {"partner": distinct(Document.partner_id), "standard": distinct(Document.standard),
            "type": distinct(Document.doc_type), "state": [state.value for state in State]}


@dataclass
class PartnerKpis:
    """One partner's flow over the window."""

    partner: str
    received: int = 0
    succeeded: int = 0
    failed: int = 0
    waiting: int = 0
    sent: int = 0
    overdue_acks: int = 0
    seconds: list[float] = field(default_factory=list)

    @property
    def error_rate(self) -> float | None:
        """Failed share of the finished inbound documents; None when none finished."""
        finished = self.succeeded + self.failed
        return self.failed / finished if finished else None

    @property
    def median_seconds(self) -> float | None:
        """Median time from receipt to processed."""
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def p95_seconds(self) -> float | None:
        """95th percentile of the time from receipt to processed."""
        if len(self.seconds) < 2:
            return self.seconds[0] if self.seconds else None
        return statistics.quantiles(self.seconds, n=20, method="inclusive")[-1]


def kpis(s: Session, since: dt.datetime) -> list[PartnerKpis]:
    """Per partner since ``since``: documents received, succeeded, failed, waiting, sent, processing times.

    Interchange envelopes are not counted (their transaction sets are); processing time runs from
    the document's creation to its first ``processed`` event.
    """
    docs = s.exec(select(Document.id, Document.partner_id, Document.direction, Document.state, Document.doc_type,
                         Document.ack_status, Document.created_at)
                  .where(col(Document.created_at) >= since)).all()
    by_partner: dict[str, PartnerKpis] = {}
    created: dict[int, tuple[str, dt.datetime]] = {}
    for doc_id, partner, direction, state, doc_type, ack_status, created_at in docs:
        name = partner or "(unknown sender)"
        row = by_partner.setdefault(name, PartnerKpis(partner=name))
        if direction == "out":
            row.sent += state == State.SENT.value
            row.waiting += state in WAITING
            row.failed += state in FAILED
            row.overdue_acks += ack_status == "overdue"
            continue
        if doc_type == "interchange":
            continue
        row.received += 1
        row.succeeded += state in SUCCEEDED
        row.failed += state in FAILED
        row.waiting += state in WAITING
        created[doc_id] = (name, aware(created_at))
    if created:
        done = s.exec(select(DocumentEvent.document_id, func.min(DocumentEvent.at))
                      .where(DocumentEvent.to_state == State.PROCESSED.value,
                             col(DocumentEvent.document_id).in_(list(created)))
                      .group_by(col(DocumentEvent.document_id))).all()
        for doc_id, at in done:
            name, start = created[doc_id]
            by_partner[name].seconds.append(max((aware(at) - start).total_seconds(), 0.0))
    return sorted(by_partner.values(), key=lambda row: row.partner)


def states_overview(s: Session) -> Counter[str]:
    """Every document by state (the dashboard's queue at a glance)."""
    return Counter({state: int(n) for state, n in
                    s.exec(select(Document.state, func.count()).group_by(col(Document.state))).all()})


def linked(s: Session, doc: Document) -> dict[str, list[Document]]:
    """The documents around ``doc``: its parent, its children, and the others of the same ERP order."""
    found: dict[str, list[Document]] = defaultdict(list)
    if doc.parent_id is not None and (parent := s.get(Document, doc.parent_id)) is not None:
        found["parent"].append(parent)
    found["children"] = list(s.exec(select(Document).where(Document.parent_id == doc.id)
                                    .order_by(col(Document.id))).all())
    if doc.erp_order_id:
        found["same ERP order"] = [d for d in s.exec(select(Document).where(
            Document.erp_order_id == doc.erp_order_id, Document.id != doc.id).order_by(col(Document.id))).all()
            if d.id not in {c.id for c in found["children"]} and d.id != doc.parent_id]
    return dict(found)


__all__ = ["PartnerKpis", "choices", "kpis", "linked", "states_overview"]
