"""cXML buyers: who a request is from, whether its SharedSecret is right, how we address them.

Authentication follows the cXML Header (cxml-php's HeaderProcessor, in one function): the
``From`` credentials name the buyer (any of them may match a configured buyer, since Ariba sends
several), the ``Sender`` presents the SharedSecret (and, through a network hub, its own identity),
and one ``To`` credential must be ours as configured for that buyer. Each failure is an
:class:`AuthRefusal`: status 401 and one text for every reason, :data:`NOT_VALID`, so an answer
never tells an unknown buyer from a wrong secret (nor a wrong To from a missing secret); what did
not match (never the secret) is kept for the operator in the stored document's error. Every
refusal costs the same PBKDF2 a wrong secret costs, so the time taken tells nothing either.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from formats.cxml import Credential, Envelope, Routing
from gateway.partners import ensure_partner
from gateway.punchout.errors import CxmlRefusal
from gateway.punchout.secrets import ITERATIONS, hash_secret, verify_secret
from gateway.punchout.tables import CxmlBuyer
from gateway.store.tables import Partner

FORM_POST_FIELDS = ("cxml-urlencoded", "cxml-base64")


@dataclass(frozen=True)
class Buyer:
    """A configured cXML buyer and its trading partner row (detached, safe to pass around)."""

    config: CxmlBuyer
    partner: Partner

    @property
    def id(self) -> str:
        """The partner id."""
        return self.partner.id


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


NOT_VALID = "the credentials are not valid"
"""The text of every 401 ``/cxml`` answers, whatever did not match."""

MATCHED, WRONG, UNKNOWN_BUYER, NOT_CHECKED = "matched", "wrong", "unknown buyer", "not checked"
"""What became of a presented SharedSecret (the marker of the stored request says it: ``[redacted: wrong]``)."""


class AuthRefusal(CxmlRefusal):
    """401 :data:`NOT_VALID` for credentials that do not authenticate; the reason is for the operator only.

    ``detail`` says what did not match (stored with the request, logged; never in the answer),
    ``verdict`` what became of the SharedSecret (:data:`WRONG`, :data:`UNKNOWN_BUYER`,
    :data:`NOT_CHECKED`), ``reason`` the label of ``b2bgw_auth_failures``, and ``partner_id`` the
    buyer the From credential named, when it names one.
    """

    def __init__(self, detail: str, *, verdict: str, reason: str, partner_id: str | None = None) -> None:
        super().__init__(401, NOT_VALID)
        self.args = (detail,)  # str(): the reason, for logs and tests; the answer says only NOT_VALID
        self.detail = detail
        self.verdict = verdict
        self.reason = reason
        self.partner_id = partner_id


_DECOY: list[str] = []


def _decoy_hash() -> str:
    """A stored-hash lookalike no secret matches, to spend a wrong secret's PBKDF2 on every other refusal."""
    if not _DECOY:
        _DECOY.append(hash_secret("decoy", iterations=ITERATIONS, salt="b2bgw-no-buyer-has-this-salt"))
    return _DECOY[0]


def identify(s: Session, envelope: Envelope) -> CxmlBuyer | None:
    """The configured buyer one of the From credentials names (no secret checked: who the request claims to be)."""
    identities = [c.identity.strip() for c in envelope.from_]
    if not identities:
        return None
    candidates = s.exec(select(CxmlBuyer).where(col(CxmlBuyer.from_identity).in_(identities))).all()
    return next((b for b in candidates for c in envelope.from_
                 if _same(b.from_domain, c.domain) and b.from_identity == c.identity.strip()), None)


def _refused(envelope: Envelope, detail: str, *, verdict: str, reason: str, partner_id: str | None) -> AuthRefusal:
    verify_secret(envelope.shared_secret or "", _decoy_hash())  # the time a wrong secret takes
    return AuthRefusal(detail, verdict=verdict, reason=reason, partner_id=partner_id)


def authenticate(s: Session, envelope: Envelope) -> Buyer:
    """The buyer a request comes from, its credentials checked; :class:`AuthRefusal` otherwise."""
    if not envelope.from_:
        raise _refused(envelope, "the Header has no From credential", verdict=NOT_CHECKED, reason="no_from",
                       partner_id=None)
    config = identify(s, envelope)
    if config is None:
        named = ", ".join(f"{c.domain}/{c.identity}" for c in envelope.from_)
        raise _refused(envelope, f"unknown buyer: no cXML buyer is configured for the From credential {named}",
                       verdict=UNKNOWN_BUYER, reason="unknown_buyer", partner_id=None)
    buyer_id = config.partner_id
    if not any(_same(config.to_domain, c.domain) and _same(config.to_identity, c.identity) for c in envelope.to):
        named = ", ".join(f"{c.domain}/{c.identity}" for c in envelope.to) or "none"
        raise _refused(envelope, f"the To credential ({named}) is not ours for buyer {buyer_id}",
                       verdict=NOT_CHECKED, reason="wrong_to", partner_id=buyer_id)
    if config.sender_identity and not any(c.identity.strip() == config.sender_identity for c in envelope.sender):
        raise _refused(envelope, f"the Sender identity is not the one configured for buyer {buyer_id}",
                       verdict=NOT_CHECKED, reason="wrong_sender", partner_id=buyer_id)
    if envelope.shared_secret is None:
        raise _refused(envelope, f"the Sender credential has no SharedSecret (buyer {buyer_id})",
                       verdict=NOT_CHECKED, reason="no_secret", partner_id=buyer_id)
    if not verify_secret(envelope.shared_secret, config.secret_hash):
        raise AuthRefusal(f"the SharedSecret is wrong for buyer {buyer_id}", verdict=WRONG, reason="bad_secret",
                          partner_id=buyer_id)
    partner = s.get(Partner, config.partner_id)
    if partner is None:
        raise CxmlRefusal(500, f"buyer {config.partner_id} has no trading partner row")
    return Buyer(config, partner)


