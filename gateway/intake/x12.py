"""Inbound X12: from stored raw bytes to one queued document per transaction set, plus the 997/999.

The raw file is already stored (state ``received``) when this runs; nothing here can lose it.
The file is read with the streaming reader, each transaction set is checked against its
implementation map, and in **one** transaction the gateway stores

* one document per set (a standalone interchange holding just that set), ``queued`` for the
  workers when it is sound, ``rejected`` with its problems when it is not;
* the functional acknowledgment (997 for 004010, 999 for 005010) answering each group, as an
  outbound document in the outbox;
* the fact that this sender's ISA13 has been seen, so a resend is recognised and makes nothing new.

A crash before that commit leaves the file ``received`` or ``translating``; a worker takes it up
again (see :mod:`gateway.pipeline.worker`), so nothing is lost and nothing is doubled.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from formats.errors import FormatError, Problem
from formats.x12.ack997 import acknowledgment_group, build_acknowledgment
from formats.x12.envelope import GroupEnd, GroupHeader, InterchangeEnd, InterchangeHeader, TransactionSet
from formats.x12.reader import read_interchanges
from formats.x12.standalone import envelope_controls, standalone_interchange
from formats.x12.validator import validate
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from gateway.intake.failures import column_record, column_text
from gateway.intake.result import IntakeResult
from gateway.intake.senders import x12_sender_refusal
from gateway.partners import outbound_delimiters, sender_key, sends
from gateway.pipeline.states import State
from gateway.store.control_numbers import ControlKind, allocate
from gateway.store.db import lock_for_write, session
from gateway.store.documents import children, create_document, document_values, insert_documents, move, problem_record
from gateway.store.tables import Document, InterchangeSeen, Partner, utcnow

log = logging.getLogger(__name__)

INBOUND_SETS = frozenset({"850", "860"})
"""Business transaction sets the pipeline processes; others are refused in the 997 (AK5 code 1)."""

ACKNOWLEDGMENT_SETS = frozenset({"997", "999"})
"""The partner's acknowledgments of what we sent: queued too, to be matched to our documents."""

USAGES = frozenset({"P", "T", "I"})
"""ISA15 values; an acknowledgment answers another one as production (P)."""

CONTROL_WIDTH = 9
"""ISA13 and GS06 are at most nine digits, ST02 at most nine characters: what the document table holds."""


@dataclass
class _GroupResults:
    """The sets of one group read so far, and the documents made for them."""

    results: list[tuple[TransactionSet, Sequence[Problem]]] = field(default_factory=list)


def _po_number(ts: TransactionSet) -> str | None:
    """BEG03 of an 850, for finding the document before it is translated."""
    for segment in ts.segments[1:4]:
        if segment[0] == "BEG" and len(segment) > 3:
            return column_text(segment[3], 64) or None
    return None


def _lean(ts: TransactionSet, problems: Sequence[Problem]) -> TransactionSet:
    """The set as the acknowledgment needs it, without holding every clean set's segments.

    A set with problems keeps its segments so the 997/999 can copy the bad value into AK404/IK404;
    a clean set keeps only its ST.
    """
    if problems:
        return ts
    return TransactionSet(interchange=ts.interchange, group=ts.group, code=ts.code,
                          control_number=ts.control_number, implementation_reference=ts.implementation_reference,
                          segments=ts.segments[:1], problems=ts.problems, index_in_group=ts.index_in_group)


def reject_file(engine: Engine, doc_id: int, error: str, problems: Sequence[Problem], status: int,
                actor: str) -> IntakeResult:
    """Mark a stored file rejected with ``error`` (and its problems); the answer carries ``status``."""
    error = column_text(error) or ""
    records = [column_record(problem_record(p)) for p in problems]
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        doc.error = error
        doc.problems = records
        doc.claimed_by = doc.claimed_at = None
        move(s, doc, State.REJECTED, actor=actor, reason=error)
        s.commit()
    return IntakeResult(document_id=doc_id, state=State.REJECTED, http_status=status, error=error, problems=records)


