"""AS2 with a second independent implementation: libas2 (npm) composes, parses and answers MDNs.

Where libas2 departs from the RFCs the test says so and goes around it, never our code:
- it reads only base64 HTTP bodies, so we send with ``transfer_encoding="base64"``;
- it writes AES-GCM inside EnvelopedData (tag appended), not RFC 5084 AuthEnvelopedData: we read
  that; it cannot read our AuthEnvelopedData, so GCM is tested libas2 -> us only;
- its signed MDNs do not verify, with OpenSSL either: its unsigned MDNs are read instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gateway.as2.mdn import build_mdn, is_mdn, read_mdn
from gateway.as2.message import MdnRequest, Signer, digest_name, pack, unpack
from tests.gateway.as2 import libas2_partner
from tests.gateway.as2.conftest import As2Keys
from tests.gateway.as2.libas2_partner import Libas2Partner

# In CI (.ci/run installs libas2) a missing libas2 fails the tests instead of skipping them.
pytestmark = pytest.mark.skipif(libas2_partner.missing() is not None and not os.environ.get("CI"),
                                reason=str(libas2_partner.missing()))

ORDER = (Path(__file__).resolve().parents[3] / "fixtures" / "x12" / "850-4010-basic.x12").read_bytes()
INBOUND = [None, "aes128-cbc", "aes192-cbc", "aes256-cbc", "des-ede3-cbc", "aes128-gcm", "aes256-gcm"]
OUTBOUND = [None, "aes128-cbc", "aes192-cbc", "aes256-cbc", "des-ede3-cbc"]


@pytest.fixture(scope="module")
def libas2(as2_keys: As2Keys) -> Libas2Partner:
    return Libas2Partner(as2_keys.partner, as2_keys.ours)


def _our_signer(keys: As2Keys, digest: str = "sha256") -> Signer:
    return Signer(keys.ours.key, keys.ours.certificate, digest)  # type: ignore[arg-type]


@pytest.mark.parametrize(("sign", "cipher"), [
    *(("sha256", cipher) for cipher in INBOUND),
    *((sign, "aes256-cbc") for sign in ("sha1", "sha384", "sha512")),
    (None, "aes128-cbc"), (None, "aes128-gcm"),
])
def test_libas2_message_unpacks(as2_keys: As2Keys, libas2: Libas2Partner, sign: str | None,
                                cipher: str | None) -> None:
    headers, body = libas2.compose(ORDER, sign=sign, encrypt=cipher)
    received = unpack(headers, body, decrypt_with=[as2_keys.ours.pair], verify_with=[as2_keys.partner.certificate],
                      require_signature=sign is not None, require_encryption=cipher is not None)
    assert received.payload == ORDER
    assert (received.signed, received.encrypted) == (sign is not None, cipher is not None)
    assert received.signature_digest == sign
    assert received.mdn.signed_digests == ("sha256",)
    assert received.filename == "order.x12"


@pytest.mark.parametrize(("digest", "cipher"), [
    *(("sha256", cipher) for cipher in OUTBOUND),
    ("sha1", "aes256-cbc"), ("sha512", "aes256-cbc"),
])
def test_our_message_is_read_by_libas2_with_the_same_mic(as2_keys: As2Keys, libas2: Libas2Partner, digest: str,
                                                         cipher: str | None) -> None:
    packed = pack(ORDER, content_type="application/edi-x12", as2_from="B2BGW", as2_to="PARTNER",
                  signer=_our_signer(as2_keys, digest),
                  encrypt_to=as2_keys.partner.certificate if cipher else None, cipher=cipher or "aes256-cbc",
                  mdn=MdnRequest(mode="sync", signed_digests=(digest,)), transfer_encoding="base64")
    read = libas2.read(packed.headers, packed.body, encrypted=cipher is not None, mdn_signing=digest)
    assert read["payload"] == ORDER
    assert (read["signed"], read["encrypted"]) == (True, cipher is not None)
    value, _, algorithm = read["mic"].partition(",")
    assert (value.strip(), digest_name(algorithm)) == (packed.mic.split(",")[0], digest)


def test_libas2_mdn_for_our_message_is_read(as2_keys: As2Keys, libas2: Libas2Partner) -> None:
    packed = pack(ORDER, content_type="application/edi-x12", as2_from="B2BGW", as2_to="PARTNER",
                  signer=_our_signer(as2_keys), encrypt_to=as2_keys.partner.certificate,
                  mdn=MdnRequest(mode="sync"), transfer_encoding="base64")
    headers, body = libas2.mdn_for(packed.headers, packed.body, encrypted=True)
    assert is_mdn(headers, body)
    read = read_mdn(headers, body, verify_with=[])
    assert read.processed and read.error is None
    assert read.original_message_id == packed.message_id
    assert read.mic is not None and read.mic.lower() == packed.mic.lower()


@pytest.mark.parametrize(("error", "signed"), [(None, True), ("decryption-failed", True), (None, False),
                                               ("authentication-failed", False)])
def test_our_mdn_is_read_by_libas2(as2_keys: As2Keys, libas2: Libas2Partner, error: str | None,
                                   signed: bool) -> None:
    mic = None if error else "/k/i4BZYvoNf5tYKah7RxYOWZcfaS9he8A92bEDPj+U=, sha-256"
    mdn = build_mdn(original_message_id="m1@partner", as2_from="B2BGW", as2_to="PARTNER", error=error, mic=mic,
                    text="Receipt.", signer=_our_signer(as2_keys) if signed else None)
    read = libas2.read_mdn(mdn.headers, mdn.body, signed=signed)
    assert read["original_message_id"] == "<m1@partner>"
    assert read["mic"] == mic
    described = json.dumps(read["disposition"])
    assert read["disposition"]["type"] == "automatic-action"
    if error:
        assert error in described
    else:
        assert "error" not in described
