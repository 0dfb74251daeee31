"""``b2bgw partners check ID`` for an AS2 partner: keys, certificates, the URL, and a test message with its MDN.

The steps, each a :class:`~gateway.onboarding.check.CheckStep`, stop being tried once one that the
next needs has failed (no key pair: nothing can be signed; no URL: nothing can be sent):

1. we hold a key pair valid now for our AS2 name toward the partner;
2. the partner's certificates: one to encrypt to (when we encrypt) and one to verify its MDN
   signatures with, neither expired;
3. the partner's URL accepts a TCP connection;
4. a small test message (text/plain ``b2b-gateway AS2 connectivity test``) is packed as the
   partner's options say and sent with a *synchronous* signed MDN requested, whatever the
   partner's MDN setting, and the MDN is verified: signature, disposition, MIC. The message is
   stored like any other (``/admin/as2``), with no document.
"""

from __future__ import annotations

import urllib.parse

from pydantic import ValidationError
from sqlalchemy import Engine

from gateway.as2.certificates import expired_certificates, partner_certificates
from gateway.as2.keys import KeyProblem, fingerprint, our_key_pair
from gateway.as2.options import as2_options
from gateway.as2.sending import As2Transport
from gateway.config import Settings
from gateway.delivery.failures import DeliveryFailure
from gateway.delivery.outbox import delivery_route
from gateway.delivery.transports import Message
from gateway.onboarding.check import CheckStep, connect_step
from gateway.store.db import session
from gateway.store.tables import Partner

TEST_PAYLOAD = b"b2b-gateway AS2 connectivity test\r\n"


def check_as2(engine: Engine, settings: Settings, partner: Partner) -> list[CheckStep]:
    """The AS2 steps of a partner check (the module docstring); every step says what it saw."""
    steps: list[CheckStep] = []
    try:
        options = as2_options(partner.settings)
    except ValidationError as exc:
        return [CheckStep("AS2 settings", False, f"settings['as2'] is not valid: {exc}")]
    our_id = options.our_id or settings.as2_id
    with session(engine) as s:
        try:
            _key, certificate = our_key_pair(s, our_id, settings.key_passphrase)
            steps.append(CheckStep("our key pair", True, f"{our_id}: certificate {fingerprint(certificate)[:16]} "
                                   f"valid until {certificate.not_valid_after_utc:%Y-%m-%d}"))
        except KeyProblem as exc:
            steps.append(CheckStep("our key pair", False, str(exc)))
        wanted = (["encryption"] if options.encrypt else []) + ["signing"]
        for usage in wanted:
            name = f"partner's {usage} certificate"
            found = partner_certificates(s, partner.id, usage)  # type: ignore[arg-type]
            if found:
                steps.append(CheckStep(name, True, f"{found[0].subject.rfc4514_string()}, valid until "
                                       f"{found[0].not_valid_after_utc:%Y-%m-%d}"))
                continue
            expired = expired_certificates(s, partner.id, usage)  # type: ignore[arg-type]
            why = (f"the one we hold expired on {expired[0].not_after:%Y-%m-%d}" if expired
                   else "none imported")
            steps.append(CheckStep(name, False, f"{why}: `b2bgw as2 import-cert {partner.id} FILE --usage {usage}`"))
    if not partner.as2_id:
        steps.append(CheckStep("partner's AS2 name", False, f"partner {partner.id} has no AS2 name (as2_id)"))
    route = delivery_route(partner)
    url = str(route["destination"]) if route and route.get("channel") == "as2" else None
    if url is None:
        steps.append(CheckStep("AS2 URL", False, "the partner's delivery route is not "
                               "{'channel': 'as2', 'destination': URL}"))
        return steps
    steps.append(_connect(url, settings.as2_timeout_seconds))
    if all(step.ok for step in steps):
        steps.append(_test_message(engine, settings, partner, url))
    return steps


def _connect(url: str, timeout: float) -> CheckStep:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return CheckStep("connect", False, f"{url!r} is not an HTTP URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return connect_step(parts.hostname, port, timeout=min(timeout, 10.0))


def _test_message(engine: Engine, settings: Settings, partner: Partner, url: str) -> CheckStep:
    transport = As2Transport(engine, settings, mdn="sync")
    message = Message(id=0, channel="as2", destination=url, kind="as2.check", idempotency_key="as2-check",
                      payload=TEST_PAYLOAD, content_type="text/plain", headers={"filename": "as2-test.txt"},
                      partner_id=partner.id)
    try:
        receipt = transport.deliver(message)
    except DeliveryFailure as exc:
        return CheckStep("test message and MDN", False, str(exc))
    mic = (receipt.response or {}).get("mic")
    return CheckStep("test message and MDN", True, f"{receipt.detail} (signed MDN verified, MIC {mic})")


__all__ = ["TEST_PAYLOAD", "check_as2"]
