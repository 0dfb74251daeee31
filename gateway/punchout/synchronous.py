"""Synchronous OrderRequests: placed in the ERP within the request, answered 200 once the order exists.

A cXML buyer whose partner settings say ``"synchronous_orders": true`` gets its OrderRequests
(``new``, ``update``, ``delete``) processed while its procurement system waits, instead of the
default ``201`` and the queue. The request's own transaction stores the document ``queued`` and
claims it at once for this request (:func:`claim`; no worker can take it in between), then
:func:`finish` runs it through exactly what a worker runs (:class:`~gateway.pipeline.worker.Worker`
on :func:`~gateway.pipeline.cxml_orders.process_order_request`: credit control, the ERP push under
the buyer + orderID + orderVersion idempotency key, the order link and price snapshot, the
ConfirmationRequest in the outbox) and turns the state it ended in into the cXML answer:

==============  =====  ==================================================================
ended           code   meaning for the buyer
==============  =====  ==================================================================
processed       200    the ERP order exists (created, changed or cancelled)
duplicate       200    this orderID was placed already; no second order
credit_hold     201    held for an operator; confirmed once decided, as for any buyer
retry           201    the ERP could not be reached: the worker places it later
rejected        409    an update or delete the ERP refuses (the order shipped, was cancelled)
rejected        400    anything else refused for a business reason (credit, the ERP), with it
dead            500    out of attempts at once; kept for the operator
==============  =====  ==================================================================

A ConfirmationRequest is still sent after a synchronous 200, as after a 201. A cXML ``Status``
is one code and a text for the whole request: in the cXML status codes, 200 means the server
could execute the request, and says nothing of which lines are backordered, when they ship or
at what price. The ConfirmationRequest (Fulfill.dtd) is the document that carries that, per
line (accept / detail / backordered / reject with quantities, dates and prices): the cXML
User's Guide presents it as the item-level extension of the bare order acknowledgment that
StatusUpdateRequest gives. What a 200 makes unnecessary is a later StatusUpdateRequest (after a
200 the client expects no further status updates, after a 201 it does), and we send none; a
procurement system records a PO as confirmed, with its lines, only from a ConfirmationRequest.
So both modes send the same one ConfirmationRequest per OrderRequest; only the moment differs.

A refused order (4xx) sends none from here; a credit refusal still sends the rejecting
confirmation that credit control writes for every standard. The same orderID again is caught
by the handler (200, no second order) before anything here runs.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import Engine
from sqlmodel import Session

from erp.port import ErpPort
from gateway.config import Settings, get_settings
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.store.db import session
from gateway.store.documents import move
from gateway.store.tables import Document, Partner, utcnow

log = logging.getLogger(__name__)

SETTING = "synchronous_orders"
"""The buyer's partner setting that asks for synchronous OrderRequests (default false: 201 and the queue)."""

CHANGES = frozenset({"change", "cancel", "replace"})
"""Purposes (canonical ``OrderPurpose`` values) of an OrderRequest ``update`` or ``delete``."""


def is_synchronous(partner: Partner) -> bool:
    """Whether this buyer's OrderRequests are processed within the request."""
    return partner.settings.get(SETTING) is True


def claim(s: Session, doc: Document, partner: Partner, *, actor: str) -> str | None:
    """Take a just-queued OrderRequest of a synchronous buyer for this request; the holder's id, or None.

    Runs inside the request's transaction, after the document was moved to ``queued``: it commits
    as ``processing`` under a holder unique to this request, as a worker's claim would (same
    transition, same lease: if the process dies before it finishes, the lease runs out and a
    worker takes it up).
    """
    if doc.doc_type != "OrderRequest" or doc.state != State.QUEUED.value or not is_synchronous(partner):
        return None
    holder = f"{actor}:{uuid.uuid4().hex[:12]}"[-64:]
    move(s, doc, State.PROCESSING, actor=holder, reason="processed within the request (synchronous buyer)")
    doc.claimed_by, doc.claimed_at = holder, utcnow()
    doc.attempts += 1
    return holder


def finish(engine: Engine, erp: ErpPort, doc_id: int, holder: str, *, accepted: tuple[int, str],
           settings: Settings | None = None) -> tuple[int, str]:
    """Process the claimed OrderRequest as a worker would; the cXML (code, text) to answer.

    ``accepted`` is the queued answer (201 and its text), given back when the work cannot be
    finished now and is left to the workers; ``settings`` are the application's (attempts, backoff),
    else the environment's.
    """
    try:
        Worker(engine, erp, settings or get_settings(), worker_id=holder).process(doc_id)
    except Exception:  # the worker sorts its own failures; anything left is the lease's to recover
        log.exception("document %s: synchronous processing failed; left to the workers", doc_id,
                      extra={"document_id": doc_id})
        return accepted
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        return answer(doc, accepted)


def answer(doc: Document, accepted: tuple[int, str]) -> tuple[int, str]:
    """The cXML (code, text) for an OrderRequest processed within the request (the table in the module doc)."""
    po = doc.po_number or "?"
    purpose = str((doc.canonical or {}).get("purpose") or "original")
    what = "delete" if purpose == "cancel" else "update" if purpose in CHANGES else "order"
    state = State(doc.state)
    if state is State.PROCESSED:
        done = {"order": f"order {po} is placed as our order {doc.erp_order_id}",
                "update": f"the update of order {po} is applied to our order {doc.erp_order_id}",
                "delete": f"order {po} is deleted: our order {doc.erp_order_id} is cancelled"}[what]
        return 200, f"OK: {done}; a ConfirmationRequest follows"
    if state is State.DUPLICATE:
        return 200, f"OK: order {po} was already received; no second order is made"
    if state is State.CREDIT_HOLD:
        return 201, f"Accepted: order {po} waits for a credit review; a ConfirmationRequest follows once decided"
    if state is State.REJECTED:
        reason = (doc.error or "refused").removeprefix("ErpRejected: ").removeprefix("DocumentRejected: ")
        refused_by_erp = (doc.error or "").startswith("ErpRejected")
        code = 409 if what != "order" and refused_by_erp else 400
        subject = f"order {po}" if what == "order" else f"the {what} of order {po}"
        return code, f"{subject} is refused: {reason}"
    if state is State.DEAD:
        return 500, f"order {po} could not be processed and is kept for the operator"
    return accepted  # retry (the ERP could not be reached), or taken over: the workers finish it


__all__ = ["SETTING", "answer", "claim", "finish", "is_synchronous"]
