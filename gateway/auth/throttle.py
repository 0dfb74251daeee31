"""Brute-force limits: wrong credentials counted per credential and per client address, then a lockout.

Every door that checks a secret (cXML SharedSecret, OCI call-up password, API bearer tokens, the
/admin sign-in, partner uploads) asks three things of this module::

    attempt = Attempt(channel="oci", credential=f"oci:{username}", client=client_address(request))
    if locked_for(engine, attempt, settings) is not None:
        record_failure(engine, attempt, settings, reason="locked")   # a metric only, no write
        ...answer exactly as for a wrong secret...
    elif secret is wrong:
        record_failure(engine, attempt, settings, reason="bad_secret")
        ...answer...
    else:
        record_success(engine, attempt, settings)

Rules (``B2BGW_AUTH_*``): ``auth_max_failures`` failures on one credential start a lockout of
``auth_lockout_seconds``; each further failure doubles it, up to ``auth_lockout_max_seconds``.
One client address gets ``auth_client_max_failures`` failures, whatever it guessed at, before it
is locked out the same way, so one address cannot try many buyers or tokens, and many addresses
cannot share the guesses at one credential. A counter is forgotten once
``auth_failure_window_seconds`` have passed since its last failure and its lockout ended.

While locked, even the right secret is refused, with the same answer as a wrong one: the caller
does not check the secret at all, so a lockout is no oracle either. Refusals during a lockout are
counted in ``b2bgw_auth_failures{reason="locked"}`` but neither extend the lockout nor write to
the database: an attacker hammering a locked door costs one indexed read per request.

The counters live in ``gw_auth_throttle``, shared by every process on the database, so a
lockout holds behind a load balancer. A failure is one upsert (``INSERT ... ON CONFLICT DO
UPDATE``, on SQLite and PostgreSQL alike) in its own short transaction, so two processes failing
at once both count. Call these functions outside any write transaction of your own: SQLite has
one writer, and a second connection's write in the same thread would wait for the first forever.

The success path is the hot one (every cXML request, every API call): :func:`locked_for` is one
read of both keys through the unique index, and :func:`record_success` writes only when that read
saw a counter on the credential (remembered in this process, keyed by the credential): a success
after no failures costs nothing more. A counter set by another process between the two calls is
left for the window to forget, which errs on the side of caution. Measured on the 2-core dev box:
``locked_for`` 0.2 ms on SQLite, 0.5 ms on PostgreSQL; a bearer token's check went from 0.32 to
0.61 ms (SQLite) and from 1.5 to 2.1 ms (PostgreSQL). A process-local cache of "no counter" was
not taken: another process's failures would not be seen, and a lockout must hold across workers.

Each failure writes an audit entry ``auth.failed`` (actor: the client address; target: the
credential; details: channel, reason, failures, locked_until; never the secret), and each lockout
that begins one ``auth.locked`` with the scope that earned it; ``b2bgw_auth_lockouts{channel,
scope}`` counts those.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from gateway.auth.audit import audit
from gateway.auth.tables import AuthThrottle
from gateway.config import Settings
from gateway.observability.metrics import AUTH_FAILURES, AUTH_LOCKOUTS
from gateway.store.tables import aware, utcnow

log = logging.getLogger(__name__)

CREDENTIAL = "credential"
CLIENT = "client"
LOCKED = "locked"
"""The ``reason`` of a refusal during a lockout: counted, nothing written."""

KEY_LENGTH = 200
"""``gw_auth_throttle.key`` is at most this long; longer credentials (an attacker's buyer id) are cut."""
AUDIT_LENGTH = 120
PURGE_EVERY = 200
"""Every this many failures a process deletes the counters the window has forgotten."""


@dataclass(frozen=True)
class Attempt:
    """One presentation of a secret: where, at what, from whom."""

    channel: str
    """Metrics and audit label: ``cxml``, ``oci``, ``token``, ``admin``, ``edi``."""
    credential: str
    """What was guessed at: ``cxml:<buyer id>``, ``oci:<USERNAME>``, ``token:<public id>`` (or
    ``token:unknown``), ``admin``, ``edi:<partner>``."""
    client: str
    """The client's address (:func:`gateway.api.client.client_address`)."""
    lock_credential: bool = True
    """False for a name anyone can use without knowing anything, such as ``token:unknown`` (every token
    not in our format, the installation's operator token among them): locking it would lock out its
    rightful holder for everyone, so only the client address is counted and locked."""

    def counters(self) -> list[tuple[str, str]]:
        """The counters this attempt touches, as (scope, key): the credential's (if counted), then the client's."""
        client = (CLIENT, _text(self.client or "unknown", KEY_LENGTH))
        return [(CREDENTIAL, _text(self.credential, KEY_LENGTH)), client] if self.lock_credential else [client]


class _Seen:
    """Credentials whose counter :func:`locked_for` saw in this process, so a success knows to clear it."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def add(self, key: str) -> None:
        with self._lock:
            if len(self._keys) >= self.LIMIT:  # a flood of distinct guesses: forget, the window forgets too
                self._keys.clear()
            self._keys.add(key)

    def pop(self, key: str) -> bool:
        with self._lock:
            if key in self._keys:
                self._keys.discard(key)
                return True
            return False


_seen = _Seen()
_failures_since_purge = 0


def locked_for(engine: Engine, attempt: Attempt, settings: Settings) -> float | None:
    """Seconds left of a lockout on the attempt's credential or client address, or None: one indexed read."""
    del settings  # the lockout's end is stored; kept in the signature for callers' symmetry
    counters = attempt.counters()
    table = AuthThrottle.__table__  # type: ignore[attr-defined]
    query = select(table.c.scope, table.c.key, table.c.locked_until).where(
        or_(*(and_(table.c.scope == scope, table.c.key == key) for scope, key in counters)))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    now = utcnow()
    left: float | None = None
    for scope, key, until in rows:
        if scope == CREDENTIAL:
            _seen.add(key)
        until = aware(until)
        if until is not None and until > now:
            seconds = (until - now).total_seconds()
            left = seconds if left is None else max(left, seconds)
    return left


def lockout_seconds(failures: int, threshold: int, settings: Settings) -> float | None:
    """The lockout ``failures`` earn against ``threshold``: none below it, then doubling up to the cap."""
    if threshold <= 0 or failures < threshold:
        return None
    doublings = min(failures - threshold, 64)
    return min(settings.auth_lockout_seconds * (2 ** doublings), settings.auth_lockout_max_seconds)


def record_failure(engine: Engine, attempt: Attempt, settings: Settings, *, reason: str,
                   action: str = "auth.failed", target: str | None = None,
                   details: Mapping[str, Any] | None = None) -> None:
    """Count a wrong secret on the credential and the client, audit it, and lock out whoever reached a limit.

    ``reason="locked"`` (a refusal during a lockout) is only counted in the metrics. A door with an
    audit entry of its own may name it (``action``, ``target``) and add ``details`` (never a secret).
    """
    AUTH_FAILURES.labels(attempt.channel, reason).inc()
    if reason == LOCKED:
        return
    now = utcnow()
    thresholds = {CREDENTIAL: settings.auth_max_failures, CLIENT: settings.auth_client_max_failures}
    outcome: dict[str, tuple[int, dt.datetime | None, bool]] = {}
    with Session(engine) as s:
        for scope, key in attempt.counters():
            failures, previous = _count(s, scope, key, now, settings)
            seconds = lockout_seconds(failures, thresholds[scope], settings)
            until, locking = previous, False
            if seconds is not None:
                candidate = now + dt.timedelta(seconds=seconds)
                if previous is None or candidate > previous:  # begins or lengthens the lockout
                    until, locking = candidate, True
                    s.execute(update(AuthThrottle).where(AuthThrottle.scope == scope, AuthThrottle.key == key)
                              .values(locked_until=until))
            outcome[scope] = (failures, until, locking)
        locked_until = max((u for _, u, _ in outcome.values() if u), default=None)
        audit(s, actor=_cut(attempt.client or "unknown"), action=action, target=_cut(target or attempt.credential),
              **{**(details or {}), "channel": attempt.channel, "reason": reason,
                 "failures": outcome.get(CREDENTIAL, (None,))[0], "client_failures": outcome[CLIENT][0],
                 "locked_until": _iso(locked_until)})
        for scope, (count, until, locking) in outcome.items():
            if locking:
                audit(s, actor=_cut(attempt.client or "unknown"), action="auth.locked",
                      target=_cut(attempt.credential), channel=attempt.channel, scope=scope, failures=count,
                      locked_until=_iso(until))
        s.commit()
    for scope, (_, until, locking) in outcome.items():
        if locking:
            AUTH_LOCKOUTS.labels(attempt.channel, scope).inc()
            log.warning("%s: %s %r locked out until %s after %d failures", attempt.channel, scope,
                        attempt.credential if scope == CREDENTIAL else attempt.client, _iso(until),
                        outcome[scope][0])
    _maybe_purge(engine, settings, now)


def record_success(engine: Engine, attempt: Attempt, settings: Settings) -> None:
    """Forget the credential's failures, if :func:`locked_for` saw any (no write otherwise).

    The client address's counter is kept: a client that holds one good credential must not be able
    to wipe its record of guesses at others by using it in between.
    """
    del settings
    scope, key = attempt.counters()[0]
    if scope != CREDENTIAL or not _seen.pop(key):
        return
    with engine.begin() as connection:
        connection.execute(delete(AuthThrottle).where(AuthThrottle.scope == scope, AuthThrottle.key == key))


def _count(s: Session, scope: str, key: str, now: dt.datetime,
           settings: Settings) -> tuple[int, dt.datetime | None]:
    """Upsert one failure on (scope, key): its failures now, and the lockout it had (None if forgotten)."""
    cutoff = now - dt.timedelta(seconds=settings.auth_failure_window_seconds)
    table = AuthThrottle.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    forgotten = and_(table.c.last_failure_at < cutoff,
                     or_(table.c.locked_until.is_(None), table.c.locked_until < cutoff))
    statement: Any = insert(table).values(scope=scope, key=key, failures=1, first_failure_at=now,
                                          last_failure_at=now, locked_until=None)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.scope, table.c.key],
        set_={"failures": case((forgotten, 1), else_=table.c.failures + 1),
              "first_failure_at": case((forgotten, now), else_=table.c.first_failure_at),
              "locked_until": case((forgotten, None), else_=table.c.locked_until),
              "last_failure_at": now},
    ).returning(table.c.failures, table.c.locked_until)
    failures, until = s.execute(statement).one()
    return int(failures), aware(until)


