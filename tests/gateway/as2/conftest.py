"""Key pairs for the AS2 tests, made once per session by openssl (RSA keys take a moment)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gateway.as2.openssl_partner import KeyPair, make_key_pair


@dataclass(frozen=True)
class As2Keys:
    """Who is who: us, the partner, a stranger, the partner's expired certificate, an EC partner."""

    ours: KeyPair
    partner: KeyPair
    stranger: KeyPair
    expired: KeyPair
    partner_ec: KeyPair
    directory: Path


@pytest.fixture(scope="session")
def as2_keys(tmp_path_factory: pytest.TempPathFactory) -> As2Keys:
    """Key pairs and self-signed certificates made with ``openssl req`` / ``openssl x509``."""
    directory = tmp_path_factory.mktemp("as2-keys")
    return As2Keys(
        ours=make_key_pair(directory, "B2BGW"),
        partner=make_key_pair(directory, "PARTNER"),
        stranger=make_key_pair(directory, "STRANGER"),
        expired=make_key_pair(directory, "PARTNER-EXPIRED", expired=True),
        partner_ec=make_key_pair(directory, "PARTNER-EC", algorithm="ec"),
        directory=directory,
    )
