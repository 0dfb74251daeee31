"""Correct and retry: an outbound document the gate held becomes a valid one the operator sends.

Two ways, both refused unless the result passes the same validators the gate ran:

* :func:`render_again` renders the stored canonical document again, after the operator fixed
  what made it wrong outside the document (the partner's settings: its profile, unit map,
  delimiters, identifiers), and takes new control numbers;
* :func:`correct` sends bytes the operator edited by hand (a value the ERP got wrong).

Either way the held document is kept as it was rendered and moves to ``corrected``; the valid
one is a new document with the same order links, put on the partner's channel in the same
transaction, and a :class:`~gateway.delivery.tables.DocumentEdit` row plus an audit entry say
who did it and why. A held document is corrected once; a second attempt names the copy.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from formats.errors import FormatError
from formats.x12.standalone import envelope_controls
from gateway.auth.audit import audit
from gateway.delivery.tables import DocumentEdit
from gateway.outbound import CANONICAL, Emission, emit_all, outgoing_of, send
from gateway.partners import agreed_unit_codes
from gateway.pipeline.states import State
from gateway.presend.gate import examine
from gateway.store.db import lock_for_write, session
from gateway.store.documents import create_document, move, problem_record
from gateway.store.tables import Document, Partner


class CorrectionRefused(Exception):
    """Nothing was sent; ``problems`` lists what the validators still find, when they ran."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def _held(s: Session, document_id: int) -> tuple[Document, Partner]:
    """The invalid outbound document and its partner, or the refusal saying why not.

    Locked first (the write lock on SQLite, the row on PostgreSQL): two operators correcting one
    document at once make one corrected copy, the second is told about the first.
    """
    lock_for_write(s)
    doc = s.get(Document, document_id, with_for_update=True, populate_existing=True)
    if doc is None:
        raise CorrectionRefused(f"no document {document_id}")
    if doc.direction != "out" or doc.state != State.INVALID.value:
        raise CorrectionRefused(f"document {document_id} is {doc.direction} and {doc.state}; only outbound documents "
                                "held invalid by the pre-send gate are corrected this way")
    earlier = s.exec(select(DocumentEdit).where(DocumentEdit.original_id == document_id)).first()
    if earlier is not None:
        raise CorrectionRefused(f"document {document_id} was corrected already into document {earlier.edited_id}")
    partner = s.get(Partner, doc.partner_id) if doc.partner_id else None
    if partner is None:
        raise CorrectionRefused(f"document {document_id} has no partner")
    return doc, partner


def _replace(s: Session, held: Document, copy: Document, *, actor: str, action: str, reason: str) -> None:
    """Record that ``copy`` takes the place of ``held`` (same transaction as the copy)."""
    move(s, held, State.CORRECTED, actor=actor, reason=f"{action} by {actor} as document {copy.id}: {reason}")
    s.add(DocumentEdit(original_id=held.id or 0, edited_id=copy.id or 0, actor=actor[:64], reason=reason,
                       original_sha256=held.sha256, edited_sha256=copy.sha256))
    audit(s, actor=actor, action=f"document.{action.replace(' ', '_')}", target=f"document:{held.id}",
          corrected_document=copy.id, reason=reason)


def render_again(engine: Engine, document_id: int, *, actor: str, reason: str = "") -> Document:
    """Render the held document again from its canonical form and send it if it now passes; the new document."""
    reason = reason.strip() or "rendered again after the partner's settings were corrected"
    with session(engine) as s:
        held, partner = _held(s, document_id)
        try:
            kind = outgoing_of(held.standard, held.doc_type)
            document = CANONICAL[kind].model_validate(held.canonical or {})
        except (FormatError, ValueError) as exc:
            raise CorrectionRefused(f"document {document_id} cannot be rendered again: {exc}") from exc
        emission = Emission(partner, kind, document, held.parent_id,
                            f"document {document_id} rendered again by {actor}", po_number=held.po_number,
                            erp_order_id=held.erp_order_id)
        try:
            [copy_id] = emit_all(s, [emission], actor=actor)
        except FormatError as exc:
            raise CorrectionRefused(f"document {document_id} cannot be rendered again: {exc}") from exc
        copy = s.get(Document, copy_id) if copy_id is not None else None
        if copy is None:
            raise CorrectionRefused(f"partner {partner.id} no longer wants {held.doc_type} documents")
        if copy.state == State.INVALID.value:
            problems = [p["where"] + ": " + p["message"] for p in copy.problems if p.get("level") != "warning"]
            s.rollback()  # nothing kept: the held document still says what is wrong
            raise CorrectionRefused(f"rendered again, document {document_id} still fails its partner's validators",
                                    problems)
        _replace(s, held, copy, actor=actor, action="render again", reason=reason)
        s.commit()
        s.refresh(copy)
        return copy


def correct(engine: Engine, document_id: int, raw: bytes, *, actor: str, reason: str) -> Document:
    """Send ``raw``, the operator's correction of the held document, if it passes; the new document."""
    if not reason.strip():
        raise CorrectionRefused("say why the document is corrected: it is kept with the correction")
    with session(engine) as s:
        held, partner = _held(s, document_id)
        if raw == held.raw:
            raise CorrectionRefused("the corrected document is the same as the one held")
        agreed = {"355": agreed_unit_codes(s, partner, held.parent_id)} if held.standard == "x12" else None
        verdict = examine(held.standard, held.doc_type, raw, partner_settings=partner.settings, agreed_codes=agreed)
        if not verdict.ok:
            raise CorrectionRefused(f"the corrected {held.standard} {held.doc_type} still fails its partner's "
                                    "validators", [str(p) for p in verdict.errors])
        controls: dict[str, str | None] = {}
        if held.standard == "x12":
            isa13, gs06, st02 = envelope_controls(raw)
            controls = {"interchange_control": isa13, "group_control": gs06, "set_control": st02}
        copy = create_document(
            s, raw=raw, direction="out", doc_type=held.doc_type, state=State.OUTBOX, actor=actor,
            reason=f"correction of document {document_id} by {actor}: {reason}; {verdict.summary()}",
            standard=held.standard, partner_id=partner.id, parent_id=held.parent_id, po_number=held.po_number,
            erp_order_id=held.erp_order_id, canonical=held.canonical,
            problems=[problem_record(p) for p in verdict.warnings], **controls)
        send(s, partner, copy.id or 0, raw, held.standard)
        _replace(s, held, copy, actor=actor, action="correct", reason=reason)
        s.commit()
        s.refresh(copy)
        return copy


__all__ = ["CorrectionRefused", "correct", "render_again"]
