"""Admission of uploads under load: how many bytes are in flight, how many files are taken in at once.

Two limits keep a burst of uploads from turning into answers of 500 or into memory the machine
does not have:

* **bytes in flight** (``B2BGW_UPLOAD_IN_FLIGHT_BYTES``): the bytes of the uploads being received
  or taken in, together. An upload's declared ``Content-Length`` is counted before a byte of its
  body is read; a body without one is counted chunk by chunk as it streams. An upload that would
  pass the cap waits for room, briefly; then it is answered 503 with ``Retry-After`` and nothing of
  it is stored. An upload alone is always admitted (up to ``B2BGW_MAX_UPLOAD_BYTES``), so a cap
  below the upload limit cannot refuse a file forever.
* **intakes at once** (``B2BGW_INTAKE_CONCURRENCY``): files being stored and read, each of which
  holds a database connection and, on SQLite, queues on the one write lock. Left unbounded, a
  burst took every pooled connection, a worker holding the write lock waited for one, and every
  upload waited for that worker until the pool and the lock gave up with a 500 after 30 s.

Waiting briefly before answering 503 serves a burst that clears within seconds without making
partners send again, while the bound (``B2BGW_OVERLOAD_WAIT_SECONDS``) keeps connections from
piling up until the pool times out. A waiting upload holds no memory: its body has not been
read (the wait for bytes comes first) or is spooled to disk (the wait for an intake comes after
the body is read, so a slow sender never holds an intake).

The gate is shared by the threads of one process and may be awaited from more than one event
loop (a test client starts its own), so its counts sit behind a thread lock and a waiter is woken
through its own loop.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from gateway.config import Settings


class Overloaded(Exception):
    """The gateway has no room for this request now; it is answered 503 with ``Retry-After``."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class UploadLimits:
    """The gate's settings, taken from :class:`gateway.config.Settings`."""

    in_flight_bytes: int
    intakes: int
    wait_seconds: float
    retry_after: int

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        """The limits ``settings`` set (at least one intake at a time)."""
        return cls(in_flight_bytes=settings.upload_in_flight_bytes, intakes=max(1, settings.intake_concurrency),
                   wait_seconds=settings.overload_wait_seconds, retry_after=settings.retry_after_seconds)


_Waiter = tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]
"""A coroutine waiting for room: its loop (the gate is used from threads) and the future it awaits."""


class UploadGate:
    """The counts of one process: bytes held by uploads, intakes running; and who waits for room."""

    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._bytes = 0
        self._intakes = 0
        self._byte_waiters: list[_Waiter] = []
        self._intake_waiters: list[_Waiter] = []

    @property
    def bytes_in_flight(self) -> int:
        """Bytes held by the uploads admitted now (for the tests and metrics)."""
        return self._bytes

    @property
    def intakes_running(self) -> int:
        """Intakes running now."""
        return self._intakes

    def _fits(self, size: int, own: int) -> bool:
        """Whether ``size`` more bytes fit; an upload holding all that is held (``own``) always goes on."""
        return self._bytes == own or self._bytes + size <= self.limits.in_flight_bytes

    async def _wait_until(self, take: Callable[[], bool], deadline: float, queue: list[_Waiter]) -> bool:
        """Call ``take()`` (under the lock) until it returns True or ``deadline`` passes, waiting in ``queue``.

        A waiter woken always calls ``take()`` once more, even when its time ran out meanwhile, so
        a slot handed to it is never left free while others wait.
        """
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                if take():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                waiter = (loop, loop.create_future())
                queue.append(waiter)
            try:
                await asyncio.wait_for(waiter[1], remaining)
            except TimeoutError:
                pass
            except asyncio.CancelledError:  # the client went away while waiting
                with self._lock:
                    if waiter not in queue:  # it had been woken: the room goes to the next one
                        _wake(queue, every=False)
                raise
            finally:
                with self._lock:
                    if waiter in queue:
                        queue.remove(waiter)

    async def reserve(self, size: int, *, deadline: float, own: int = 0) -> None:
        """Count ``size`` more bytes in flight, waiting until ``deadline`` for room; else :class:`Overloaded`.

        ``own`` is what the same upload already holds (a body streamed without a length): alone,
        it is admitted whatever its size, up to the upload limit.
        """

        def take() -> bool:
            if self._fits(size, own):
                self._bytes += size
                return True
            return False

        if not await self._wait_until(take, deadline, self._byte_waiters):
            raise Overloaded(f"uploads of {self._bytes:,} bytes are being received; {size:,} more would pass the "
                             f"{self.limits.in_flight_bytes:,} allowed at once (B2BGW_UPLOAD_IN_FLIGHT_BYTES)",
                             self.limits.retry_after)

    def release(self, size: int) -> None:
        """``size`` bytes are no longer held."""
        if size:
            with self._lock:
                self._bytes -= size
                _wake(self._byte_waiters, every=True)  # sizes differ: each waiter sees whether it fits now

    @asynccontextmanager
    async def intake(self) -> AsyncIterator[None]:
        """Hold one of the intake slots for the block, waiting briefly for one; else :class:`Overloaded`."""

        def take() -> bool:
            if self._intakes < self.limits.intakes:
                self._intakes += 1
                return True
            return False

        if not await self._wait_until(take, time.monotonic() + self.limits.wait_seconds, self._intake_waiters):
            raise Overloaded(f"{self._intakes} files are being taken in (B2BGW_INTAKE_CONCURRENCY)",
                             self.limits.retry_after)
        try:
            yield
        finally:
            with self._lock:
                self._intakes -= 1
                _wake(self._intake_waiters, every=False)  # one slot: the longest waiting takes it


def _wake(queue: list[_Waiter], *, every: bool) -> None:
    """Under the gate's lock: wake the first waiter of ``queue``, or all of them; they leave the queue."""
    woken = queue[:] if every else queue[:1]
    del queue[:len(woken)]
    for loop, future in woken:
        loop.call_soon_threadsafe(_resolve, future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class UploadTicket:
    """The bytes one upload holds in the gate, released together when the request ends."""

    def __init__(self, gate: UploadGate) -> None:
        self.gate = gate
        self.held = 0

    async def hold(self, size: int) -> None:
        """Hold ``size`` more bytes (a declared length up front, or a streamed chunk), waiting briefly for room."""
        await self.gate.reserve(size, deadline=time.monotonic() + self.gate.limits.wait_seconds, own=self.held)
        self.held += size

    def release(self) -> None:
        """Give back every byte this upload held."""
        self.gate.release(self.held)
        self.held = 0


@asynccontextmanager
async def upload_ticket(gate: UploadGate) -> AsyncIterator[UploadTicket]:
    """A ticket for one upload; whatever it came to hold is released at the end of the block."""
    ticket = UploadTicket(gate)
    try:
        yield ticket
    finally:
        ticket.release()


async def upload_gate(request: Request) -> UploadGate:
    """The app's gate (made by :func:`gateway.app.create_app`); ``async`` to stay off the thread pool."""
    gate: UploadGate = request.app.state.upload_gate
    return gate


UploadGateDep = Annotated[UploadGate, Depends(upload_gate)]


__all__ = ["Overloaded", "UploadGate", "UploadGateDep", "UploadLimits", "UploadTicket", "upload_gate", "upload_ticket"]
