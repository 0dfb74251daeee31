"""Partners' certificates: imported from PEM or DER, looked up by use, and every certificate's expiry.

A partner's certificate verifies what it signs and is what we encrypt to (``usage`` signing,
encryption or both). Several may be current during a partner's rollover: every unrevoked one
valid now is tried for a signature; the newest encrypts. :func:`certificate_overview` lists ours
and the partners' with the days left, for ``b2bgw as2 certs``, the /admin/as2 page and the
expiry alert (:func:`expiring_certificates`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlmodel import Session, col, select

from gateway.as2.keys import KeyProblem, fingerprint, not_after, not_before, read_certificate
from gateway.as2.tables import As2Identity, PartnerCertificate
from gateway.store.tables import Partner, utcnow

Usage = Literal["signing", "encryption", "both"]


class CertificateRefused(Exception):
    """A certificate that is not imported, with the reason."""


def import_partner_certificate(s: Session, partner_id: str, data: bytes, *, usage: Usage = "both",
                               now: dt.datetime | None = None) -> PartnerCertificate:
    """Add a partner's certificate (PEM or DER) to the caller's transaction.

    Refused: a file that is not a certificate, one that has expired or is not valid yet, an
    unknown partner. The same certificate imported again is returned (its usage updated).
    """
    if s.get(Partner, partner_id) is None:
        raise CertificateRefused(f"unknown partner {partner_id!r}")
    try:
        certificate = read_certificate(data)
    except KeyProblem as exc:
        raise CertificateRefused(str(exc)) from None
    moment = now or utcnow()
    if not_after(certificate) < moment:
        raise CertificateRefused(f"the certificate {certificate.subject.rfc4514_string()} expired on "
                                 f"{not_after(certificate):%Y-%m-%d %H:%M} UTC; ask the partner for its current one")
    if not_before(certificate) > moment + dt.timedelta(days=1):
        raise CertificateRefused(f"the certificate is not valid before {not_before(certificate):%Y-%m-%d}")
    print_ = fingerprint(certificate)
    existing = s.exec(select(PartnerCertificate).where(PartnerCertificate.partner_id == partner_id,
                                                       PartnerCertificate.fingerprint == print_)).first()
    if existing is not None:
        existing.usage, existing.revoked_at = usage, None
        s.add(existing)
        return existing
    row = PartnerCertificate(partner_id=partner_id, usage=usage,
                             certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
                             subject=certificate.subject.rfc4514_string()[:500],
                             issuer=certificate.issuer.rfc4514_string()[:500],
                             serial=format(certificate.serial_number, "x")[:80],
                             fingerprint=print_, not_before=not_before(certificate), not_after=not_after(certificate))
    s.add(row)
    return row


def certificate_rows(s: Session, partner_id: str,
                     usage: Literal["signing", "encryption"] | None = None) -> list[PartnerCertificate]:
    """The partner's unrevoked certificates for ``usage`` (expired ones included), newest first."""
    query = select(PartnerCertificate).where(PartnerCertificate.partner_id == partner_id,
                                             col(PartnerCertificate.revoked_at).is_(None))
    if usage is not None:
        query = query.where(col(PartnerCertificate.usage).in_([usage, "both"]))
    return list(s.exec(query.order_by(col(PartnerCertificate.not_before).desc(),
                                      col(PartnerCertificate.id).desc())).all())


_parsed: dict[str, x509.Certificate] = {}


def _certificate(row: PartnerCertificate) -> x509.Certificate:
    cached = _parsed.get(row.fingerprint)
    if cached is None:
        cached = _parsed[row.fingerprint] = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    return cached


def partner_certificates(s: Session, partner_id: str, usage: Literal["signing", "encryption"], *,
                         now: dt.datetime | None = None) -> list[x509.Certificate]:
    """The partner's unrevoked certificates for ``usage`` valid now, newest first (the first encrypts)."""
    moment = now or utcnow()
    return [_certificate(row) for row in certificate_rows(s, partner_id, usage)
            if row.not_before <= moment + dt.timedelta(minutes=5) and row.not_after >= moment]


def expired_certificates(s: Session, partner_id: str, usage: Literal["signing", "encryption"], *,
                         now: dt.datetime | None = None) -> list[PartnerCertificate]:
    """The partner's unrevoked certificates for ``usage`` that have expired (to say why nothing verifies)."""
    moment = now or utcnow()
    return [row for row in certificate_rows(s, partner_id, usage) if row.not_after < moment]


@dataclass(frozen=True)
class CertificateStatus:
    """One certificate as the operator sees it: whose, what for, until when."""

    owner: str  # "ours" or the partner id
    as2_id: str | None
    usage: str
    subject: str
    fingerprint: str
    not_after: dt.datetime
    days_left: int
    state: str  # valid, expiring, expired

    @property
    def subject_key(self) -> str:
        """The alert subject of this certificate (unique per owner and certificate)."""
        return f"certificate:{'ours' if self.owner == 'ours' else self.owner[:30]}:{self.fingerprint[:64]}"


def expiry_state(days_left: int, warning_days: int) -> str:
    """``expired``, ``expiring`` (within ``warning_days``, that day included) or ``valid``.

    The one rule of the pages, ``b2bgw partners show|check`` and the expiry alert.
    """
    return "expired" if days_left < 0 else "expiring" if days_left <= warning_days else "valid"


def certificate_overview(s: Session, *, warning_days: int, now: dt.datetime | None = None) -> list[CertificateStatus]:
    """Our unretired certificates and the partners' unrevoked ones, soonest expiry first."""
    moment = now or utcnow()
    rows: list[CertificateStatus] = []
    for ours in s.exec(select(As2Identity).where(col(As2Identity.retired_at).is_(None))).all():
        days = (ours.not_after - moment).days
        rows.append(CertificateStatus("ours", ours.as2_id, "both", ours.subject, ours.fingerprint, ours.not_after,
                                      days, expiry_state(days, warning_days)))
    names = dict(s.exec(select(Partner.id, Partner.as2_id)).all())
    for theirs in s.exec(select(PartnerCertificate).where(col(PartnerCertificate.revoked_at).is_(None))).all():
        days = (theirs.not_after - moment).days
        rows.append(CertificateStatus(theirs.partner_id, names.get(theirs.partner_id), theirs.usage, theirs.subject,
                                      theirs.fingerprint, theirs.not_after, days, expiry_state(days, warning_days)))
    return sorted(rows, key=lambda row: (row.not_after, row.owner))


def expiring_certificates(s: Session, *, warning_days: int, now: dt.datetime | None = None) -> list[CertificateStatus]:
    """Certificates expired or expiring within ``warning_days`` (the expiry alert's problems).

    A certificate replaced by a newer one of the same owner and use that is itself not expiring
    is no longer a problem: retire ours (``b2bgw as2 retire FINGERPRINT``) or revoke the
    partner's old one to close the alert; until then it stays one open incident, notified once.
    """
    return [row for row in certificate_overview(s, warning_days=warning_days, now=now) if row.state != "valid"]


__all__ = [
    "CertificateRefused",
    "CertificateStatus",
    "Usage",
    "certificate_overview",
    "certificate_rows",
    "expired_certificates",
    "expiring_certificates",
    "expiry_state",
    "import_partner_certificate",
    "partner_certificates",
]
