"""Replay: the operator's way to run a document through the pipeline again.

A set document that was rejected, dead-lettered or even processed goes back to the queue;
an outbound document the pre-send gate held is rendered again (:mod:`gateway.presend.corrections`);
processing is idempotent, so replaying a processed order never places a second ERP order (it
finds the first and, having its 855 already, sends none). An inbound file that was refused
whole (unknown partner since configured, a sender fixed in the partner settings) is read again
from its raw bytes, as long as it produced no set documents the first time.
"""

from __future__ import annotations

from sqlalchemy import Engine

from gateway.delivery.edits import edit_of
from gateway.intake.files import read_received
from gateway.pipeline.states import State
from gateway.store.db import session
from gateway.store.documents import children, move
from gateway.store.tables import Document, Partner

REPLAYABLE = frozenset({State.REJECTED.value, State.DEAD.value, State.PROCESSED.value})


class ReplayRefused(Exception):
    """The document cannot be replayed, with the reason why."""


def _render_again(engine: Engine, doc_id: int, *, actor: str) -> State:
    """Replay of an outbound document the pre-send gate held: render it again; the new document's state."""
    from gateway.presend.corrections import CorrectionRefused, render_again

    try:
        copy = render_again(engine, doc_id, actor=actor)
    except CorrectionRefused as exc:
        detail = "; ".join(exc.problems[:5])
        raise ReplayRefused(f"{exc}{': ' + detail if detail else ''}") from exc
    return State(copy.state)


def replay(engine: Engine, doc_id: int, *, actor: str, partner_id: str | None = None) -> State:
    """Queue ``doc_id`` again (or re-read an inbound file); returns the state it ends in now."""
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        if doc is None:
            raise ReplayRefused(f"no document {doc_id}")
        if doc.direction != "in" and doc.state == State.INVALID.value:
            s.close()
            return _render_again(engine, doc_id, actor=actor)
        if doc.direction != "in":
            raise ReplayRefused(f"document {doc_id} is outbound ({doc.doc_type}); only inbound documents replay, "
                                "and outbound ones held invalid (rendered again)")
        if doc.state not in REPLAYABLE:
            raise ReplayRefused(f"document {doc_id} is {doc.state}; only {', '.join(sorted(REPLAYABLE))} replay")
        edit = edit_of(engine, doc_id)
        if edit is not None:  # two copies of one order queued at once would race for its ERP order
            raise ReplayRefused(f"document {doc_id} was edited into document {edit.edited_id}; replay that one")
        if doc.doc_type == "interchange":
            if doc.state != State.REJECTED.value or children(s, doc_id):
                raise ReplayRefused(f"file {doc_id} was split into sets already; replay those instead")
            if partner_id:
                if s.get(Partner, partner_id) is None:
                    raise ReplayRefused(f"unknown partner {partner_id!r}")
                doc.partner_id = partner_id
            move(s, doc, State.RECEIVED, actor=actor, reason="replayed by the operator")
            s.commit()
            return read_received(engine, doc_id, actor=actor).state
        doc.attempts = 0
        doc.next_attempt_at = None
        move(s, doc, State.QUEUED, actor=actor, reason=f"replayed by the operator (was {doc.state})")
        s.commit()
        return State.QUEUED
