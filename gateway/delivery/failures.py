"""Sorting failures into the ones worth retrying and the ones that are final.

One classification serves both the document pipeline (:mod:`gateway.pipeline.worker`) and the
delivery worker (:mod:`gateway.delivery.deliverer`), so an ERP that is down, a partner's 503 and a
lost database connection are all retried the same way, and a validation error, a 4xx or a
business refusal all stop at once::

    Exception
    +-- DeliveryFailure            raised by transports when they know which kind it is
    |   +-- TransientFailure       timeouts, 5xx, 408/425/429, connection refused, busy
    |   +-- PermanentFailure       other 4xx, a payload the receiver refuses, no transport
    +-- (anything else)            sorted by :func:`classify`

Anything unexpected is treated as transient: a bug fixed and deployed lets the retry succeed,
and the attempts cap still sends it to the dead letter with every error kept.
"""

from __future__ import annotations

import datetime as dt
import random
from enum import StrEnum

from erp.port import ErpRejected
from formats.errors import FormatError
from gateway.pipeline.reading import DocumentRejected


class DeliveryFailure(Exception):
    """A failure whose kind the raiser already knows (transports raise the two subclasses)."""


class TransientFailure(DeliveryFailure):
    """Worth retrying later: the receiver was down, slow or busy."""


class PermanentFailure(DeliveryFailure):
    """Retrying cannot help: the receiver refused what we sent."""


class FailureKind(StrEnum):
    """How a failed attempt ends: retried later, or stopped at once."""

    TRANSIENT = "transient"
    PERMANENT = "permanent"


RETRYABLE_HTTP = frozenset({408, 425, 429})
"""4xx answers that mean "later" rather than "never" (timeout, too early, rate limited)."""


def http_status_kind(status: int) -> FailureKind:
    """5xx and 408/425/429 are transient; every other 4xx is permanent."""
    return FailureKind.TRANSIENT if status >= 500 or status in RETRYABLE_HTTP else FailureKind.PERMANENT


def classify(exc: BaseException) -> FailureKind:
    """The kind of failure ``exc`` is (see the module docstring for the rules)."""
    if isinstance(exc, PermanentFailure | ErpRejected | FormatError | DocumentRejected):
        return FailureKind.PERMANENT
    # TransientFailure, ErpUnavailable, OperationalError, timeouts, refused connections and the
    # unexpected: all retried.
    return FailureKind.TRANSIENT


def retry_delay(attempt: int, base_seconds: float, *, cap_seconds: float = 600.0) -> dt.timedelta:
    """Exponential backoff with jitter: between half and all of base x 2^(attempt-1), capped.

    The jitter spreads the retries of many documents that failed together (an ERP outage) so
    they do not all come back at the same instant when it recovers.
    """
    ceiling = min(cap_seconds, base_seconds * (2 ** max(0, attempt - 1)))
    return dt.timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def max_attempts_for(partner_settings: dict[str, object] | None, default: int) -> int:
    """The partner's ``max_attempts`` setting, else the installation's ``B2BGW_MAX_ATTEMPTS``."""
    value = (partner_settings or {}).get("max_attempts")
    try:
        return max(1, int(value)) if value is not None else default  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default
