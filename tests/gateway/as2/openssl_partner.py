"""OpenSSL plays the AS2 partner: an implementation nobody here wrote signs, encrypts and checks.

Everything cryptographic on the partner's side is the ``openssl`` command line (``req``, ``x509``,
``cms -sign/-verify/-encrypt/-decrypt``, ``dgst``); none of it goes through ``gateway.as2``.
The MIME around it (the payload entity, the AS2 HTTP headers, the MDN report the partner writes)
is assembled here by hand or with the stdlib ``email`` package, as a partner's own code would.

Verification reads S/MIME in text mode (no ``-binary``), as most partners do: OpenSSL 3.0's
binary-mode MIME reader keeps the CR of the CRLF before a boundary as content (it strips LF only),
so it cannot verify any multipart/signed written with CRLF line ends, its own included. Text mode
canonicalises the content before checking, which is harmless because what we sign is canonical.

One exception, said plainly: this machine's OpenSSL 3.0 is built without zlib, so
``openssl cms -compress/-uncompress`` fail ("Error creating CMS structure"). Compressed data
(RFC 3274) is therefore made and read here with ``asn1crypto`` + ``zlib`` directly (not with
``gateway.as2.cms``), see :func:`compressed_data` / :func:`uncompressed_data`.

Used by the AS2 message-layer tests and the ``/as2`` route tests alike.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import re
import secrets
import subprocess
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

OPENSSL = "openssl"

#: Our digest names -> openssl's option names and the micalg names a partner writes.
OPENSSL_DIGESTS = {"sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
MICALG_NAMES = {"sha1": "sha1", "sha256": "sha-256", "sha384": "sha-384", "sha512": "sha-512"}
#: Our cipher names -> openssl cms options.
OPENSSL_CIPHERS = {
    "aes128-cbc": "-aes-128-cbc",
    "aes192-cbc": "-aes-192-cbc",
    "aes256-cbc": "-aes-256-cbc",
    "des-ede3-cbc": "-des-ede3-cbc",
    "aes128-gcm": "-aes-128-gcm",
    "aes256-gcm": "-aes-256-gcm",
}


def run_openssl(*args: str, data: bytes | None = None) -> bytes:
    """Run ``openssl ARGS`` with ``data`` on stdin; its stdout, or AssertionError with its stderr."""
    completed = subprocess.run([OPENSSL, *args], input=data, capture_output=True, check=False, timeout=60)
    if completed.returncode != 0:
        raise OpenSslFailed(f"openssl {' '.join(args)} failed ({completed.returncode}): "
                            f"{completed.stderr.decode(errors='replace')[:600]}")
    return completed.stdout


class OpenSslFailed(AssertionError):
    """An openssl command refused (a verification that failed, a decryption with the wrong key)."""


@dataclass(frozen=True)
class KeyPair:
    """A key and its self-signed certificate, as files (for openssl) and as objects (for our code)."""

    name: str
    key_path: Path
    certificate_path: Path
    key: object = field(repr=False)
    certificate: x509.Certificate = field(repr=False)

    @property
    def pair(self) -> tuple[object, x509.Certificate]:
        """(key, certificate), the shape ``gateway.as2`` takes its key pairs in."""
        return self.key, self.certificate

    @property
    def certificate_pem(self) -> bytes:
        """The certificate in PEM."""
        return self.certificate_path.read_bytes()


def make_key_pair(directory: Path, name: str, *, days: int = 365, expired: bool = False,
                  algorithm: str = "rsa:2048") -> KeyPair:
    """A new key and self-signed certificate made by openssl (``algorithm``: ``rsa:2048`` or ``ec``).

    ``expired``: the certificate's notAfter is a day ago (``openssl x509 -req -days -1``, which
    OpenSSL 3.0 accepts where ``req -x509`` refuses a non-positive ``-days``).
    """
    directory.mkdir(parents=True, exist_ok=True)
    key_path = directory / f"{name}.key.pem"
    certificate_path = directory / f"{name}.cert.pem"
    subject = f"/CN={name}/O=b2bgw tests"
    if algorithm == "ec":
        run_openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(key_path))
    else:
        bits = algorithm.partition(":")[2] or "2048"
        run_openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}", "-out", str(key_path))
    if expired:
        request = run_openssl("req", "-new", "-key", str(key_path), "-subj", subject)
        run_openssl("x509", "-req", "-signkey", str(key_path), "-days", "-1", "-set_serial",
                    str(secrets.randbits(63)), "-out", str(certificate_path), data=request)
    else:
        run_openssl("req", "-x509", "-new", "-key", str(key_path), "-subj", subject, "-days", str(days),
                    "-set_serial", str(secrets.randbits(63)), "-out", str(certificate_path))
    key = load_pem_private_key(key_path.read_bytes(), password=None)
    certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
    return KeyPair(name=name, key_path=key_path, certificate_path=certificate_path, key=key, certificate=certificate)


def openssl_mic(content: bytes, digest: str = "sha256") -> str:
    """``"<base64>, <micalg>"`` of ``content`` computed by ``openssl dgst`` (the RFC 4130 MIC format)."""
    raw = run_openssl("dgst", f"-{OPENSSL_DIGESTS[digest]}", "-binary", data=content)
    return f"{base64.b64encode(raw).decode('ascii')}, {MICALG_NAMES[digest]}"


def compressed_data(content: bytes) -> bytes:
    """A DER CMS CompressedData (zlib) of ``content``, made with asn1crypto (OpenSSL here lacks zlib)."""
    structure = asn1_cms.CompressedData({
        "version": "v0",
        "compression_algorithm": {"algorithm": "zlib"},
        "encap_content_info": {"content_type": "data", "content": zlib.compress(content, 9)},
    })
    return asn1_cms.ContentInfo({"content_type": "compressed_data", "content": structure}).dump()


def uncompressed_data(der: bytes) -> bytes:
    """The content of a DER CMS CompressedData, read with asn1crypto + zlib."""
    info = asn1_cms.ContentInfo.load(der)
    assert info["content_type"].native == "compressed_data", info["content_type"].native
    return zlib.decompress(info["content"]["encap_content_info"]["content"].native)


def _split_entity(entity: bytes) -> tuple[list[tuple[str, str]], bytes]:
    """Headers and body of a MIME entity (stdlib header parser; the body is kept byte-exact)."""
    match = re.search(rb"\r?\n\r?\n", entity)
    if match is None:
        return [], entity
    head, body = entity[:match.start()], entity[match.end():]
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head + b"\r\n\r\n")
    return [(name, " ".join(str(value).split())) for name, value in parsed.items()], body


@dataclass(frozen=True)
class PartnerMessage:
    """An AS2 message OpenSSL made: HTTP headers and body, and what the receiver's MIC must cover."""

    headers: dict[str, str]
    body: bytes
    mic_content: bytes
    message_id: str
    mic_digest: str

    def __iter__(self) -> Iterator[object]:
        """``headers, body = partner_message(...)`` works too."""
        return iter((self.headers, self.body))

    @property
    def mic(self) -> str:
        """The MIC the receiver must return, computed by ``openssl dgst``."""
        return openssl_mic(self.mic_content, self.mic_digest)


