"""``b2bgw partners check ID``: does the partner's outbound channel work, step by step.

Each step is a :class:`CheckStep` (what was tried, whether it worked, what was seen); the AS2
check (:func:`gateway.as2.check.check_as2`) returns the same steps, so one report covers every
channel. The check reads the partner's set-up (settings and identities valid, enabled, a
credential to upload with, AS2 certificates not expiring) and then tries its delivery route for
real: for ``http`` and ``cxml`` a TCP connection, the TLS handshake (certificate verified as a
delivery verifies it) and a ``HEAD`` with the route's headers, which changes nothing on the
partner's side; for ``file`` a probe file written and removed in the folder; for ``as2`` the AS2
check, which sends a test message and verifies the MDN.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlmodel import col, select

from erp.port import ErpPort
from gateway.auth.tables import PartnerCredential
from gateway.config import Settings
from gateway.onboarding.service import certificates_of, get_partner, problems_of, speaks_as2
from gateway.store.db import session
from gateway.store.tables import Partner, aware


@dataclass(frozen=True)
class CheckStep:
    """One step of a partner check: its name, whether it passed, and what was seen (or what failed)."""

    name: str
    ok: bool
    detail: str


CHECK_TIMEOUT_SECONDS = 10.0


def check_partner(engine: Engine, settings: Settings, partner_id: str, *,
                  erp: ErpPort | None = None) -> list[CheckStep]:
    """Every step of the partner's check, in order (PartnerNotFound for an unknown partner).

    With ``erp``, the partner's ERP customer is looked up too (orders for a customer the ERP
    does not know are refused).
    """
    with session(engine) as s:
        partner = get_partner(s, partner_id)
        steps = [_settings_step(partner), _status_step(partner), _inbound_step(s, partner)]
        if speaks_as2(partner):
            steps += _certificate_steps(s, partner, settings)
        s.expunge(partner)
    if erp is not None:
        steps.append(_customer_step(erp, partner))
    return steps + outbound_steps(engine, settings, partner)


def _customer_step(erp: ErpPort, partner: Partner) -> CheckStep:
    try:
        customer = erp.get_customer(partner.customer_id)
    except Exception as exc:  # any adapter failure (unreachable, refused login) is what the step reports
        return CheckStep("ERP customer", False, f"{partner.customer_id}: the ERP did not answer ({exc})")
    if customer is None:
        return CheckStep("ERP customer", False, f"the ERP has no customer {partner.customer_id!r}: the partner's "
                                                "orders would be refused")
    return CheckStep("ERP customer", True, f"{customer.customer_id}: {customer.name} ({customer.currency})")


def _settings_step(partner: Partner) -> CheckStep:
    problems = problems_of(partner)
    if problems:
        return CheckStep("settings", False, "; ".join(problems))
    return CheckStep("settings", True, "identities and settings valid")


def _status_step(partner: Partner) -> CheckStep:
    if partner.disabled_at is not None:
        return CheckStep("enabled", False, f"disabled since {aware(partner.disabled_at):%Y-%m-%d %H:%M} UTC: "
                                           f"{partner.disabled_reason}; every channel refuses it "
                                           f"(b2bgw partners enable {partner.id})")
    return CheckStep("enabled", True, "active")


def _inbound_step(s: Any, partner: Partner) -> CheckStep:
    """Whether the partner can send us anything: an active credential (or its cXML / OCI / AS2 way in)."""
    rows = s.exec(select(PartnerCredential).where(PartnerCredential.partner_id == partner.id,
                                                  col(PartnerCredential.revoked_at).is_(None))).all()
    ways = [f"{sum(1 for r in rows if r.kind == kind)} {kind}" for kind in ("password", "token", "certificate")
            if any(r.kind == kind for r in rows)]
    settings = partner.settings or {}
    if settings.get("oci"):
        ways.append("OCI login")
    if str(settings.get("standard") or "").lower() == "cxml":
        from gateway.punchout.tables import CxmlBuyer

        if s.get(CxmlBuyer, partner.id) is not None:
            ways.append("cXML SharedSecret")
    if partner.as2_id:
        ways.append(f"AS2 as {partner.as2_id!r} (signed with its certificate)")
    if not ways:
        return CheckStep("inbound credential", False,
                         f"none active: POST /edi/{partner.id} answers 401; issue one with "
                         f"b2bgw partners token {partner.id} (or partners password)")
    return CheckStep("inbound credential", True, ", ".join(ways))


def _certificate_steps(s: Any, partner: Partner, settings: Settings) -> list[CheckStep]:
    certificates = certificates_of(s, partner.id, warning_days=settings.certificate_warning_days)
    if not certificates:
        return [CheckStep("AS2 certificate", False, "none: import the partner's certificate before it can sign "
                                                    "to us or we can encrypt to it")]
    steps = []
    for c in certificates:
        name = f"AS2 certificate {c.fingerprint[:16]}"
        if c.days_left < 0:
            steps.append(CheckStep(name, False, f"{c.subject}: EXPIRED on {c.not_after:%Y-%m-%d}"))
        elif c.expiring:
            steps.append(CheckStep(name, True, f"{c.subject}: expires in {c.days_left} days ({c.not_after:%Y-%m-%d}); "
                                               "ask the partner for its new certificate"))
        else:
            steps.append(CheckStep(name, True, f"{c.subject}: valid until {c.not_after:%Y-%m-%d} "
                                               f"({c.days_left} days)"))
    return steps


def outbound_steps(engine: Engine, settings: Settings, partner: Partner) -> list[CheckStep]:
    """The check of the partner's delivery route (the part that touches the network or the disk)."""
    route = (partner.settings or {}).get("delivery")
    if not isinstance(route, dict) or not route.get("channel") or not route.get("destination"):
        return [CheckStep("delivery", True, "no delivery route: documents for the partner wait in the outbox to "
                                            "be collected")]
    channel, destination = str(route["channel"]), str(route["destination"])
    headers = {str(k): str(v) for k, v in (route.get("headers") or {}).items()}
    if channel in ("http", "cxml"):
        return check_http(destination, headers, timeout=CHECK_TIMEOUT_SECONDS)
    if channel == "file":
        return [check_folder(Path(destination))]
    if channel == "as2":
        return _as2_steps(engine, settings, partner)
    return [CheckStep("delivery", False, f"channel {channel!r} has no check (http, file, cxml, as2)")]


