"""Benchmark of punchout: PunchOutSetupRequest round trips against a bare endpoint of the same app.

Run from the project root: ``python bench/punchout.py [--seconds 10] [--connections 32]``. It
migrates a fresh SQLite database in a temporary directory (or uses ``B2BGW_DATABASE_URL``), seeds
the demo (the cXML buyer ``contoso``), serves the app with uvicorn in a child process (one
process, no background workers, plus three routes answering ``ok`` with no database:
``GET /bench/bare`` (``async def``, the cheapest FastAPI route the app can have; the target's
reference), ``GET /bench/bare-sync`` (a plain ``def``, run in the thread pool like most of the
app's routes) and ``GET /bench/bare-plain`` (a plain ASGI route ahead of the routers, as
``POST /cxml`` is served: the HTTP floor without FastAPI)), and drives it from
``--connections`` keep-alive HTTP/1.1 connections for ``--seconds`` on each route:

(a) the three bare routes;
(b) ``POST /cxml`` with a PunchOutSetupRequest from the demo buyer (stored, authenticated,
    a session opened, a StartPage URL answered; every answer is checked for Status 200).

Each route's seconds are cut into ``--rounds`` slices taken in turn, so that the machine's
drift weighs on every route alike. It prints requests/s, p50 / p99 latency and the server's CPU
time per request of each, and the ratios setup/bare against every bare route. Targets: setup
at >= 50% of the bare endpoint's throughput, and a setup p99 under 50 ms at 32 connections.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.proc import cpu_seconds  # noqa: E402  (found through the path set just above)

SETUP = """<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="{payload}" timestamp="2026-11-23T12:00:00+00:00" xml:lang="en-US">
  <Header>
    <From><Credential domain="NetworkID"><Identity>AN01000000042</Identity></Credential></From>
    <To><Credential domain="DUNS"><Identity>b2bgw-seller</Identity></Credential></To>
    <Sender><Credential domain="NetworkID"><Identity>AN01000000042</Identity>
      <SharedSecret>sandbox-secret</SharedSecret></Credential><UserAgent>bench</UserAgent></Sender>
  </Header>
  <Request><PunchOutSetupRequest operation="create">
    <BuyerCookie>{payload}</BuyerCookie>
    <Extrinsic name="UserEmail">bench@buyer.example</Extrinsic>
    <Extrinsic name="CostCenter">4711</Extrinsic>
    <BrowserFormPost><URL>https://buyer.example/return</URL></BrowserFormPost>
    <Contact role="endUser"><Name xml:lang="en">Bench User</Name><Email>bench@buyer.example</Email></Contact>
  </PunchOutSetupRequest></Request>
</cXML>
"""


def serve(url: str, port: int) -> None:
    """The child process: the app over ``url`` with a bare route, under uvicorn."""
    import uvicorn
    from fastapi.responses import PlainTextResponse

    from gateway.app import create_app
    from gateway.config import Settings
    from gateway.runtime import tune_garbage_collector
    from gateway.services import build_services

    tune_garbage_collector()  # as ``b2bgw serve`` does

    services = build_services(Settings(database_url=url, log_level="WARNING"))
    app = create_app(services, workers=0)

    @app.get("/bench/bare", response_class=PlainTextResponse)
    async def bare() -> str:
        return "ok"

    @app.get("/bench/bare-sync", response_class=PlainTextResponse)
    def bare_sync() -> str:
        return "ok"

    class BarePlain:  # an instance, so Starlette routes to it unwrapped, as to POST /cxml
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await PlainTextResponse("ok")(scope, receive, send)

    app.router.routes.insert(0, Route("/bench/bare-plain", BarePlain(), methods=["GET"]))

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes,
                   body: bytes) -> tuple[int, bytes]:
    writer.write(head + body)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return int(status_line.split()[1]), await reader.readexactly(length)


async def _connection(port: int, path: str, make_body: object, until: float, latencies: list[float],
                      failures: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            body = make_body() if callable(make_body) else b""
            method = "POST" if body else "GET"
            head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            started = time.perf_counter()
            status, answer = await _request(reader, writer, head, body)
            latencies.append(time.perf_counter() - started)
            if status != 200 or (body and b'code="200"' not in answer):
                failures.append(f"{status} {answer[:200]!r}")
    finally:
        writer.close()


async def _load(port: int, path: str, make_body: object, seconds: float, connections: int) -> tuple[list[float],
                                                                                                     list[str]]:
    latencies: list[float] = []
    failures: list[str] = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_connection(port, path, make_body, until, latencies, failures)
                           for _ in range(connections)))
    return latencies, failures


@dataclass(frozen=True)
class Slice:
    """One stretch of load on one route: requests, seconds, the server's CPU seconds, p50 / p99 in ms."""

    requests: int
    seconds: float
    cpu: float
    p50: float
    p99: float


