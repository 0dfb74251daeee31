"""Adding, reading and changing trading partners: the one place the CLI, the API and /admin call.

Every change checks the identities and settings (:mod:`gateway.onboarding.settings`), refuses a
second partner with the same id, X12 identity or AS2 name, and writes an audit entry with what
changed, before and after, in the caller's session: the caller commits the change and its
record together. Secrets never reach the audit log nor a view (:func:`shown_settings`: the
settings with passwords, tokens and Authorization headers hidden, and the password of a URL
``scheme://user:password@host`` too). A new URL with a password in it is refused: it would be
shown wherever the URL is (the outbox, the delivery history), and the transports do not send it
anyway; the credential goes in ``delivery.headers.Authorization``, which is never shown. Settings
sent back as they were shown (a "(hidden)" value, a URL stored before with its password hidden)
keep what is stored.

Functions take a :class:`~sqlmodel.Session` and do not commit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from gateway.as2.tables import As2Identity, PartnerCertificate
from gateway.auth.audit import audit
from gateway.auth.tables import PartnerCredential
from gateway.onboarding.identity import CHANGEABLE_FIELDS, PartnerIdentity, identity_of, validate_identity
from gateway.onboarding.settings import HIDDEN, SettingsError, redacted, settings_problems, validate_settings
from gateway.onboarding.views import (
    CertificateView,
    CredentialView,
    OurAs2View,
    PartnerDetail,
    PartnerSummary,
    status_of,
)
from gateway.partners import ensure_partner
from gateway.store.tables import Partner, aware, utcnow

NULLABLE_FIELDS = frozenset({"x12_application_id", "our_x12_application_id", "as2_id"})
"""Columns a change may clear (None or ""); for the others None means "leave as it is"."""


class PartnerError(Exception):
    """Something about partners that cannot be done (the subclasses say what, for 404 and 409)."""


class PartnerNotFound(PartnerError, LookupError):
    """No partner has this id."""


class PartnerConflict(PartnerError):
    """The change would make a second partner with the same id, X12 identity or AS2 name, or repeat a state."""


URL_PASSWORD = re.compile(r"^([a-z][a-z0-9+.-]*://[^/?#@\s:]*):([^/?#@\s]*)@", re.IGNORECASE)
"""``scheme://user:password@``: a URL carrying a password in its user information."""


def hide_url_password(text: str) -> str:
    """``text`` with the password of a ``scheme://user:password@host`` URL replaced by "(hidden)"."""
    return URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{HIDDEN}@", text, count=1)


URL_PASSWORD_ANYWHERE = re.compile(URL_PASSWORD.pattern.removeprefix("^"), re.IGNORECASE)


def hide_url_passwords(text: str) -> str:
    """``text`` (an error message, a log line) with the password of every URL in it replaced by "(hidden)"."""
    return URL_PASSWORD_ANYWHERE.sub(lambda m: f"{m.group(1)}:{HIDDEN}@", text)


def _walk(value: Any, on_text: Any) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, on_text) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, on_text) for v in value]
    return on_text(value) if isinstance(value, str) else value


