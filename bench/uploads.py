"""Benchmark of large uploads: the server's peak memory while three 45 MiB files arrive at once.

Run from the project root: ``python bench/uploads.py [--mb 45] [--concurrent 3] [--kind orders]``.
It migrates a fresh SQLite database in a temporary directory (or uses ``B2BGW_DATABASE_URL``),
seeds the demo, serves the app with uvicorn in a child process (no background workers; any
``B2BGW_*`` setting in the environment applies), and samples the child's resident memory (RSS)
every 20 ms:

(a) the baseline: the server after one small upload (the demo's basic 850), so that the imports,
    the pools and the first request's caches are counted in it, not in the uploads;
(b) ``--concurrent`` uploads of ``--mb`` MiB each to ``POST /edi/acme``, sent at once, each with
    its own interchange control number; one answered 503 is sent again after its ``Retry-After``,
    as a partner would, until it is taken.

``--kind`` says what the files hold: ``orders`` (one interchange of that many MiB of the demo's
one-line 850s, read and stored set by set: what a partner's large batch costs), ``junk`` (bytes
that are not X12: stored and refused, what an attacker's upload costs without the reading),
``both``. It prints, per kind, the peak RSS, its growth over the baseline, that growth per MiB
uploaded, the answers' status codes (503s and their resends included) and the wall time until
every file was taken. The figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.orders import order_interchanges  # noqa: E402  (found through the path set just above)

MIB = 1 << 20
ORDER_BYTES = 520
"""About the size of one of bench.orders' one-line 850s, to aim a file at a size."""


def serve(url: str, port: int) -> None:
    """The child process: the app over ``url`` under uvicorn, as ``b2bgw serve`` runs it (no workers)."""
    import uvicorn

    from gateway.app import create_app
    from gateway.config import Settings
    from gateway.runtime import tune_garbage_collector
    from gateway.services import build_services

    tune_garbage_collector()
    services = build_services(Settings(database_url=url, log_level="WARNING"))
    uvicorn.run(create_app(services, workers=0), host="127.0.0.1", port=port, log_level="warning",
                access_log=False)


class PeakSampler:
    """The highest RSS of a process, sampled in a thread until stopped."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.process = psutil.Process(pid)
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.every)

    def __enter__(self) -> PeakSampler:
        self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def files_of(kind: str, mb: float, count: int, first_isa13: int) -> list[bytes]:
    """``count`` files of about ``mb`` MiB each, every one with its own control numbers."""
    if kind == "junk":
        line = b"this is not an interchange, only bytes a partner sent by mistake\n"
        return [(b"%09d " % (first_isa13 + i)) + line * int(mb * MIB / len(line)) for i in range(count)]
    orders = max(1, int(mb * MIB / ORDER_BYTES))
    return [order_interchanges(orders, per_file=orders, prefix=f"UP{first_isa13 + i}",
                               first_isa13=first_isa13 + i)[0] for i in range(count)]


async def _post(port: int, body: bytes) -> tuple[int, int]:
    """POST ``body`` on a connection of its own: the status and the Retry-After (0 when none).

    The body waits for ``100 Continue``, as curl and most HTTP clients do for large bodies, so an
    upload refused before its body is read gets its answer, not a reset of the connection.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /edi/acme HTTP/1.1\r\nHost: bench\r\nContent-Type: application/edi-x12\r\n"
                 b"Authorization: Basic YWNtZTphY21lLWRlbW8tcGFzc3dvcmQ=\r\n"  # acme:acme-demo-password (demo)
                 b"Connection: close\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
    status, retry_after = _head(await reader.readuntil(b"\r\n\r\n"))
    if status == 100:
        for start in range(0, len(body), MIB):  # as a client sends it: a MiB at a time
            writer.write(body[start:start + MIB])
            await writer.drain()
        status, retry_after = _head(await reader.readuntil(b"\r\n\r\n"))
    writer.close()
    return status, retry_after


def _head(head: bytes) -> tuple[int, int]:
    lines = head.decode("latin-1").split("\r\n")
    retry_after = next((v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
                        if k.lower() == "retry-after"), "0")
    return int(lines[0].split()[1]), int(retry_after)


async def _post_all(port: int, bodies: list[bytes]) -> list[list[int]]:
    """POST every body at once; each sent again after Retry-After while answered 503. Every answer's status."""

    async def one(body: bytes) -> list[int]:
        statuses: list[int] = []
        while len(statuses) < 20:
            status, retry_after = await _post(port, body)
            statuses.append(status)
            if status != 503:
                break
            await asyncio.sleep(retry_after)
        return statuses

    return list(await asyncio.gather(*(one(body) for body in bodies)))


def _wait_for_port(port: int, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline or child.poll() is not None:
                raise SystemExit("the server did not start") from None
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def measure(url: str, kind: str, mb: float, concurrent: int) -> None:
    """One server, its baseline, then the concurrent uploads; prints one line."""
    bodies = files_of(kind, mb, concurrent, first_isa13=700000000)
    small = (ROOT / "fixtures" / "x12" / "850-4010-basic.x12").read_bytes()
    port = _free_port()
    child = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port)], cwd=ROOT)
    try:
        _wait_for_port(port, child)
        [[warm]] = asyncio.run(_post_all(port, [small]))
        time.sleep(0.5)
        baseline = psutil.Process(child.pid).memory_info().rss
        started = time.monotonic()
        with PeakSampler(child.pid) as sampler:
            answers = asyncio.run(_post_all(port, bodies))
        took = time.monotonic() - started
    finally:
        child.terminate()
        child.wait(timeout=30)
    uploaded = sum(len(b) for b in bodies) / MIB
    growth = (sampler.peak - baseline) / MIB
    print(f"{kind:6} {concurrent} x {len(bodies[0]) / MIB:.1f} MiB: baseline {baseline / MIB:6.0f} MiB (warm-up "
          f"{warm}), peak {sampler.peak / MIB:6.0f} MiB = {sampler.peak / baseline:.2f}x baseline, growth "
          f"{growth:6.0f} MiB = {growth / uploaded:.2f} x the bytes uploaded; answers "
          f"{dict(Counter(s for statuses in answers for s in statuses))}; {took:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=45.0, help="size of each upload in MiB")
    parser.add_argument("--concurrent", type=int, default=3)
    parser.add_argument("--kind", choices=("orders", "junk", "both"), default="both")
    parser.add_argument("--serve", nargs=2, metavar=("URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return

    for kind in ("junk", "orders") if args.kind == "both" else (args.kind,):
        with _database() as url:
            measure(url, kind, args.mb, args.concurrent)


@contextmanager
def _database() -> Iterator[str]:
    """A fresh database with the demo: SQLite in a temporary directory, or one on ``B2BGW_DATABASE_URL``'s server."""
    from gateway.demo import seed_demo
    from gateway.store.db import make_engine, upgrade
    from tests.databases import fresh_postgres_database, postgres_base_url

    base = postgres_base_url()
    with tempfile.TemporaryDirectory() as folder, (
            fresh_postgres_database(base, "b2bgw_bench") if base else nullcontext(f"sqlite:///{folder}/bench.db")
    ) as url:
        upgrade(url)
        engine = make_engine(url)
        seed_demo(engine)
        engine.dispose()
        yield url


if __name__ == "__main__":
    main()
