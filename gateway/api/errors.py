"""One shape for every error answer, and no stack trace ever sent to a client.

FastAPI already answers ``{"detail": ...}`` for HTTP errors and request validation; these handlers
give the rest the same shape:

* a number too large for the database (an id of 30 digits in a path, a limit of -10^20) is the
  caller's mistake, answered 422 and never a 500;
* overload is answered **503 with ``Retry-After``**, never 500: no room for an upload
  (:class:`gateway.api.limits.Overloaded`), no pooled connection free within the pool's timeout
  (``sqlalchemy.exc.TimeoutError``), the database busy or gone for a moment (an
  ``OperationalError`` that says so: SQLite's lock held past its busy timeout, a PostgreSQL
  connection lost, a lock or statement timeout, a serialization failure or deadlock, too many
  connections). The transaction that failed was rolled back, so nothing of it is stored; a file
  whose raw bytes were committed before (``received``) is read by a worker later, and the
  partner's resend is recognised by its control number, so trying again never makes a second order;
* anything unexpected is logged with its traceback under an error id and answered 500 with
  that id only, so an operator can find the log line and a client learns nothing inside.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gateway.api.limits import Overloaded

log = logging.getLogger(__name__)

TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57"})
"""PostgreSQL error classes that pass: connection exception, transaction rollback (serialization
failure, deadlock), insufficient resources (too many connections), operator intervention (server
shutting down, statement or lock timeout cancelled)."""

TRANSIENT_SQLSTATES = frozenset({"55P03"})
"""And single codes: lock not available (``lock_timeout``, ``NOWAIT``)."""

DEFAULT_RETRY_AFTER = 5


def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": "a number in the request is out of range"}, status_code=422)


async def _statement_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DataError) or isinstance(getattr(exc, "orig", None), OverflowError):
        return _out_of_range(request, exc)
    return _internal_error(request, exc)


def is_transient(exc: OperationalError) -> bool:
    """Whether a database error says "busy or away for now" rather than "something is wrong"."""
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        return sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES or sqlstate in TRANSIENT_SQLSTATES
    if type(orig).__module__.startswith("psycopg"):
        return True  # psycopg's OperationalError without a SQLSTATE: the connection failed or was lost
    message = str(orig).lower()
    return "locked" in message or "busy" in message  # SQLite: the write lock not had within the busy timeout


def retry_after(request: Request) -> int:
    """The ``Retry-After`` seconds of a 503 under load (``B2BGW_RETRY_AFTER_SECONDS``)."""
    services = getattr(request.app.state, "services", None)
    return int(getattr(getattr(services, "settings", None), "retry_after_seconds", DEFAULT_RETRY_AFTER))


RESEND = ("send it again after {seconds} s; a transaction cut short stores nothing, and a file whose bytes were "
          "stored before is read later and its resend recognised, so no order is made twice")


def unavailable(detail: str, retry_after: int) -> JSONResponse:
    """503 with ``Retry-After`` and ``detail``: the client sends the same request again later."""
    return JSONResponse({"detail": detail, "retry_after": retry_after}, status_code=503,
                        headers={"Retry-After": str(retry_after)})


async def _overloaded(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Overloaded)
    log.warning("no room for %s %s: %s; answered 503", request.method, request.url.path, exc.reason)
    return unavailable(f"the gateway is busy: {exc.reason}; nothing of this request was stored: send it again "
                       f"after {exc.retry_after} s", exc.retry_after)


async def _pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    log.warning("no database connection free for %s %s: %s; answered 503", request.method, request.url.path,
                str(exc).splitlines()[0])
    seconds = retry_after(request)
    resend = RESEND.format(seconds=seconds)
    return unavailable(f"the gateway is busy: no database connection was free in time; {resend}", seconds)


async def _operational_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OperationalError)
    if not is_transient(exc):
        return _internal_error(request, exc)
    log.warning("database busy or unavailable on %s %s: %s; answered 503", request.method, request.url.path,
                str(exc.orig).splitlines()[0] if exc.orig is not None else exc)
    seconds = retry_after(request)
    return unavailable(f"the database is busy or unavailable for a moment; {RESEND.format(seconds=seconds)}", seconds)


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc,
              extra={"error_id": error_id})
    return JSONResponse({"detail": "internal error; the operator can find it in the logs", "error_id": error_id},
                        status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(Overloaded, _overloaded)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(StatementError, _statement_error)
    app.add_exception_handler(Exception, _internal_error)


__all__ = ["install_error_handlers", "is_transient", "unavailable"]
