"""Oversized bodies are refused early over a real connection: a 1 GiB upload never gets read whole.

The app runs under uvicorn and the client is a raw socket, so nothing in between buffers the
body: what the test counts is what the gateway let the partner send before it answered.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator

import pytest
from sqlmodel import select as sql_select

from gateway.app import create_app
from gateway.demo import seed_demo
from gateway.pipeline.states import State
from gateway.services import Services, build_services
from gateway.store.db import session
from gateway.store.tables import Document
from tests.browser import served

from .conftest import empty_database, make_settings
from .partner_auth import edi_headers

GIB = 1 << 30
LIMIT = 1 << 20  # 1 MiB uploads for these tests
CHUNK = b"ISA" * 21_845 + b"I"  # 64 KiB
BUFFERED = 16 << 20  # what loopback socket buffers take in before the client notices the answer


@pytest.fixture
def base_url(database_url: str) -> Iterator[tuple[str, Services]]:
    services = build_services(make_settings(database_url, max_upload_bytes=LIMIT, cxml_max_bytes=LIMIT))
    empty_database(services.engine)
    seed_demo(services.engine)
    try:
        with served(create_app(services, workers=0)) as base:
            yield base, services
    finally:
        services.close()


def push(base: str, path: str, *, declared: int | None,
         headers: dict[str, str] | None = None) -> tuple[int, int, bytes]:
    """POST up to 1 GiB to ``path`` until the server answers: (bytes sent, status, response head)."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    length = f"Content-Length: {declared}\r\n" if declared is not None else "Transfer-Encoding: chunked\r\n"
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/edi-x12\r\n{extra}{length}\r\n"
                 .encode())
    sent = 0
    frame = CHUNK if declared is not None else f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
    try:
        while sent < GIB and not select.select([sock], [], [], 0)[0]:
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(CHUNK)
        answer = b""
        while b"\r\n\r\n" not in answer:
            part = sock.recv(65536)
            if not part:
                break
            answer += part
    finally:
        sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return sent, status, answer


def test_a_declared_gigabyte_is_refused_before_a_byte_is_read(base_url: tuple[str, Services]) -> None:
    base, services = base_url
    sent, status, answer = push(base, "/edi/acme", declared=GIB, headers=edi_headers(services.engine, "acme"))
    assert status == 413, answer
    assert sent < BUFFERED  # the answer came while the client had sent a few MiB at most
    with session(services.engine) as s:
        [doc] = s.exec(sql_select(Document)).all()
    assert doc.state == State.REJECTED.value and doc.partner_id == "acme"
    assert doc.error and "1,073,741,824 bytes" in doc.error and "B2BGW_MAX_UPLOAD_BYTES" in doc.error


def test_a_streamed_gigabyte_is_cut_off_at_the_limit(base_url: tuple[str, Services]) -> None:
    base, services = base_url
    sent, status, answer = push(base, "/edi/acme", declared=None, headers=edi_headers(services.engine, "acme"))
    assert status == 413, answer
    assert sent < BUFFERED
    with session(services.engine) as s:
        [doc] = s.exec(sql_select(Document)).all()
    assert doc.state == State.REJECTED.value and LIMIT < len(doc.raw) <= 2 * LIMIT  # up to one read past it
    assert doc.raw.startswith(b"ISAISA")  # what arrived is kept as it came


def test_a_streamed_gigabyte_of_cxml_is_cut_off_too(base_url: tuple[str, Services]) -> None:
    base, _ = base_url
    sent, status, answer = push(base, "/cxml", declared=None)
    assert status in (400, 413), answer
    assert sent < BUFFERED