def partner_message(
    payload: bytes,
    *,
    sender: KeyPair | None,
    recipient: KeyPair | None,
    compress: bool = False,
    compress_outside_signature: bool = False,
    cipher: str = "aes256-cbc",
    digest: str = "sha256",
    rsa_pss: bool = False,
    oaep: bool = False,
    as2_from: str = "PARTNER",
    as2_to: str = "B2BGW",
    content_type: str = "application/edi-x12",
    filename: str | None = "order.x12",
    mdn: str = "sync",
    mdn_url: str | None = None,
    micalgs: tuple[str, ...] = ("sha256",),
    base64_body: bool = False,
    crlf: bool = True,
    message_id: str | None = None,
    opaque_signature: bool = False,
) -> PartnerMessage:
    """An AS2 message as a partner would send it, signed by ``sender`` and encrypted to ``recipient`` by openssl.

    Layers: compress (inside the signature unless ``compress_outside_signature``) -> sign -> encrypt.
    ``base64_body``: the outer S/MIME body as openssl's base64 with ``Content-Transfer-Encoding:
    base64`` (some partners do) instead of binary DER. ``crlf``: openssl writes CRLF (``-crlfeol``).
    ``opaque_signature``: signed-data with the content inside (``-nodetach``, application/pkcs7-mime)
    instead of multipart/signed.
    """
    message_id = message_id or f"{secrets.token_hex(12)}@partner.example"
    headers_of_payload = [f"Content-Type: {content_type}", "Content-Transfer-Encoding: binary"]
    if filename:
        headers_of_payload.append(f'Content-Disposition: attachment; filename="{filename}"')
    entity = "\r\n".join(headers_of_payload).encode() + b"\r\n\r\n" + payload
    mic_content = payload
    eol = ["-crlfeol"] if crlf else []

    def compressed(inner: bytes) -> bytes:
        return (b'Content-Type: application/pkcs7-mime; smime-type=compressed-data; name="smime.p7z"\r\n'
                b"Content-Transfer-Encoding: base64\r\n"
                b'Content-Disposition: attachment; filename="smime.p7z"\r\n\r\n'
                + base64.encodebytes(compressed_data(inner)).replace(b"\n", b"\r\n"))

    if compress and not compress_outside_signature:
        entity = compressed(entity)
    if sender is not None:
        options = ["-keyopt", "rsa_padding_mode:pss"] if rsa_pss else []
        mic_content = entity  # RFC 4130 7.3.1: a signed message's MIC covers the signed entity
        if opaque_signature:
            options.append("-nodetach")
        entity = run_openssl("cms", "-sign", "-binary", *eol, "-md", OPENSSL_DIGESTS[digest],
                             "-signer", str(sender.certificate_path), "-inkey", str(sender.key_path), *options,
                             "-outform", "SMIME", data=entity)
    if compress and compress_outside_signature:
        entity = compressed(entity)
    if recipient is not None:
        if sender is None:
            mic_content = entity  # encrypted, unsigned: the MIC covers the decrypted entity
        key_options = ["-keyopt", "rsa_padding_mode:oaep"] if oaep else []
        entity = run_openssl("cms", "-encrypt", "-binary", *eol, OPENSSL_CIPHERS[cipher],
                             "-recip", str(recipient.certificate_path), *key_options,
                             "-outform", "SMIME", data=entity)
    entity_headers, body = _split_entity(entity)
    headers = {
        "AS2-Version": "1.2",
        "AS2-From": as2_from if re.fullmatch(r"[!-~]+", as2_from) and '"' not in as2_from else f'"{as2_from}"',
        "AS2-To": as2_to if re.fullmatch(r"[!-~]+", as2_to) and '"' not in as2_to else f'"{as2_to}"',
        "Message-ID": f"<{message_id}>",
        "Subject": "EDI from OpenSSL",
        "MIME-Version": "1.0",
    }
    for name, value in entity_headers:
        if name.lower() in ("content-type", "content-disposition", "content-transfer-encoding"):
            headers[name] = value
    if headers.get("Content-Transfer-Encoding", "").lower() == "base64" and not base64_body:
        body = base64.b64decode(body)
        headers["Content-Transfer-Encoding"] = "binary"
    if mdn != "none":
        headers["Disposition-Notification-To"] = "as2@partner.example"
        if micalgs:
            headers["Disposition-Notification-Options"] = (
                "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, "
                + ", ".join(MICALG_NAMES.get(name, name) for name in micalgs)
            )
        if mdn == "async":
            headers["Receipt-Delivery-Option"] = mdn_url or "http://partner.example/as2/mdn"
    supported = [name for name in micalgs if name in MICALG_NAMES]
    mic_digest = supported[0] if supported else digest if sender is not None else "sha256"
    return PartnerMessage(headers=headers, body=body, mic_content=mic_content, message_id=message_id,
                          mic_digest=mic_digest)


