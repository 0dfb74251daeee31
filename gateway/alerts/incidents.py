"""Finding problems, opening incidents and queueing their notifications (see the package docstring).

Three detectors each return the problems that exist *now*:

* ``dead_letter``: a document or outbox message that used up its attempts (state ``dead``);
* ``invalid_outbound``: an outbound document the pre-send gate held (state ``invalid``): the
  partner is waiting for something we refused to send until the operator corrects it;
* ``missing_ack``: an outbound document whose 997/999 did not come within the partner's window;
* ``error_rate``: a partner whose inbound documents failed at or above ``B2BGW_ALERT_ERROR_RATE``
  of those finished in the last ``B2BGW_ALERT_WINDOW_MINUTES`` (with at least
  ``B2BGW_ALERT_MIN_DOCUMENTS`` finished, so two failures out of three at night stay quiet).

A problem with no open incident opens one and is notified; a problem that has one is not; an open
incident whose problem is gone (replayed, acknowledged, back under the rate) is closed, so the
next time it happens is a new incident with its own notification.
"""

from __future__ import annotations

import datetime as dt
import email.message
import email.utils
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

import gateway.alerts.smtp  # noqa: F401  (registers the smtp outbox channel)
from gateway.alerts.tables import AlertIncident
from gateway.config import Settings
from gateway.delivery.outbox import MessageState, enqueue, enqueue_json
from gateway.delivery.tables import OutboxMessage
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.tables import Document, utcnow

log = logging.getLogger(__name__)
LIMIT = 500  # problems looked at per kind and pass: a flood is one page of alerts, not thousands


class AlertKind(StrEnum):
    """What went wrong."""

    DEAD_LETTER = "dead_letter"
    MISSING_ACK = "missing_ack"
    ERROR_RATE = "error_rate"
    CERTIFICATE_EXPIRY = "certificate_expiry"
    INVALID_OUTBOUND = "invalid_outbound"


@dataclass(frozen=True)
class Problem:
    """One problem as a detector sees it."""

    kind: AlertKind
    subject: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertRules:
    """Where alerts go and when an error rate is one (from the ``B2BGW_ALERT_*`` settings)."""

    webhooks: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    smtp_server: str | None = None
    mail_from: str = "b2bgw@localhost"
    error_rate: float = 0.2
    window: dt.timedelta = dt.timedelta(minutes=15)
    min_documents: int = 5
    public_url: str | None = None
    certificate_warning_days: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertRules:
        """The rules the installation configured."""
        def split(text: str) -> tuple[str, ...]:
            return tuple(part.strip() for part in text.split(",") if part.strip())
        server = f"{settings.smtp_host}:{settings.smtp_port}" if settings.smtp_host else None
        return cls(webhooks=split(settings.alert_webhooks), emails=split(settings.alert_emails), smtp_server=server,
                   mail_from=settings.alert_mail_from, error_rate=settings.alert_error_rate,
                   window=dt.timedelta(minutes=settings.alert_window_minutes),
                   min_documents=settings.alert_min_documents, public_url=settings.public_url,
                   certificate_warning_days=settings.certificate_warning_days)


# -- detectors -------------------------------------------------------------------------------


def dead_letters(s: Session) -> list[Problem]:
    """Documents and outbox messages in the dead-letter state."""
    docs = s.exec(select(Document).where(Document.state == State.DEAD.value).order_by(col(Document.id))
                  .limit(LIMIT)).all()
    messages = s.exec(select(OutboxMessage).where(OutboxMessage.state == MessageState.DEAD.value,
                                                  OutboxMessage.kind != "alert")  # no alerts about alerts
                      .order_by(col(OutboxMessage.id)).limit(LIMIT)).all()
    return [Problem(AlertKind.DEAD_LETTER, f"document:{d.id}",
                    f"{d.standard} {d.doc_type} {d.id} from {d.partner_id or 'an unknown sender'} is a dead letter "
                    f"after {d.attempts} attempts: {d.error or 'no error recorded'}",
                    {"document_id": d.id, "partner": d.partner_id, "po_number": d.po_number, "error": d.error})
            for d in docs] + [
            Problem(AlertKind.DEAD_LETTER, f"outbox:{m.id}",
                    f"{m.kind} message {m.id} to {m.destination} is a dead letter after {m.attempts} attempts: "
                    f"{m.last_error or 'no error recorded'}",
                    {"message_id": m.id, "partner": m.partner_id, "document_id": m.document_id, "error": m.last_error})
            for m in messages]


