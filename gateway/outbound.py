"""Outbound documents: a canonical document, rendered the way one partner expects, into the outbox.

Every document the gateway sends (order acknowledgments, ship notices, invoices, inventory and
catalogue feeds) goes through :func:`emit`, so that the partner's standard (X12 or UBL), version,
delimiters, usage indicator, unit mapping and profile are applied in one place, control numbers
are allocated in the same transaction that stores the document, and the outbox row links back to
the document that caused it.

Between rendering and the outbox stands the pre-send gate (:mod:`gateway.presend`): the document
is checked by the validators the partner runs, and one that fails is stored ``invalid`` with its
errors and no outbox message, for the operator to correct; it is never sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from formats.codes.units import UnitMap
from formats.errors import MappingError, Problem
from formats.model import Canonical, Catalogue, InventoryReport, Invoice, OrderResponse, ShipNotice
from formats.x12.envelope import Delimiters, Segment
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from gateway.delivery.outbox import enqueue_document
from gateway.partners import (
    agreed_unit_codes,
    answered_delimiters,
    isa_version,
    outbound_delimiters,
    partner_standard,
    unit_map,
    wants,
)
from gateway.pipeline.states import State
from gateway.presend import examine
from gateway.presend.gate import wants_peppol
from gateway.punchout import delivery as cxml_delivery  # the "cxml" channel that writes our SharedSecret in
from gateway.store.control_numbers import ControlKind, allocate, reserve
from gateway.store.documents import document_values, insert_documents, problem_record
from gateway.store.tables import Document, Partner, utcnow

log = logging.getLogger(__name__)


class Outgoing(StrEnum):
    """What kind of business document is being sent, whatever the standard."""

    ORDER_RESPONSE = "order-response"
    SHIP_NOTICE = "ship-notice"
    INVOICE = "invoice"
    INVENTORY = "inventory"
    CATALOGUE = "catalogue"


X12Renderer = Callable[..., list[Segment]]


FUNCTIONAL_IDS = {"850": "PO", "855": "PR", "856": "SH", "810": "IN", "846": "IB", "832": "SC", "860": "PC"}
"""GS01 for each transaction set we write."""


def _x12_renderers() -> dict[str, tuple[str, X12Renderer]]:
    """X12 set -> (GS01 functional id, render function), for the sets we write."""
    from formats.translate import X12_RENDERERS

    return {code: (FUNCTIONAL_IDS[code], module.render) for code, module in X12_RENDERERS.items()
            if code in FUNCTIONAL_IDS}


X12_TYPES = {
    Outgoing.ORDER_RESPONSE: "855",
    Outgoing.SHIP_NOTICE: "856",
    Outgoing.INVOICE: "810",
    Outgoing.INVENTORY: "846",
    Outgoing.CATALOGUE: "832",
}
"""The X12 transaction set for each kind of outgoing document."""

UBL_TYPES = {
    Outgoing.ORDER_RESPONSE: "OrderResponse",
    Outgoing.SHIP_NOTICE: "DespatchAdvice",
    Outgoing.INVOICE: "Invoice",
    Outgoing.CATALOGUE: "Catalogue",
}
"""The UBL document for each kind of outgoing document (a credit note is ``CreditNote``)."""


def document_type(partner: Partner, kind: Outgoing, document: Canonical) -> str:
    """The partner's name for this document: ``855`` for an X12 partner, ``OrderResponse`` for UBL."""
    if partner_standard(partner) == "cxml":
        from gateway.punchout.outbound import CXML_TYPES

        if kind.value not in CXML_TYPES:
            raise MappingError(f"cXML has no document for {kind.value} that we send")
        return CXML_TYPES[kind.value]
    if partner_standard(partner) == "ubl":
        if kind not in UBL_TYPES:
            raise MappingError(f"UBL has no document for {kind.value} that we send")
        if kind is Outgoing.INVOICE and isinstance(document, Invoice) and document.is_credit_note:
            return "CreditNote"
        if kind is Outgoing.ORDER_RESPONSE and str(partner.settings.get("ubl_order_response", "")).lower() == "simple":
            return "OrderResponseSimple"
        return UBL_TYPES[kind]
    return X12_TYPES[kind]


