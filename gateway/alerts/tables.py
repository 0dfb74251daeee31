"""Alert incidents (``gw_alert_incident``): one row per problem the operator was told about.

``open_subject`` repeats ``subject`` while the incident is open and is NULL once it is closed; the
unique constraint on (kind, open_subject) makes "one open incident per problem" a database fact,
so two workers noticing the same dead letter at once still notify once (NULLs never collide, so
closed incidents pile up as history).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.store.tables import utcnow


class AlertIncident(SQLModel, table=True):
    """One problem: what kind, about what, since when, until when, and what was said."""

    __tablename__ = "gw_alert_incident"
    __table_args__ = (UniqueConstraint("kind", "open_subject", name="uq_gw_alert_open"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24, description="dead_letter, error_rate, missing_ack")
    subject: str = Field(max_length=120, description="document:12, outbox:7, partner:acme")
    open_subject: str | None = Field(default=None, max_length=120)
    summary: str
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    opened_at: dt.datetime = Field(default_factory=utcnow, index=True)
    closed_at: dt.datetime | None = None


__all__ = ["AlertIncident"]