def _warm_python(port: int, path: str, make_body: object, connections: int) -> None:
    asyncio.run(_load(port, path, make_body, 2.0, connections))


def _slice_python(port: int, path: str, make_body: object, seconds: float, connections: int, server: int) -> Slice:
    """A stretch of ``path`` under load from the Python client."""
    cpu = cpu_seconds(server)
    gc.collect()
    gc.disable()  # the load generator's own collector pauses would count as the server's latency
    try:
        started = time.perf_counter()
        latencies, failures = asyncio.run(_load(port, path, make_body, seconds, connections))
        elapsed = time.perf_counter() - started
    finally:
        gc.enable()
    cpu = cpu_seconds(server) - cpu
    if failures:
        raise SystemExit(f"{path}: {len(failures)} failed requests, e.g. {failures[0]}")
    cuts = statistics.quantiles(latencies, n=100)
    return Slice(len(latencies), elapsed, cpu, cuts[49] * 1000, cuts[98] * 1000)


WRK_SCRIPT = """wrk.method = "{method}"
wrk.headers["Content-Type"] = "text/xml"
local f = io.open("{body}", "rb")
wrk.body = f:read("*all")
f:close()
"""


def _wrk_ms(text: str) -> float:
    """A wrk duration ("812.00us", "12.17ms", "1.02s", "1.00m") in milliseconds."""
    for suffix, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    raise ValueError(f"not a wrk latency: {text!r}")


def _wrk_command(path: str, body: bytes | None, connections: int, folder: str) -> list[str]:
    script = Path(folder, f"wrk-{abs(hash(path))}.lua")
    body_file = Path(folder, f"body-{abs(hash(path))}.xml")
    body_file.write_bytes(body or b"")
    script.write_text(WRK_SCRIPT.format(method="POST" if body else "GET", body=body_file))
    return ["wrk", "-t1", f"-c{connections}", "-s", str(script)]


def _slice_wrk(port: int, path: str, command: list[str], seconds: float, server: int) -> Slice:
    """A stretch of ``path`` under load from wrk (C).

    A Python load generator needs about a core of its own at these rates, on a machine that has
    two, so its measurements carry the contention; wrk needs a fraction of that. Every request of a
    run is the same (one setup body: the gateway opens a session for each), and wrk's non-2xx
    count must be zero.
    """
    url = f"http://127.0.0.1:{port}{path}"
    cpu = cpu_seconds(server)
    out = subprocess.run([*command, f"-d{seconds:g}s", "--latency", url], check=True, capture_output=True,
                         text=True).stdout
    cpu = cpu_seconds(server) - cpu
    if "Non-2xx" in out:
        raise SystemExit(f"{path}: failed requests under wrk:\n{out}")
    figures = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.strip()[:3] in ("50%", "99%")}
    requests = int(next(line.split()[0] for line in out.splitlines() if "requests in" in line))
    elapsed = next(line.split()[3] for line in out.splitlines() if "requests in" in line).rstrip(",")
    return Slice(requests, _wrk_ms(elapsed) / 1000, cpu, _wrk_ms(figures["50%"]), _wrk_ms(figures["99%"]))