RECENT_SECONDS = 2.0
"""How long a successful authentication is taken as still true without reading the buyer again."""


class RecentBuyers:
    """Buyers recently authenticated by this process, by the exact credentials they presented.

    A punchout setup costs little besides reading the buyer's configuration, and a procurement
    system sends many with the same Header; so the writer of setup batches
    (:mod:`gateway.punchout.batching`) asks this first. Only a success is kept, keyed by every
    credential :func:`authenticate` looks at (the SharedSecret as its SHA-256, never the text),
    so a different or wrong secret always goes to the database and is refused there. A buyer
    changed or removed in the database (a secret rotated, a buyer disabled) takes effect within
    :data:`RECENT_SECONDS`, in every process, with no signal between them.
    """

    def __init__(self, seconds: float = RECENT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._kept: dict[tuple[object, ...], tuple[float, Buyer]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(envelope: Envelope) -> tuple[object, ...]:
        """Everything :func:`authenticate` decides on, as a dictionary key."""
        secret = envelope.shared_secret
        return (tuple((c.domain, c.identity) for c in envelope.from_),
                tuple((c.domain, c.identity) for c in envelope.to), tuple(c.identity for c in envelope.sender),
                hashlib.sha256(secret.encode()).digest() if secret is not None else None)

    def authenticate(self, s: Session, envelope: Envelope) -> Buyer:
        """:func:`authenticate`, answered from memory when the same credentials passed moments ago."""
        key = self.key(envelope)
        now = self._clock()
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and now - kept[0] < self.seconds:
            return kept[1]
        buyer = authenticate(s, envelope)
        with self._lock:
            if len(self._kept) > 1000:  # many distinct senders: start over rather than grow
                self._kept.clear()
            self._kept[key] = (now, buyer)
        return buyer


def buyer_of(s: Session, partner_id: str) -> Buyer | None:
    """The cXML buyer of a partner, or None when the partner does not speak cXML."""
    config = s.get(CxmlBuyer, partner_id)
    partner = s.get(Partner, partner_id) if config else None
    return Buyer(config, partner) if config is not None and partner is not None else None


def routing_to(config: CxmlBuyer, *, with_secret: bool = True) -> Routing:
    """The Header of a document we send to the buyer: from us, to them, our SharedSecret in Sender.

    ``with_secret=False`` for what travels through the user's browser (the punchout cart), which
    must never carry a SharedSecret.
    """
    us = Credential(config.to_domain, config.to_identity)
    return Routing(from_=[us], to=[Credential(config.from_domain, config.from_identity)], sender=us,
                   user_agent="b2b-gateway", shared_secret=config.our_secret if with_secret else None)


def buyer_settings(order_url: str | None) -> dict[str, object]:
    """A cXML buyer's partner settings: standard ``cxml``, and its documents delivered to ``order_url``."""
    settings: dict[str, object] = {"standard": "cxml"}
    if order_url:
        settings["delivery"] = {"channel": "cxml", "destination": order_url}
    return settings


def add_buyer(s: Session, *, partner_id: str, name: str, customer_id: str, from_domain: str, from_identity: str,
              shared_secret: str, to_domain: str = "DUNS", to_identity: str = "b2bgw-seller",
              sender_identity: str | None = None, our_secret: str | None = None, order_url: str | None = None,
              form_post_field: str = "cxml-urlencoded", session_minutes: int = 60) -> Buyer:
    """Create a cXML buyer with its partner row unless it exists (idempotent); the secret is stored hashed."""
    if form_post_field not in FORM_POST_FIELDS:
        raise ValueError(f"form_post_field must be one of {', '.join(FORM_POST_FIELDS)}, not {form_post_field!r}")
    partner = ensure_partner(s, Partner(id=partner_id, name=name, customer_id=customer_id,
                                        x12_id=partner_id[:15].upper(), our_x12_id="B2BGWSELLER",
                                        settings=buyer_settings(order_url)))
    config = s.get(CxmlBuyer, partner_id)
    if config is None:
        config = CxmlBuyer(partner_id=partner_id, from_domain=from_domain, from_identity=from_identity,
                           sender_identity=sender_identity, to_domain=to_domain, to_identity=to_identity,
                           secret_hash=hash_secret(shared_secret), our_secret=our_secret,
                           form_post_field=form_post_field, session_minutes=session_minutes)
        s.add(config)
        s.flush()
    return Buyer(config, partner)


__all__ = ["FORM_POST_FIELDS", "MATCHED", "NOT_CHECKED", "NOT_VALID", "RECENT_SECONDS", "UNKNOWN_BUYER", "WRONG",
           "AuthRefusal", "Buyer", "RecentBuyers", "add_buyer", "authenticate", "buyer_of", "buyer_settings",
           "identify", "routing_to"]
