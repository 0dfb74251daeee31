"""What ``POST /as2`` answers, and the record kept of a request refused before its message was read.

Shared by :mod:`gateway.as2.receiving` (messages) and :mod:`gateway.as2.receipts` (MDNs of ours).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine

from gateway.as2.errors import As2Error
from gateway.as2.tables import As2Message
from gateway.observability.metrics import AS2_MESSAGES
from gateway.store.db import session

PRIVATE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
"""Request headers never stored with the message."""


@dataclass(frozen=True)
class As2Answer:
    """The HTTP answer to one POST /as2, and what it was about (for tests and logs)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    row_id: int | None = None
    document_id: int | None = None
    outcome: str = ""
    read_document: int | None = None
    """A payload stored, not read yet: :func:`gateway.as2.receiving.read_payload` reads it after the answer."""
    actor: str = "as2"


def stored_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The request's headers as kept on the message row (credentials left out)."""
    return {name: value for name, value in headers.items() if name.lower() not in PRIVATE_HEADERS}


def text_answer(status: int, text: str, row_id: int | None, outcome: str, **headers: str) -> As2Answer:
    """A plain-text answer (a refusal, a note), for when no MDN is the answer."""
    return As2Answer(status, {"Content-Type": "text/plain; charset=utf-8", **headers}, text.encode() + b"\n",
                     row_id, None, outcome)


def store_failed(engine: Engine, headers: Mapping[str, str], body: bytes, error: As2Error | str, *,
                  partner_id: str | None = None, message_id: str | None = None, as2_from: str | None = None,
                  as2_to: str | None = None) -> int:
    """A request refused before its message could be claimed: kept, with its error, under a unique name.

    The placeholder Message-ID (``<unread:...>``) keeps two refused requests that share a
    missing or bogus Message-ID from colliding on the unique key.
    """
    text = error.message if isinstance(error, As2Error) else error
    disposition = f"processed/error: {error.disposition}" if isinstance(error, As2Error) else None
    with session(engine) as s:
        row = As2Message(direction="in", message_id=f"<unread:{uuid.uuid4().hex}> {message_id or ''}".strip()[:998],
                         as2_from=(as2_from or "")[:128], as2_to=(as2_to or "")[:128], partner_id=partner_id,
                         state="failed", headers=stored_headers(headers), raw=body, error=text,
                         disposition=disposition)
        s.add(row)
        s.commit()
        return row.id or 0


def refuse_too_large(engine: Engine, headers: Mapping[str, str], body: bytes, limit: int) -> As2Answer:
    """A message past ``B2BGW_MAX_UPLOAD_BYTES``: 413, kept with what arrived of it."""
    lower = {k.lower(): v for k, v in headers.items()}
    error = (f"the message is more than {limit:,} bytes, more than the {limit:,} allowed (B2BGW_MAX_UPLOAD_BYTES); "
             f"the first {len(body):,} bytes are kept")
    row_id = store_failed(engine, headers, body, error, message_id=lower.get("message-id"),
                           as2_from=lower.get("as2-from"), as2_to=lower.get("as2-to"))
    AS2_MESSAGES.labels("in", "refused").inc()
    return text_answer(413, error, row_id, "refused")


__all__ = ["PRIVATE_HEADERS", "As2Answer", "refuse_too_large", "store_failed", "stored_headers", "text_answer"]
