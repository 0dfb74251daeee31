"""What the intake does with a failure it did not foresee: the file is rejected and kept, never left half-read.

Reading a file is pure work on bytes that are already stored, so whatever goes wrong while
reading them is about this file: a bug that some byte sequence reaches is still this file's
problem, not the server's. :func:`reject_unexpected` turns any such exception into a stored
``rejected`` document whose error says what was raised and where, logged with the document's
id, and an answer the partner can act on (400 for a format error, 422 otherwise) instead of a
500 that leaves the file ``translating``.

The one exception is the database itself failing (:data:`TRANSIENT_DATABASE_ERRORS`: locked,
unreachable, no connection free in the pool). That says nothing about the file, which is
already stored ``received`` (or ``translating``, which the lease recovery turns back into
``received``) and will be read again; the caller answers 503 with Retry-After.

Values from a file also end up in text columns; :func:`column_text` makes them fit: PostgreSQL
refuses the NUL character in text and a value longer than its column.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from formats.errors import FormatError
from gateway.intake.result import IntakeResult
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import move, problem_record
from gateway.store.tables import Document

log = logging.getLogger(__name__)

TRANSIENT_DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, DisconnectionError, PoolTimeout)
"""The database failing, not the file: these propagate (and are answered 503 with Retry-After)."""

READING_STATES = frozenset({State.RECEIVED, State.TRANSLATING})
"""The states of a file whose reading has not come to an end; a failure moves it to ``rejected``."""

_PROJECT = Path(__file__).resolve().parents[2]
_OUR_CODE = tuple(_PROJECT / package for package in ("gateway", "formats", "erp"))


def column_text(value: str | None, limit: int | None = None) -> str | None:
    """``value`` as a text column holds it: NUL written ``\\0`` (PostgreSQL refuses it), cut to ``limit``.

    >>> column_text("PO\\x001", 64), column_text("1234567890", 9), column_text(None)
    ('PO\\\\01', '123456789', None)
    """
    if value is None:
        return None
    if "\x00" in value:
        value = value.replace("\x00", "\\0")
    return value[:limit] if limit is not None else value


def column_record(record: dict[str, object]) -> dict[str, object]:
    """A problem record (:func:`~gateway.store.documents.problem_record`) whose texts a column holds."""
    return {key: column_text(value) if isinstance(value, str) else value for key, value in record.items()}


def _frame_text(frame: traceback.FrameSummary) -> str:
    path = Path(frame.filename)
    shown = path.relative_to(_PROJECT) if path.is_relative_to(_PROJECT) else path.name
    return f"{shown}:{frame.lineno} in {frame.name}"


def raised_where(exc: BaseException) -> str:
    """Where ``exc`` was raised (``path:line in function``), and the last of our own frames on the way.

    A failure inside a library (lxml, the database driver) is named where it was raised and where
    our code called into it.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "an unknown place"
    ours = [f for f in frames if any(Path(f.filename).is_relative_to(p) for p in _OUR_CODE)]
    where = _frame_text(frames[-1])
    if ours and ours[-1] is not frames[-1]:
        where += f", via {_frame_text(ours[-1])}"
    return where


def reject_unexpected(engine: Engine, doc_id: int, exc: Exception, *, actor: str, what: str) -> IntakeResult:
    """Reject stored file ``doc_id`` because reading it (``what``) raised ``exc``; the answer says why.

    A file no longer being read (it reached ``accepted`` before the failure) keeps its state;
    the answer still carries the error.
    """
    if isinstance(exc, FormatError):
        error = f"{what} failed: {exc}"
        status, problems = 400, [column_record(problem_record(p)) for p in exc.problems]
    else:
        error = f"{what} failed unexpectedly: {type(exc).__name__}: {str(exc)[:500]} (raised at {raised_where(exc)})"
        status, problems = 422, []
    error = column_text(error) or ""
    log.error("document %s: %s", doc_id, error, exc_info=exc, extra={"document_id": doc_id})
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        if doc is None:
            return IntakeResult(document_id=doc_id, state=State.REJECTED, http_status=status, error=error,
                                problems=problems)
        state = State(doc.state)
        if state in READING_STATES:
            doc.error, doc.problems = error, problems
            doc.claimed_by = doc.claimed_at = None
            move(s, doc, State.REJECTED, actor=actor, reason=error)
            s.commit()
            state = State.REJECTED
    return IntakeResult(document_id=doc_id, state=state, http_status=status, error=error, problems=problems)


__all__ = ["READING_STATES", "TRANSIENT_DATABASE_ERRORS", "column_record", "column_text", "raised_where",
           "reject_unexpected"]
