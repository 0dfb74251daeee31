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

from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import select

from formats.detect import Standard, detect
from gateway.intake.failures import TRANSIENT_DATABASE_ERRORS, column_text, reject_unexpected
from gateway.intake.result import IntakeResult
from gateway.intake.ubl import receive_claimed_ubl
from gateway.intake.x12 import claim_for_translation, not_waiting, reject_file, translate_claimed
from gateway.observability.logs import document_context
from gateway.observability.metrics import DOCUMENTS_RECEIVED
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import create_document, move
from gateway.store.tables import Document, Partner, utcnow


def read_received(engine: Engine, doc_id: int, *, actor: str) -> IntakeResult:
    """Send a stored, not yet read file to the intake of its standard; a failure rejects it (see module doc)."""
    return _guarded(engine, doc_id, lambda: _claim_and_read(engine, doc_id, actor=actor), actor=actor)


def _guarded(engine: Engine, doc_id: int, read: Callable[[], IntakeResult], *, actor: str) -> IntakeResult:
    """``read()``, or whatever it raised as the file's rejection; the database failing propagates."""
    try:
        return read()
    except TRANSIENT_DATABASE_ERRORS:
        raise
    except Exception as exc:  # anything reading this file raised is this file's outcome, never a 500
        return reject_unexpected(engine, doc_id, exc, actor=actor, what=f"reading document {doc_id}")


def _claim_and_read(engine: Engine, doc_id: int, *, actor: str) -> IntakeResult:
    with session(engine) as s:  # the standard alone: the claim below loads the file, raw bytes and all, once
        standard = s.exec(select(Document.standard).where(Document.id == doc_id)).first()
    if standard == "cxml":  # a /cxml request whose answer never went out: nobody is waiting for it
        from gateway.punchout.requests import reject_unanswered

        reject_unanswered(engine, doc_id, actor=actor)
        return IntakeResult(document_id=doc_id, state=State.REJECTED, http_status=500)
    doc = claim_for_translation(engine, doc_id, actor)
    if doc is None:
        return not_waiting(engine, doc_id)
    return _read_claimed(engine, doc, None, actor=actor)


def _read_claimed(engine: Engine, doc: Document, partner: Partner | None, *, actor: str) -> IntakeResult:
    """Read a file this actor holds ``translating`` by its standard (told by content, never by name)."""
    if detect(doc.raw[:4096]) is Standard.UBL:
        return receive_claimed_ubl(engine, doc.id or 0, actor=actor, partner=partner)
    return translate_claimed(engine, doc, actor=actor, partner=partner)


def receive_file(engine: Engine, *, partner_id: str, raw: bytes, filename: str | None = None,
                 actor: str = "http") -> IntakeResult:
    """Store ``raw`` first, then read it by its standard.

    The file is stored and taken for reading in one transaction (``received``, then
    ``translating`` held by ``actor``): a process that stops while reading it leaves it to the
    lease recovery, which hands it back as ``received``.
    """
    with session(engine) as s:
        partner = s.get(Partner, partner_id)
        doc = create_document(s, raw=raw, direction="in", doc_type="interchange", state=State.RECEIVED,
                              actor=actor, reason=f"received {len(raw)} bytes", filename=column_text(filename),
                              partner_id=partner_id if partner is not None else None)
        if partner is None:
            doc.error = f"unknown partner {partner_id!r}"
        else:
            doc.claimed_by, doc.claimed_at = actor, utcnow()
            move(s, doc, State.TRANSLATING, actor=actor, reason="reading the file")
        s.commit()
        doc_id = doc.id or 0
    DOCUMENTS_RECEIVED.labels(partner_id if partner is not None else "(unknown)", detect(raw[:4096]).value).inc()
    if partner is None:
        return reject_file(engine, doc_id, f"unknown partner {partner_id!r}", (), 404, actor)
    with document_context(doc_id, partner_id):
        return _guarded(engine, doc_id, lambda: _read_claimed(engine, doc, partner, actor=actor), actor=actor)


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
