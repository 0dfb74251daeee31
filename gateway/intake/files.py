"""The one entry point for inbound files (HTTP upload, ``b2bgw ingest``, replay, stranded files).

The raw bytes are stored first, under the partner they came for; then the content says which
standard it is (never the file name) and the file goes to that standard's intake: X12 is split
into its transaction sets and acknowledged, a UBL document is read and queued as it is. Anything
else is refused with a 400 and kept.

Reading never fails the upload: whatever it raises (a bug some byte sequence reaches included)
ends the stored file ``rejected`` with the reason and answers 400/422
(:func:`~gateway.intake.failures.reject_unexpected`). Only the database failing propagates, for a
503: the file is then either stored whole, to be read again, or not stored at all.
"""

from __future__ import annotations

from sqlalchemy import Engine

from formats.detect import Standard, detect
from gateway.intake.failures import TRANSIENT_DATABASE_ERRORS, column_text, reject_unexpected
from gateway.intake.result import IntakeResult
from gateway.intake.ubl import receive_ubl
from gateway.intake.x12 import reject_file, translate_interchange
from gateway.observability.logs import document_context
from gateway.observability.metrics import DOCUMENTS_RECEIVED
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import create_document
from gateway.store.tables import Document, Partner


def read_received(engine: Engine, doc_id: int, *, actor: str) -> IntakeResult:
    """Send a stored, not yet read file to the intake of its standard; a failure rejects it (see module doc)."""
    try:
        return _read_by_standard(engine, doc_id, actor=actor)
    except TRANSIENT_DATABASE_ERRORS:
        raise
    except Exception as exc:  # anything reading this file raised is this file's outcome, never a 500
        return reject_unexpected(engine, doc_id, exc, actor=actor, what=f"reading document {doc_id}")


def _read_by_standard(engine: Engine, doc_id: int, *, actor: str) -> IntakeResult:
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        prefix = doc.raw[:4096] if doc is not None else b""
        standard = doc.standard if doc is not None else None
    if standard == "cxml":  # a /cxml request whose answer never went out: nobody is waiting for it
        from gateway.punchout.requests import reject_unanswered

        reject_unanswered(engine, doc_id, actor=actor)
        return IntakeResult(document_id=doc_id, state=State.REJECTED, http_status=500)
    if detect(prefix) is Standard.UBL:
        return receive_ubl(engine, doc_id, actor=actor)
    return translate_interchange(engine, doc_id, actor=actor)


def receive_file(engine: Engine, *, partner_id: str, raw: bytes, filename: str | None = None,
                 actor: str = "http") -> IntakeResult:
    """Store ``raw`` first, then read it by its standard."""
    with session(engine) as s:
        known = s.get(Partner, partner_id) is not None
        doc = create_document(s, raw=raw, direction="in", doc_type="interchange", state=State.RECEIVED,
                              actor=actor, reason=f"received {len(raw)} bytes", filename=column_text(filename),
                              partner_id=partner_id if known else None)
        if not known:
            doc.error = f"unknown partner {partner_id!r}"
        s.commit()
        doc_id = doc.id or 0
    DOCUMENTS_RECEIVED.labels(partner_id if known else "(unknown)", detect(raw[:4096]).value).inc()
    if not known:
        return reject_file(engine, doc_id, f"unknown partner {partner_id!r}", (), 404, actor)
    with document_context(doc_id, partner_id):
        return read_received(engine, doc_id, actor=actor)


def refuse_file(engine: Engine, *, partner_id: str, raw: bytes, error: str, status: int,
                actor: str = "http") -> IntakeResult:
    """Store what arrived of a file refused before reading (too large) with its error."""
    with session(engine) as s:
        known = s.get(Partner, partner_id) is not None
        doc = create_document(s, raw=raw, direction="in", doc_type="interchange", state=State.REJECTED,
                              actor=actor, reason=error, error=error, partner_id=partner_id if known else None)
        s.commit()
        return IntakeResult(document_id=doc.id or 0, state=State.REJECTED, http_status=status, error=error)


__all__ = ["read_received", "receive_file", "refuse_file"]
