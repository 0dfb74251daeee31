"""AS2 messages both ways with OpenSSL as the partner: every layer combination, cipher and digest.

OpenSSL -> :func:`gateway.as2.message.unpack`: the payload byte-exact and our MIC equal to the one
``openssl dgst`` computes over what RFC 4130 7.3.1 says. :func:`gateway.as2.message.pack` ->
OpenSSL: ``openssl cms -decrypt`` and ``-verify`` accept it and find the payload byte-exact.
Compression is the exception on OpenSSL's side (no zlib in this build): see openssl_partner.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.as2.message import MdnRequest, Signer, pack, unpack
from tests.gateway.as2.conftest import As2Keys
from tests.gateway.as2.openssl_partner import partner_message, read_our_message

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "x12"
PAYLOADS = sorted(FIXTURES.glob("*.x12"))
ORDER = (FIXTURES / "850-4010-basic.x12").read_bytes()

# (sign, encrypt, compress, compress outside the signature)
LAYERS = {
    "plain": (False, False, False, False),
    "signed": (True, False, False, False),
    "encrypted": (False, True, False, False),
    "compressed": (False, False, True, False),
    "signed+encrypted": (True, True, False, False),
    "compressed+signed+encrypted": (True, True, True, False),
    "signed+compressed+encrypted": (True, True, True, True),
    "compressed+signed": (True, False, True, False),
    "compressed+encrypted": (False, True, True, False),
}
INBOUND_CIPHERS = ["aes128-cbc", "aes192-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm", "des-ede3-cbc"]
OUTBOUND_CIPHERS = ["aes128-cbc", "aes192-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm", "des-ede3-cbc"]
DIGESTS = ["sha1", "sha256", "sha384", "sha512"]


def _receive(keys: As2Keys, message: object, **requirements: bool) -> object:
    headers, body = message  # type: ignore[misc]
    return unpack(headers, body, decrypt_with=[keys.ours.pair], verify_with=[keys.partner.certificate],
                  **requirements)


# --- OpenSSL -> us ------------------------------------------------------------------------------


@pytest.mark.parametrize("layers", list(LAYERS), ids=list(LAYERS))
def test_openssl_message_unpacks_byte_exact_with_the_openssl_mic(as2_keys: As2Keys, layers: str) -> None:
    sign, encrypt, compress, outside = LAYERS[layers]
    sent = partner_message(ORDER, sender=as2_keys.partner if sign else None,
                           recipient=as2_keys.ours if encrypt else None, compress=compress,
                           compress_outside_signature=outside)
    received = _receive(as2_keys, sent)
    assert received.payload == ORDER
    assert (received.signed, received.encrypted, received.compressed) == (sign, encrypt, compress)
    assert received.mic == sent.mic
    assert received.message_id == sent.message_id
    assert (received.as2_from, received.as2_to) == ("PARTNER", "B2BGW")
    assert received.content_type == "application/edi-x12"
    assert received.filename == "order.x12"
    assert received.mdn == MdnRequest(mode="sync", signed_digests=("sha256",))
    if sign:
        assert received.signer == as2_keys.partner.certificate
        assert received.signature_digest == "sha256"


@pytest.mark.parametrize("cipher", INBOUND_CIPHERS)
def test_openssl_cipher_decrypts(as2_keys: As2Keys, cipher: str) -> None:
    sent = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours, cipher=cipher)
    received = _receive(as2_keys, sent, require_signature=True, require_encryption=True)
    assert received.payload == ORDER
    assert received.mic == sent.mic


@pytest.mark.parametrize("digest", DIGESTS)
def test_openssl_digest_verifies_and_the_mic_follows_the_requested_micalg(as2_keys: As2Keys, digest: str) -> None:
    sent = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours, digest=digest,
                           micalgs=(digest,))
    received = _receive(as2_keys, sent)
    assert received.signature_digest == digest
    assert received.mic == sent.mic
    assert received.mic.endswith({"sha1": ", sha1", "sha256": ", sha-256", "sha384": ", sha-384",
                                  "sha512": ", sha-512"}[digest])


@pytest.mark.parametrize("payload_path", PAYLOADS, ids=[path.name for path in PAYLOADS])
def test_every_x12_fixture_round_trips_from_openssl(as2_keys: As2Keys, payload_path: Path) -> None:
    payload = payload_path.read_bytes()
    sent = partner_message(payload, sender=as2_keys.partner, recipient=as2_keys.ours, compress=True)
    received = _receive(as2_keys, sent)
    assert received.payload == payload
    assert received.mic == sent.mic


@pytest.mark.parametrize(
    "variant",
    ["rsa-pss", "ecdsa", "oaep", "base64-body", "lf-line-ends", "async-mdn", "no-mdn", "unsupported-micalg-first",
     "opaque-signature"],
)
def test_openssl_variants(as2_keys: As2Keys, variant: str) -> None:
    sender, verify_with = as2_keys.partner, [as2_keys.partner.certificate]
    options: dict[str, object] = {}
    if variant == "rsa-pss":
        options["rsa_pss"] = True
    elif variant == "ecdsa":
        sender, verify_with = as2_keys.partner_ec, [as2_keys.partner_ec.certificate]
    elif variant == "oaep":
        options["oaep"] = True
    elif variant == "base64-body":
        options["base64_body"] = True
    elif variant == "lf-line-ends":
        options["crlf"] = False
    elif variant == "async-mdn":
        options.update(mdn="async", mdn_url="https://partner.example/mdn", micalgs=("sha512", "sha256"))
    elif variant == "no-mdn":
        options.update(mdn="none", micalgs=())
    elif variant == "unsupported-micalg-first":
        options["micalgs"] = ("md5", "sha384")
    elif variant == "opaque-signature":
        options["opaque_signature"] = True
    sent = partner_message(ORDER, sender=sender, recipient=as2_keys.ours, **options)  # type: ignore[arg-type]
    received = unpack(sent.headers, sent.body, decrypt_with=[as2_keys.ours.pair], verify_with=verify_with)
    assert received.payload == ORDER
    assert received.signed and received.encrypted
    assert received.mic == sent.mic
    if variant == "async-mdn":
        assert received.mdn == MdnRequest(mode="async", url="https://partner.example/mdn",
                                          signed_digests=("sha512", "sha256"))
    if variant == "no-mdn":
        assert received.mdn.mode == "none"
    if variant == "unsupported-micalg-first":
        assert received.mdn.signed_digests == ("sha384",)


def test_the_right_key_is_picked_among_several(as2_keys: As2Keys) -> None:
    sent = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours)
    received = unpack(sent.headers, sent.body, decrypt_with=[as2_keys.stranger.pair, as2_keys.ours.pair],
                      verify_with=[as2_keys.stranger.certificate, as2_keys.partner.certificate])
    assert received.payload == ORDER
    assert received.signer == as2_keys.partner.certificate


# --- us -> OpenSSL ------------------------------------------------------------------------------


def _send(keys: As2Keys, payload: bytes, *, sign: bool, encrypt: bool, compress: bool,
          cipher: str = "aes256-cbc", digest: str = "sha256") -> object:
    return pack(payload, content_type="application/edi-x12", as2_from="B2BGW", as2_to="PARTNER",
                signer=Signer(keys.ours.key, keys.ours.certificate, digest) if sign else None,  # type: ignore[arg-type]
                encrypt_to=keys.partner.certificate if encrypt else None, cipher=cipher, compress=compress,
                mdn=MdnRequest(mode="sync", signed_digests=(digest,)), filename="order.x12")


@pytest.mark.parametrize("layers", [name for name, value in LAYERS.items() if not value[3]])
def test_our_message_opens_with_openssl_byte_exact(as2_keys: As2Keys, layers: str, tmp_path: Path) -> None:
    sign, encrypt, compress, _outside = LAYERS[layers]
    packed = _send(as2_keys, ORDER, sign=sign, encrypt=encrypt, compress=compress)
    read = read_our_message(packed.headers, packed.body, recipient=as2_keys.partner,
                            sender_certificate=as2_keys.ours, work=tmp_path)
    assert read.payload == ORDER
    assert (read.signed, read.encrypted, read.compressed) == (sign, encrypt, compress)
    assert read.filename == ("order.x12" if sign or encrypt or compress else None) or not (sign or encrypt or compress)
    assert packed.mic == read.mic("sha256")
    assert packed.headers["AS2-Version"] == "1.2"
    assert packed.headers["Message-ID"] == f"<{packed.message_id}>"


@pytest.mark.parametrize("cipher", OUTBOUND_CIPHERS)
def test_our_cipher_decrypts_with_openssl(as2_keys: As2Keys, cipher: str, tmp_path: Path) -> None:
    packed = _send(as2_keys, ORDER, sign=True, encrypt=True, compress=False, cipher=cipher)
    read = read_our_message(packed.headers, packed.body, recipient=as2_keys.partner,
                            sender_certificate=as2_keys.ours, work=tmp_path)
    assert read.payload == ORDER
    assert packed.mic == read.mic("sha256")
    smime_type = "authEnveloped-data" if cipher.endswith("gcm") else "enveloped-data"
    assert f"smime-type={smime_type}" in packed.headers["Content-Type"]


@pytest.mark.parametrize("digest", DIGESTS)
def test_our_signature_verifies_with_openssl(as2_keys: As2Keys, digest: str, tmp_path: Path) -> None:
    packed = _send(as2_keys, ORDER, sign=True, encrypt=True, compress=False, digest=digest)
    read = read_our_message(packed.headers, packed.body, recipient=as2_keys.partner,
                            sender_certificate=as2_keys.ours, work=tmp_path)
    assert read.payload == ORDER
    assert packed.mic == read.mic(digest)


@pytest.mark.parametrize("payload_path", PAYLOADS, ids=[path.name for path in PAYLOADS])
def test_every_x12_fixture_reaches_openssl_byte_exact(as2_keys: As2Keys, payload_path: Path, tmp_path: Path) -> None:
    payload = payload_path.read_bytes()
    packed = _send(as2_keys, payload, sign=True, encrypt=True, compress=False)
    read = read_our_message(packed.headers, packed.body, recipient=as2_keys.partner,
                            sender_certificate=as2_keys.ours, work=tmp_path)
    assert read.payload == payload


def test_a_payload_with_crlf_goes_binary_and_verifies(as2_keys: As2Keys, tmp_path: Path) -> None:
    payload = ORDER.replace(b"\n", b"\r\n")
    packed = _send(as2_keys, payload, sign=True, encrypt=False, compress=False)
    assert b"Content-Transfer-Encoding: binary" in packed.body
    read = read_our_message(packed.headers, packed.body, recipient=None, sender_certificate=as2_keys.ours,
                            work=tmp_path)
    assert read.payload == payload
    assert packed.mic == read.mic("sha256")


def test_quoted_as2_names_round_trip(as2_keys: As2Keys) -> None:
    packed = pack(ORDER, content_type="application/edi-x12", as2_from="Our Company", as2_to='Acme "East"',
                  signer=None, encrypt_to=None, mdn=MdnRequest(mode="none"))
    assert packed.headers["AS2-From"] == '"Our Company"'
    received = unpack(packed.headers, packed.body, decrypt_with=[], verify_with=[])
    assert (received.as2_from, received.as2_to) == ("Our Company", 'Acme "East"')
    assert received.payload == ORDER
