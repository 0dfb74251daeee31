"""Inbound UBL: a stored XML document from a partner, read and queued (or refused with the reason).

A UBL file holds one document, so unlike X12 there is nothing to split: the received row itself
is read, given its document type (the root element: ``Order``, ``OrderChange`` ...) and queued for
the workers, or rejected with the problems found. UBL has no functional acknowledgment; the
partner gets the HTTP answer now and the OrderResponse once the ERP has decided.

The document's BuyerCustomerParty must be the partner who uploaded it when the partner has an endpoint set
(:func:`gateway.intake.senders.ubl_sender_refusal`), else it is rejected with a 403 and the reason.
"""

from __future__ import annotations

from sqlalchemy import Engine

from formats.errors import FormatError
from formats.xml import local_name, parse_xml
from gateway.intake.failures import column_record, column_text
from gateway.intake.result import IntakeResult
from gateway.intake.senders import ubl_sender_refusal, unchecked_note
from gateway.intake.x12 import claim_for_translation, not_waiting
from gateway.partners import partner_standard, sends
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import move, problem_record
from gateway.store.tables import Document, Partner

INBOUND_DOCUMENTS = frozenset({"Order", "OrderChange", "OrderCancellation"})
"""UBL documents partners send us; the others (OrderResponse, Invoice ...) are ours to send."""


def _po_number(document: object) -> str | None:
    return column_text(getattr(document, "po_number", None), 64)


def receive_ubl(engine: Engine, doc_id: int, *, actor: str) -> IntakeResult:
    """Read the stored UBL document ``doc_id`` and queue it, or reject it saying why."""
    if claim_for_translation(engine, doc_id, actor) is None:
        return not_waiting(engine, doc_id)
    return receive_claimed_ubl(engine, doc_id, actor=actor)


def receive_claimed_ubl(engine: Engine, doc_id: int, *, actor: str, partner: Partner | None = None) -> IntakeResult:
    """:func:`receive_ubl` of a document this actor holds ``translating`` (``partner``: its partner, if read)."""
    from formats.ubl import parse as parse_ubl

    with session(engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        if partner is None and doc.partner_id:
            partner = s.get(Partner, doc.partner_id)
        if partner is None:
            error = f"unknown partner {doc.partner_id!r}"
            doc.error = error
            move(s, doc, State.REJECTED, actor=actor, reason=error)
            s.commit()
            return IntakeResult(document_id=doc_id, state=State.REJECTED, http_status=404, error=error)
        doc.standard = "ubl"
        error: str | None = None
        problems: list[dict[str, object]] = []
        status = 202
        try:
            root_name = local_name(parse_xml(doc.raw, what="UBL document"))
            doc.doc_type = column_text(root_name, 32) or "interchange"
            if root_name not in INBOUND_DOCUMENTS:
                raise FormatError(f"a UBL {root_name[:64]} is not accepted from partners "
                                  f"(we accept {', '.join(sorted(INBOUND_DOCUMENTS))})")
            if partner_standard(partner) != "ubl" and not sends(partner, root_name):
                raise FormatError(f"partner {partner.id} is not set up to send UBL {root_name}")
            document = parse_ubl(doc.raw)
            doc.po_number = _po_number(document)
            refusal = ubl_sender_refusal(partner, document)
            if refusal is None:
                doc.canonical = document.model_dump(mode="json")
            else:  # another buyer's name on the partner's upload: refused, kept with the reason
                error, status = column_text(refusal), 403
        except FormatError as exc:
            error = column_text(str(exc))
            problems = [column_record(problem_record(p)) for p in exc.problems]
            status = 400 if doc.doc_type == "interchange" else 422
        doc.claimed_by = doc.claimed_at = None
        if error is None:
            move(s, doc, State.QUEUED, actor=actor,
                 reason=f"UBL {doc.doc_type} queued for processing{unchecked_note(partner)}")
        else:
            doc.error, doc.problems = error, problems
            move(s, doc, State.REJECTED, actor=actor, reason=error)
        s.commit()
        state = State(doc.state)
    return IntakeResult(document_id=doc_id, state=state, http_status=status, documents=[doc_id] if not error else [],
                        error=error, problems=problems)


__all__ = ["INBOUND_DOCUMENTS", "receive_claimed_ubl", "receive_ubl"]
