"""What is shown of a partner: the same views for ``b2bgw partners``, ``/api/partners`` and ``/admin``.

A view never holds a secret: credentials show their kind, label and dates (the secret was shown
once, when issued, and is not stored); settings are shown with passwords, tokens,
Authorization headers and the passwords of URLs (``https://user:(hidden)@host``) replaced
(:func:`gateway.onboarding.service.shown_settings`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from gateway.as2.certificates import expiry_state
from gateway.as2.tables import PartnerCertificate
from gateway.auth.tables import PartnerCredential
from gateway.store.tables import Partner, aware


class CredentialView(BaseModel):
    """One of the partner's credentials, without its secret."""

    id: int = Field(description="the credential id (to revoke it)")
    kind: str = Field(description="password (HTTP Basic), token (Bearer) or certificate (client certificate)")
    label: str = Field(description="what the operator called it")
    public_id: str | None = Field(description="a token's visible prefix, or a certificate's SHA-256 fingerprint")
    created_at: dt.datetime
    created_by: str
    last_used_at: dt.datetime | None = Field(description="last upload with it (updated at most once a minute)")
    revoked_at: dt.datetime | None = None

    @classmethod
    def of(cls, row: PartnerCredential) -> CredentialView:
        """The view of a stored credential."""
        return cls(id=row.id or 0, kind=row.kind, label=row.label, public_id=row.public_id,
                   created_at=aware(row.created_at) or row.created_at, created_by=row.created_by,
                   last_used_at=aware(row.last_used_at), revoked_at=aware(row.revoked_at))


class CertificateView(BaseModel):
    """One of the partner's AS2 certificates (what its signatures are verified with, what we encrypt to)."""

    id: int
    usage: str = Field(description="signing, encryption or both")
    subject: str
    issuer: str
    fingerprint: str = Field(description="SHA-256 of the certificate, hex")
    not_before: dt.datetime
    not_after: dt.datetime
    days_left: int = Field(description="whole days until not_after (negative: expired)")
    expiring: bool = Field(description="expired, or expires within B2BGW_CERTIFICATE_WARNING_DAYS")
    revoked_at: dt.datetime | None = None

    @classmethod
    def of(cls, row: PartnerCertificate, *, now: dt.datetime, warning_days: int) -> CertificateView:
        """The view of a stored certificate, its expiry counted from ``now``."""
        not_after = aware(row.not_after) or row.not_after
        days_left = (not_after - now).days
        return cls(id=row.id or 0, usage=row.usage, subject=row.subject, issuer=row.issuer,
                   fingerprint=row.fingerprint, not_before=aware(row.not_before) or row.not_before,
                   not_after=not_after, days_left=days_left,
                   expiring=expiry_state(days_left, warning_days) != "valid",
                   revoked_at=aware(row.revoked_at))


class OurAs2View(BaseModel):
    """Our AS2 side toward an AS2 partner: the name we use and the certificate it verifies us with."""

    as2_id: str = Field(description="our AS2 name toward the partner (settings.as2.our_id, else B2BGW_AS2_ID)")
    fingerprint: str | None = Field(description="SHA-256 of our current certificate; None: no key pair yet "
                                                "(b2bgw as2 keygen)")
    not_after: dt.datetime | None = None
    days_left: int | None = None


class PartnerSummary(BaseModel):
    """A partner in a list: who, whether active, how it authenticates and what expires."""

    id: str
    name: str
    customer_id: str = Field(description="the ERP customer it buys as")
    standard: str = Field(description="x12, ubl or cxml (settings.standard)")
    x12: str = Field(description="its X12 identity, ISA05:ISA06")
    as2_id: str | None = Field(description="its AS2 name, when it sends over AS2")
    status: str = Field(description="active or disabled")
    disabled_reason: str | None = None
    credentials: int = Field(description="active credentials (passwords, tokens, certificates)")
    certificate_expiry: dt.datetime | None = Field(description="the earliest expiry of its AS2 certificates")
    delivery: str | None = Field(description="its delivery channel (http, file, cxml, as2), none: documents wait "
                                             "in the outbox")
    problems: int = Field(description="how many stored settings or identities are invalid")


class PartnerDetail(BaseModel):
    """A partner whole: identities, settings (secrets hidden), credentials (no secrets), certificates."""

    id: str
    name: str
    customer_id: str
    x12_qualifier: str
    x12_id: str
    x12_application_id: str | None
    our_x12_qualifier: str
    our_x12_id: str
    our_x12_application_id: str | None
    x12_version: str
    usage: str
    as2_id: str | None
    status: str = Field(description="active or disabled")
    disabled_at: dt.datetime | None
    disabled_reason: str | None
    created_at: dt.datetime
    settings: dict[str, Any] = Field(description="the stored settings, passwords, tokens, Authorization "
                                                 "headers and URL passwords hidden")
    problems: list[str] = Field(description="what is invalid in the stored settings and identities, by field")
    credentials: list[CredentialView]
    certificates: list[CertificateView]
    our_as2: OurAs2View | None = Field(None, description="for an AS2 partner: our AS2 name and certificate")


def status_of(partner: Partner) -> str:
    """``active`` or ``disabled``."""
    return "disabled" if partner.disabled_at is not None else "active"


__all__ = ["CertificateView", "CredentialView", "OurAs2View", "PartnerDetail", "PartnerSummary", "aware",
           "status_of"]
