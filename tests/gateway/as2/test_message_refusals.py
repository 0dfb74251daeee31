"""Bad AS2 input ends in one precise As2Error with the right MDN disposition, never another exception.

Tampered signatures and content, strangers' and expired certificates, messages encrypted to
another key, garbage and truncated bodies, missing headers, missing required security.
"""

from __future__ import annotations

import base64
import random
import re
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms

from gateway.as2.errors import As2Error
from gateway.as2.message import MdnRequest, read_envelope, unpack
from tests.gateway.as2.conftest import As2Keys
from tests.gateway.as2.openssl_partner import PartnerMessage, partner_message

ORDER = (Path(__file__).resolve().parents[3] / "fixtures" / "x12" / "850-4010-basic.x12").read_bytes()


def _refusal(keys: As2Keys, headers: dict[str, str], body: bytes, **options: object) -> As2Error:
    arguments: dict[str, object] = {"decrypt_with": [keys.ours.pair], "verify_with": [keys.partner.certificate]}
    arguments.update(options)
    with pytest.raises(As2Error) as raised:
        unpack(headers, body, **arguments)  # type: ignore[arg-type]
    return raised.value


def _signed(keys: As2Keys, **options: object) -> PartnerMessage:
    return partner_message(ORDER, sender=keys.partner, recipient=None, **options)  # type: ignore[arg-type]


def _replace_signature(body: bytes, change: object) -> bytes:
    """The multipart/signed body with its base64 signature part replaced by ``change(der)``."""
    match = re.search(rb"(Content-Disposition: attachment; filename=\"smime.p7s\"\r?\n\r?\n)([A-Za-z0-9+/=\r\n]+)",
                      body)
    assert match is not None
    der = base64.b64decode(match.group(2))
    replaced = base64.encodebytes(change(der)).replace(b"\n", b"\r\n")  # type: ignore[operator]
    return body[:match.start(2)] + replaced + body[match.end(2):]


