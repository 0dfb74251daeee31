"""Transports: how an outbox message leaves the gateway, one per channel.

The delivery worker looks a message's ``channel`` up in a plain dict of transports and calls
``deliver``. Adding a way out (cXML POST to a buyer, AS2, SFTP) is writing one class with that
method and adding it to :data:`TRANSPORT_FACTORIES` (or calling :func:`register_transport` from
the module that defines it)::

    class Transport(Protocol):
        def deliver(self, message: Message) -> Receipt: ...

Contract of ``deliver``:

* it is called outside any database transaction, at least once per message (a worker killed
  after sending and before recording the success sends again after the lease), so it passes
  ``message.idempotency_key`` to the receiver whenever the protocol has a place for it;
* it returns a :class:`Receipt` when the receiver has taken the message;
* it raises :class:`~gateway.delivery.failures.TransientFailure` for "try later" (timeout, 5xx,
  connection refused) and :class:`~gateway.delivery.failures.PermanentFailure` for "never"
  (4xx, refused content); any other exception is classified by
  :func:`~gateway.delivery.failures.classify` (unexpected errors are retried);
* it does not retry by itself: the worker retries with backoff and keeps every attempt.

Built in: ``http`` (POST the payload to the destination URL, never following a redirect),
``file`` (write the payload into the destination folder, for watched-folder partners and SFTP
drop boxes mounted locally) and
``erp`` (an ERP port call such as ``push_order``, idempotent on the message's key).
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from erp.port import ErpPort
from formats.model import Order
from gateway.delivery.destinations import check_http_destination, post
from gateway.delivery.failures import FailureKind, PermanentFailure, TransientFailure, http_status_kind

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from gateway.config import Settings


@dataclass(frozen=True)
class Message:
    """What a transport sees of an outbox message (a copy: transports never touch the database)."""

    id: int
    channel: str
    destination: str
    kind: str
    idempotency_key: str
    payload: bytes
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    partner_id: str | None = None
    document_id: int | None = None
    attempt: int = 1


@dataclass(frozen=True)
class Receipt:
    """The receiver took the message: a line for the history, and what it answered (kept as JSON)."""

    detail: str
    response: dict[str, Any] | None = None


class Transport(Protocol):
    """One way out of the gateway (see the module docstring for the contract)."""

    def deliver(self, message: Message) -> Receipt:
        """Hand ``message`` to its receiver, or raise a classified failure."""
        ...


@dataclass(frozen=True)
class TransportContext:
    """What a transport may need to be built: the ERP port, the timeouts; the database and settings (AS2)."""

    erp: ErpPort
    timeout_seconds: float = 30.0
    engine: Engine | None = None
    settings: Settings | None = None


class HttpTransport:
    """POST the payload to ``destination``; 2xx delivers, 5xx/408/425/429 retry, 3xx and other 4xx stop.

    Only to an http(s) URL, and never where a redirect points (:mod:`gateway.delivery.destinations`).
    """

    def __init__(self, timeout_seconds: float = 30.0) -> None:
        self.timeout_seconds = timeout_seconds

    def deliver(self, message: Message) -> Receipt:
        """One POST with the message's headers, its content type and an ``Idempotency-Key``."""
        check_http_destination(message.destination)
        headers = {"Content-Type": message.content_type, "Idempotency-Key": message.idempotency_key,
                   "User-Agent": "b2b-gateway", **message.headers}
        request = urllib.request.Request(message.destination, data=message.payload, headers=headers, method="POST")
        try:
            with post(request, self.timeout_seconds) as answer:
                body = answer.read(4096)
                return Receipt(f"HTTP {answer.status}", {"status": answer.status,
                                                         "body": body.decode("utf-8", "replace")})
        except urllib.error.HTTPError as exc:
            body = exc.read(2048).decode("utf-8", "replace")
            transient = http_status_kind(exc.code) is FailureKind.TRANSIENT
            failure = TransientFailure if transient else PermanentFailure
            raise failure(f"HTTP {exc.code} from {message.destination}: {body[:300]}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TransientFailure(f"{message.destination} not reachable: {reason}") from exc


class FileTransport:
    """Write the payload into the folder ``destination`` under a name made from the message.

    Written to a temporary name and renamed, so a partner watching the folder never reads half a
    file; writing the same message twice replaces the file with identical bytes.
    """

    def deliver(self, message: Message) -> Receipt:
        """Atomic write of ``<kind>-<message id>`` (plus the file name the headers ask for)."""
        folder = Path(message.destination)
        if not folder.is_dir():
            raise TransientFailure(f"folder {folder} is not there (not mounted?)")
        name = message.headers.get("filename") or f"{message.kind}-{message.id:08d}.dat"
        if "/" in name or name.startswith("."):
            raise PermanentFailure(f"file name {name!r} is not a plain name")
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".partial-")
        with os.fdopen(handle, "wb") as out:
            out.write(message.payload)
        os.replace(temporary, folder / name)
        return Receipt(f"written to {folder / name}", {"path": str(folder / name)})


