"""MDNs both ways with OpenSSL as the partner: ours verified by ``openssl cms -verify``, its read by us.

The MIC in our MDN is compared with the one ``openssl dgst`` computes over what the partner signed,
so a wrong MIC (over the wrong bytes, or the wrong digest) fails here, not at a partner's desk.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.as2.errors import As2Error
from gateway.as2.mdn import build_mdn, is_mdn, read_mdn
from gateway.as2.message import MdnRequest, Signer, pack, unpack
from tests.gateway.as2.conftest import As2Keys
from tests.gateway.as2.openssl_partner import partner_mdn, partner_message, verify_mdn_with_openssl

ORDER = (Path(__file__).resolve().parents[3] / "fixtures" / "x12" / "850-4010-basic.x12").read_bytes()
DIGESTS = ["sha1", "sha256", "sha384", "sha512"]


def _our_signer(keys: As2Keys, digest: str = "sha256") -> Signer:
    return Signer(keys.ours.key, keys.ours.certificate, digest)  # type: ignore[arg-type]


@pytest.mark.parametrize("digest", DIGESTS)
def test_our_signed_mdn_verifies_with_openssl_and_returns_the_openssl_mic(
    as2_keys: As2Keys, digest: str, tmp_path: Path
) -> None:
    sent = partner_message(ORDER, sender=as2_keys.partner, recipient=as2_keys.ours, digest=digest,
                           micalgs=(digest,), compress=True)
    received = unpack(sent.headers, sent.body, decrypt_with=[as2_keys.ours.pair],
                      verify_with=[as2_keys.partner.certificate])
    mdn = build_mdn(original_message_id=received.message_id, as2_from="B2BGW", as2_to="PARTNER", error=None,
                    mic=received.mic, text="Received and processed.", signer=_our_signer(as2_keys, digest))
    fields = verify_mdn_with_openssl(mdn.headers, mdn.body, signer=as2_keys.ours, work=tmp_path)
    assert fields["Received-Content-MIC"] == sent.mic
    assert fields["Disposition"] == "automatic-action/MDN-sent-automatically; processed"
    assert fields["Original-Message-ID"] == f"<{sent.message_id}>"
    assert fields["Final-Recipient"] == "rfc822; B2BGW"
    assert mdn.headers["AS2-From"] == "B2BGW" and mdn.headers["AS2-To"] == "PARTNER"
    assert f"micalg={'sha1' if digest == 'sha1' else 'sha-' + digest[3:]}" in mdn.headers["Content-Type"]


@pytest.mark.parametrize("error", ["decryption-failed", "authentication-failed", "integrity-check-failed",
                                   "decompression-failed", "insufficient-message-security",
                                   "unexpected-processing-error"])
def test_our_error_mdn_says_the_disposition(as2_keys: As2Keys, error: str, tmp_path: Path) -> None:
    mdn = build_mdn(original_message_id="<abc@partner.example>", as2_from="B2BGW", as2_to="PARTNER",
                    error=error, mic=None, text=f"Refused: {error}.", signer=_our_signer(as2_keys))
    fields = verify_mdn_with_openssl(mdn.headers, mdn.body, signer=as2_keys.ours, work=tmp_path)
    assert fields["Disposition"] == f"automatic-action/MDN-sent-automatically; processed/error: {error}"
    assert "Received-Content-MIC" not in fields
    assert fields["Original-Message-ID"] == "<abc@partner.example>"


def test_our_unsigned_mdn_reads_with_the_stdlib(tmp_path: Path) -> None:
    mdn = build_mdn(original_message_id="abc@partner.example", as2_from="B2BGW", as2_to="PARTNER", error=None,
                    mic="abc=, sha-256", text="ok", signer=None)
    assert mdn.headers["Content-Type"].startswith("multipart/report; report-type=disposition-notification")
    fields = verify_mdn_with_openssl(mdn.headers, mdn.body, signer=None, work=tmp_path)
    assert fields["Received-Content-MIC"] == "abc=, sha-256"


@pytest.mark.parametrize("digest", DIGESTS)
def test_openssl_signed_mdn_is_read_and_its_mic_matches_ours(as2_keys: As2Keys, digest: str) -> None:
    packed = pack(ORDER, content_type="application/edi-x12", as2_from="B2BGW", as2_to="PARTNER",
                  signer=_our_signer(as2_keys, digest), encrypt_to=as2_keys.partner.certificate,
                  mdn=MdnRequest(mode="sync", signed_digests=(digest,)))
    headers, body = partner_mdn(packed.message_id, mic=packed.mic, signer=as2_keys.partner, digest=digest)
    assert is_mdn(headers, body)
    read = read_mdn(headers, body, verify_with=[as2_keys.partner.certificate], require_signature=True)
    assert read.signed and read.processed and read.error is None
    assert read.original_message_id == packed.message_id
    assert read.mic == packed.mic
    assert read.text == "Your message was received."


@pytest.mark.parametrize(("disposition", "error"), [
    ("automatic-action/MDN-sent-automatically; processed/error: decryption-failed", "decryption-failed"),
    ("automatic-action/MDN-sent-automatically; processed/error: authentication-failed", "authentication-failed"),
    ("automatic-action/MDN-sent-automatically; failed/failure: unsupported format", "unsupported format"),
])
def test_a_negative_mdn_is_not_processed(as2_keys: As2Keys, disposition: str, error: str) -> None:
    headers, body = partner_mdn("id@b2bgw", mic=None, signer=as2_keys.partner, disposition=disposition)
    read = read_mdn(headers, body, verify_with=[as2_keys.partner.certificate])
    assert not read.processed
    assert read.error == error
    assert read.mic is None


def test_a_warning_mdn_is_processed(as2_keys: As2Keys) -> None:
    headers, body = partner_mdn(
        "id@b2bgw", mic="x=, sha-256", signer=None,
        disposition="automatic-action/MDN-sent-automatically; processed/warning: duplicate-document")
    read = read_mdn(headers, body, verify_with=[])
    assert read.processed and read.error is None and not read.signed


def test_an_unsigned_mdn_is_refused_when_a_signed_one_was_asked(as2_keys: As2Keys) -> None:
    headers, body = partner_mdn("id@b2bgw", mic="x=, sha-256", signer=None)
    with pytest.raises(As2Error) as raised:
        read_mdn(headers, body, verify_with=[as2_keys.partner.certificate], require_signature=True)
    assert raised.value.disposition == "insufficient-message-security"


def test_an_mdn_signed_by_a_stranger_is_refused(as2_keys: As2Keys) -> None:
    headers, body = partner_mdn("id@b2bgw", mic="x=, sha-256", signer=as2_keys.stranger)
    with pytest.raises(As2Error) as raised:
        read_mdn(headers, body, verify_with=[as2_keys.partner.certificate])
    assert raised.value.disposition == "authentication-failed"
    assert "STRANGER" in raised.value.message


def test_an_altered_mdn_is_refused(as2_keys: As2Keys) -> None:
    headers, body = partner_mdn("id@b2bgw", mic="abcd=, sha-256", signer=as2_keys.partner)
    tampered = body.replace(b"abcd=, sha-256", b"abce=, sha-256")
    assert tampered != body
    with pytest.raises(As2Error) as raised:
        read_mdn(headers, tampered, verify_with=[as2_keys.partner.certificate])
    assert raised.value.disposition == "integrity-check-failed"


def test_our_own_mdn_round_trips(as2_keys: As2Keys) -> None:
    mdn = build_mdn(original_message_id="<m1@partner>", as2_from="B2BGW", as2_to="PARTNER",
                    error="decryption-failed", mic=None, text="Could not decrypt.\nSorry.",
                    signer=_our_signer(as2_keys))
    assert is_mdn(mdn.headers, mdn.body)
    read = read_mdn(mdn.headers, mdn.body, verify_with=[as2_keys.ours.certificate])
    assert read.message_id == mdn.message_id
    assert read.original_message_id == "m1@partner"
    assert (read.processed, read.error, read.signed) == (False, "decryption-failed", True)
    assert read.text == "Could not decrypt.\nSorry."


def test_a_message_is_not_an_mdn(as2_keys: As2Keys) -> None:
    for sign, encrypt in ((True, False), (False, True), (False, False)):
        sent = partner_message(ORDER, sender=as2_keys.partner if sign else None,
                               recipient=as2_keys.ours if encrypt else None)
        assert not is_mdn(sent.headers, sent.body)
    assert not is_mdn({}, b"")
    assert not is_mdn({"Content-Type": "multipart/signed"}, b"garbage")


def test_an_mdn_refuses_fields_that_would_add_lines() -> None:
    with pytest.raises(As2Error, match="not printable"):
        build_mdn(original_message_id="a@b>\r\nReceived-Content-MIC: forged", as2_from="B2BGW", as2_to="PARTNER",
                  error=None, mic=None, text="", signer=None)
