"""The ``/cxml`` endpoint's work: store, read, authenticate, dispatch, answer a cXML Response.

Every request is stored raw first (``gw_document``, standard ``cxml``), then read with the
hardened XML parser, its Header authenticated against the buyer's configuration, and handed to
the handler of its request element (:data:`HANDLERS`, an explicit registry as in cxml-php). Each
outcome, good or bad, is a cXML ``Response`` with the status code and a text saying what happened,
and the stored document ends ``accepted`` (answered on the spot), ``queued`` (an order for the
pipeline), ``duplicate`` or ``rejected`` with its error.

===========================  ===================================================================
status                       when
===========================  ===================================================================
200                          ProfileRequest, PunchOutSetupRequest, an OrderRequest already received
201                          an OrderRequest accepted; a ConfirmationRequest follows
400                          not XML, not cXML, entities in a DOCTYPE, too large, unreadable
                             document, unknown items, an update of an order never received
401                          unknown buyer, wrong To or Sender, wrong or missing SharedSecret
406                          a request type (or punchout operation) we do not take
409                          an update or delete of an order that has shipped
500                          anything unexpected (kept for the operator)
===========================  ===================================================================
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from erp.port import ErpError, ErpOrderState, ErpPort
from formats.cxml import CXML_DOCUMENTS, envelope, profile, punchout
from formats.cxml.envelope import Envelope
from formats.errors import FormatError
from formats.model import ItemIdKind, Order, OrderPurpose
from formats.xml import parse_xml
from gateway.observability.metrics import DOCUMENTS_RECEIVED
from gateway.pipeline.states import State
from gateway.punchout.buyers import Buyer, authenticate
from gateway.punchout.errors import CxmlRefusal
from gateway.punchout.sessions import new_payload_id, open_session
from gateway.store.db import session
from gateway.store.documents import create_document, move
from gateway.store.tables import Document, OrderLink, utcnow

log = logging.getLogger(__name__)

SUPPORTED = ("ProfileRequest", "PunchOutSetupRequest", "OrderRequest")
"""The requests ``/cxml`` takes (what the ProfileResponse lists)."""

SHIPPED = frozenset({ErpOrderState.PARTIALLY_SHIPPED, ErpOrderState.SHIPPED, ErpOrderState.INVOICED})

PROFILE_EFFECTIVE = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
"""The ProfileResponse's effectiveDate: since when this endpoint takes the requests it lists."""


@dataclass(frozen=True)
class Answer:
    """A cXML Response to send back, and the stored request it answers."""

    code: int
    text: str
    body: bytes
    document_id: int | None = None


@dataclass(frozen=True)
class Context:
    """What a handler needs besides the request: the stored document, services, the public URL."""

    s: Session
    doc: Document
    buyer: Buyer
    head: Envelope
    erp: ErpPort
    base_url: str
    max_bytes: int


Handled = tuple[int, str, bytes | None, State]
"""(status code, text, the Response body or None for a bare Status, the document's final state)."""

Handler = Callable[[Context, object], Handled]


def _profile(ctx: Context, _document: object) -> Handled:
    now = utcnow()
    body = profile.render(SUPPORTED, f"{ctx.base_url}/cxml", payload_id=new_payload_id(now), timestamp=now,
                          effective=PROFILE_EFFECTIVE)
    return 200, "OK", body, State.ACCEPTED


def _setup(ctx: Context, document: object) -> Handled:
    assert isinstance(document, punchout.PunchOutSetupRequest)
    row, token = open_session(ctx.s, ctx.buyer, document, document_id=ctx.doc.id)
    now = utcnow()
    body = punchout.render_setup_response(f"{ctx.base_url}/punchout/start/{token}", payload_id=new_payload_id(now),
                                          timestamp=now)
    ctx.doc.canonical = {"punchout_session": row.id, "operation": row.operation}
    return 200, "OK", body, State.ACCEPTED


def _earlier_order(s: Session, partner_id: str, po_number: str, doc_id: int | None) -> Document | None:
    """An OrderRequest document of this buyer for this orderID that is not dead or rejected."""
    return s.exec(select(Document).where(
        Document.partner_id == partner_id, Document.standard == "cxml", Document.doc_type == "OrderRequest",
        Document.po_number == po_number, Document.id != doc_id,
        col(Document.state).not_in([State.REJECTED.value, State.DEAD.value, State.DUPLICATE.value]),
    ).order_by(col(Document.id))).first()