def invalid_outbound(s: Session) -> list[Problem]:
    """Outbound documents held by the pre-send gate, not yet corrected."""
    docs = s.exec(select(Document).where(Document.state == State.INVALID.value).order_by(col(Document.id))
                  .limit(LIMIT)).all()
    return [Problem(AlertKind.INVALID_OUTBOUND, f"document:{d.id}",
                    f"our {d.standard} {d.doc_type} {d.id} for {d.partner_id} (PO {d.po_number or '-'}) was not sent: "
                    f"{d.error or 'it fails the partner validators'}",
                    {"document_id": d.id, "partner": d.partner_id, "po_number": d.po_number, "error": d.error})
            for d in docs]


def missing_acks(s: Session) -> list[Problem]:
    """Outbound documents flagged overdue: the partner's 997/999 did not come in time."""
    docs = s.exec(select(Document).where(Document.ack_status == "overdue").order_by(col(Document.id))
                  .limit(LIMIT)).all()
    return [Problem(AlertKind.MISSING_ACK, f"document:{d.id}",
                    f"{d.partner_id} has not acknowledged our {d.doc_type} {d.id} (ISA {d.interchange_control}, "
                    f"GS {d.group_control}) sent {d.created_at:%Y-%m-%d %H:%M} UTC",
                    {"document_id": d.id, "partner": d.partner_id, "interchange": d.interchange_control})
            for d in docs]


