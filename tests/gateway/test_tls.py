"""``b2bgw serve`` speaks HTTPS itself when given a certificate: the punchout URLs buyers need."""

from __future__ import annotations

import http.client
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.services import Services
from tests.browser import free_port


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def test_serve_answers_over_https_with_the_certificate(services: Services, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    env = {**os.environ, "B2BGW_DATABASE_URL": services.settings.database_url, "B2BGW_ERP": "builtin",
           "B2BGW_PUBLIC_URL": f"https://127.0.0.1:{port}"}
    command = [sys.executable, "-c", "from gateway.cli import main; main()", "serve", "--port", str(port),
               "--workers", "0", "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    context = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", context=context, timeout=5) as answer:
                    assert answer.status == 200 and json.load(answer)["status"] == "ok"
                    break
            except (ConnectionError, urllib.error.URLError):
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"serve did not answer over HTTPS: {server.stderr.read().decode()[-2000:]}"
                                if server.poll() is not None else "serve did not answer over HTTPS in 60 s")
                time.sleep(0.2)
        with pytest.raises((urllib.error.URLError, http.client.HTTPException, ConnectionError)):  # no plain HTTP
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_a_certificate_needs_its_key(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--ssl-certfile", str(tmp_path / "cert.pem")])
    assert result.exit_code == 2 and "--ssl-keyfile" in result.output