def _check_items(order: Order, erp: ErpPort) -> None:
    """400 for a line without SupplierPartID or with an item we do not sell."""
    skus: dict[str, str] = {}
    for line in order.lines:
        sku = line.item_id(ItemIdKind.SELLER)
        if sku is None:
            raise CxmlRefusal(400, f"ItemOut line {line.line_number} has no SupplierPartID")
        skus[line.line_number] = sku
    known = {p.sku for p in erp.get_prices(sorted(set(skus.values())))}
    unknown = [f"line {n}: {sku}" for n, sku in skus.items() if sku not in known]
    if unknown:
        raise CxmlRefusal(400, f"unknown items ({'; '.join(unknown)}): they are not in our catalogue")


def _order(ctx: Context, document: object) -> Handled:
    assert isinstance(document, Order)
    order = document
    ctx.doc.po_number = order.po_number
    ctx.doc.canonical = order.model_dump(mode="json")
    earlier = _earlier_order(ctx.s, ctx.buyer.id, order.po_number, ctx.doc.id)
    if order.purpose is OrderPurpose.ORIGINAL:
        if earlier is not None:
            ctx.doc.erp_order_id = earlier.erp_order_id
            return (200, f"OK: order {order.po_number} was already received (document {earlier.id}); "
                    "no second order is made", None, State.DUPLICATE)
        _check_items(order, ctx.erp)
        return (201, f"Accepted: order {order.po_number} is being placed; a ConfirmationRequest follows",
                None, State.QUEUED)
    what = "delete" if order.purpose is OrderPurpose.CANCEL else "update"
    link = ctx.s.exec(select(OrderLink).where(OrderLink.partner_id == ctx.buyer.id,
                                              OrderLink.po_number == order.po_number,
                                              col(OrderLink.erp_order_id).is_not(None))).first()
    if link is None:
        if earlier is None:
            raise CxmlRefusal(400, f"{what} of order {order.po_number}, which was never received")
        raise CxmlRefusal(409, f"order {order.po_number} is still being placed; send the {what} again shortly")
    placed = ctx.erp.get_order(link.erp_order_id or "")
    if placed is not None and placed.state in SHIPPED:
        raise CxmlRefusal(409, f"order {order.po_number} has {placed.state.value.replace('-', ' ')}; "
                               f"the {what} is refused")
    if placed is not None and placed.state is ErpOrderState.CANCELLED:
        raise CxmlRefusal(409, f"order {order.po_number} is cancelled; the {what} is refused")
    if what == "update":
        _check_items(order, ctx.erp)
    ctx.doc.erp_order_id = link.erp_order_id
    return 201, f"Accepted: the {what} of order {order.po_number} is being applied", None, State.QUEUED


HANDLERS: dict[str, Handler] = {
    "ProfileRequest": _profile,
    "PunchOutSetupRequest": _setup,
    "OrderRequest": _order,
}
"""Request element -> its handler (the registry ``/cxml`` dispatches by)."""


def _answer(code: int, text: str, body: bytes | None, doc_id: int | None) -> Answer:
    if body is None:
        body = envelope.response(code, text, payload_id=new_payload_id(), timestamp=utcnow())
    return Answer(code, text, body, doc_id)


def _refuse(engine: Engine, doc_id: int, code: int, text: str, problems: list[dict[str, object]] | None = None,
            partner_id: str | None = None, doc_type: str | None = None) -> Answer:
    with writing(engine), session(engine) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        doc.error = f"{code}: {text}"
        doc.problems = problems or []
        doc.partner_id = partner_id or doc.partner_id
        doc.doc_type = doc_type or doc.doc_type
        if doc.state == State.RECEIVED.value:
            move(s, doc, State.TRANSLATING, actor="cxml", reason="read")
        move(s, doc, State.REJECTED, actor="cxml", reason=doc.error)
        s.commit()
    log.warning("cXML document %s refused: %s %s", doc_id, code, text, extra={"document_id": doc_id})
    return _answer(code, text, None, doc_id)


_SQLITE_WRITER = threading.Lock()