@dataclass(frozen=True)
class OpenSslRead:
    """What OpenSSL found in a message we sent."""

    payload: bytes
    content_type: str | None
    filename: str | None
    signed: bool
    encrypted: bool
    compressed: bool
    signed_content: bytes | None
    decrypted_content: bytes | None

    def mic(self, digest: str = "sha256") -> str:
        """The RFC 4130 MIC a receiver computes over this message, by ``openssl dgst``."""
        if self.signed_content is not None:
            return openssl_mic(self.signed_content, digest)
        if self.decrypted_content is not None:
            return openssl_mic(self.decrypted_content, digest)
        return openssl_mic(self.payload, digest)


def _entity_from_http(headers: Mapping[str, str], body: bytes) -> bytes:
    lowered = {name.lower(): value for name, value in headers.items()}
    lines = [f"Content-Type: {lowered['content-type']}"]
    if "content-transfer-encoding" in lowered:
        lines.append(f"Content-Transfer-Encoding: {lowered['content-transfer-encoding']}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def read_our_message(
    headers: Mapping[str, str],
    body: bytes,
    *,
    recipient: KeyPair | None,
    sender_certificate: KeyPair | None,
    work: Path,
) -> OpenSslRead:
    """Decrypt (``openssl cms -decrypt``) and verify (``openssl cms -verify``) a message we packed.

    ``recipient``: the partner's key pair we encrypted to. ``sender_certificate``: our certificate
    the partner trusts. Raises OpenSslFailed when openssl refuses.
    """
    work.mkdir(parents=True, exist_ok=True)
    entity = _entity_from_http(headers, body)
    signed = encrypted = compressed = False
    signed_content: bytes | None = None
    decrypted_content: bytes | None = None
    for _layer in range(6):
        entity_headers, entity_body = _split_entity(entity)
        fields = {name.lower(): value for name, value in entity_headers}
        content_type = fields.get("content-type", "text/plain").lower()
        if content_type.startswith("multipart/signed"):
            assert sender_certificate is not None, "the message is signed and no certificate was given"
            source = work / f"signed-{secrets.token_hex(4)}.eml"
            source.write_bytes(entity)
            entity = run_openssl("cms", "-verify", "-inform", "SMIME", "-in", str(source),
                                 "-CAfile", str(sender_certificate.certificate_path), "-purpose", "any")
            signed, signed_content = True, entity
        elif content_type.startswith(("application/pkcs7-mime", "application/x-pkcs7-mime")):
            der = base64.b64decode(entity_body) if fields.get("content-transfer-encoding", "").lower() == "base64" \
                else entity_body
            if "compressed-data" in content_type:
                entity = uncompressed_data(der)
                compressed = True
            else:
                assert recipient is not None, "the message is encrypted and no key was given"
                entity = run_openssl("cms", "-decrypt", "-binary", "-inform", "DER",
                                     "-inkey", str(recipient.key_path), "-recip", str(recipient.certificate_path),
                                     data=der)
                encrypted = True
                if signed_content is None:
                    decrypted_content = entity
        else:
            encoding = fields.get("content-transfer-encoding", "binary").lower()
            payload = base64.b64decode(entity_body) if encoding == "base64" else entity_body
            disposition = fields.get("content-disposition", "")
            found = re.search(r'filename="?([^";]+)"?', disposition)
            return OpenSslRead(payload=payload, content_type=fields.get("content-type"),
                               filename=found.group(1) if found else None, signed=signed, encrypted=encrypted,
                               compressed=compressed, signed_content=signed_content,
                               decrypted_content=decrypted_content)
    raise AssertionError("more than 6 S/MIME layers")


