"""OCI buyers: an SAP system (SRM, S/4HANA, Ariba via OCI) calling up our catalog with a login form.

An OCI buyer is a trading partner (``gw_partner``) whose ``settings["oci"]`` says how its SAP
system calls us and what its cart must carry; no table of its own, because everything is
per-buyer options read in one place (here), like the rest of ``Partner.settings``::

    {"version": "4.0",                      OCI_VERSION we write when the call-up does not say
     "username_field": "USERNAME", "password_field": "PASSWORD",   the login field names
     "username": "srm-acme", "password_hash": "pbkdf2_sha256$...",  (never the password itself)
     "hook_field": "HOOK_URL", "charset": "utf-8",
     "units": {"ST": "H87"},               ISO unit overrides on top of formats.oci's table
     "vendor": "0000100042",                our vendor number in the buyer's SAP (NEW_ITEM-VENDOR)
     "matgroup": {"Writing instruments": "OFFICE"}, "default_matgroup": "MISC",
     "contract": "4600000012",              the buyer's contract number, if any
     "cust_fields": {"CUST_FIELD1": "{category}"},   templates over the item (see cart.py)
     "order_channel": "cxml",               how the PO arrives: cxml, x12 or ubl
     "session_minutes": 60}

The partner's ``settings["standard"]`` is the order channel, so the confirmations, ship notices
and invoices of its orders go back the way its orders came. A cXML order channel also needs the
cXML buyer configuration (:func:`gateway.punchout.buyers.add_buyer`) for its OrderRequests.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from formats.codes.units import UnitMap
from formats.oci import VERSIONS, OciVersion, buyer_units
from gateway.partners import ensure_partner
from gateway.punchout.secrets import hash_secret, verify_secret
from gateway.store.tables import Partner

ORDER_CHANNELS = ("cxml", "x12", "ubl")
DUMMY_HASH = hash_secret("no such buyer", salt="oci-dummy")
"""Checked against when no buyer has the username, so a wrong name costs the same time as a wrong password."""


@dataclass(frozen=True)
class OciBuyer:
    """One buyer's OCI options (see module doc), read from its partner row."""

    partner_id: str
    name: str
    customer_id: str
    username: str
    password_hash: str
    version: OciVersion = "4.0"
    username_field: str = "USERNAME"
    password_field: str = "PASSWORD"
    hook_field: str = "HOOK_URL"
    charset: str = "utf-8"
    units: Mapping[str, str] = field(default_factory=dict)
    vendor: str | None = None
    matgroup: Mapping[str, str] = field(default_factory=dict)
    default_matgroup: str | None = None
    contract: str | None = None
    cust_fields: Mapping[str, str] = field(default_factory=dict)
    order_channel: str = "cxml"
    session_minutes: int = 60

    @classmethod
    def of(cls, partner: Partner) -> OciBuyer | None:
        """The OCI options of ``partner``; None when it is not an OCI buyer."""
        options: dict[str, Any] = dict(partner.settings.get("oci") or {})
        if not options.get("username") or not options.get("password_hash"):
            return None
        known = {name for name in cls.__dataclass_fields__ if name not in ("partner_id", "name", "customer_id")}
        return cls(partner_id=partner.id, name=partner.name, customer_id=partner.customer_id,
                   **{k: v for k, v in options.items() if k in known})

    def unit_map(self) -> UnitMap:
        """The buyer's ISO units: formats.oci's table with its overrides."""
        return buyer_units(dict(self.units))

    def matgroup_of(self, category: str | None) -> str | None:
        """The buyer's material group for one of our categories, else its default."""
        return self.matgroup.get(category or "", self.default_matgroup)


def oci_buyers(s: Session) -> list[OciBuyer]:
    """Every configured OCI buyer (partners with ``settings["oci"]``)."""
    found = (OciBuyer.of(p) for p in s.exec(select(Partner)).all())
    return sorted((b for b in found if b is not None), key=lambda b: b.partner_id)


def oci_buyer(s: Session, partner_id: str) -> OciBuyer | None:
    """The OCI buyer ``partner_id``, or None."""
    partner = s.get(Partner, partner_id)
    return OciBuyer.of(partner) if partner is not None else None


def claimed(s: Session, fields: Mapping[str, str], partner_id: str | None = None) -> tuple[OciBuyer | None, str]:
    """The buyer whose username ``fields`` carry (password not checked), and the username claimed.

    Each buyer names its own login fields, so the candidates are the buyers whose username field
    holds their username (or only ``partner_id`` when the call-up URL names the buyer). With no
    such buyer the username claimed is the ``USERNAME`` field's: what a guesser is counted on.
    """
    candidates = [oci_buyer(s, partner_id)] if partner_id else oci_buyers(s)
    for buyer in candidates:
        if buyer is None:
            continue
        given = fields.get(buyer.username_field, "")
        if hmac.compare_digest(given.strip().encode(), buyer.username.encode()):
            return buyer, buyer.username
    return None, fields.get("USERNAME", "").strip()


def password_matches(buyer: OciBuyer | None, fields: Mapping[str, str]) -> bool:
    """Whether ``fields`` carry ``buyer``'s password, in constant time; a missing buyer costs a dummy check."""
    if buyer is None:
        verify_secret(fields.get("PASSWORD", "") + "\0", DUMMY_HASH)
        return False
    return verify_secret(fields.get(buyer.password_field), buyer.password_hash)


def add_oci_buyer(s: Session, *, partner_id: str, name: str, customer_id: str, username: str, password: str,
                  version: OciVersion = "4.0", order_channel: str = "cxml", **options: Any) -> OciBuyer:
    """Create an OCI buyer unless it exists (idempotent); the password is stored hashed.

    ``options`` are the other keys of ``settings["oci"]`` (see module doc).
    """
    if version not in VERSIONS:
        raise ValueError(f"OCI version must be one of {', '.join(VERSIONS)}, not {version!r}")
    if order_channel not in ORDER_CHANNELS:
        raise ValueError(f"order_channel must be one of {', '.join(ORDER_CHANNELS)}, not {order_channel!r}")
    unknown = set(options) - set(OciBuyer.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown OCI options: {', '.join(sorted(unknown))}")
    settings: dict[str, Any] = {"standard": order_channel, "oci": {
        "username": username, "password_hash": hash_secret(password), "version": version,
        "order_channel": order_channel, **options}}
    existing = s.get(Partner, partner_id)
    if existing is not None and "oci" not in existing.settings:
        existing.settings = {**existing.settings, "oci": settings["oci"]}
        s.add(existing)
        s.flush()
    partner = ensure_partner(s, Partner(id=partner_id, name=name, customer_id=customer_id,
                                        x12_id=partner_id[:15].upper(), our_x12_id="B2BGWSELLER", settings=settings))
    buyer = OciBuyer.of(partner)
    if buyer is None:
        raise ValueError(f"partner {partner_id} exists without OCI settings")
    return buyer


__all__ = ["ORDER_CHANNELS", "OciBuyer", "add_oci_buyer", "claimed", "oci_buyer", "oci_buyers", "password_matches"]