def _as2_steps(engine: Engine, settings: Settings, partner: Partner) -> list[CheckStep]:
    """AS2's own steps (:func:`gateway.as2.check.check_as2`), imported here: it builds on :class:`CheckStep`."""
    from gateway.as2.check import check_as2

    return check_as2(engine, settings, partner)


def connect_step(host: str, port: int, *, timeout: float) -> CheckStep:
    """Whether ``host:port`` accepts a TCP connection: the first step of every network channel's check."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            return CheckStep("connect", True, f"{host}:{port} ({raw.getpeername()[0]})")
    except OSError as exc:
        return CheckStep("connect", False, f"{host}:{port}: {exc.strerror or exc}")


def check_http(url: str, headers: dict[str, str], *, timeout: float) -> list[CheckStep]:
    """Connect, shake hands (https) and ``HEAD`` the URL with ``headers``: a step each, stopping at a failure."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    connected = connect_step(host, port, timeout=timeout)
    steps = [connected]
    if not connected.ok:
        return steps
    context = ssl.create_default_context() if secure else None
    if context is not None:
        try:
            with socket.create_connection((host, port), timeout=timeout) as plain, \
                    context.wrap_socket(plain, server_hostname=host) as tls:
                cert = tls.getpeercert() or {}
                steps.append(CheckStep("TLS", True, f"{tls.version()}, certificate valid until "
                                                    f"{cert.get('notAfter', '?')}"))
        except (ssl.SSLError, ssl.CertificateError, OSError) as exc:
            steps.append(CheckStep("TLS", False, f"{host}:{port}: {getattr(exc, 'verify_message', None) or exc}"))
            return steps
    connection: http.client.HTTPConnection = (
        http.client.HTTPSConnection(host, port, timeout=timeout, context=context) if context is not None
        else http.client.HTTPConnection(host, port, timeout=timeout))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("HEAD", path, headers={"User-Agent": "b2b-gateway partner check", **headers})
        answer = connection.getresponse()
        status, reason = answer.status, answer.reason
    except (OSError, http.client.HTTPException) as exc:
        steps.append(CheckStep("HTTP", False, f"HEAD {url}: {exc}"))
        return steps
    finally:
        connection.close()
    steps.append(_status_step_of(url, status, reason))
    return steps


def _status_step_of(url: str, status: int, reason: str) -> CheckStep:
    seen = f"HEAD {url}: {status} {reason}"
    if status in (401, 403):
        return CheckStep("HTTP", False, f"{seen}: the partner refuses our credentials (check delivery.headers)")
    if status == 404:
        return CheckStep("HTTP", False, f"{seen}: no such address at the partner (check delivery.destination)")
    if status >= 500:
        return CheckStep("HTTP", False, f"{seen}: the partner's server fails")
    if status in (405, 501):
        return CheckStep("HTTP", True, f"{seen} (it takes POSTs only: reachable)")
    return CheckStep("HTTP", True, seen)


def check_folder(folder: Path) -> CheckStep:
    """Whether documents can be written into ``folder``: a probe file written and removed."""
    if not folder.exists():
        return CheckStep("folder", False, f"{folder} does not exist (not mounted?)")
    if not folder.is_dir():
        return CheckStep("folder", False, f"{folder} is not a folder")
    probe = folder / f".b2bgw-check-{uuid.uuid4().hex[:12]}"
    try:
        probe.write_bytes(b"b2b-gateway partner check\n")
        probe.unlink()
    except OSError as exc:
        return CheckStep("folder", False, f"{folder}: cannot write a file there ({exc.strerror or exc})")
    return CheckStep("folder", True, f"{folder} exists and takes files")


__all__ = ["CHECK_TIMEOUT_SECONDS", "CheckStep", "check_folder", "check_http", "check_partner", "outbound_steps"]