def _rounds(targets: dict[str, tuple[str, Any]], client: str, port: int, args: argparse.Namespace, server: int,
            folder: str) -> dict[str, tuple[float, float, float, float, float]]:
    """(requests/s, p50 ms, p99 ms, server CPU ms per request, worst p99 ms) of each target, in alternating slices.

    The machine's speed drifts from minute to minute, so every target gets ``args.rounds`` slices
    of ``args.seconds / args.rounds`` taken in turn, and their sums are compared: a slow minute
    then weighs on every route alike. p50 and p99 are the medians of the slices'; the worst
    slice's p99 comes last.
    """
    share = args.seconds / args.rounds
    slices: dict[str, list[Slice]] = {name: [] for name in targets}
    commands = {}
    for name, (path, body) in targets.items():  # warm-up, once per route
        if client == "wrk":
            commands[name] = _wrk_command(path, body() if body else None, args.connections, folder)
            subprocess.run([*commands[name], "-d2s", f"http://127.0.0.1:{port}{path}"], check=True,
                           capture_output=True)
        else:
            _warm_python(port, path, body, args.connections)
    for _ in range(args.rounds):
        for name, (path, body) in targets.items():
            slices[name].append(_slice_wrk(port, path, commands[name], share, server) if client == "wrk" else
                                _slice_python(port, path, body, share, args.connections, server))
    return {name: (sum(s.requests for s in taken) / sum(s.seconds for s in taken),
                   statistics.median(s.p50 for s in taken), statistics.median(s.p99 for s in taken),
                   sum(s.cpu for s in taken) * 1000 / max(sum(s.requests for s in taken), 1),
                   max(s.p99 for s in taken))
            for name, taken in slices.items()}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _setup_body() -> bytes:
    return SETUP.format(payload=f"{uuid.uuid4().hex}@bench").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5, help="alternating slices each route's seconds are cut into")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk (Debian package) when installed, else the Python one")
    parser.add_argument("--serve", nargs=2, metavar=("URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return

    from gateway.demo import seed_demo
    from gateway.store.db import make_engine, upgrade

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("B2BGW_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        seed_demo(engine)
        engine.dispose()
        port = _free_port()
        child = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port)], cwd=ROOT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or child.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.1)
            client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")
            print(f"{args.connections} connections, {args.seconds:g} s on each route in {args.rounds} rounds, "
                  f"database {url.split(':')[0]}, load from {client}")
            targets = {"bare endpoint (async)": ("/bench/bare", None),
                       "bare endpoint (sync)": ("/bench/bare-sync", None),
                       "bare endpoint (plain)": ("/bench/bare-plain", None),
                       "PunchOutSetupRequest": ("/cxml", _setup_body)}
            runs = _rounds(targets, client, port, args, child.pid, folder)
            for name, (rate, p50, p99, cpu, worst) in runs.items():
                print(f"{name:22} {rate:7.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms (worst slice "
                      f"{worst:6.1f})   server CPU {cpu:.2f} ms/request")
            setup = runs["PunchOutSetupRequest"]
            for name in ("bare endpoint (async)", "bare endpoint (sync)", "bare endpoint (plain)"):
                bare = runs[name]
                cpu = f"; server CPU per request bare / setup {bare[3] / setup[3]:.0%}" if bare[3] and setup[3] else ""
                print(f"setup / {name}: throughput {setup[0] / bare[0]:.0%} (target >= 50%){cpu}")
            print(f"setup p99 {setup[2]:.1f} ms, worst slice {setup[4]:.1f} ms (target < 50 ms)")
        finally:
            child.terminate()
            child.wait(timeout=20)


if __name__ == "__main__":
    main()