def verify_mdn_with_openssl(
    headers: Mapping[str, str], body: bytes, *, signer: KeyPair | None, work: Path
) -> dict[str, str]:
    """Our MDN's disposition fields (``Disposition``, ``Received-Content-MIC`` ...) after openssl verified it.

    ``signer``: our key pair, whose certificate the partner trusts; None for an unsigned MDN.
    """
    work.mkdir(parents=True, exist_ok=True)
    entity = _entity_from_http(headers, body)
    if signer is not None:
        assert "multipart/signed" in headers.get("Content-Type", "") or "multipart/signed" in entity.decode(
            "latin-1")[:200], "the MDN is not signed"
        source = work / f"mdn-{secrets.token_hex(4)}.eml"
        source.write_bytes(entity)
        entity = run_openssl("cms", "-verify", "-inform", "SMIME", "-in", str(source),
                             "-CAfile", str(signer.certificate_path), "-purpose", "any")
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(entity)
    assert message.get_content_type() == "multipart/report", message.get_content_type()
    for part in message.walk():
        if part.get_content_type() == "message/disposition-notification":
            raw = part.as_bytes() if not part.is_multipart() else b""
            blocks = part.get_payload()
            if isinstance(blocks, list):
                fields: dict[str, str] = {}
                for block in blocks:
                    fields.update({name: " ".join(str(value).split()) for name, value in block.items()})
                return fields
            text = raw.decode("latin-1")
            return dict(re.findall(r"^([A-Za-z-]+):\s*(.*?)\s*$", text, re.M))
    raise AssertionError("the MDN has no message/disposition-notification part")


def partner_mdn(
    original_message_id: str,
    *,
    mic: str | None,
    signer: KeyPair | None,
    disposition: str = "automatic-action/MDN-sent-automatically; processed",
    digest: str = "sha256",
    as2_from: str = "PARTNER",
    as2_to: str = "B2BGW",
) -> tuple[dict[str, str], bytes]:
    """An MDN as a partner sends it (report written here, signed by ``openssl cms -sign``): headers, body."""
    boundary = f"mdn-{secrets.token_hex(8)}"
    fields = [
        "Reporting-UA: OpenSSL partner",
        f"Original-Recipient: rfc822; {as2_from}",
        f"Final-Recipient: rfc822; {as2_from}",
        f"Original-Message-ID: <{original_message_id.strip('<>')}>",
        f"Disposition: {disposition}",
    ]
    if mic:
        fields.append(f"Received-Content-MIC: {mic}")
    report = (
        f'Content-Type: multipart/report; report-type=disposition-notification; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nYour message was received.\r\n"
        f"--{boundary}\r\nContent-Type: message/disposition-notification\r\n\r\n"
        + "\r\n".join(fields) + "\r\n"
        f"\r\n--{boundary}--\r\n"
    ).encode()
    entity = report
    if signer is not None:
        entity = run_openssl("cms", "-sign", "-binary", "-crlfeol", "-md", OPENSSL_DIGESTS[digest],
                             "-signer", str(signer.certificate_path), "-inkey", str(signer.key_path),
                             "-outform", "SMIME", data=report)
    entity_headers, body = _split_entity(entity)
    headers = {
        "AS2-Version": "1.2",
        "AS2-From": as2_from,
        "AS2-To": as2_to,
        "Message-ID": f"<{secrets.token_hex(12)}@partner.example>",
        "MIME-Version": "1.0",
    }
    headers.update((name, value) for name, value in entity_headers if name.lower().startswith("content-"))
    return headers, body