def error_rates(s: Session, rules: AlertRules, now: dt.datetime) -> list[Problem]:
    """Partners whose inbound documents fail at or above the threshold in the window."""
    rows = s.exec(select(Document.partner_id, Document.state).where(
        Document.direction == "in", Document.doc_type != "interchange",
        col(Document.created_at) >= now - rules.window,
        col(Document.state).in_([State.REJECTED.value, State.DEAD.value, State.PROCESSED.value,
                                 State.DUPLICATE.value]))).all()
    finished: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for partner, state in rows:
        name = partner or "(unknown sender)"
        finished[name] += 1
        failed[name] += state in (State.REJECTED.value, State.DEAD.value)
    minutes = int(rules.window.total_seconds() // 60)
    return [Problem(AlertKind.ERROR_RATE, f"partner:{name}",
                    f"{failed[name]} of {finished[name]} documents from {name} failed in the last {minutes} minutes "
                    f"({failed[name] / finished[name]:.0%}, the alert threshold is {rules.error_rate:.0%})",
                    {"partner": name, "failed": failed[name], "finished": finished[name], "window_minutes": minutes})
            for name in sorted(finished)
            if finished[name] >= rules.min_documents and failed[name] / finished[name] >= rules.error_rate]


def expiring_certificates(s: Session, warning_days: int, now: dt.datetime) -> list[Problem]:
    """AS2 certificates (ours and partners') expired or expiring within ``warning_days``: one incident each."""
    from gateway.as2.certificates import expiring_certificates as expiring

    problems = []
    for c in expiring(s, warning_days=warning_days, now=now):
        whose = "our" if c.owner == "ours" else f"{c.owner}'s"
        when = (f"expired on {c.not_after:%Y-%m-%d}" if c.days_left < 0
                else f"expires on {c.not_after:%Y-%m-%d} (in {c.days_left} days)")
        problems.append(Problem(AlertKind.CERTIFICATE_EXPIRY, c.subject_key,
                                f"{whose} AS2 certificate {c.subject} {when}",
                                {"owner": c.owner, "as2_id": c.as2_id, "fingerprint": c.fingerprint,
                                 "not_after": c.not_after.isoformat(), "days_left": c.days_left}))
    return problems


# -- incidents -------------------------------------------------------------------------------


def _notify(s: Session, incident: AlertIncident, rules: AlertRules) -> int:
    """Queue the incident's notifications in the caller's transaction; how many."""
    body = {"text": f"b2b-gateway: {incident.summary}", "alert": incident.kind, "subject": incident.subject,
            "summary": incident.summary, "opened_at": incident.opened_at.isoformat(), "details": incident.details,
            "operator_page": f"{rules.public_url.rstrip('/')}/admin" if rules.public_url else None}
    for number, url in enumerate(rules.webhooks):
        enqueue_json(s, channel="http", destination=url, kind="alert", body=body,
                     idempotency_key=f"alert:{incident.id}:webhook:{number}")
    for address in rules.emails if rules.smtp_server else ():
        mail = email.message.EmailMessage()
        mail["From"], mail["To"] = rules.mail_from, address
        mail["Subject"] = f"[b2b-gateway] {incident.kind.replace('_', ' ')}: {incident.subject}"
        mail["Date"] = email.utils.format_datetime(incident.opened_at)
        mail["Message-ID"] = email.utils.make_msgid(f"alert.{incident.id}")
        mail.set_content(f"{incident.summary}\n\nOpened {incident.opened_at:%Y-%m-%d %H:%M:%S} UTC."
                         + (f"\nOperator pages: {body['operator_page']}" if body["operator_page"] else ""))
        enqueue(s, channel="smtp", destination=rules.smtp_server or "", kind="alert", payload=mail.as_bytes(),
                content_type="message/rfc822", headers={"mail_from": rules.mail_from, "mail_to": address},
                idempotency_key=f"alert:{incident.id}:mail:{address}")
    return len(rules.webhooks) + (len(rules.emails) if rules.smtp_server else 0)


@dataclass
class AlertPass:
    """What one pass did: incidents opened (and notifications queued) and closed."""

    opened: list[AlertIncident] = field(default_factory=list)
    closed: list[AlertIncident] = field(default_factory=list)
    notifications: int = 0


def raise_alerts(engine: Engine, rules: AlertRules, *, now: dt.datetime | None = None) -> AlertPass:
    """Look for problems now; open, notify and close incidents (the module docstring)."""
    moment = now or utcnow()
    result = AlertPass()
    with session(engine) as s:
        problems = dead_letters(s) + invalid_outbound(s) + missing_acks(s) + error_rates(s, rules, moment) + \
            expiring_certificates(s, rules.certificate_warning_days, moment)
        open_rows: Sequence[AlertIncident] = s.exec(select(AlertIncident).where(
            col(AlertIncident.open_subject).is_not(None))).all()
        open_now = {(row.kind, row.subject): row for row in open_rows}
        current = {(p.kind.value, p.subject) for p in problems}
        for row in open_rows:
            if (row.kind, row.subject) not in current:
                row.open_subject, row.closed_at = None, moment
                s.add(row)
                result.closed.append(row)
        s.commit()
        for problem in problems:
            if (problem.kind.value, problem.subject) in open_now:
                continue
            incident = AlertIncident(kind=problem.kind.value, subject=problem.subject, open_subject=problem.subject,
                                     summary=problem.summary, details=problem.details, opened_at=moment)
            try:
                s.add(incident)
                s.flush()  # the id for the notifications' keys; the unique key stops a second worker here
                result.notifications += _notify(s, incident, rules)
                s.commit()
            except IntegrityError:
                s.rollback()  # another worker opened it at the same moment and notifies it
                continue
            log.warning("alert %s: %s", incident.kind, incident.summary,
                        extra={"alert": incident.kind, "subject": incident.subject})
            result.opened.append(incident)
    return result


__all__ = ["AlertKind", "AlertPass", "AlertRules", "Problem", "dead_letters", "error_rates", "expiring_certificates",
           "invalid_outbound", "missing_acks", "raise_alerts"]
