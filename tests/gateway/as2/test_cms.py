"""CMS primitives of gateway.as2.cms against OpenSSL: signers, key transports, encodings, limits."""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from gateway.as2 import cms
from gateway.as2.errors import As2Error
from tests.gateway.as2.conftest import As2Keys
from tests.gateway.as2.openssl_partner import compressed_data, run_openssl, uncompressed_data

ORDER = (Path(__file__).resolve().parents[3] / "fixtures" / "x12" / "850-4010-basic.x12").read_bytes()


def _openssl_verifies(signature: bytes, content: bytes, certificate_path: Path, work: Path) -> None:
    (work / "sig.der").write_bytes(signature)
    (work / "content").write_bytes(content)
    run_openssl("cms", "-verify", "-binary", "-inform", "DER", "-in", str(work / "sig.der"),
                "-content", str(work / "content"), "-CAfile", str(certificate_path), "-purpose", "any",
                "-out", str(work / "out"))


@pytest.mark.parametrize("signer", ["rsa-pkcs1", "rsa-pss", "ecdsa"])
@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha384", "sha512"])
def test_our_signature_verifies_with_openssl_and_with_us(as2_keys: As2Keys, signer: str, digest: str,
                                                         tmp_path: Path) -> None:
    pair = as2_keys.partner_ec if signer == "ecdsa" else as2_keys.ours
    signature = cms.sign_detached(ORDER, pair.key, pair.certificate, digest=digest,  # type: ignore[arg-type]
                                  rsa_pss=signer == "rsa-pss")
    _openssl_verifies(signature, ORDER, pair.certificate_path, tmp_path)
    verified = cms.verify_detached(ORDER, signature, [pair.certificate])
    assert (verified.digest, verified.signer) == (digest, pair.certificate)
    assert verified.signing_time is not None


@pytest.mark.parametrize("options", [["-keyid"], ["-nocerts"], ["-keyopt", "rsa_padding_mode:pss", "-md", "sha384"],
                                     ["-noattr"]])
def test_openssl_signature_variants_verify(as2_keys: As2Keys, options: list[str], tmp_path: Path) -> None:
    """Signer named by subject key identifier, no certificates embedded, RSA-PSS, no signed attributes."""
    (tmp_path / "content").write_bytes(ORDER)
    signature = run_openssl("cms", "-sign", "-binary", "-in", str(tmp_path / "content"), "-outform", "DER",
                            "-signer", str(as2_keys.partner.certificate_path),
                            "-inkey", str(as2_keys.partner.key_path), *options)
    verified = cms.verify_detached(ORDER, signature, [as2_keys.stranger.certificate, as2_keys.partner.certificate])
    assert verified.signer == as2_keys.partner.certificate
    with pytest.raises(As2Error) as raised:
        cms.verify_detached(ORDER + b"x", signature, [as2_keys.partner.certificate])
    assert raised.value.disposition == ("authentication-failed" if "-noattr" in options else "integrity-check-failed")


def test_a_signature_made_outside_the_certificate_validity_is_refused(as2_keys: As2Keys) -> None:
    before = as2_keys.partner.certificate.not_valid_before_utc - dt.timedelta(days=2)
    signature = cms.sign_detached(ORDER, as2_keys.partner.key, as2_keys.partner.certificate,  # type: ignore[arg-type]
                                  signing_time=before)
    with pytest.raises(As2Error) as raised:
        cms.verify_detached(ORDER, signature, [as2_keys.partner.certificate])
    assert raised.value.disposition == "authentication-failed"
    assert "not valid before" in raised.value.message and "signing time" in raised.value.message
    later = as2_keys.partner.certificate.not_valid_after_utc + dt.timedelta(days=1)
    with pytest.raises(As2Error, match="expired on"):
        cms.verify_detached(ORDER, cms.sign_detached(ORDER, as2_keys.partner.key,  # type: ignore[arg-type]
                                                     as2_keys.partner.certificate),
                            [as2_keys.partner.certificate], now=later)


def test_a_certificate_with_another_key_for_the_same_name_is_refused(as2_keys: As2Keys) -> None:
    """Same issuer and serial as the partner's certificate, another key: the signature does not verify."""
    impostor_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    genuine = as2_keys.partner.certificate
    impostor = (x509.CertificateBuilder().subject_name(genuine.subject).issuer_name(genuine.issuer)
                .serial_number(genuine.serial_number).public_key(impostor_key.public_key())
                .not_valid_before(genuine.not_valid_before_utc).not_valid_after(genuine.not_valid_after_utc)
                .sign(impostor_key, hashes.SHA256()))
    signature = cms.sign_detached(ORDER, impostor_key, impostor)
    with pytest.raises(As2Error) as raised:
        cms.verify_detached(ORDER, signature, [genuine])
    assert raised.value.disposition == "authentication-failed"
    assert "does not verify" in raised.value.message


@pytest.mark.parametrize("oaep", [False, True])
@pytest.mark.parametrize("cipher", sorted(cms.CIPHERS))
def test_our_encryption_decrypts_with_openssl(as2_keys: As2Keys, cipher: str, oaep: bool) -> None:
    envelope = cms.encrypt(ORDER, as2_keys.partner.certificate, cipher=cipher, oaep=oaep)
    assert cms.encryption_cipher(envelope) == cipher
    opened = run_openssl("cms", "-decrypt", "-binary", "-inform", "DER", "-inkey", str(as2_keys.partner.key_path),
                         "-recip", str(as2_keys.partner.certificate_path), data=envelope)
    assert opened == ORDER
    assert cms.decrypt(envelope, [as2_keys.partner.pair]) == ORDER  # type: ignore[list-item]


