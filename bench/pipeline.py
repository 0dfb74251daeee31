"""End-to-end pipeline throughput on PostgreSQL: 850 received -> ERP order -> 855 in the outbox.

``python bench/pipeline.py [--orders 1000] [--workers 1,2,4] [--async-commit] [--profile 100]``

For each worker count, on a fresh PostgreSQL database (created and dropped on the server of
``--database-url``) with the demo data: start that many ``b2bgw worker`` processes, wait until
they poll, then hand the orders to intake (interchanges of 100 orders, alternately from the demo
partners ``acme`` and ``globex``, as ``POST /edi/{partner}`` would) and time until every order is
processed and acknowledged. Prints orders/s per worker count and the scaling against one worker.

``--async-commit`` runs the workers with ``synchronous_commit=off`` (see the README's deployment
notes); ``--profile N`` also runs one in-process worker over N orders under cProfile and prints
where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func
from sqlmodel import col, select

from bench.orders import order_interchanges
from bench.proc import cpu_seconds
from gateway.config import Settings
from gateway.demo import seed_demo
from gateway.intake.files import receive_file
from gateway.pipeline.worker import Worker
from gateway.services import Services, build_services
from gateway.store.db import session, upgrade
from gateway.store.tables import Document
from tests.databases import fresh_postgres_database

SENDERS = {"acme": b"ACMEBUYER", "globex": b"GLOBEXEDI"}
ASYNC_COMMIT = "options=-csynchronous_commit%3Doff"


def load(services: Services, count: int, prefix: str) -> None:
    """Receive ``count`` orders as a partner's files would arrive."""
    for number, raw in enumerate(order_interchanges(count, per_file=100, prefix=prefix)):
        partner = "acme" if number % 2 == 0 else "globex"
        result = receive_file(services.engine, partner_id=partner, raw=raw.replace(b"ACMEBUYER", SENDERS[partner]))
        if result.http_status != 202:
            raise SystemExit(f"intake refused a generated file: {result}")


def acknowledged(services: Services) -> tuple[int, int]:
    """(orders processed, 855s written)."""
    with session(services.engine) as s:
        done = s.exec(select(func.count()).select_from(Document).where(
            Document.doc_type == "850", col(Document.state) == "processed")).one()
        acks = s.exec(select(func.count()).select_from(Document).where(Document.doc_type == "855")).one()
    return int(done), int(acks)


def run(base: str, orders: int, workers: int, async_commit: bool) -> dict[str, float]:
    """One measurement on a fresh database; the figures."""
    with fresh_postgres_database(base, "b2bgw_bench") as url:
        upgrade(url)
        services = build_services(Settings(database_url=url))
        seed_demo(services.engine)
        worker_url = url + ("&" if "?" in url else "?") + ASYNC_COMMIT if async_commit else url
        env = {**os.environ, "B2BGW_DATABASE_URL": worker_url, "B2BGW_LOG_LEVEL": "ERROR",
               "B2BGW_POLL_SECONDS": "0.05"}
        command = [sys.executable, "-c", "from gateway.cli import main; main()", "worker"]
        processes = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                     for _ in range(workers)]
        try:
            time.sleep(4)  # imports and the schema check of each process, not part of the measure
            cpu = sum(cpu_seconds(p.pid) for p in processes)
            started = time.perf_counter()
            load(services, orders, f"B{workers}")
            received = time.perf_counter() - started
            while acknowledged(services) != (orders, orders):
                if any(p.poll() is not None for p in processes):
                    raise SystemExit(f"a worker died: {processes[0].stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=60)
            services.close()
    return {"orders_per_s": orders / elapsed, "seconds": elapsed, "intake_per_s": orders / received,
            "worker_cpu_ms": cpu * 1000 / orders}


def profile(base: str, orders: int) -> None:
    """Profile one in-process worker over ``orders`` orders: where a worker's time goes."""
    logging.disable(logging.CRITICAL)
    with fresh_postgres_database(base, "b2bgw_bench") as url:
        upgrade(url)
        services = build_services(Settings(database_url=url))
        seed_demo(services.engine)
        load(services, orders, "P")
        worker = Worker(services.engine, services.erp, services.settings, worker_id="profile")
        profiler = cProfile.Profile()
        profiler.enable()
        worker.drain()
        profiler.disable()
        services.close()
    stats = pstats.Stats(profiler)
    print(f"\nprofile of one worker over {orders} orders (cumulative, project code):")
    stats.sort_stats("cumulative").print_stats(r"work/main/(gateway|erp|formats)|/(gateway|erp|formats)/", 25)
    print("where the time goes (own time, everything):")
    stats.sort_stats("tottime").print_stats(12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4", help="worker process counts, comma separated")
    parser.add_argument("--database-url", default=os.environ.get(
        "B2BGW_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--async-commit", action="store_true", help="workers with synchronous_commit=off")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also profile one worker over N orders")
    args = parser.parse_args()

    counts = [int(n) for n in args.workers.split(",")]
    print(f"{args.orders} orders end to end (850 -> ERP order -> 855) on PostgreSQL, "
          f"{os.cpu_count()} CPUs, synchronous_commit={'off' if args.async_commit else 'on'} for workers")
    print(f"{'workers':>7}  {'orders/s':>9}  {'seconds':>8}  {'intake/s':>9}  {'scaling':>8}  {'worker CPU/order':>16}")
    first: float | None = None
    for workers in counts:
        result = run(args.database_url, args.orders, workers, args.async_commit)
        first = first or result["orders_per_s"]
        print(f"{workers:>7}  {result['orders_per_s']:>9.1f}  {result['seconds']:>8.1f}  "
              f"{result['intake_per_s']:>9.1f}  {result['orders_per_s'] / first:>7.2f}x  "
              f"{result['worker_cpu_ms']:>13.1f} ms", flush=True)
    if args.profile:
        profile(args.database_url, args.profile)


if __name__ == "__main__":
    main()
