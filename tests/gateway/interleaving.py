"""Two threads doing one check-then-act at once, held in the order that breaks a missing lock.

A race between two transactions that both read a row and then act on what they read (two
pollers of one ERP event, two operators deciding one hold) shows only when both have read before
either commits. :class:`Interleaving` makes that certain: the first thread to reach the marked
point waits (at most :data:`MEET_SECONDS`) for the second to get there too; the second then waits
until the first thread has finished, its transaction committed. Without a lock both get there,
and the second acts on what the first already did. With the lock the second waits on the lock,
reaching the point only after the first commits (or never), so the first only waits out
:data:`MEET_SECONDS` and the second reads the first one's result.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import pytest

MEET_SECONDS = 2.0
"""How long the first thread at the marked point waits for the second."""


class Interleaving:
    """The meeting point of two threads started by :meth:`run` (see the module docstring)."""

    def __init__(self) -> None:
        self.guard = threading.Lock()
        self.first: int | None = None
        self.second_arrived = threading.Event()
        self.finished: dict[int, threading.Event] = {}

    def enter(self) -> None:
        """The marked point: first thread here waits for the second, the second for the first to finish."""
        me = threading.get_ident()
        with self.guard:
            if self.first is None:
                self.first = me
            first = self.first
        if me == first:
            self.second_arrived.wait(MEET_SECONDS)
        else:
            self.second_arrived.set()
            self.finished[first].wait(MEET_SECONDS)

    def run(self, *calls: Callable[[], object]) -> tuple[list[object], list[BaseException]]:
        """Run ``calls`` in threads at once; what they returned and what they raised."""
        results: list[object] = []
        errors: list[BaseException] = []
        started = threading.Semaphore(0)

        def run(call: Callable[[], object], done: threading.Event) -> None:
            self.finished[threading.get_ident()] = done
            started.release()
            try:
                results.append(call())
            except BaseException as exc:  # handed to the test, which decides whether it is expected
                errors.append(exc)
            finally:
                done.set()

        threads = [threading.Thread(target=run, args=(call, threading.Event())) for call in calls]
        for thread in threads:
            thread.start()
            started.acquire()  # its finish can be waited for before the next thread starts
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a thread hung"
        return results, errors


def hold_at(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, *, after: bool = False) -> Interleaving:
    """Make ``owner.name`` the marked point: entered before the call (``after``: once it has returned)."""
    interleaving = Interleaving()
    original = getattr(owner, name)

    @functools.wraps(original)
    def marked(*args: Any, **kwargs: Any) -> Any:
        if not after:
            interleaving.enter()
        result = original(*args, **kwargs)
        if after:
            interleaving.enter()
        return result

    monkeypatch.setattr(owner, name, marked)
    return interleaving
