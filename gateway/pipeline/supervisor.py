"""Keeping workers running: a worker thread that dies is started again, after a short backoff.

A worker's loop (:meth:`gateway.pipeline.worker.Worker.run`) already survives any ``Exception``
of a step or of housekeeping. What can still end it is what the loop does not catch: a
``BaseException`` that is not an ``Exception`` (``GeneratorExit`` out of place, a library's
own), or a bug in the loop itself. The :class:`Supervisor` runs each worker in its own thread,
watches the threads, and starts a dead one again with the same worker (same id, one more
restart on its heartbeat, the error it died of as its last error), waiting
``backoff_seconds`` x 2^(deaths in a row - 1), at most ``backoff_cap_seconds``, so that a worker
dying at once on every start costs a log line every half minute, not a busy loop. A worker that
ran for :data:`STEADY_SECONDS` before it died starts its count over.

``KeyboardInterrupt`` and ``SystemExit`` raised inside a worker are a request to stop that
worker: it is not restarted (and its heartbeat goes quiet, so ``/healthz`` sees it).

``b2bgw serve`` runs the supervisor in a thread of its own beside the API; ``b2bgw worker`` runs
it in the main thread, where the signal handlers set the stop event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

STEADY_SECONDS = 60.0
"""A worker that ran this long before dying is restarted after the shortest backoff again."""


class Supervised(Protocol):
    """What the supervisor needs of a worker."""

    worker_id: str

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set."""

    def restarted(self, cause: BaseException | None) -> None:
        """Count a restart, keep its cause as the last error, say so on the heartbeat."""


@dataclass
class _Slot:
    """One worker and the thread running it now."""

    worker: Supervised
    thread: threading.Thread | None = None
    started: float = 0.0
    ended: float | None = None
    cause: BaseException | None = None
    deaths_in_a_row: int = 0
    retired: bool = False


class Supervisor:
    """Runs workers in threads and restarts the ones that die, until ``stop`` is set."""

    def __init__(self, workers: Sequence[Supervised], stop: threading.Event, *, check_seconds: float = 0.5,
                 backoff_seconds: float = 0.5, backoff_cap_seconds: float = 30.0, join_seconds: float = 10.0) -> None:
        self.slots = [_Slot(worker) for worker in workers]
        self.stop = stop
        self.check_seconds = check_seconds
        self.backoff_seconds = backoff_seconds
        self.backoff_cap_seconds = backoff_cap_seconds
        self.join_seconds = join_seconds

    def start(self) -> threading.Thread:
        """Run :meth:`run` in a daemon thread (``b2bgw serve``); the thread, to join after setting ``stop``."""
        thread = threading.Thread(target=self.run, name="worker-supervisor", daemon=True)
        thread.start()
        return thread

    def run(self) -> None:
        """Start every worker, restart the dead ones until ``stop`` is set, then wait for them to finish."""
        for slot in self.slots:
            self._start(slot)
        while not self.stop.wait(self.check_seconds):
            for slot in self.slots:
                self._look_after(slot)
        for slot in self.slots:
            if slot.thread is not None:
                slot.thread.join(timeout=self.join_seconds)

    def threads(self) -> list[threading.Thread]:
        """The worker threads running now."""
        return [s.thread for s in self.slots if s.thread is not None and s.thread.is_alive()]

    def _start(self, slot: _Slot) -> None:
        slot.started, slot.ended, slot.cause = time.monotonic(), None, None
        slot.thread = threading.Thread(target=self._run_worker, args=(slot,), name=f"worker-{slot.worker.worker_id}",
                                       daemon=True)
        slot.thread.start()

    def _run_worker(self, slot: _Slot) -> None:
        """The worker thread: the worker's loop, and what ended it noted for :meth:`_look_after`."""
        try:
            slot.worker.run(self.stop)
        except (KeyboardInterrupt, SystemExit) as exc:
            slot.retired = True
            log.error("worker %s stopped by %s; it is not restarted", slot.worker.worker_id, type(exc).__name__)
        except BaseException as exc:  # whatever ended the loop, the supervisor restarts it
            slot.cause = exc
            log.critical("worker %s died; restarting it", slot.worker.worker_id, exc_info=exc)
        finally:
            slot.ended = time.monotonic()

    def _look_after(self, slot: _Slot) -> None:
        """Restart the slot's worker if its thread has ended and its backoff has passed."""
        if slot.retired or slot.thread is None or slot.thread.is_alive() or self.stop.is_set():
            return
        ended = slot.ended if slot.ended is not None else time.monotonic()
        if ended - slot.started >= STEADY_SECONDS:
            slot.deaths_in_a_row = 0
        wait = min(self.backoff_cap_seconds, self.backoff_seconds * 2 ** slot.deaths_in_a_row)
        if time.monotonic() - ended < wait:
            return
        slot.deaths_in_a_row += 1
        cause = slot.cause
        try:
            slot.worker.restarted(cause)
        except Exception:  # the heartbeat is news, the restart is what matters
            log.exception("worker %s: restart not recorded", slot.worker.worker_id)
        log.warning("worker %s restarted (%d in a row) after %s", slot.worker.worker_id, slot.deaths_in_a_row,
                    f"{type(cause).__name__}: {cause}" if cause is not None else "its loop returned")
        self._start(slot)


__all__ = ["Supervised", "Supervisor"]