def shown_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings as views and the audit log show them: secrets by name hidden, and URL passwords."""
    hidden: dict[str, Any] = _walk(redacted(dict(settings)), hide_url_password)
    return hidden


def _as_stored(submitted: Any, stored: Any) -> Any:
    """``submitted`` with what was shown hidden put back as stored: a "(hidden)" value, a URL with its password hidden.

    So settings read from a view and sent back (the /admin form, an API client) keep their secrets.
    """
    if submitted == HIDDEN and stored is not None:
        return stored
    if isinstance(submitted, dict):
        base = stored if isinstance(stored, dict) else {}
        return {k: _as_stored(v, base.get(k)) for k, v in submitted.items()}
    if isinstance(submitted, list) and isinstance(stored, list) and len(submitted) == len(stored):
        return [_as_stored(v, w) for v, w in zip(submitted, stored, strict=True)]
    if isinstance(submitted, str) and isinstance(stored, str) and submitted != stored \
            and hide_url_password(stored) == submitted:
        return stored
    return submitted


def _url_passwords(settings: Mapping[str, Any], before: Mapping[str, Any], path: str = "settings") -> list[
        tuple[str, str]]:
    """A problem for each URL with a password that is new in ``settings`` (one stored before stays)."""
    problems: list[tuple[str, str]] = []
    for key, value in settings.items():
        where, was = f"{path}.{key}", before.get(key) if isinstance(before, Mapping) else None
        if isinstance(value, Mapping):
            problems += _url_passwords(value, was if isinstance(was, Mapping) else {}, where)
        elif isinstance(value, str) and value != was and URL_PASSWORD.match(value):
            problems.append((where, "a URL with a password (user:password@) would show it wherever the URL is "
                                    "shown; give the URL without it and the credential in "
                                    "delivery.headers.Authorization (never shown)"))
    return problems


def get_partner(s: Session, partner_id: str) -> Partner:
    """The partner ``partner_id``; PartnerNotFound otherwise."""
    partner = s.get(Partner, partner_id)
    if partner is None:
        raise PartnerNotFound(f"no partner {partner_id!r}")
    return partner


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").strip().upper() == (b or "").strip().upper()


def _conflicts(s: Session, identity: PartnerIdentity) -> None:
    """PartnerConflict if another partner already has this X12 identity or AS2 name."""
    others = s.exec(select(Partner).where(Partner.id != identity.id)).all()
    for other in others:
        if _same(other.x12_qualifier, identity.x12_qualifier) and _same(other.x12_id, identity.x12_id):
            raise PartnerConflict(f"x12_id: partner {other.id!r} already has the X12 identity "
                                  f"{identity.x12_qualifier}:{identity.x12_id}; interchanges from it could not "
                                  "be told apart")
        if identity.as2_id and other.as2_id and other.as2_id.strip() == identity.as2_id.strip():
            raise PartnerConflict(f"as2_id: partner {other.id!r} already has the AS2 name {identity.as2_id!r}")


def default_our_x12_id(s: Session) -> tuple[str, str] | None:
    """Our X12 qualifier and id as most partners know us, for a new partner that does not say; None if none."""
    counts = Counter((p.our_x12_qualifier, p.our_x12_id) for p in s.exec(select(Partner)).all())
    return counts.most_common(1)[0][0] if counts else None


def add_partner(s: Session, fields: Mapping[str, Any], settings: Mapping[str, Any] | None = None, *,
                actor: str) -> Partner:
    """Create a partner (with its control-number counters) from ``fields`` (the columns) and ``settings``.

    Left out: ``x12_id`` is the id in capitals (for UBL and cXML partners, whose X12 identity is
    never read), ``our_x12_*`` what most partners know us as. SettingsError names a bad field;
    PartnerConflict a duplicate id, X12 identity or AS2 name.
    """
    values = {k: v for k, v in fields.items() if v is not None}
    partner_id = str(values.get("id", ""))
    values.setdefault("x12_id", partner_id.upper()[:15])
    if "our_x12_id" not in values:
        ours = default_our_x12_id(s)
        if ours is not None:
            values.setdefault("our_x12_qualifier", ours[0])
            values["our_x12_id"] = ours[1]
    problems: list[tuple[str, str]] = []
    identity: PartnerIdentity | None = None
    stored: dict[str, Any] = {}
    try:
        identity = validate_identity(values)
    except SettingsError as exc:
        problems += exc.problems
    try:
        stored = validate_settings(dict(settings or {}))
    except SettingsError as exc:
        problems += exc.problems
    problems += _url_passwords(dict(settings or {}), {})
    if problems or identity is None:
        raise SettingsError(problems)
    if s.get(Partner, identity.id) is not None:
        raise PartnerConflict(f"id: partner {identity.id!r} exists already (change it with set)")
    _conflicts(s, identity)
    partner = ensure_partner(s, Partner(**identity.model_dump(), settings=stored))
    audit(s, actor=actor, action="partner.add", target=f"partner:{partner.id}",
          fields=identity.model_dump(exclude={"id"}), settings=shown_settings(stored))
    return partner


def commit(s: Session) -> None:
    """Commit an add or change; PartnerConflict when another one, made at the same moment, took the id or AS2 name.

    The checks before the write see what is committed; two operators adding the same id at once
    both pass them, and the database's unique keys decide. The loser is told, not answered 500.
    """
    try:
        s.commit()
    except IntegrityError as exc:
        s.rollback()
        raise PartnerConflict(f"another change took the same partner id, X12 counter or AS2 name at the same moment; "
                              f"nothing was stored ({type(exc.orig).__name__})") from None


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {key: {"before": before.get(key), "after": after.get(key)}
            for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)}


def update_partner(s: Session, partner_id: str, *, fields: Mapping[str, Any] | None = None,
                   set_settings: Mapping[str, Any] | None = None, unset_settings: Iterable[str] = (),
                   actor: str) -> Partner:
    """Change some columns and settings of a partner; what is not named stays as it is.

    A field given as None is left as it is, except the optional ones (:data:`NULLABLE_FIELDS`),
    which it clears. ``set_settings`` replaces whole top-level settings (``delivery`` is given whole);
    ``unset_settings`` removes keys (back to their default). The result is checked as a whole:
    SettingsError names every bad field (a stored setting that was already invalid too, so it
    can be fixed or unset in the same change). Audited with the before and after of each change.
    """
    partner = get_partner(s, partner_id)
    wanted = {k: v for k, v in (fields or {}).items() if v is not None or k in NULLABLE_FIELDS}
    if "id" in wanted and wanted["id"] != partner_id:
        raise SettingsError([("id", "a partner's id cannot change (it is in its documents and URLs); add a new "
                                    "partner instead")])
    unknown = [k for k in wanted if k not in CHANGEABLE_FIELDS and k != "id"]
    if unknown:
        raise SettingsError([(k, "unknown field") for k in unknown])
    before_identity = identity_of(partner)
    before_settings = dict(partner.settings or {})
    candidate = {**before_settings, **_as_stored(dict(set_settings or {}), before_settings)}
    problems: list[tuple[str, str]] = []
    for key in unset_settings:
        if key not in candidate:
            problems.append((f"settings.{key}", "is not set"))
        candidate.pop(key, None)
    identity: PartnerIdentity | None = None
    stored: dict[str, Any] = {}
    try:
        identity = validate_identity({**before_identity, **wanted})
    except SettingsError as exc:
        problems += exc.problems
    try:
        stored = validate_settings(candidate)
    except SettingsError as exc:
        problems += exc.problems
    problems += _url_passwords(candidate, before_settings)
    if problems or identity is None:
        raise SettingsError(problems)
    _conflicts(s, identity)
    after_identity = identity.model_dump()
    field_changes = _changes(before_identity, after_identity)
    setting_changes = _changes(shown_settings(before_settings), shown_settings(stored))
    secret_changed = [k for k in set(before_settings) | set(stored)
                      if before_settings.get(k) != stored.get(k) and k not in setting_changes]
    for key in secret_changed:  # only a hidden value changed: say so, without the value
        setting_changes[key] = {"before": "(hidden)", "after": "(hidden, changed)"}
    if not field_changes and not setting_changes:
        return partner
    for name, value in after_identity.items():
        setattr(partner, name, value)
    partner.settings = stored
    s.add(partner)
    audit(s, actor=actor, action="partner.update", target=f"partner:{partner_id}",
          fields=field_changes, settings=setting_changes)
    return partner


def disable_partner(s: Session, partner_id: str, *, reason: str, actor: str) -> Partner:
    """Stop the partner: every channel refuses it from now on (its documents stay). PartnerConflict if it is."""
    partner = get_partner(s, partner_id)
    text = reason.strip()
    if not text:
        raise SettingsError([("reason", "say why the partner is disabled (it is shown with every refusal)")])
    if partner.disabled_at is not None:
        raise PartnerConflict(f"partner {partner_id!r} is already disabled since "
                              f"{aware(partner.disabled_at):%Y-%m-%d %H:%M} UTC: {partner.disabled_reason}")
    partner.disabled_at = utcnow()
    partner.disabled_reason = text[:500]
    s.add(partner)
    audit(s, actor=actor, action="partner.disable", target=f"partner:{partner_id}", reason=text[:500])
    return partner


def enable_partner(s: Session, partner_id: str, *, actor: str) -> Partner:
    """Let a disabled partner in again. PartnerConflict if it is not disabled."""
    partner = get_partner(s, partner_id)
    if partner.disabled_at is None:
        raise PartnerConflict(f"partner {partner_id!r} is not disabled")
    audit(s, actor=actor, action="partner.enable", target=f"partner:{partner_id}",
          was_disabled_since=f"{aware(partner.disabled_at):%Y-%m-%dT%H:%M:%SZ}",
          reason_was=partner.disabled_reason)
    partner.disabled_at = None
    partner.disabled_reason = None
    s.add(partner)
    return partner


# -- reading ---------------------------------------------------------------------------------------------------


def problems_of(partner: Partner) -> list[str]:
    """What is invalid in a stored partner's identities and settings, each naming its field (empty: nothing)."""
    problems = settings_problems(dict(partner.settings or {}))
    try:
        validate_identity(identity_of(partner))
    except SettingsError as exc:
        problems = [f"{path}: {why}" for path, why in exc.problems] + problems
    return problems