@pytest.mark.parametrize("options", [
    ["-outform", "PEM"], ["-outform", "SMIME"], ["-keyid", "-outform", "DER"],
    ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256", "-outform", "DER"],
])
def test_openssl_envelope_encodings_and_recipient_identifiers(as2_keys: As2Keys, options: list[str]) -> None:
    recipient = ["-recip", str(as2_keys.ours.certificate_path)]
    if options[0] == "-keyopt":
        recipient, options = [*recipient, *options[:4]], options[4:]
    envelope = run_openssl("cms", "-encrypt", "-binary", "-aes-256-cbc", *recipient, *options, data=ORDER)
    if options[-1] == "SMIME":
        envelope = envelope.split(b"\n\n", 1)[1]  # the base64 body after openssl's MIME headers
    assert cms.decrypt(envelope, [as2_keys.stranger.pair, as2_keys.ours.pair]) == ORDER  # type: ignore[list-item]


def test_decrypting_with_no_key_names_the_recipient(as2_keys: As2Keys) -> None:
    envelope = cms.encrypt(ORDER, as2_keys.partner.certificate)
    with pytest.raises(As2Error) as raised:
        cms.decrypt(envelope, [])
    assert raised.value.disposition == "decryption-failed"
    assert "PARTNER" in raised.value.message


def test_compression_round_trips_with_an_independent_reader() -> None:
    assert uncompressed_data(cms.compress(ORDER)) == ORDER
    assert cms.decompress(compressed_data(ORDER)) == ORDER


def test_decompression_stops_at_its_limit() -> None:
    bomb = compressed_data(b"\0" * 1_000_000)
    assert len(bomb) < 2_000
    with pytest.raises(As2Error) as raised:
        cms.decompress(bomb, max_size=100_000)
    assert raised.value.disposition == "decompression-failed"
    assert "beyond 100000 bytes" in raised.value.message
    stream = zlib.compress(ORDER)[:-20]
    cut = asn1_cms.ContentInfo({"content_type": "compressed_data", "content": asn1_cms.CompressedData({
        "version": "v0", "compression_algorithm": {"algorithm": "zlib"},
        "encap_content_info": {"content_type": "data", "content": stream},
    })}).dump()
    with pytest.raises(As2Error, match="ends early: truncated"):
        cms.decompress(cut)
    with pytest.raises(As2Error, match="not a valid CMS structure"):
        cms.decompress(compressed_data(ORDER)[:-20])


def test_unknown_names_are_refused_before_any_work(as2_keys: As2Keys) -> None:
    with pytest.raises(As2Error, match="unsupported cipher"):
        cms.encrypt(ORDER, as2_keys.partner.certificate, cipher="rc2-40")
    with pytest.raises(As2Error, match="cannot sign with digest"):
        cms.sign_detached(ORDER, as2_keys.ours.key, as2_keys.ours.certificate, digest="md5")  # type: ignore[arg-type]


def test_an_ec_recipient_is_refused_for_encryption(as2_keys: As2Keys) -> None:
    with pytest.raises(As2Error, match="RSA"):
        cms.encrypt(ORDER, as2_keys.partner_ec.certificate)


def test_a_self_made_certificate_without_extensions_still_matches() -> None:
    """Certificates built by other tools (no subject key identifier) are matched by issuer and serial."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bare")])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).serial_number(7)
                   .public_key(key.public_key()).not_valid_before(now - dt.timedelta(hours=1))
                   .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    assert cms.decrypt(cms.encrypt(ORDER, certificate), [(key, certificate)]) == ORDER
    assert cms.verify_detached(ORDER, cms.sign_detached(ORDER, key, certificate), [certificate]).digest == "sha256"


@pytest.mark.parametrize("cipher", ["aes256-cbc", "aes128-gcm"])
def test_a_key_that_does_not_unwrap_answers_like_altered_content(as2_keys: As2Keys, cipher: str) -> None:
    """No padding oracle (RFC 3218 2.3.2): a bad wrapped key and altered content get the same kind of answer."""
    envelope = asn1_cms.ContentInfo.load(cms.encrypt(ORDER, as2_keys.ours.certificate, cipher=cipher))
    envelope["content"]["recipient_infos"][0].chosen["encrypted_key"] = bytes(256)
    try:  # a random key gives valid CBC padding once in 256: garbage then, which the MIME layer refuses
        garbage = cms.decrypt(envelope.dump(force=True), [as2_keys.ours.pair])  # type: ignore[list-item]
    except As2Error as bad_key:
        assert bad_key.disposition == "decryption-failed"
        assert ("GCM tag" if cipher.endswith("gcm") else "padding") in bad_key.message
        assert "our key" not in bad_key.message
    else:
        assert cipher.endswith("cbc") and garbage != ORDER
    altered = bytearray(cms.encrypt(ORDER, as2_keys.ours.certificate, cipher=cipher))
    # GCM: the last byte is the tag's. CBC: flipping the last byte of the next-to-last block flips the
    # padding byte, always invalid; flipping the last block itself garbles it, valid padding 1 time in 256.
    altered[-1 if cipher.endswith("gcm") else -17] ^= 1
    with pytest.raises(As2Error) as bad_content:
        cms.decrypt(bytes(altered), [as2_keys.ours.pair])  # type: ignore[list-item]
    assert bad_content.value.disposition == "decryption-failed"