def _render_x12(s: Session, partner: Partner, set_code: str, document: Canonical, now: dt.datetime,
                inbound: Delimiters | None) -> tuple[bytes, dict[str, Any]]:
    """The interchange of one set, and its control numbers as the document table keeps them.

    Values echoed from the partner's own documents (its PO number, names, item ids) may hold a
    character X12 cannot carry in this interchange: a delimiter of ours that was none of the
    partner's, or a letter outside ASCII. The writer puts a carriable value in their place
    rather than leave an order placed in the ERP without its answer; each replacement is kept
    as a ``note`` problem of the outbound document, for the operator.
    """
    renderers = _x12_renderers()
    if set_code not in renderers:
        raise MappingError(f"X12 {set_code} cannot be written yet")
    functional_id, render = renderers[set_code]
    version = partner.x12_version
    units: UnitMap = unit_map(partner)
    body = render(document, units=units, version=version)
    st_control = f"{allocate(s, partner.id, ControlKind.TRANSACTION):04d}"
    group = GroupSpec(functional_id=functional_id,
                      application_sender=partner.our_x12_application_id or partner.our_x12_id,
                      application_receiver=partner.x12_application_id or partner.x12_id,
                      control_number=allocate(s, partner.id, ControlKind.GROUP), version=version)
    spec = InterchangeSpec(
        sender_qualifier=partner.our_x12_qualifier, sender_id=partner.our_x12_id,
        receiver_qualifier=partner.x12_qualifier, receiver_id=partner.x12_id,
        control_number=allocate(s, partner.id, ControlKind.INTERCHANGE), timestamp=now,
        version=isa_version(version), usage=partner.usage,
        delimiters=outbound_delimiters(partner, inbound),
    )
    notes: list[Problem] = []
    raw = render_interchange(spec, [(group, [TransactionSetSpec(set_code, st_control, body)])], notes=notes)
    return raw, {"interchange_control": f"{spec.control_number:09d}", "group_control": str(group.control_number),
                 "set_control": st_control, "problems": [problem_record(p) for p in notes]}


def ubl_profile(partner: Partner, doc_type: str) -> Any:
    """The network profile a UBL partner wants for ``doc_type`` (``settings["ubl_profile"]``), or None."""
    from formats.ubl import peppol_profile

    return peppol_profile(doc_type) if wants_peppol(partner.settings) else None


def _render_ubl(partner: Partner, doc_type: str, document: Canonical) -> bytes:
    from formats.ubl import UBL_DOCUMENTS, render

    profile = ubl_profile(partner, doc_type)
    if doc_type == "OrderResponseSimple":  # the same canonical response, the short message
        return UBL_DOCUMENTS[doc_type].render(document, profile=profile)  # type: ignore[no-any-return]
    return render(document, profile=profile)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Emission:
    """One document to send: what, to whom, what caused it and why (the arguments of :func:`emit`)."""

    partner: Partner
    kind: Outgoing
    document: Canonical
    parent_id: int | None
    reason: str
    po_number: str | None = None
    erp_order_id: str | None = None
    inbound_delimiters: Delimiters | None = None


def emit(s: Session, partner: Partner, kind: Outgoing, document: Canonical, *, parent_id: int | None, actor: str,
         reason: str, po_number: str | None = None, erp_order_id: str | None = None,
         inbound_delimiters: Delimiters | None = None) -> Document | None:
    """Render ``document`` for ``partner`` and store it in the outbox; None if the partner does not want it.

    Runs inside the caller's transaction: the control numbers, the outbox row and whatever the
    caller records with it commit together or not at all.
    """
    [doc_id] = emit_all(s, [Emission(partner, kind, document, parent_id, reason, po_number, erp_order_id,
                                     inbound_delimiters)], actor=actor)
    return s.get(Document, doc_id) if doc_id is not None else None


def emit_all(s: Session, emissions: Sequence[Emission], *, actor: str) -> list[int | None]:
    """:func:`emit` for several documents, inserted together (a statement for all); each one's document id.

    The documents are written as rows (:func:`~gateway.store.documents.insert_documents`), not
    as ORM objects: a batch of acknowledgments only writes them.
    """
    drafts = [_draft(s, emission) for emission in emissions]
    wanted = [(emission, draft) for emission, draft in zip(emissions, drafts, strict=True) if draft is not None]
    ids = insert_documents(s, [values for _, (values, _) in wanted],
                           [f"{emission.reason}; {checked}" for emission, (_, checked) in wanted], actor=actor)
    for (emission, (values, _)), doc_id in zip(wanted, ids, strict=True):
        if values["state"] != State.OUTBOX.value:
            log.warning("document %s: %s %s for %s held invalid: %s", doc_id, values["standard"], values["doc_type"],
                        emission.partner.id, values["error"], extra={"document_id": doc_id})
            continue  # held by the pre-send gate: no message, never sent
        send(s, emission.partner, doc_id, values["raw"], values["standard"])
    stored = iter(ids)
    return [next(stored) if values is not None else None for values in drafts]