def certificates_of(s: Session, partner_id: str, *, warning_days: int,
                    now: dt.datetime | None = None) -> list[CertificateView]:
    """The partner's AS2 certificates that are not revoked, soonest expiry first."""
    rows = s.exec(select(PartnerCertificate).where(PartnerCertificate.partner_id == partner_id,
                                                   col(PartnerCertificate.revoked_at).is_(None))
                  .order_by(col(PartnerCertificate.not_after))).all()
    moment = now or utcnow()
    return [CertificateView.of(row, now=moment, warning_days=warning_days) for row in rows]


def speaks_as2(partner: Partner) -> bool:
    """Whether the partner exchanges over AS2: an AS2 name, an ``as2`` route or AS2 options."""
    settings = partner.settings or {}
    route = settings.get("delivery")
    return bool(partner.as2_id or settings.get("as2")) or (isinstance(route, dict) and route.get("channel") == "as2")


def our_as2(s: Session, partner: Partner, default_as2_id: str) -> OurAs2View:
    """Our AS2 name toward ``partner`` and the certificate of our newest key pair for it (never the key)."""
    options = (partner.settings or {}).get("as2")
    as2_id = str(options.get("our_id") or default_as2_id) if isinstance(options, dict) else default_as2_id
    row = s.exec(select(As2Identity.fingerprint, As2Identity.not_after)  # type: ignore[call-overload]
                 .where(As2Identity.as2_id == as2_id, col(As2Identity.retired_at).is_(None))
                 .order_by(col(As2Identity.not_after).desc())).first()
    if row is None:
        return OurAs2View(as2_id=as2_id, fingerprint=None)
    not_after = aware(row[1])
    return OurAs2View(as2_id=as2_id, fingerprint=row[0], not_after=not_after,
                      days_left=(not_after - utcnow()).days if not_after else None)