def claim_for_translation(engine: Engine, doc_id: int, actor: str) -> Document | None:
    """Take a received file for translation; None when someone else already holds it."""
    with session(engine) as s:
        lock_for_write(s)  # SQLite has no row locks: two claimers must not both find it received
        doc = s.get(Document, doc_id, with_for_update=engine.dialect.name == "postgresql")
        if doc is None or doc.state != State.RECEIVED.value:
            return None
        doc.claimed_by, doc.claimed_at = actor, utcnow()
        move(s, doc, State.TRANSLATING, actor=actor, reason="reading the interchange")
        s.commit()
        return doc


def _ack_interchange(partner: Partner, header: InterchangeHeader,
                     groups: list[tuple[GroupSpec, list[TransactionSetSpec]]], s: Session,
                     now: dt.datetime) -> tuple[bytes, list[Problem]]:
    """The interchange of the acknowledgments, and the notes of what it could not echo as received.

    The 997/999 copies GS01, GS06, GS08, ST02 and segment tags from the partner's file; those
    that cannot be written (not ASCII, holding a delimiter) are written as near as ASCII allows
    and noted, never a reason not to acknowledge.
    """
    spec = InterchangeSpec(
        sender_qualifier=partner.our_x12_qualifier, sender_id=partner.our_x12_id,
        receiver_qualifier=header.sender_qualifier, receiver_id=header.sender_id,
        control_number=allocate(s, partner.id, ControlKind.INTERCHANGE), timestamp=now,
        version=header.version if header.version in ("00401", "00501") else "00401",
        usage=header.usage if header.usage in USAGES else "P",
        delimiters=outbound_delimiters(partner, header.delimiters),
    )
    notes: list[Problem] = []
    return render_interchange(spec, groups, notes=notes), notes


def not_waiting(engine: Engine, doc_id: int) -> IntakeResult:
    """The answer for a file someone else is reading, or has read: 409 with its state."""
    with session(engine) as s:
        current = s.get(Document, doc_id)
        state = State(current.state) if current else State.REJECTED
    return IntakeResult(document_id=doc_id, state=state, http_status=409,
                        error=f"document {doc_id} is {state.value}, not waiting for translation")


def translate_interchange(engine: Engine, doc_id: int, *, actor: str = "intake") -> IntakeResult:
    """Read a stored inbound X12 file into set documents and acknowledgments (see module doc)."""
    doc = claim_for_translation(engine, doc_id, actor)
    if doc is None:
        return not_waiting(engine, doc_id)
    return translate_claimed(engine, doc, actor=actor)


def translate_claimed(engine: Engine, doc: Document, *, actor: str, partner: Partner | None = None) -> IntakeResult:
    """:func:`translate_interchange` of a file this actor holds ``translating`` (``partner``: its partner, if read)."""
    doc_id = doc.id or 0
    if partner is None and doc.partner_id:
        with session(engine) as s:
            partner = s.get(Partner, doc.partner_id)
    if partner is None:
        return reject_file(engine, doc_id, f"unknown partner {doc.partner_id!r}", (), 404, actor)

    now = utcnow()
    charset = partner.settings.get("charset")
    try:
        events = list(read_interchanges(doc.raw, charset=charset))
    except FormatError as exc:
        return reject_file(engine, doc_id, f"not a readable X12 interchange: {exc}", exc.problems, 400, actor)

    interchanges = [e.interchange for e in events if isinstance(e, InterchangeEnd)]
    groups: dict[int, dict[str, GroupHeader]] = {}  # by ISA offset: each group's GS, once
    for event in events:
        if isinstance(event, TransactionSet | GroupEnd):
            groups.setdefault(event.interchange.offset, {})[event.group.control_number] = event.group
    for h in interchanges:
        if len(h.control_number) > CONTROL_WIDTH:
            error = (f"ISA13: interchange control number {h.control_number[:40]!r} is longer than its "
                     f"{CONTROL_WIDTH} digits (is the ISA's width wrong?)")
            return reject_file(engine, doc_id, error, (), 400, actor)
        refusal = x12_sender_refusal(partner, h, groups.get(h.offset, {}).values())
        if refusal is not None:  # the sender is not the partner who uploaded: ISA06/08, ISA02/04, GS02
            return reject_file(engine, doc_id, refusal, (), 403, actor)

    for attempt in range(3):
        try:
            return _store_translation(engine, doc_id, partner, events, now, actor)
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("document %s: a concurrent upload of the same interchange; checking again", doc_id)
    raise AssertionError("unreachable")


