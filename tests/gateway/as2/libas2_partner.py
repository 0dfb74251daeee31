"""libas2 (npm, TypeScript on PKI.js and Nodemailer) plays a second, independent AS2 partner.

OpenSSL checks the CMS; libas2 is a whole AS2 implementation nobody here wrote: its own MIME
composer and parser, its own MIC, its own MDNs. ``libas2/partner.js`` takes one JSON request on
stdin and answers one JSON line. Install once with ``npm ci --prefix tests/gateway/as2/libas2``;
the tests skip, saying so, when it is not installed.

Node 20 refuses RSA PKCS#1 v1.5 decryption (CVE-2023-46809, the Marvin attack) unless started with
``--security-revert=CVE-2023-46809``; AS2 partners use PKCS#1 v1.5 key transport, so the partner
process is started with it (a test partner, not a production service).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.gateway.as2.openssl_partner import KeyPair

FOLDER = Path(__file__).resolve().parent / "libas2"
SCRIPT = FOLDER / "partner.js"

#: Our names -> libas2's.
SIGNING = {"sha1": "sha-1", "sha256": "sha-256", "sha384": "sha-384", "sha512": "sha-512"}
ENCRYPTION = {"aes128-cbc": "aes128-CBC", "aes192-cbc": "aes192-CBC", "aes256-cbc": "aes256-CBC",
              "des-ede3-cbc": "des-EDE3-CBC", "aes128-gcm": "aes128-GCM", "aes256-gcm": "aes256-GCM"}


def missing() -> str | None:
    """Why libas2 cannot run here (None when it can)."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (FOLDER / "node_modules" / "libas2").is_dir():
        return "libas2 is not installed: npm ci --prefix tests/gateway/as2/libas2"
    return None


class Libas2Partner:
    """The partner ``partner`` (its key pair) trading with us (``ours``: our certificate)."""

    def __init__(self, partner: KeyPair, ours: KeyPair, *, partner_id: str = "PARTNER", our_id: str = "B2BGW") -> None:
        self.base = {
            "partner_id": partner_id, "our_id": our_id,
            "partner_cert": partner.certificate_pem.decode(), "partner_key": partner.key_path.read_text(),
            "our_cert": ours.certificate_pem.decode(),
        }

    def _call(self, **request: Any) -> dict[str, Any]:
        completed = subprocess.run(
            ["node", "--security-revert=CVE-2023-46809", str(SCRIPT)],
            input=json.dumps({**self.base, **request}).encode(), capture_output=True, check=False, timeout=60,
        )
        if completed.returncode != 0:
            problem = completed.stderr.decode(errors="replace")[:800]
            raise AssertionError(f"libas2 {request.get('op')} failed: {problem}")
        return dict(json.loads(completed.stdout.strip().splitlines()[-1]))

    def compose(self, payload: bytes, *, sign: str | None, encrypt: str | None, mdn_signing: str | None = "sha256",
                filename: str = "order.x12", content_type: str = "application/edi-x12") -> tuple[dict[str, str], bytes]:
        """An AS2 message libas2 composed (HTTP headers, body)."""
        answer = self._call(op="compose", payload=base64.b64encode(payload).decode(), filename=filename,
                            content_type=content_type, sign=SIGNING[sign] if sign else None,
                            encrypt=ENCRYPTION[encrypt] if encrypt else None,
                            mdn_signing=SIGNING[mdn_signing] if mdn_signing else None)
        return dict(answer["headers"]), base64.b64decode(answer["body"])

    def read(self, headers: Mapping[str, str], body: bytes, *, encrypted: bool,
             mdn_signing: str | None = "sha256") -> dict[str, Any]:
        """libas2 decrypts and verifies our message: payload (bytes), signed, encrypted, its MIC (``"b64, alg"``)."""
        answer = self._call(op="read", headers=dict(headers), body=base64.b64encode(body).decode(),
                            encrypt="aes256-CBC" if encrypted else None, verify=True,
                            mdn_signing=SIGNING[mdn_signing] if mdn_signing else None)
        answer["payload"] = base64.b64decode(answer["payload"])
        mic = answer.get("mic")
        if isinstance(mic, dict):
            answer["mic"] = f"{mic['mic']}, {mic['algorithm'].lower()}"
        return answer

    def mdn_for(self, headers: Mapping[str, str], body: bytes, *, encrypted: bool,
                mdn_signing: str | None = None) -> tuple[dict[str, str], bytes]:
        """The MDN libas2 answers to our message (HTTP headers, body).

        libas2 0.8.2's signed MDNs do not verify, with OpenSSL either (its signature does not cover
        the bytes it sends), so the tests ask for unsigned ones.
        """
        answer = self._call(op="mdn_for", headers=dict(headers), body=base64.b64encode(body).decode(),
                            encrypt="aes256-CBC" if encrypted else None, verify=True,
                            mdn_signing=SIGNING[mdn_signing] if mdn_signing else None)
        message = base64.b64decode(answer["message"])
        head, _, content = message.partition(b"\r\n\r\n")
        parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head + b"\r\n\r\n")
        return {name: " ".join(str(value).split()) for name, value in parsed.items()}, content

    def read_mdn(self, headers: Mapping[str, str], body: bytes, *, signed: bool) -> dict[str, Any]:
        """libas2 reads (and, when ``signed``, verifies) our MDN: original message id, disposition, MIC."""
        answer = self._call(op="read_mdn", headers=dict(headers), body=base64.b64encode(body).decode(),
                            **({} if signed else {"our_cert": None}))
        mic = answer.get("mic")
        if isinstance(mic, dict):
            answer["mic"] = f"{mic['mic']}, {mic['algorithm'].lower()}"
        return answer
