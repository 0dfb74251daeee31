"""Tables of cXML buyers and their punchout sessions (SQLModel).

A cXML buyer is a trading partner (``gw_partner``, so its documents, order links and ERP events
work like every other partner's) plus what cXML needs on top: the credentials its procurement
system presents, the hash of its SharedSecret, our own SharedSecret for what we send, and how
its cart goes back (``cxml-urlencoded`` or ``cxml-base64``). Where confirmations, ship notices and
invoices are posted is the partner's delivery route (``settings["delivery"]``, channel ``cxml``).

A punchout session is one PunchOutSetupRequest: what the buyer said (BuyerCookie, BrowserFormPost,
extrinsics, contact, ShipTo), the single-use StartPage token (only its hash is stored), the browser
key of the session cookie (hashed too) and the cart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from gateway.store.tables import utcnow


class CxmlBuyer(SQLModel, table=True):
    """A buyer's procurement system speaking cXML to us.

    ``secret_hash`` is the salted PBKDF2 of the SharedSecret the buyer sends (see
    :mod:`gateway.punchout.secrets`); ``our_secret`` is the SharedSecret *we* present in what we
    post to the buyer and has to be kept readable for that.
    """

    __tablename__ = "gw_cxml_buyer"
    __table_args__ = (Index("ix_gw_cxml_buyer_from", "from_domain", "from_identity"),)

    partner_id: str = Field(primary_key=True, foreign_key="gw_partner.id", max_length=64)
    from_domain: str = Field(max_length=64, description="the buyer's From credential domain (NetworkID, DUNS ...)")
    from_identity: str = Field(max_length=200)
    sender_identity: str | None = Field(default=None, max_length=200,
                                        description="the Sender identity when it differs from From (a network hub)")
    to_domain: str = Field(default="DUNS", max_length=64, description="our credential as the buyer addresses us")
    to_identity: str = Field(max_length=200)
    secret_hash: str = Field(max_length=200)
    our_secret: str | None = Field(default=None, max_length=200)
    form_post_field: str = Field(default="cxml-urlencoded", max_length=20,
                                 description="cxml-urlencoded or cxml-base64: how the cart is posted back")
    session_minutes: int = 60
    created_at: dt.datetime = Field(default_factory=utcnow)


class PunchoutSession(SQLModel, table=True):
    """One punchout session opened by a PunchOutSetupRequest, with its cart."""

    __tablename__ = "gw_punchout_session"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: str = Field(foreign_key="gw_partner.id", max_length=64, index=True)
    document_id: int | None = Field(default=None, foreign_key="gw_document.id",
                                    description="the stored PunchOutSetupRequest")
    operation: str = Field(max_length=8, description="create, edit or inspect")
    buyer_cookie: str = Field(sa_column=Column(Text, nullable=False))
    browser_form_post: str = Field(max_length=1000)
    extrinsics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    contacts: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ship_to: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    selected_sku: str | None = Field(default=None, max_length=64)
    cart: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                                       description="[{sku, quantity, buyer line fields ...}] in cart order")
    token_hash: str = Field(max_length=64, unique=True, description="SHA-256 of the StartPage token")
    token_expires_at: dt.datetime
    token_used_at: dt.datetime | None = None
    browser_key_hash: str | None = Field(default=None, max_length=64, index=True)
    expires_at: dt.datetime
    transferred_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class PunchoutItem(SQLModel, table=True):
    """What a punchout cart line says about an item beyond the ERP's price list.

    The ERP knows SKU, description, unit, category, UNSPSC and price; buyers' catalogues also want
    the manufacturer's part number and name and the lead time, which sellers maintain here.
    """

    __tablename__ = "gw_punchout_item"

    sku: str = Field(primary_key=True, max_length=64)
    manufacturer_part_id: str | None = Field(default=None, max_length=100)
    manufacturer_name: str | None = Field(default=None, max_length=200)
    lead_time_days: int | None = None
