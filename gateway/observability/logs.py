"""Structured logs: one JSON object per line, with the document and partner on every line of its processing.

Processing code does not pass the document id to every log call; :func:`document_context` puts it
in a context variable for the duration of the work and :class:`ContextFilter` adds it to each
record, so a log search for ``document_id=42`` finds every line about document 42, from any
module and any worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

_DOCUMENT: ContextVar[int | None] = ContextVar("b2bgw_document_id", default=None)
_PARTNER: ContextVar[str | None] = ContextVar("b2bgw_partner", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [doc=%(document_id)s partner=%(partner)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(document_id)s %(partner)s %(threadName)s"


@contextmanager
def document_context(document_id: int | None, partner: str | None = None) -> Iterator[None]:
    """Within this block every log line carries ``document_id`` and ``partner``."""
    document_token = _DOCUMENT.set(document_id)
    partner_token = _PARTNER.set(partner)
    try:
        yield
    finally:
        _DOCUMENT.reset(document_token)
        _PARTNER.reset(partner_token)


class ContextFilter(logging.Filter):
    """Adds the current document and partner to each record (explicit ``extra=`` values win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Never drops a record; only enriches it."""
        if getattr(record, "document_id", None) is None:
            record.document_id = _DOCUMENT.get()
        if getattr(record, "partner", None) is None:
            record.partner = _PARTNER.get()
        return True


def configure_logging(log_format: str = "json", level: str = "INFO") -> None:
    """Root logging for a gateway process: ``json`` (one object per line) or ``text``."""
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level",
                                                                       "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


__all__ = ["ContextFilter", "configure_logging", "document_context"]
