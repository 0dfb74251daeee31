"""Edit-and-retry: the operator corrects a translated document that failed and runs it again.

A partner's order refused for a typo (an unknown unit, a missing qualifier) or dead because the
ERP refused a value can be fixed by hand rather than waiting for a resend. The original stays
exactly as received; the corrected bytes become a new inbound document (child of the original)
that is queued like any other, and a :class:`~gateway.delivery.tables.DocumentEdit` row plus an
audit entry record who changed it, why, and the digests of both versions.

Safe against a second ERP order: the copy carries the same PO number, so it claims the same
idempotency key, which the original gave up when it was rejected or dead-lettered; if the
original did reach the ERP before dying, the ERP port finds that order under the key.

An outbound document the pre-send gate held invalid is corrected the same way, but the copy is
sent instead of queued, and only once it passes the partner's validators (:mod:`gateway.presend`).

Each document is edited at most once: a later correction edits the latest copy, so the chain
original -> copy -> copy reads like a history and no two copies of one order are queued at once.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from formats.errors import FormatError
from gateway.auth.audit import audit
from gateway.delivery.tables import DocumentEdit
from gateway.pipeline.reading import DocumentRejected, read_stored
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import create_document
from gateway.store.tables import Document, Partner

EDITABLE = frozenset({State.REJECTED.value, State.DEAD.value})


class EditRefused(Exception):
    """The edit was not made; ``problems`` says where the edited document is wrong, when it is."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def edit_of(engine: Engine, document_id: int) -> DocumentEdit | None:
    """The edit made of ``document_id``, if it was edited."""
    with session(engine) as s:
        return s.exec(select(DocumentEdit).where(DocumentEdit.original_id == document_id)).first()


def _correct_outbound(engine: Engine, document_id: int, raw: bytes, *, actor: str, reason: str) -> Document:
    """An outbound document the pre-send gate held, corrected: sent if it passes (:mod:`gateway.presend`)."""
    from gateway.presend.corrections import CorrectionRefused, correct

    try:
        return correct(engine, document_id, raw, actor=actor, reason=reason)
    except CorrectionRefused as exc:
        raise EditRefused(str(exc), exc.problems) from exc


def edit_and_retry(engine: Engine, document_id: int, raw: bytes, *, actor: str, reason: str) -> Document:
    """Store ``raw`` as the corrected copy of ``document_id`` and queue it; the new document.

    Refused (EditRefused) unless the original is an inbound transaction-set document that was
    rejected or dead-lettered and not edited before, the reason is given, and the edited bytes
    translate (the errors are named with their location otherwise).
    """
    if not reason.strip():
        raise EditRefused("say why the document is edited (--reason): it is kept with the edit")
    with session(engine) as s:
        original = s.get(Document, document_id)
        if original is None:
            raise EditRefused(f"no document {document_id}")
        if original.direction == "out" and original.state == State.INVALID.value:
            s.close()
            return _correct_outbound(engine, document_id, raw, actor=actor, reason=reason)
        if original.direction != "in" or original.doc_type == "interchange":
            raise EditRefused(f"document {document_id} is {original.direction} {original.doc_type}; only inbound "
                              "transaction-set documents are edited (a whole file is replayed instead)")
        if original.state not in EDITABLE:
            raise EditRefused(f"document {document_id} is {original.state}; only rejected or dead documents "
                              "are edited")
        earlier = s.exec(select(DocumentEdit).where(DocumentEdit.original_id == document_id)).first()
        if earlier is not None:
            raise EditRefused(f"document {document_id} was edited already into document {earlier.edited_id}; "
                              "edit that one")
        if raw == original.raw:
            raise EditRefused("the edited document is the same as the original")
        partner = s.get(Partner, original.partner_id) if original.partner_id else None
        if partner is None:
            raise EditRefused(f"document {document_id} has no partner")
        copy = Document(raw=raw, direction="in", standard=original.standard, doc_type=original.doc_type,
                        partner_id=partner.id, state="", sha256="")
        try:
            read_stored(copy, partner)
        except FormatError as exc:
            raise EditRefused(f"the edited {original.standard} {original.doc_type} does not translate: {exc}",
                              [str(p) for p in exc.problems]) from exc
        except DocumentRejected as exc:
            raise EditRefused(f"the edited {original.standard} {original.doc_type} is refused: {exc}") from exc

        edited = create_document(
            s, raw=raw, direction="in", doc_type=original.doc_type, state=State.QUEUED, actor=actor,
            reason=f"edit of document {document_id} by {actor}: {reason}", standard=original.standard,
            partner_id=partner.id, parent_id=document_id, sender=original.sender,
            interchange_control=original.interchange_control, group_control=original.group_control,
            set_control=original.set_control, filename=original.filename,
        )
        s.add(DocumentEdit(original_id=document_id, edited_id=edited.id or 0, actor=actor[:64], reason=reason,
                           original_sha256=original.sha256, edited_sha256=edited.sha256))
        audit(s, actor=actor, action="document.edit", target=f"document:{document_id}",
              edited_document=edited.id, reason=reason)
        s.commit()
        return edited