def show_partner(s: Session, partner_id: str, *, warning_days: int = 30, include_revoked: bool = False,
                 our_as2_id: str = "B2BGW") -> PartnerDetail:
    """The partner whole (no secret): identities, settings, what is invalid, credentials, certificates.

    ``our_as2_id`` is the installation's AS2 name (``B2BGW_AS2_ID``), shown for AS2 partners
    that do not name another in ``settings.as2.our_id``.
    """
    partner = get_partner(s, partner_id)
    query = select(PartnerCredential).where(PartnerCredential.partner_id == partner_id)
    if not include_revoked:
        query = query.where(col(PartnerCredential.revoked_at).is_(None))
    credentials = [CredentialView.of(row) for row in s.exec(query.order_by(col(PartnerCredential.id))).all()]
    return PartnerDetail(
        **identity_of(partner), status=status_of(partner), disabled_at=aware(partner.disabled_at),
        disabled_reason=partner.disabled_reason, created_at=aware(partner.created_at) or partner.created_at,
        settings=shown_settings(partner.settings or {}), problems=problems_of(partner), credentials=credentials,
        certificates=certificates_of(s, partner_id, warning_days=warning_days),
        our_as2=our_as2(s, partner, our_as2_id) if speaks_as2(partner) else None)


def list_partners(s: Session) -> list[PartnerSummary]:
    """Every partner, by id, with its status, credential count, AS2 name and earliest certificate expiry."""
    partners = s.exec(select(Partner).order_by(col(Partner.id))).all()
    credentials = dict(s.exec(select(PartnerCredential.partner_id, func.count())  # type: ignore[call-overload]
                              .where(col(PartnerCredential.revoked_at).is_(None))
                              .group_by(col(PartnerCredential.partner_id))).all())
    expiry = dict(s.exec(select(PartnerCertificate.partner_id,  # type: ignore[call-overload]
                                func.min(PartnerCertificate.not_after))
                         .where(col(PartnerCertificate.revoked_at).is_(None))
                         .group_by(col(PartnerCertificate.partner_id))).all())
    summaries = []
    for p in partners:
        route = (p.settings or {}).get("delivery")
        summaries.append(PartnerSummary(
            id=p.id, name=p.name, customer_id=p.customer_id, standard=str((p.settings or {}).get("standard") or "x12"),
            x12=f"{p.x12_qualifier}:{p.x12_id}", as2_id=p.as2_id, status=status_of(p),
            disabled_reason=p.disabled_reason, credentials=int(credentials.get(p.id, 0)),
            certificate_expiry=aware(expiry.get(p.id)),
            delivery=str(route.get("channel")) if isinstance(route, dict) and route.get("channel") else None,
            problems=len(problems_of(p))))
    return summaries


__all__ = [
    "PartnerConflict",
    "PartnerError",
    "PartnerNotFound",
    "add_partner",
    "certificates_of",
    "commit",
    "default_our_x12_id",
    "disable_partner",
    "enable_partner",
    "get_partner",
    "list_partners",
    "our_as2",
    "problems_of",
    "show_partner",
    "speaks_as2",
    "update_partner",
]