class ErpTransport:
    """An ERP port call carried by the outbox; the destination names the operation.

    ``push_order``: the payload is ``{"order": <canonical Order>, "customer_id": ...}`` and the
    port's own idempotency on the message key makes a redelivery find the first order.
    ``cancel_order``: ``{"erp_order_id": ..., "reason": ...}``. ErpUnavailable is transient and
    ErpRejected permanent (see :mod:`gateway.delivery.failures`).
    """

    def __init__(self, erp: ErpPort) -> None:
        self.erp = erp

    def deliver(self, message: Message) -> Receipt:
        """Make the call the destination names with the JSON payload."""
        try:
            body = json.loads(message.payload)
        except ValueError as exc:
            raise PermanentFailure(f"ERP message {message.id}: payload is not JSON ({exc})") from exc
        if message.destination == "push_order":
            order = Order.model_validate(body["order"])
            pushed = self.erp.push_order(order, customer_id=body["customer_id"],
                                         idempotency_key=message.idempotency_key)
            return Receipt(f"ERP order {pushed.erp_order_id} ({'created' if pushed.created else 'found'})",
                           {"erp_order_id": pushed.erp_order_id, "created": pushed.created,
                            "state": pushed.state.value})
        if message.destination == "cancel_order":
            cancelled = self.erp.cancel_order(body["erp_order_id"], reason=body.get("reason") or "cancelled")
            return Receipt(f"ERP order {cancelled.erp_order_id} {cancelled.state.value}",
                           {"erp_order_id": cancelled.erp_order_id, "state": cancelled.state.value})
        raise PermanentFailure(f"the erp channel has no operation {message.destination!r}")


TransportFactory = Callable[[TransportContext], Transport]


def _as2(context: TransportContext) -> Transport:
    from gateway.as2.sending import as2_transport  # imported when built: AS2 pulls in the cryptography stack

    return as2_transport(context)


def _as2_mdn(context: TransportContext) -> Transport:
    from gateway.as2.sending import mdn_transport

    return mdn_transport(context)


TRANSPORT_FACTORIES: dict[str, TransportFactory] = {
    "http": lambda context: HttpTransport(context.timeout_seconds),
    "file": lambda _context: FileTransport(),
    "erp": lambda context: ErpTransport(context.erp),
    "as2": _as2,
    "as2-mdn": _as2_mdn,
}
"""Channel -> how to build its transport. One entry per way out."""


def register_transport(channel: str, factory: TransportFactory) -> None:
    """Add (or replace) the transport of ``channel``, e.g. from the cXML package at import."""
    TRANSPORT_FACTORIES[channel] = factory


def build_transports(context: TransportContext) -> dict[str, Transport]:
    """One transport per registered channel, for one worker."""
    return {channel: factory(context) for channel, factory in TRANSPORT_FACTORIES.items()}
