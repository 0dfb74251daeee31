"""Bytes in flight are capped, large bodies are spooled to disk, overload is a 503 with Retry-After.

The app runs under uvicorn and the partners are raw sockets, so an upload can be held half sent
while another arrives: what the gate counts is what a real server would be holding.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import func, select

from gateway.api.errors import install_error_handlers
from gateway.api.limits import UploadGate
from gateway.app import create_app
from gateway.demo import seed_demo
from gateway.services import Services, build_services
from gateway.store.db import session
from gateway.store.tables import Document
from tests.browser import served

from .conftest import empty_database, make_settings
from .partner_auth import edi_headers

KIB = 1024
CAP = 1024 * KIB
HELD = 768 * KIB  # what the first, stalled upload declares
JUNK = b"not an interchange\n"


class Server:
    """The served app, its gate and its services."""

    def __init__(self, base: str, services: Services, gate: UploadGate) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.services = services
        self.gate = gate

    def open(self, *, declared: int | None) -> socket.socket:
        """A connection that has sent the head of a POST to /edi/acme (with or without a length)."""
        sock = socket.create_connection((self.host, self.port), timeout=10)
        length = f"Content-Length: {declared}" if declared is not None else "Transfer-Encoding: chunked"
        auth = edi_headers(self.services.engine, "acme")["Authorization"]
        sock.sendall(f"POST /edi/acme HTTP/1.1\r\nHost: test\r\nContent-Type: application/edi-x12\r\n"
                     f"Authorization: {auth}\r\n{length}\r\n\r\n".encode())
        return sock

    def documents(self) -> int:
        with session(self.services.engine) as s:
            return int(s.exec(select(func.count()).select_from(Document)).one())


def answer_of(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the answer on ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        assert part, f"connection closed before an answer: {data!r}"
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers.get("content-length", "0")):
        part = sock.recv(65536)
        if not part:
            break
        body += part
    return int(lines[0].split()[1]), headers, body


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def server(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    """The app with a 1 MiB cap of bytes in flight, spooling past 64 KiB into ``tmp_path``."""
    wait = getattr(request, "param", 0.3)
    services = build_services(make_settings(
        database_url, max_upload_bytes=4 * CAP, upload_in_flight_bytes=CAP, upload_spool_bytes=64 * KIB,
        upload_spool_dir=str(tmp_path), overload_wait_seconds=wait, retry_after_seconds=7))
    empty_database(services.engine)
    seed_demo(services.engine)
    app = create_app(services, workers=0)
    try:
        with served(app) as base:
            yield Server(base, services, app.state.upload_gate)
    finally:
        services.close()


def test_an_upload_past_the_cap_is_answered_503_before_its_body_is_read(server: Server) -> None:
    first = server.open(declared=HELD)
    first.sendall(JUNK * 100)
    wait_for(lambda: server.gate.bytes_in_flight == HELD)

    second = server.open(declared=512 * KIB)  # 768 + 512 KiB > 1 MiB; not a byte of its body sent
    status, headers, body = answer_of(second)
    assert status == 503 and headers["retry-after"] == "7", body
    assert b"B2BGW_UPLOAD_IN_FLIGHT_BYTES" in body and b"nothing of this request was stored" in body
    assert server.documents() == 0

    first.sendall(b"x" * (HELD - len(JUNK) * 100))  # the first one ends: stored, refused as not X12
    assert answer_of(first)[0] == 400
    wait_for(lambda: server.gate.bytes_in_flight == 0)
    third = server.open(declared=512 * KIB)
    third.sendall(b"y" * 512 * KIB)
    assert answer_of(third)[0] == 400  # admitted, read and kept
    assert server.documents() == 2
    for sock in (first, second, third):
        sock.close()


@pytest.mark.parametrize("server", [10.0], indirect=True)
def test_an_upload_waits_briefly_for_room_rather_than_being_refused(server: Server) -> None:
    first = server.open(declared=HELD)
    wait_for(lambda: server.gate.bytes_in_flight == HELD)
    second = server.open(declared=512 * KIB)
    second.sendall(b"y" * 512 * KIB)
    time.sleep(0.3)
    first.sendall(b"x" * HELD)  # room is made while the second one waits
    assert answer_of(first)[0] == 400
    assert answer_of(second)[0] == 400  # then admitted: stored and read, not a 503
    assert server.documents() == 2
    first.close()
    second.close()


def test_a_body_without_a_length_is_counted_as_it_streams(server: Server) -> None:
    first = server.open(declared=HELD)
    wait_for(lambda: server.gate.bytes_in_flight == HELD)

    chunked = server.open(declared=None)
    chunk = b"z" * (64 * KIB)
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    try:
        for _ in range(16):  # 1 MiB: the cap is passed after about 256 KiB
            chunked.sendall(frame)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, headers, body = answer_of(chunked)
    assert status == 503 and headers["retry-after"] == "7", body
    assert server.documents() == 0  # nothing of the cut-off upload is stored
    wait_for(lambda: server.gate.bytes_in_flight == HELD)  # what it held is given back
    first.close()
    chunked.close()


def test_an_upload_alone_is_taken_whatever_the_cap(server: Server) -> None:
    chunked = server.open(declared=None)  # 2 MiB without a length, past the 1 MiB cap, nothing else in flight
    chunk = b"z" * (64 * KIB)
    for _ in range(32):
        chunked.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    chunked.sendall(b"0\r\n\r\n")
    assert answer_of(chunked)[0] == 400  # read whole and kept, refused only as not X12
    with session(server.services.engine) as s:
        [doc] = s.exec(select(Document)).all()
    assert len(doc.raw) == 2 * CAP
    chunked.close()


def _spool_files(folder: Path) -> list[str]:
    """Files of this process open in ``folder`` (a spool's file is unlinked at once, so not listed there)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see open files")
def test_a_large_body_is_spooled_to_disk_while_it_arrives(server: Server, tmp_path: Path) -> None:
    small = server.open(declared=HELD)
    small.sendall(b"s" * 32 * KIB)
    wait_for(lambda: server.gate.bytes_in_flight == HELD)
    time.sleep(0.2)
    assert _spool_files(tmp_path) == []  # under the threshold: in memory

    small.sendall(b"s" * 96 * KIB)  # 128 KiB: past the 64 KiB threshold
    wait_for(lambda: len(_spool_files(tmp_path)) == 1)
    small.sendall(b"s" * (HELD - 128 * KIB))
    assert answer_of(small)[0] == 400
    with session(server.services.engine) as s:
        [doc] = s.exec(select(Document)).all()
    assert doc.raw == b"s" * HELD  # stored whole, as it came
    wait_for(lambda: _spool_files(tmp_path) == [])  # and the spool is gone
    small.close()


def _app_raising(exc: Exception) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


def _operational(orig: Exception) -> OperationalError:
    return OperationalError("UPDATE gw_document SET state=?", {}, orig)


@pytest.mark.parametrize("exc", [
    _operational(sqlite3.OperationalError("database is locked")),
    _operational(psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")),
    _operational(psycopg.errors.SerializationFailure("could not serialize access")),
    _operational(psycopg.errors.AdminShutdown("terminating connection due to administrator command")),
    _operational(psycopg.errors.TooManyConnections("sorry, too many clients already")),
    _operational(psycopg.OperationalError("connection failed: Connection refused")),
    PoolTimeout("QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00"),
], ids=["sqlite-locked", "pg-lock-timeout", "pg-serialization", "pg-shutdown", "pg-too-many", "pg-refused",
        "pool-timeout"])
def test_the_database_busy_or_away_is_a_503_with_retry_after(exc: Exception) -> None:
    answer = _app_raising(exc).get("/boom")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert "send it again after 5 s" in answer.json()["detail"]
    assert "QueuePool" not in answer.text and "gw_document" not in answer.text  # nothing inside is told


def test_a_database_error_that_is_not_load_stays_a_500() -> None:
    answer = _app_raising(_operational(sqlite3.OperationalError("no such table: gw_document"))).get("/boom")
    assert answer.status_code == 500 and "retry-after" not in answer.headers
    assert set(answer.json()) == {"detail", "error_id"}
