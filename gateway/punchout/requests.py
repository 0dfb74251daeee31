"""The ``/cxml`` endpoint's work: store, read, authenticate, dispatch, answer a cXML Response.

Every request is read with the hardened XML parser, its Header authenticated against the
buyer's configuration, and handed to the handler of its request element (:data:`HANDLERS`, an
explicit registry as in cxml-php). Each outcome, good or bad, is a cXML ``Response`` with the
status code and a text saying what happened, and the stored document (``gw_document``, standard
``cxml``, the raw bytes as received) ends ``accepted`` (answered on the spot), ``queued`` (an
order for the pipeline), ``duplicate`` or ``rejected`` with its error.

Secrets are not kept: the stored bytes are the request's with the text of its SharedSecret (and
any CredentialMac or DigitalSignature) replaced by a marker saying what became of it,
``[redacted: matched]``, ``[redacted: wrong]``, ``[redacted: unknown buyer]`` or
``[redacted: not checked]`` (:func:`formats.cxml.redaction.redact_secrets`); nothing downstream
needs them (the pipeline reads the order, never the Header's secret).

Guessing is limited (:mod:`gateway.auth.throttle`): the credential is the buyer the From names
(``cxml:<partner id>``; for a From naming no buyer only the client address counts). During a
lockout the request is refused with the answer a wrong secret gets, without checking the secret,
and every 401 has one text (:data:`~gateway.punchout.buyers.NOT_VALID`) whatever did not match.

One request is one transaction: the raw document is its first row, and what the handler decides
(a punchout session, an order queued) commits with it, so a punchout setup costs one commit.
Nothing is answered before that commit, so no answer ever refers to a request that was not kept.
When the handler refuses or fails, its transaction is rolled back and the raw request is stored
again, ``rejected`` with the reason, in a transaction of its own: a bad request is always kept.
A process that dies mid-request has answered nothing; the buyer's system sends the request again.

===========================  ===================================================================
status                       when
===========================  ===================================================================
200                          ProfileRequest, PunchOutSetupRequest, an OrderRequest already received,
                             a synchronous buyer's OrderRequest done (:mod:`.synchronous`)
201                          an OrderRequest accepted; a ConfirmationRequest follows
400                          not XML, not cXML, entities in a DOCTYPE, too large, unreadable
                             document, unknown items, an update of an order never received
401                          unknown buyer, wrong To or Sender, wrong or missing SharedSecret, locked out
                             (one text for all: "the credentials are not valid")
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
from typing import TypeVar

from lxml import etree
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from erp.port import ErpError, ErpOrderState, ErpPort, ErpUnavailable
from formats.cxml import CXML_DOCUMENTS, envelope, profile, punchout
from formats.cxml.envelope import Envelope
from formats.cxml.redaction import redact_secrets
from formats.errors import FormatError, MappingError
from formats.model import ItemIdKind, Order, OrderPurpose
from formats.xml import parse_xml
from gateway.auth.throttle import LOCKED, Attempt, locked_for, record_failure, record_success
from gateway.config import Settings
from gateway.intake.failures import column_text
from gateway.observability.metrics import DOCUMENTS_RECEIVED
from gateway.pipeline.states import State
from gateway.punchout.buyers import MATCHED, NOT_CHECKED, AuthRefusal, Buyer, authenticate, identify
from gateway.punchout.errors import CxmlRefusal
from gateway.punchout.sessions import new_payload_id, open_session
from gateway.punchout.synchronous import claim, finish
from gateway.store.db import session
from gateway.store.documents import create_document, move, problem_record
from gateway.store.tables import Document, OrderLink, utcnow

log = logging.getLogger(__name__)

SUPPORTED = ("ProfileRequest", "PunchOutSetupRequest", "OrderRequest")
"""The requests ``/cxml`` takes (what the ProfileResponse lists)."""

SHIPPED = frozenset({ErpOrderState.PARTIALLY_SHIPPED, ErpOrderState.SHIPPED, ErpOrderState.INVOICED})

DOC_TYPE_LENGTH = 32
"""What ``gw_document.doc_type`` holds: a longer request element name is kept cut (it is refused 406 anyway)."""
PO_NUMBER_LENGTH = 64
"""What ``gw_document.po_number`` holds: a longer orderID is refused rather than cut (it names the order)."""

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


def _check(ctx: Context, order: Order) -> None:
    """:func:`_check_items`; an unreachable ERP leaves the check to the pipeline (201, queued).

    The order is stored either way, and the pipeline places it once the ERP answers again (an
    item the ERP does not know is then rejected there, and the buyer gets a ConfirmationRequest
    of type reject). Refusing a good order because our own ERP is down would hand the outage to
    the buyer, whose procurement system may not send it again.
    """
    try:
        _check_items(order, ctx.erp)
    except ErpUnavailable as exc:
        log.warning("cXML document %s: items not checked, the ERP is unreachable (%s); the pipeline checks "
                    "them when it places the order", ctx.doc.id, exc)


def _order(ctx: Context, document: object) -> Handled:
    assert isinstance(document, Order)
    order = document
    if len(order.po_number) > PO_NUMBER_LENGTH:
        raise CxmlRefusal(400, f"orderID is {len(order.po_number)} characters long, more than the "
                               f"{PO_NUMBER_LENGTH} an order number may have here")
    ctx.doc.po_number = order.po_number
    ctx.doc.canonical = order.model_dump(mode="json")
    earlier = _earlier_order(ctx.s, ctx.buyer.id, order.po_number, ctx.doc.id)
    if order.purpose is OrderPurpose.ORIGINAL:
        if earlier is not None:
            ctx.doc.erp_order_id = earlier.erp_order_id
            return (200, f"OK: order {order.po_number} was already received (document {earlier.id}); "
                    "no second order is made", None, State.DUPLICATE)
        _check(ctx, order)
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
        _check(ctx, order)
    ctx.doc.erp_order_id = link.erp_order_id
    return 201, f"Accepted: the {what} of order {order.po_number} is being applied", None, State.QUEUED


HANDLERS: dict[str, Handler] = {
    "ProfileRequest": _profile,
    "PunchOutSetupRequest": _setup,
    "OrderRequest": _order,
}
"""Request element -> its handler (the registry ``/cxml`` dispatches by)."""


def respond(code: int, text: str, body: bytes | None, doc_id: int | None) -> Answer:
    """The Answer to send: ``body`` when the handler wrote one, else a bare cXML Response with the Status."""
    if body is None:
        body = envelope.response(code, text, payload_id=new_payload_id(), timestamp=utcnow())
    return Answer(code, text, body, doc_id)


def _refuse(engine: Engine, raw: bytes, code: int, text: str, problems: list[dict[str, object]] | None = None,
            partner_id: str | None = None, doc_type: str | None = None, actor: str = "cxml",
            verdict: str | None = None, detail: str | None = None) -> Answer:
    """Keep a refused request (its bytes, secrets redacted with ``verdict``; the reason, its problems) and answer.

    ``detail`` is what the operator is told besides the answer's text (why credentials did not match).
    """
    kept = redact_secrets(raw, verdict=verdict)
    with writing(engine), session(engine) as s:
        doc = create_document(s, raw=kept, direction="in", doc_type=column_text(doc_type, DOC_TYPE_LENGTH) or "cXML",
                              state=State.RECEIVED, actor=actor, reason=f"received {len(raw)} bytes",
                              standard="cxml", partner_id=partner_id)
        doc.error = column_text(f"{code}: {text}" + (f" ({detail})" if detail else ""))
        doc.problems = problems or []
        move(s, doc, State.TRANSLATING, actor=actor, reason="read")
        move(s, doc, State.REJECTED, actor=actor, reason=doc.error)
        s.commit()
        doc_id = doc.id
    log.warning("cXML document %s refused: %s %s%s", doc_id, code, text, f" ({detail})" if detail else "",
                extra={"document_id": doc_id})
    return respond(code, text, None, doc_id)


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


UNANSWERED = ("the cXML request was stored but never answered (the process stopped first); "
              "the buyer's system sends it again")


def reject_unanswered(engine: Engine, doc_id: int, *, actor: str) -> None:
    """A request stored and then left unanswered is rejected, saying so.

    :func:`handle` never leaves one (a request commits whole or not at all), but a document stored
    by a version that stored the raw bytes in a transaction of their own may wait ``received``
    for an answer that never went out. Nobody waits for it any more: the
    buyer's system resends the request. The workers' housekeeping calls this for such documents.
    """
    with writing(engine), session(engine) as s:
        doc = s.get(Document, doc_id)
        if doc is None or doc.state != State.RECEIVED.value:
            return
        doc.error = UNANSWERED
        move(s, doc, State.REJECTED, actor=actor, reason=UNANSWERED)
        s.commit()


def handle(engine: Engine, erp: ErpPort, raw: bytes, *, base_url: str, max_bytes: int,
           actor: str = "http:cxml", settings: Settings | None = None, client: str | None = None) -> Answer:
    """Answer one cXML request (see the module doc for the status codes and the one transaction).

    ``settings`` (the application's) rule a synchronous buyer's order processed within the request,
    and the limits on guessing, counted against ``client`` (the client's address); without
    ``settings`` nothing is counted (a request handed in by the gateway itself).
    """
    if len(raw) > max_bytes:
        return _refuse(engine, raw[:max_bytes + 1], 400, f"the request is larger than {max_bytes} bytes "
                       "(B2BGW_CXML_MAX_BYTES); the first bytes are kept", actor=actor)
    seen = Seen()
    attempt: Attempt | None = None
    try:
        root, head = read_request(raw, max_bytes, seen)
        attempt = attempt_of(engine, head, client, settings)
        if attempt is not None and settings is not None:
            check_lockout(engine, attempt, settings)
        with writing(engine), session(engine) as s:  # one transaction: the raw request, who, what it does
            (code, text, body, _), doc, buyer = answer_in(s, erp, raw, root, head, seen, base_url=base_url,
                                                          max_bytes=max_bytes, actor=actor)
            holder = claim(s, doc, buyer.partner, actor=actor)  # a synchronous buyer's order: ours to process
            s.commit()
            doc_id = doc.id
        count_received(seen)
        if attempt is not None and settings is not None:
            record_success(engine, attempt, settings)
        if holder is not None and doc_id is not None:  # placed now, as a worker would (punchout.synchronous)
            code, text = finish(engine, erp, doc_id, holder, accepted=(code, text), settings=settings)
        return respond(code, text, body, doc_id)
    except Exception as exc:  # the boundary: keep the request, answer its refusal, never a stack trace
        answer = refuse(engine, raw, exc, seen, actor=actor)
        if isinstance(exc, AuthRefusal) and exc.reason != LOCKED and attempt is not None and settings is not None:
            record_failure(engine, attempt, settings, reason=exc.reason)  # its own transaction, after ours
        return answer


def attempt_of(engine: Engine, head: Envelope, client: str | None, settings: Settings | None) -> Attempt | None:
    """What the limits on guessing count this request as; None when they do not apply (no ``settings``).

    The credential is the buyer the From credentials name (one read, no secret checked), so
    varying the other From credentials or the Sender does not make a new counter; a From that
    names no buyer counts against the client address only (``cxml:unknown``, anyone may send it).
    """
    if settings is None:
        return None
    with session(engine) as s:
        config = identify(s, head)
    if config is None:
        return Attempt(channel="cxml", credential="cxml:unknown", client=client or "unknown", lock_credential=False)
    return Attempt(channel="cxml", credential=f"cxml:{config.partner_id}", client=client or "unknown")


def check_lockout(engine: Engine, attempt: Attempt, settings: Settings) -> None:
    """:class:`AuthRefusal` (the answer a wrong secret gets) when the credential or the client is locked out.

    The secret is not checked, so the lockout costs the attacker's requests no PBKDF2 of ours and
    tells nothing; the refusal is counted (``reason="locked"``), nothing else is written for it
    but the refused request itself.
    """
    left = locked_for(engine, attempt, settings)
    if left is None:
        return
    record_failure(engine, attempt, settings, reason=LOCKED)
    partner_id = attempt.credential.removeprefix("cxml:") if attempt.lock_credential else None
    raise AuthRefusal(f"locked out for {left:.0f} s more after repeated failures ({attempt.credential} from "
                      f"{attempt.client}); the secret was not checked", verdict=NOT_CHECKED, reason=LOCKED,
                      partner_id=partner_id)


@dataclass
class Seen:
    """What is known of a request so far: its type once read, its buyer once authenticated, its secret's verdict."""

    doc_type: str | None = None
    partner_id: str | None = None
    verdict: str | None = None


def read_request(raw: bytes, max_bytes: int, seen: Seen) -> tuple[etree._Element, Envelope]:
    """The request's root element and Header (FormatError when it is not readable cXML)."""
    root = reading("cXML request", lambda: envelope.cxml_root(parse_xml(raw, max_bytes=max_bytes,
                                                                         what="cXML request")))
    head = reading("cXML envelope", lambda: envelope.parse(root))
    seen.doc_type = column_text(head.document_type, DOC_TYPE_LENGTH)
    return root, head


_T = TypeVar("_T")


def reading(what: str, read: Callable[[], _T]) -> _T:
    """``read()``, a reader's own failure on odd input turned into the refusal it should have raised.

    The readers raise :class:`~formats.errors.FormatError` for what they cannot understand; any
    other exception is a reader's bug that this input found. The buyer still gets its answer,
    400 (whatever it sent, ``/cxml`` answers below 500), and the operator the traceback in the log.
    """
    try:
        return read()
    except FormatError:
        raise
    except Exception as exc:
        log.error("cXML: reading the %s failed on this input (a reader's bug; the request is refused 400)", what,
                  exc_info=exc)
        raise MappingError(f"the {what} could not be read ({type(exc).__name__}: {exc})"[:500]) from exc


def answer_in(s: Session, erp: ErpPort, raw: bytes, root: etree._Element, head: Envelope, seen: Seen, *,
              base_url: str, max_bytes: int, actor: str) -> tuple[Handled, Document, Buyer]:
    """Store, authenticate and dispatch one read request in the open transaction ``s`` (not committed).

    Raises what the request is refused for (:func:`refuse` turns it into the answer); the caller
    commits, alone (:func:`handle`) or with other requests (:mod:`gateway.punchout.batching`).
    """
    buyer = authenticate(s, head)  # first: what is stored of the secret says whether it matched
    seen.verdict = MATCHED
    doc = create_document(s, raw=redact_secrets(raw, verdict=MATCHED), direction="in",
                          doc_type=seen.doc_type or "cXML", state=State.RECEIVED, actor=actor,
                          reason=f"received {len(raw)} bytes", standard="cxml")
    seen.partner_id = doc.partner_id = buyer.id
    handler = HANDLERS.get(head.document_type)
    if head.kind != "Request" or handler is None:
        raise CxmlRefusal(406, f"{head.kind} {head.document_type} is not taken here; "
                               f"this endpoint takes {', '.join(SUPPORTED)}")
    reader = CXML_DOCUMENTS.get(head.document_type)
    document = reading(head.document_type, lambda: reader(root)) if reader is not None else None
    move(s, doc, State.TRANSLATING, actor=actor, reason=f"{head.document_type} from {buyer.id}")
    handled = handler(Context(s, doc, buyer, head, erp, base_url, max_bytes), document)
    code, text, _, final = handled
    move(s, doc, final, actor=actor, reason=f"{code} {text}")
    return handled, doc, buyer


def count_received(seen: Seen) -> None:
    """Count a kept request of a known buyer in ``/metrics`` (after its commit, so a retried batch counts once)."""
    if seen.partner_id:
        DOCUMENTS_RECEIVED.labels(seen.partner_id, "cxml").inc()


def refusal_of(exc: Exception) -> tuple[int, str, list[dict[str, object]]]:
    """(status code, text, problems) of a request refused or failed with ``exc``."""
    if isinstance(exc, CxmlRefusal):
        return exc.code, exc.text, []
    if isinstance(exc, FormatError):
        return 400, str(exc), [problem_record(p) for p in exc.problems]
    if isinstance(exc, ErpError):
        return 500, f"the ERP could not be asked: {exc}", []
    log.error("cXML request: unexpected error", exc_info=exc)
    return 500, f"the request could not be processed ({type(exc).__name__})", []


def refuse(engine: Engine, raw: bytes, exc: Exception, seen: Seen, *, actor: str) -> Answer:
    """Keep a request that ``exc`` refused (or failed), its secrets redacted, and answer the refusal."""
    code, text, problems = refusal_of(exc)
    count_received(seen)
    if isinstance(exc, AuthRefusal):
        return _refuse(engine, raw, code, text, problems, partner_id=seen.partner_id, doc_type=seen.doc_type,
                       actor=actor, verdict=exc.verdict, detail=exc.detail)
    return _refuse(engine, raw, code, text, problems, partner_id=seen.partner_id, doc_type=seen.doc_type,
                   actor=actor, verdict=seen.verdict)


__all__ = ["HANDLERS", "SUPPORTED", "UNANSWERED", "Answer", "Seen", "answer_in", "attempt_of", "check_lockout",
           "count_received", "handle", "read_request", "refuse", "reject_unanswered", "respond"]
