"""A buyer's procurement system on loopback: receives our cXML documents, answers a cXML Response."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine

from formats.cxml import envelope
from gateway.punchout.buyers import buyer_settings
from gateway.punchout.demo import DEMO_BUYER
from gateway.punchout.sessions import new_payload_id
from gateway.store.db import session
from gateway.store.tables import Partner, utcnow
from tests.loopback import post_server


@dataclass
class BuyerEndpoint:
    """The cXML status codes it answers (the last repeats) and the documents it received."""

    codes: list[int] = field(default_factory=lambda: [200])
    received: list[bytes] = field(default_factory=list)
    url: str = ""

    def next_code(self) -> int:
        return self.codes.pop(0) if len(self.codes) > 1 else self.codes[0]

    def of_type(self, name: str) -> list[bytes]:
        return [raw for raw in self.received if envelope.parse(raw).document_type == name]


@contextmanager
def buyer_endpoint(*codes: int) -> Iterator[BuyerEndpoint]:
    """Serve on a free loopback port until the block ends."""
    state = BuyerEndpoint(codes=list(codes) or [200])

    def answer(_headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        state.received.append(body)
        code = state.next_code()
        text = "OK" if code < 300 else "Bad Request: the buyer does not know this order"
        # buyers answer HTTP 200 and say what they mean in the cXML Status
        return 200, "text/xml", envelope.response(code, text, payload_id=new_payload_id(), timestamp=utcnow())

    with post_server(answer, "/cxml") as url:
        state.url = url
        yield state


def deliver_to(engine: Engine, url: str, partner_id: str = DEMO_BUYER) -> None:
    """Make ``url`` the cXML buyer's order URL: the documents we send it go there."""
    with session(engine) as s:
        partner = s.get(Partner, partner_id)
        assert partner is not None
        partner.settings = buyer_settings(url)
        s.add(partner)
        s.commit()


@contextmanager
def demo_buyer_endpoint(engine: Engine, *codes: int) -> Iterator[BuyerEndpoint]:
    """The demo buyer's procurement system on loopback (:func:`buyer_endpoint`), set as its order URL."""
    with buyer_endpoint(*codes) as endpoint:
        deliver_to(engine, endpoint.url)
        yield endpoint
