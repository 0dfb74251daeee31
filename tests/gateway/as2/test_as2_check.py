"""``check_as2`` against our own POST /as2 served by uvicorn, playing the partner (the gateway talks to itself)."""

from __future__ import annotations

from sqlmodel import select

from gateway.app import create_app
from gateway.as2.certificates import import_partner_certificate
from gateway.as2.check import check_as2
from gateway.as2.keys import store_key_pair
from gateway.as2.tables import As2Message
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner
from tests.browser import served
from tests.gateway.as2.conftest import As2Keys


def _mirror(services: Services, as2_keys: As2Keys, url: str) -> Partner:
    """Partner ``mirror`` (AS2 MIRROR) is ourselves under a second key pair; partner ``self`` is B2BGW seen from it."""
    with session(services.engine) as s:
        store_key_pair(s, "B2BGW", as2_keys.ours.key, as2_keys.ours.certificate, passphrase=None)  # type: ignore[arg-type]
        store_key_pair(s, "MIRROR", as2_keys.partner.key, as2_keys.partner.certificate,  # type: ignore[arg-type]
                       passphrase=None)
        s.add(Partner(id="mirror", name="Us, as a partner", as2_id="MIRROR", customer_id="ACME", x12_id="MIRROR",
                      our_x12_id="B2BGWSELLER",
                      settings={"delivery": {"channel": "as2", "destination": url}}))
        s.add(Partner(id="self", name="Us, seen from the mirror", as2_id="B2BGW", customer_id="ACME", x12_id="SELF",
                      our_x12_id="B2BGWSELLER",
                      settings={"as2": {"our_id": "MIRROR"}}))
        s.flush()
        import_partner_certificate(s, "mirror", as2_keys.partner.certificate_pem)
        import_partner_certificate(s, "self", as2_keys.ours.certificate_pem)
        s.commit()
        partner = s.get(Partner, "mirror")
        assert partner is not None
        s.expunge(partner)
        return partner


def test_check_sends_a_test_message_and_verifies_the_mdn(services: Services, as2_keys: As2Keys) -> None:
    with served(create_app(services, workers=0)) as base:
        partner = _mirror(services, as2_keys, f"{base}/as2")
        steps = check_as2(services.engine, services.settings, partner)
    assert [(step.name, step.ok) for step in steps] == [
        ("our key pair", True), ("partner's encryption certificate", True), ("partner's signing certificate", True),
        ("connect", True), ("test message and MDN", True)], steps
    assert "MIC matches" in steps[-1].detail
    with session(services.engine) as s:
        rows = s.exec(select(As2Message).order_by(As2Message.id)).all()
    assert [(row.direction, row.state) for row in rows] == [("out", "acknowledged"), ("in", "processed")]


def test_check_says_what_is_missing(services: Services) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, "acme")
        assert partner is not None
        partner.as2_id = "ACME"
        partner.settings = {**partner.settings, "delivery": {"channel": "as2", "destination": "http://127.0.0.1:9/as2"}}
        s.add(partner)
        s.commit()
        s.refresh(partner)
        s.expunge(partner)
    steps = {step.name: step for step in check_as2(services.engine, services.settings, partner)}
    assert not steps["our key pair"].ok and "b2bgw as2 keygen" in steps["our key pair"].detail
    assert not steps["partner's encryption certificate"].ok
    assert "import-cert acme" in steps["partner's encryption certificate"].detail
    assert not steps["connect"].ok
    assert "test message and MDN" not in steps
