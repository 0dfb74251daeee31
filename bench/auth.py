"""Benchmark of the brute-force limits: what they add to a right credential, and what a guess costs.

Run from the project root: ``python bench/auth.py [--calls 2000]`` (a fresh SQLite database in a
temporary directory, or the database of ``B2BGW_DATABASE_URL``, seeded with the demo). In one run:

(a) an API bearer token checked alone (:func:`gateway.auth.tokens.authenticate`: the baseline) and
    behind the limits (:func:`gateway.auth.deps.authenticate_bearer`: one more indexed read of the
    two counters), per call;
(b) a wrong cXML SharedSecret for a known buyer: the PBKDF2 check plus the counted failure;
(c) the same guess once the buyer is locked out: the lockout read only, no PBKDF2, nothing written.

It prints median microseconds per call and the ratios (a) limited/alone and (c)/(b): the first is
the price every caller pays, the second what an attacker hammering a locked door costs us.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from gateway.auth.deps import authenticate_bearer
from gateway.auth.throttle import Attempt, locked_for, record_failure
from gateway.auth.tokens import Role, authenticate, create_token
from gateway.config import Settings
from gateway.demo import seed_demo
from gateway.punchout.secrets import hash_secret, verify_secret
from gateway.services import Services, build_services
from gateway.store.db import upgrade


def per_call(action: Callable[[], object], calls: int) -> float:
    """Median microseconds of ``action`` over ``calls`` calls, timed in 20 slices."""
    slices = []
    size = max(1, calls // 20)
    for _ in range(20):
        started = time.perf_counter()
        for _ in range(size):
            action()
        slices.append((time.perf_counter() - started) / size * 1e6)
    return statistics.median(slices)


def services_for(url: str) -> Services:
    """Migrated and seeded services on ``url``; limits out of reach so (a) never locks."""
    upgrade(url)
    built = build_services(Settings(database_url=url, auth_max_failures=10**9, auth_client_max_failures=10**9))
    seed_demo(built.engine)
    return built


def run(url: str, calls: int) -> None:
    services = services_for(url)
    engine, settings = services.engine, services.settings
    token = create_token(engine, role=Role.OPERATOR, name="bench", actor="bench").token
    alone = per_call(lambda: authenticate(engine, token), calls)
    limited = per_call(lambda: authenticate_bearer(services, token, "192.0.2.1"), calls)

    stored = hash_secret("the buyer's real secret")
    run_id = uuid.uuid4().hex[:8]  # counters of earlier runs on the same database stay out of this one
    guess = Attempt(channel="cxml", credential=f"cxml:bench-{run_id}", client=f"bench-{run_id}")

    def wrong_guess() -> None:
        if locked_for(engine, guess, settings) is None and not verify_secret("a guess", stored):
            record_failure(engine, guess, settings, reason="bad_secret")

    unlocked = per_call(wrong_guess, max(40, calls // 50))
    strict = Settings(database_url=url, auth_max_failures=1, auth_lockout_seconds=3600)
    record_failure(engine, guess, strict, reason="bad_secret")
    record_failure(engine, guess, strict, reason="bad_secret")
    assert locked_for(engine, guess, strict) is not None
    locked = per_call(lambda: locked_for(engine, guess, strict), calls)
    services.close()

    print(f"database: {engine.dialect.name}")
    print(f"(a) bearer token alone           {alone:9.1f} us/call")
    print(f"    behind the limits            {limited:9.1f} us/call   ratio {limited / alone:5.2f}x")
    print(f"(b) wrong SharedSecret, counted  {unlocked:9.1f} us/call")
    print(f"(c) the same guess while locked  {locked:9.1f} us/call   ratio {locked / unlocked:5.3f}x of (b)")


def main(argv: list[str] | None = None) -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--calls", type=int, default=2000)
    args = options.parse_args(argv)
    url = os.environ.get("B2BGW_DATABASE_URL")
    if url:
        run(url, args.calls)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.db'}", args.calls)


if __name__ == "__main__":
    main()