def test_a_tampered_signature_is_an_authentication_failure(as2_keys: As2Keys) -> None:
    sent = _signed(as2_keys)

    def flip_signature_value(der: bytes) -> bytes:
        info = asn1_cms.ContentInfo.load(der)
        signer_info = info["content"]["signer_infos"][0]
        value = bytearray(signer_info["signature"].native)
        value[len(value) // 2] ^= 0x01
        signer_info["signature"] = bytes(value)
        return info.dump(force=True)

    error = _refusal(as2_keys, sent.headers, _replace_signature(sent.body, flip_signature_value))
    assert error.disposition == "authentication-failed"
    assert "does not verify" in error.message
    assert (error.message_id, error.as2_from, error.as2_to) == (sent.message_id, "PARTNER", "B2BGW")


def test_altered_content_is_an_integrity_failure(as2_keys: As2Keys) -> None:
    sent = _signed(as2_keys)
    assert b"ACMEBUYER" in sent.body
    error = _refusal(as2_keys, sent.headers, sent.body.replace(b"ACMEBUYER", b"ACMEBUYEX", 1))
    assert error.disposition == "integrity-check-failed"
    assert "altered" in error.message


def test_a_garbage_signature_part_is_an_authentication_failure(as2_keys: As2Keys) -> None:
    sent = _signed(as2_keys)
    error = _refusal(as2_keys, sent.headers, _replace_signature(sent.body, lambda der: der[: len(der) // 2]))
    assert error.disposition == "authentication-failed"
    assert "not a valid CMS structure" in error.message


def test_a_stranger_signature_is_refused_naming_the_signer(as2_keys: As2Keys) -> None:
    sent = partner_message(ORDER, sender=as2_keys.stranger, recipient=as2_keys.ours)
    error = _refusal(as2_keys, sent.headers, sent.body)
    assert error.disposition == "authentication-failed"
    assert "STRANGER" in error.message and "not among the 1 certificate" in error.message


def test_no_partner_certificate_means_no_signature_accepted(as2_keys: As2Keys) -> None:
    sent = _signed(as2_keys)
    error = _refusal(as2_keys, sent.headers, sent.body, verify_with=[])
    assert error.disposition == "authentication-failed"


def test_an_expired_certificate_is_refused(as2_keys: As2Keys) -> None:
    sent = partner_message(ORDER, sender=as2_keys.expired, recipient=as2_keys.ours)
    error = _refusal(as2_keys, sent.headers, sent.body, verify_with=[as2_keys.expired.certificate])
    assert error.disposition == "authentication-failed"
    assert "expired on" in error.message


def test_encrypted_to_another_key_is_a_decryption_failure(as2_keys: As2Keys) -> None:
    sent = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.stranger)
    error = _refusal(as2_keys, sent.headers, sent.body)
    assert error.disposition == "decryption-failed"
    assert "STRANGER" in error.message and "none of our 1 certificate" in error.message


def test_a_tampered_gcm_tag_is_a_decryption_failure(as2_keys: As2Keys) -> None:
    sent = partner_message(ORDER, sender=None, recipient=as2_keys.ours, cipher="aes128-gcm")
    body = sent.body[:-1] + bytes([sent.body[-1] ^ 0x01])  # the mac is the last field
    error = _refusal(as2_keys, sent.headers, body)
    assert error.disposition == "decryption-failed"
    assert "GCM tag" in error.message


@pytest.mark.parametrize(("content_type", "disposition"), [
    ("application/pkcs7-mime; smime-type=enveloped-data", "decryption-failed"),
    ("application/pkcs7-mime; smime-type=compressed-data", "decompression-failed"),
    ("application/pkcs7-mime", "unexpected-processing-error"),
    ('multipart/signed; protocol="application/pkcs7-signature"; boundary="b"', "unexpected-processing-error"),
    ("multipart/signed", "unexpected-processing-error"),
])
def test_a_garbage_body_is_refused_precisely(as2_keys: As2Keys, content_type: str, disposition: str) -> None:
    headers = {"AS2-From": "PARTNER", "AS2-To": "B2BGW", "Message-ID": "<g@p>", "Content-Type": content_type}
    for body in (b"garbage", bytes(range(256)) * 4, b"\x30\x82\xff\xff" + b"\x00" * 20):
        error = _refusal(as2_keys, headers, body)
        assert error.disposition == disposition, (body[:8], error)
        assert error.message


@pytest.mark.parametrize("cipher", ["aes256-cbc", "aes128-gcm"])
def test_a_truncated_encrypted_body_is_a_decryption_failure(as2_keys: As2Keys, cipher: str) -> None:
    sent = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours, cipher=cipher)
    for cut in (1, 10, len(sent.body) // 2, len(sent.body) - 17, len(sent.body) - 1):
        error = _refusal(as2_keys, sent.headers, sent.body[:cut])
        assert error.disposition == "decryption-failed", (cut, error)


def test_corrupt_compressed_data_is_a_decompression_failure(as2_keys: As2Keys) -> None:
    structure = asn1_cms.CompressedData({
        "version": "v0", "compression_algorithm": {"algorithm": "zlib"},
        "encap_content_info": {"content_type": "data", "content": b"not a zlib stream"},
    })
    der = asn1_cms.ContentInfo({"content_type": "compressed_data", "content": structure}).dump()
    headers = {"AS2-From": "PARTNER", "AS2-To": "B2BGW", "Message-ID": "<c@p>",
               "Content-Type": "application/pkcs7-mime; smime-type=compressed-data"}
    error = _refusal(as2_keys, headers, der)
    assert error.disposition == "decompression-failed"
    assert "zlib" in error.message


@pytest.mark.parametrize("missing", ["Message-ID", "AS2-From", "AS2-To"])
def test_a_missing_as2_header_is_named(as2_keys: As2Keys, missing: str) -> None:
    sent = _signed(as2_keys)
    headers = {name: value for name, value in sent.headers.items() if name != missing}
    with pytest.raises(As2Error) as raised:
        read_envelope(headers)
    assert raised.value.disposition == "unexpected-processing-error"
    assert missing in raised.value.message
    error = _refusal(as2_keys, headers, sent.body)
    assert missing in error.message
    assert error.as2_from == (None if missing == "AS2-From" else "PARTNER")


def test_headers_are_case_insensitive_and_envelope_is_read_first(as2_keys: As2Keys) -> None:
    sent = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours)
    lowered = {name.lower(): value for name, value in sent.headers.items()}
    assert read_envelope(lowered) == (sent.message_id, "PARTNER", "B2BGW",
                                      MdnRequest(mode="sync", signed_digests=("sha256",)))
    received = unpack(lowered, sent.body, decrypt_with=[as2_keys.ours.pair],
                      verify_with=[as2_keys.partner.certificate])
    assert received.payload == ORDER


def test_no_content_type_or_empty_body_is_refused(as2_keys: As2Keys) -> None:
    sent = _signed(as2_keys)
    headers = {name: value for name, value in sent.headers.items() if name != "Content-Type"}
    assert "Content-Type" in _refusal(as2_keys, headers, sent.body).message
    assert "empty" in _refusal(as2_keys, sent.headers, b"").message


@pytest.mark.parametrize(("sign", "encrypt", "required"), [
    (False, True, "require_signature"),
    (True, False, "require_encryption"),
    (False, False, "require_signature"),
    (False, False, "require_encryption"),
])
def test_missing_required_security_is_insufficient(as2_keys: As2Keys, sign: bool, encrypt: bool,
                                                   required: str) -> None:
    sent = partner_message(ORDER, sender=as2_keys.partner if sign else None,
                           recipient=as2_keys.ours if encrypt else None)
    error = _refusal(as2_keys, sent.headers, sent.body, **{required: True})
    assert error.disposition == "insufficient-message-security"
    assert ("signature" if required == "require_signature" else "encryption") in error.message
    assert error.message_id == sent.message_id


@pytest.mark.parametrize("layers", ["signed", "signed+encrypted", "compressed+signed+encrypted", "encrypted-gcm"])
def test_random_damage_never_escapes_as_another_exception(as2_keys: As2Keys, layers: str) -> None:
    """Truncations and flipped bytes anywhere: an As2Error, or (damage in a part nobody reads) the same payload.

    The partner agreement's requirements are on: CBC has no integrity of its own, so damage to the
    decrypted headers can turn ``multipart/signed`` into something unsigned, which only the
    signature requirement refuses.
    """
    sent = partner_message(ORDER, sender=None if layers == "encrypted-gcm" else as2_keys.partner,
                           recipient=None if layers == "signed" else as2_keys.ours,
                           compress=layers.startswith("compressed"),
                           cipher="aes256-gcm" if layers == "encrypted-gcm" else "aes256-cbc")
    chooser = random.Random(f"as2-{layers}")
    damaged = [sent.body[:chooser.randrange(len(sent.body))] for _ in range(40)]
    for _ in range(80):
        body = bytearray(sent.body)
        body[chooser.randrange(len(body))] ^= 1 << chooser.randrange(8)
        damaged.append(bytes(body))
    refused = 0
    for body in damaged:
        try:
            received = unpack(sent.headers, body, decrypt_with=[as2_keys.ours.pair],
                              verify_with=[as2_keys.partner.certificate],
                              require_signature=layers != "encrypted-gcm", require_encryption=layers != "signed")
        except As2Error as error:
            assert error.message and error.message_id == sent.message_id
            refused += 1
        else:
            assert received.payload == ORDER, "damage changed a signed or authenticated payload unnoticed"
    assert refused >= len(damaged) * 0.7
