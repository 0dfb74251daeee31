"""AS2 tables: our key pairs, partners' certificates, and every AS2 message and MDN.

Our private keys are stored encrypted with ``B2BGW_KEY_PASSPHRASE`` when it is set (PKCS#8,
``BestAvailableEncryption``); they are never logged nor shown on a page. A message row keeps the
raw body as received or sent, and its MDN, beside the document it carried.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.store.tables import utcnow


class As2Identity(SQLModel, table=True):
    """One of our AS2 key pairs: the private key and the certificate partners verify us with."""

    __tablename__ = "gw_as2_identity"

    id: int | None = Field(default=None, primary_key=True)
    as2_id: str = Field(max_length=128, index=True, description="our AS2 name on messages signed with this key")
    private_key_pem: str = Field(sa_column=Column(Text, nullable=False))
    certificate_pem: str = Field(sa_column=Column(Text, nullable=False))
    subject: str = Field(max_length=500)
    fingerprint: str = Field(max_length=64, unique=True, description="SHA-256 of the certificate, hex")
    not_before: dt.datetime
    not_after: dt.datetime
    created_at: dt.datetime = Field(default_factory=utcnow)
    retired_at: dt.datetime | None = None


class PartnerCertificate(SQLModel, table=True):
    """A partner's certificate: what its signatures are verified with and what we encrypt to."""

    __tablename__ = "gw_partner_certificate"
    __table_args__ = (UniqueConstraint("partner_id", "fingerprint", name="uq_gw_partner_certificate"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: str = Field(foreign_key="gw_partner.id", index=True, max_length=64)
    usage: str = Field(default="both", max_length=16, description="signing, encryption or both")
    certificate_pem: str = Field(sa_column=Column(Text, nullable=False))
    subject: str = Field(max_length=500)
    issuer: str = Field(max_length=500)
    serial: str = Field(max_length=80)
    fingerprint: str = Field(max_length=64, description="SHA-256 of the certificate, hex")
    not_before: dt.datetime
    not_after: dt.datetime
    created_at: dt.datetime = Field(default_factory=utcnow)
    revoked_at: dt.datetime | None = None


class As2Message(SQLModel, table=True):
    """One AS2 message, received or sent, with its MDN (the receipt) and how it ended.

    ``(direction, as2_from, message_id)`` is unique: a partner's resend of a Message-ID already
    received is answered with the original MDN and makes no second document.
    """

    __tablename__ = "gw_as2_message"
    __table_args__ = (UniqueConstraint("direction", "as2_from", "message_id", name="uq_gw_as2_message"),)

    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=3, description="in or out")
    message_id: str = Field(max_length=998)
    as2_from: str = Field(max_length=128)
    as2_to: str = Field(max_length=128)
    partner_id: str | None = Field(default=None, foreign_key="gw_partner.id", index=True, max_length=64)
    document_id: int | None = Field(default=None, foreign_key="gw_document.id", index=True)
    outbox_id: int | None = Field(default=None, foreign_key="gw_outbox.id", index=True)
    state: str = Field(max_length=24, description="received, processed, failed, sent, acknowledged, negative")
    headers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    signed: bool = False
    encrypted: bool = False
    compressed: bool = False
    mic: str | None = Field(default=None, max_length=200, description="the message integrity check, 'base64, alg'")
    mdn_mode: str = Field(default="none", max_length=8, description="sync, async or none")
    mdn_url: str | None = Field(default=None, max_length=1000, description="Receipt-Delivery-Option")
    mdn_headers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    mdn_raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    disposition: str | None = Field(default=None, max_length=500)
    error: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    mdn_at: dt.datetime | None = None