def send(s: Session, partner: Partner, doc_id: int, raw: bytes, standard: str) -> None:
    """Put a stored outbound document on the partner's delivery channel, if it has one (the caller's transaction)."""
    message = enqueue_document(s, partner, doc_id=doc_id, raw=raw, standard=standard)
    if message is not None and message.id is None and standard == "cxml":  # stored without our secret
        message.channel, message.payload = cxml_delivery.outbox_route(s, partner.id, message.channel, message.payload)


def outgoing_of(standard: str, doc_type: str) -> Outgoing:
    """What kind of document an outbound ``doc_type`` of ``standard`` is (a stored document rendered again)."""
    from gateway.punchout.outbound import CXML_TYPES

    names: dict[str, Outgoing] = {
        "x12": {code: kind for kind, code in X12_TYPES.items()},
        "ubl": {**{name: kind for kind, name in UBL_TYPES.items()}, "CreditNote": Outgoing.INVOICE,
                "OrderResponseSimple": Outgoing.ORDER_RESPONSE},
        "cxml": {name: Outgoing(kind) for kind, name in CXML_TYPES.items()},
    }.get(standard, {})
    if doc_type not in names:
        raise MappingError(f"{standard} {doc_type} is not a document the gateway sends")
    return names[doc_type]


CANONICAL: dict[Outgoing, type[Canonical]] = {
    Outgoing.ORDER_RESPONSE: OrderResponse,
    Outgoing.SHIP_NOTICE: ShipNotice,
    Outgoing.INVOICE: Invoice,
    Outgoing.INVENTORY: InventoryReport,
    Outgoing.CATALOGUE: Catalogue,
}
"""The canonical document each kind of outgoing document is rendered from."""


def _draft(s: Session, emission: Emission) -> tuple[dict[str, Any], str] | None:
    """The rendered and checked document's row, and what checked it; None if the partner does not want it.

    Control numbers are allocated even for a document the gate holds: its envelope is as it would
    have been sent, and the next one must not reuse them.
    """
    partner, document = emission.partner, emission.document
    if emission.inbound_delimiters is None and emission.parent_id is not None and partner_standard(partner) == "x12":
        # an answer to an order (a refusal from a hold, a document rendered again) in the order's delimiters
        emission = replace(emission, inbound_delimiters=answered_delimiters(s, partner, emission.parent_id))
    doc_type = document_type(partner, emission.kind, document)
    if not wants(partner, doc_type):
        return None
    standard = partner_standard(partner)
    controls: dict[str, Any] = {}
    if standard == "ubl":
        raw = _render_ubl(partner, doc_type, document)
    elif standard == "cxml":  # delivered through the outbox on the buyer's "cxml" channel
        from gateway.punchout.outbound import render_for_buyer

        raw = render_for_buyer(s, partner, doc_type, document, emission.parent_id)
    else:
        raw, controls = _render_x12(s, partner, doc_type, document, utcnow(), emission.inbound_delimiters)
    agreed = {"355": agreed_unit_codes(s, partner, emission.parent_id)} if standard == "x12" else None
    verdict = examine(standard, doc_type, raw, partner_settings=partner.settings, agreed_codes=agreed)
    problems = [*controls.pop("problems", []),
                *(problem_record(p) for p in (*verdict.errors, *verdict.warnings)[:MAX_PROBLEMS])]
    held = {} if verdict.ok else {"error": f"not sent: {len(verdict.errors)} error(s) from the partner's validators "
                                           f"({verdict.summary()})"[:2000]}
    values = document_values(raw=raw, direction="out", doc_type=doc_type,
                             state=State.OUTBOX if verdict.ok else State.INVALID, standard=standard,
                             partner_id=partner.id, parent_id=emission.parent_id, po_number=emission.po_number,
                             erp_order_id=emission.erp_order_id, canonical=document.model_dump(mode="json"),
                             problems=problems, **held, **controls)
    return values, verdict.summary()


MAX_PROBLEMS = 200
"""Validator findings kept on one document (a broken invoice can break a hundred rules: the first ones say it)."""


def reserve_envelopes(s: Session, partner: Partner, kind: Outgoing, documents: list[Canonical]) -> None:
    """Reserve the control numbers of the ``documents`` of ``kind`` that :func:`emit` is about to write for ``partner``.

    A batch then takes each kind of number with one update for all its documents
    (:func:`~gateway.store.control_numbers.reserve`); it must emit every one of them in the same
    transaction. Partners not on X12, or not wanting the document, take no numbers.
    """
    if partner_standard(partner) != "x12":
        return
    reserve(s, partner.id, sum(1 for d in documents if wants(partner, document_type(partner, kind, d))))


__all__ = ["CANONICAL", "UBL_TYPES", "X12_TYPES", "Emission", "Outgoing", "document_type", "emit", "emit_all",
           "outgoing_of", "reserve_envelopes", "send"]
