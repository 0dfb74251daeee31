"""One shape for every error answer, and no stack trace ever sent to a client.

FastAPI already answers ``{"detail": ...}`` for HTTP errors and request validation; these handlers
give the rest the same shape:

* a number too large for the database (an id of 30 digits in a path, a limit of -10^20) is the
  caller's mistake, answered 422 and never a 500;
* anything unexpected is logged with its traceback under an error id and answered 500 with
  that id only, so an operator can find the log line and a client learns nothing inside.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, StatementError

log = logging.getLogger(__name__)


def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": "a number in the request is out of range"}, status_code=422)


async def _statement_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DataError) or isinstance(getattr(exc, "orig", None), OverflowError):
        return _out_of_range(request, exc)
    return _internal_error(request, exc)


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc,
              extra={"error_id": error_id})
    return JSONResponse({"detail": "internal error; the operator can find it in the logs", "error_id": error_id},
                        status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(StatementError, _statement_error)
    app.add_exception_handler(Exception, _internal_error)


__all__ = ["install_error_handlers"]