@contextmanager
def writing(engine: Engine) -> Iterator[None]:
    """One writer at a time in this process when the database is SQLite.

    SQLite has one write lock per database; many threads asking for it at once make SQLite's
    busy handler sleep in growing steps (up to 100 ms), which is what a burst of punchout
    requests would otherwise spend its time on. Waiting on a Python lock instead hands the
    database over at once. PostgreSQL needs no such thing.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    with _SQLITE_WRITER:
        yield


def store(engine: Engine, raw: bytes, *, actor: str, error: str | None = None) -> int:
    """Store a request's raw bytes (the first thing done with it); the document id."""
    with writing(engine), session(engine) as s:
        doc = create_document(s, raw=raw, direction="in", doc_type="cXML", state=State.RECEIVED, actor=actor,
                              reason=f"received {len(raw)} bytes", standard="cxml")
        s.commit()
        return doc.id or 0


UNANSWERED = ("the cXML request was stored but never answered (the process stopped first); "
              "the buyer's system sends it again")


def reject_unanswered(engine: Engine, doc_id: int, *, actor: str) -> None:
    """A request stored and then left unanswered (a crash between the two steps) is rejected, saying so.

    Nobody waits for the answer any more: the buyer's system resends the request, which then gets
    one. The workers' housekeeping calls this for ``cxml`` documents left ``received``.
    """
    with writing(engine), session(engine) as s:
        doc = s.get(Document, doc_id)
        if doc is None or doc.state != State.RECEIVED.value:
            return
        doc.error = UNANSWERED
        move(s, doc, State.REJECTED, actor=actor, reason=UNANSWERED)
        s.commit()


def handle(engine: Engine, erp: ErpPort, raw: bytes, *, base_url: str, max_bytes: int,
           actor: str = "http:cxml") -> Answer:
    """Answer one cXML request (see the module doc for the status codes)."""
    doc_id = store(engine, raw[:max_bytes + 1], actor=actor)
    if len(raw) > max_bytes:
        return _refuse(engine, doc_id, 400, f"the request is larger than {max_bytes} bytes "
                                            "(B2BGW_CXML_MAX_BYTES); the first bytes are kept")
    partner_id: str | None = None
    doc_type: str | None = None
    try:
        root = envelope.cxml_root(parse_xml(raw, max_bytes=max_bytes, what="cXML request"))
        head = envelope.parse(root)
        doc_type = head.document_type
        with writing(engine), session(engine) as s:  # one transaction: who, what it does, its new state
            buyer = authenticate(s, head)
            partner_id = buyer.id
            DOCUMENTS_RECEIVED.labels(partner_id, "cxml").inc()
            handler = HANDLERS.get(head.document_type)
            if head.kind != "Request" or handler is None:
                raise CxmlRefusal(406, f"{head.kind} {head.document_type} is not taken here; "
                                       f"this endpoint takes {', '.join(SUPPORTED)}")
            reader = CXML_DOCUMENTS.get(head.document_type)
            document = reader(root) if reader is not None else None
            doc = s.get(Document, doc_id)
            assert doc is not None
            doc.partner_id, doc.doc_type = partner_id, doc_type
            move(s, doc, State.TRANSLATING, actor=actor, reason=f"{doc_type} from {partner_id}")
            code, text, body, final = handler(
                Context(s, doc, buyer, head, erp, base_url, max_bytes), document)
            doc.error = None
            move(s, doc, final, actor=actor, reason=f"{code} {text}")
            s.commit()
        return _answer(code, text, body, doc_id)
    except CxmlRefusal as refusal:
        return _refuse(engine, doc_id, refusal.code, refusal.text, partner_id=partner_id, doc_type=doc_type)
    except FormatError as exc:
        from gateway.store.documents import problem_record

        return _refuse(engine, doc_id, 400, str(exc), [problem_record(p) for p in exc.problems],
                       partner_id=partner_id, doc_type=doc_type)
    except ErpError as exc:
        return _refuse(engine, doc_id, 500, f"the ERP could not be asked: {exc}", partner_id=partner_id,
                       doc_type=doc_type)
    except Exception as exc:  # the boundary: keep the request, answer 500, never a stack trace to the buyer
        log.exception("cXML document %s: unexpected error", doc_id, extra={"document_id": doc_id})
        return _refuse(engine, doc_id, 500, f"the request could not be processed ({type(exc).__name__})",
                       partner_id=partner_id, doc_type=doc_type)


__all__ = ["HANDLERS", "SUPPORTED", "UNANSWERED", "Answer", "handle", "reject_unanswered", "store"]