def _store_translation(engine: Engine, doc_id: int, partner: Partner, events: list[object],
                       now: dt.datetime, actor: str) -> IntakeResult:
    """Store the set documents, the acknowledgments and the seen interchanges in one transaction."""
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        result = IntakeResult(document_id=doc_id, state=State.ACCEPTED, http_status=202)
        duplicates: dict[str, int] = {}
        seen: dict[str, bool] = {}  # the interchange being read: accepted before?
        groups: _GroupResults = _GroupResults()
        ack_groups: list[tuple[GroupSpec, list[TransactionSetSpec]]] = []
        acks: list[tuple[str, bytes, list[Problem]]] = []
        envelope_problems: list[Problem] = []
        sets: list[dict[str, Any]] = []
        reasons: list[str | None] = []
        first = True
        for event in events:
            if isinstance(event, TransactionSet):
                header = event.interchange
                if first:
                    doc.sender = sender_key(header.sender_qualifier, header.sender_id)
                    doc.interchange_control = header.control_number
                    doc.standard = "x12"
                    first = False
                if header.control_number not in seen:  # asked once per interchange, not once per set
                    seen[header.control_number] = _seen(s, partner, header, doc_id, duplicates)
                if seen[header.control_number]:
                    continue
                problems = [*event.problems, *validate(event)] if event.code in INBOUND_SETS else list(event.problems)
                if event.code not in INBOUND_SETS and (
                        event.group.functional_id != "FA" or event.code not in ACKNOWLEDGMENT_SETS):
                    problems.append(Problem(f"transaction set {event.code} is not accepted from partners",
                                            code="1", level="transaction"))
                elif not sends(partner, event.code):
                    problems.append(Problem(f"transaction set {event.code} is not one partner {partner.id} "
                                            "is set up to send (settings.sends)", code="1", level="transaction"))
                sets.append(document_values(
                    raw=standalone_interchange(event), direction="in", doc_type=column_text(event.code, 32),
                    state=State.REJECTED if problems else (
                        State.QUEUED if event.code in INBOUND_SETS | ACKNOWLEDGMENT_SETS else State.PROCESSED),
                    standard="x12", partner_id=partner.id, parent_id=doc_id,
                    sender=sender_key(header.sender_qualifier, header.sender_id),
                    interchange_control=header.control_number,
                    group_control=column_text(event.group.control_number, CONTROL_WIDTH),
                    set_control=column_text(event.control_number, CONTROL_WIDTH),
                    po_number=_po_number(event) if event.code == "850" else None,
                    problems=[column_record(problem_record(p)) for p in problems],
                    error=column_text(str(problems[0])) if problems else None,
                ))
                reasons.append(column_text("; ".join(str(p) for p in problems[:3])) or "queued for processing")
                if event.group.functional_id != "FA":
                    groups.results.append((_lean(event, problems), problems))
            elif isinstance(event, GroupEnd):
                if event.interchange.control_number in duplicates or event.group.functional_id == "FA":
                    groups = _GroupResults()
                    continue
                ack = build_acknowledgment(
                    event.group, groups.results, event,
                    control_number=f"{allocate(s, partner.id, ControlKind.TRANSACTION):04d}",
                )
                group_spec = acknowledgment_group(
                    event.group, control_number=allocate(s, partner.id, ControlKind.GROUP),
                    our_application_id=partner.our_x12_application_id or partner.our_x12_id,
                )
                ack_groups.append((group_spec, [ack]))
                groups = _GroupResults()
            elif isinstance(event, InterchangeEnd):
                # the same number later in the file: asked anew; an interchange with sets was asked already
                known = seen.pop(event.interchange.control_number, None)
                envelope_problems.extend(event.problems)
                if event.interchange.control_number in duplicates:
                    continue
                if known is None:
                    known = _seen(s, partner, event.interchange, doc_id, duplicates)
                if not known:
                    s.add(InterchangeSeen(partner_id=partner.id, control_number=event.interchange.control_number,
                                          sender=sender_key(event.interchange.sender_qualifier,
                                                            event.interchange.sender_id), document_id=doc_id))
                if ack_groups:
                    code = ack_groups[0][1][0].code
                    acks.append((code, *_ack_interchange(partner, event.interchange, ack_groups, s, now)))
                    ack_groups = []

        # the sets as rows, a statement for all (a file of a hundred orders is a hundred sets)
        result.documents = insert_documents(s, sets, reasons, actor=actor)
        for code, raw, notes in acks:
            isa13, gs06, st02 = envelope_controls(raw)
            ack_doc = create_document(
                s, raw=raw, direction="out", doc_type=code,
                state=State.OUTBOX, actor=actor, reason="functional acknowledgment", standard="x12",
                partner_id=partner.id, parent_id=doc_id,
                interchange_control=isa13, group_control=gs06, set_control=st02,
                problems=[column_record(problem_record(n)) for n in notes],
            )
            if notes:
                log.info("document %s: acknowledgment %s written with %d value(s) changed: %s", doc_id, ack_doc.id,
                         len(notes), notes[0], extra={"document_id": doc_id})
            result.acknowledgments.append(ack_doc.id or 0)
        result.acknowledgment = b"".join(raw for _, raw, _ in acks) or None
        doc.problems = [column_record(problem_record(p)) for p in envelope_problems]
        doc.claimed_by = doc.claimed_at = None

        if duplicates and not result.documents:
            original = min(duplicates.values())
            result.state, result.http_status, result.duplicate_of = State.DUPLICATE, 200, original
            move(s, doc, State.DUPLICATE, actor=actor,
                 reason=f"interchange already received as document {original}")
            s.commit()
            return _with_original_acks(engine, result, original)
        queued = [d for d, values in zip(result.documents, sets, strict=True) if values["state"] == State.QUEUED.value]
        if not result.documents:
            result.error = "the file holds no transaction set"
        elif not queued and all(values["state"] == State.REJECTED.value for values in sets):
            result.error = "every transaction set was rejected; see the acknowledgment"
        result.http_status = 202 if queued or (result.documents and not result.error) else 422
        move(s, doc, State.ACCEPTED, actor=actor,
             reason=f"{len(result.documents)} transaction set(s), {len(queued)} queued")
        s.commit()
        return result


def _seen(s: Session, partner: Partner, header: InterchangeHeader, doc_id: int, duplicates: dict[str, int]) -> bool:
    """Whether this sender's ISA13 was accepted before (by another file); remembers the answer."""
    row = s.exec(select(InterchangeSeen).where(
        InterchangeSeen.partner_id == partner.id,
        InterchangeSeen.sender == sender_key(header.sender_qualifier, header.sender_id),
        InterchangeSeen.control_number == header.control_number,
    )).first()
    if row is not None and row.document_id != doc_id:
        duplicates[header.control_number] = row.document_id
        return True
    return row is not None


def _with_original_acks(engine: Engine, result: IntakeResult, original: int) -> IntakeResult:
    """A duplicate's answer repeats the acknowledgment sent for the original."""
    with session(engine) as s:
        acks = [d for d in children(s, original) if d.direction == "out" and d.doc_type in ("997", "999")]
        sets = [d.id or 0 for d in children(s, original) if d.direction == "in"]
    result.acknowledgments = [d.id or 0 for d in acks]
    result.acknowledgment = b"".join(d.raw for d in acks) or None
    result.documents = sets
    return result
