"""The dependency that admits a trading partner's upload: its own credential, checked before the body is read.

A route that takes files from partners declares ``caller: PartnerCallerDep``; FastAPI runs the
check before the route's body reading starts, so an anonymous or wrong request is answered
before a byte of what it sends is read or stored:

* 401 with ``WWW-Authenticate: Basic realm="b2b-gateway", Bearer`` - no credential, or one that
  is not this partner's. The answer never says which (unknown partner, wrong password, revoked
  token all read the same), so it cannot be used to learn partner ids;
* 403 ``partner disabled`` - the partner's own valid credential, but an operator disabled it.

Each refusal is counted in ``b2bgw_auth_failures{channel, reason}`` and written to the audit log
(actor: the remote address; target: ``partner:ID``; details: the method tried and the reason,
never the secret).

Wrong credentials are brute-force limited (:mod:`gateway.auth.throttle`) on ``edi:ID`` and on the
client address: while either is locked out, every credential, the right one too, gets the same
401 as a wrong one, unchecked, and only ``b2bgw_auth_failures{reason="locked"}`` counts it. An
upload with no credential at all, or a disabled partner's valid one, is no guess and not counted.

A client certificate is a credential only when TLS ends in front of the gateway: the terminator
verifies the certificate and passes it on in ``B2BGW_CLIENT_CERT_HEADER`` (URL-encoded PEM, as
nginx's ``$ssl_client_escaped_cert``). Anyone can send that header, so it is believed only from
an address in ``B2BGW_TRUSTED_PROXIES`` (addresses or CIDR networks); from any other address it
is ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import Engine

from gateway.api.client import client_address, is_trusted_proxy, peer, trusted_networks
from gateway.api.deps import ServicesDep
from gateway.auth.audit import audit
from gateway.auth.partner_credentials import PartnerAuthentication, Refusal, authenticate_partner
from gateway.auth.throttle import LOCKED, Attempt, locked_for, record_failure, record_success
from gateway.config import Settings
from gateway.intake.failures import column_text
from gateway.observability.metrics import AUTH_FAILURES
from gateway.store.db import session

log = logging.getLogger(__name__)

CHALLENGE = 'Basic realm="b2b-gateway", Bearer'
"""What a 401 asks for: HTTP Basic (partner id and password) or a partner bearer token."""

@dataclass(frozen=True)
class PartnerCaller:
    """An authenticated partner upload: whose, with which credential, and how the history names it."""

    partner_id: str
    authentication: PartnerAuthentication

    @property
    def actor(self) -> str:
        """``http:acme:token#3``: the partner and the credential, for the document's history."""
        return self.authentication.actor(self.partner_id)


NOT_GUESSES = frozenset({Refusal.NO_CREDENTIAL.value, Refusal.PARTNER_DISABLED.value})
"""Refusals that guessed nothing, so are not brute-force counted: no credential, a disabled partner's valid one."""


def unauthorized() -> HTTPException:
    """The one 401 of every wrong, unknown or locked-out credential."""
    return HTTPException(status.HTTP_401_UNAUTHORIZED, "the partner's own credential is required: HTTP Basic "
                         "(partner id and password), a partner bearer token, or a client certificate",
                         headers={"WWW-Authenticate": CHALLENGE})


def refuse(engine: Engine, *, channel: str, partner_id: str, remote: str, result: PartnerAuthentication,
           settings: Settings | None = None) -> HTTPException:
    """Count and audit a refused credential; the HTTP error to raise (401, or 403 for a disabled partner).

    With ``settings``, a refusal that guessed at a credential also counts towards a lockout.
    """
    target = column_text(f"partner:{partner_id}", 120) or "partner:"
    details = {"method": result.method, "credential": result.credential_id}
    if settings is not None and result.reason not in NOT_GUESSES:
        record_failure(engine, partner_attempt(channel, partner_id, remote), settings, reason=result.reason,
                       action="partner.auth_failed", target=target, details=details)
    else:
        AUTH_FAILURES.labels(channel, result.reason).inc()
        with session(engine) as s:
            audit(s, actor=column_text(remote, 120) or "unknown", action="partner.auth_failed", target=target,
                  channel=channel, reason=result.reason, **details)
            s.commit()
    log.info("%s upload for partner %r from %s refused: %s", channel, partner_id[:64], remote, result.reason)
    if result.status_code == status.HTTP_403_FORBIDDEN:
        return HTTPException(status.HTTP_403_FORBIDDEN, "partner disabled")
    return unauthorized()


def partner_attempt(channel: str, partner_id: str, remote: str) -> Attempt:
    """The throttle's view of an upload's credential: ``edi:ID`` from ``remote``."""
    return Attempt(channel=channel, credential=f"edi:{partner_id}", client=remote)


def require_partner(partner_id: str, request: Request, services: ServicesDep) -> PartnerCaller:
    """Admit ``partner_id``'s own credential or raise 401/403 (module docstring); runs in the thread pool."""
    settings = services.settings
    remote = client_address(request)
    attempt = partner_attempt("edi", partner_id, remote)
    if locked_for(services.engine, attempt, settings) is not None:
        record_failure(services.engine, attempt, settings, reason=LOCKED)
        raise unauthorized()
    certificate = None
    if settings.client_cert_header and is_trusted_proxy(peer(request), settings.trusted_proxies):
        certificate = request.headers.get(settings.client_cert_header) or None
    result = authenticate_partner(services.engine, partner_id, authorization=request.headers.get("authorization"),
                                  client_certificate=certificate)
    if not result.ok:
        raise refuse(services.engine, channel="edi", partner_id=partner_id, remote=remote, result=result,
                     settings=settings)
    record_success(services.engine, attempt, settings)
    return PartnerCaller(partner_id=partner_id, authentication=result)


PartnerCallerDep = Annotated[PartnerCaller, Depends(require_partner)]


__all__ = ["CHALLENGE", "PartnerCaller", "PartnerCallerDep", "is_trusted_proxy", "partner_attempt", "refuse",
           "require_partner", "trusted_networks", "unauthorized"]
