"""Scheduled turns: a periodic job runs on one worker at a time, however many look at once."""

from __future__ import annotations

import datetime as dt
import threading

from sqlmodel import select

from gateway.pipeline.turns import PRICE_SYNC, ScheduledTurn, take_turn
from gateway.pipeline.worker import Worker
from gateway.pricing.tables import SyncRun
from gateway.services import Services
from gateway.store.db import session

EVERY = dt.timedelta(minutes=15)
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_a_turn_is_taken_once_per_period(services: Services) -> None:
    def at(minutes: float) -> bool:
        return take_turn(services.engine, "nightly", EVERY, holder=f"w@{minutes}",
                         clock=lambda: START + dt.timedelta(minutes=minutes))

    assert at(0)  # the first turn ever
    assert not at(1) and not at(14.9)
    assert at(15)
    assert not at(29)
    with session(services.engine) as s:
        turn = s.get(ScheduledTurn, "nightly")
    assert turn is not None and turn.taken_by == "w@15"


def test_of_eight_workers_asking_at_once_exactly_one_gets_the_turn(services: Services) -> None:
    for round_ in range(3):  # the first turn (the row made on the spot), then two later periods
        moment = START + EVERY * round_
        start = threading.Barrier(8)
        won: list[str] = []

        def ask(name: str, moment: dt.datetime = moment, start: threading.Barrier = start,
                won: list[str] = won) -> None:
            start.wait()
            if take_turn(services.engine, PRICE_SYNC, EVERY, holder=name, clock=lambda: moment):
                won.append(name)

        threads = [threading.Thread(target=ask, args=(f"worker-{n}",)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(won) == 1, f"round {round_}: {won}"


def test_workers_due_together_pull_prices_once(services: Services) -> None:
    workers = [Worker(services.engine, services.erp, services.settings, worker_id=f"w{n}") for n in range(4)]
    start = threading.Barrier(len(workers))

    def look(worker: Worker) -> None:
        start.wait()
        worker.sync_prices()

    threads = [threading.Thread(target=look, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with session(services.engine) as s:
        runs = s.exec(select(SyncRun)).all()
        turn = s.get(ScheduledTurn, PRICE_SYNC)
    assert len(runs) == 1 and runs[0].trigger == "schedule" and runs[0].status == "ok"
    assert turn is not None and turn.taken_by in {w.worker_id for w in workers}
