"""A real HTTP server on loopback that plays a partner's receiving URL, answering scripted statuses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.loopback import post_server


@dataclass
class Receiver:
    """What the partner answers (one status per request, the last one repeated) and what it got."""

    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@contextmanager
def receiver(*statuses: int) -> Iterator[Receiver]:
    """Serve on a free loopback port until the block ends."""
    state = Receiver(statuses=list(statuses) or [200])

    def answer(headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        state.received.append((headers, body))
        status = state.next_status()
        return status, "text/plain", b"ok" if status < 400 else b"refused: bad document"

    with post_server(answer, "/edi/inbound") as url:
        state.url = url
        yield state