def _maybe_purge(engine: Engine, settings: Settings, now: dt.datetime) -> None:
    """Now and then, delete counters the window has forgotten (guessed buyer ids would pile up)."""
    global _failures_since_purge
    _failures_since_purge += 1
    if _failures_since_purge < PURGE_EVERY:
        return
    _failures_since_purge = 0
    purge(engine, settings, now=now)


def purge(engine: Engine, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Delete the counters whose failures are forgotten and whose lockout is over; how many."""
    cutoff = (now or utcnow()) - dt.timedelta(seconds=settings.auth_failure_window_seconds)
    with engine.begin() as connection:
        result = connection.execute(delete(AuthThrottle).where(
            AuthThrottle.last_failure_at < cutoff,  # type: ignore[arg-type]
            or_(AuthThrottle.locked_until.is_(None), AuthThrottle.locked_until < cutoff)))  # type: ignore[union-attr,operator]
    return int(result.rowcount or 0)


def _text(value: str, limit: int) -> str:
    """``value`` as a column holds it: NUL written ``\\0`` (PostgreSQL refuses it, a guesser may send it), cut."""
    return value.replace("\x00", "\\0")[:limit]


def _cut(text: str) -> str:
    return _text(text, AUDIT_LENGTH)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


__all__ = ["CLIENT", "CREDENTIAL", "LOCKED", "Attempt", "locked_for", "lockout_seconds", "purge",
           "record_failure", "record_success"]
