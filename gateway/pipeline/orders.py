"""Processing inbound purchase orders: translate, place each in the ERP once, acknowledge it.

The steps are arranged so that a crash between any two of them, followed by taking the document
up again, gives the same end state with no second ERP order and no second 855:

1. translate the stored set (pure, repeatable);
2. claim the order's idempotency key ``partner:PO:revision`` in ``gw_order_link`` (a unique
   key): if another document already owns it, this one is a duplicate and stops there;
3. credit control (:mod:`gateway.credit.intake`): the order's credit is reserved, or the order
   is held for an operator, or refused with a rejecting acknowledgment (idempotent per key);
   then push to the ERP with that key (the port is idempotent on it: a second push returns the
   first order);
4. in one transaction: render the 855 with freshly allocated control numbers into the outbox
   (unless this document already has one), freeze our price of every line
   (:mod:`gateway.pricing.snapshot`), record the ERP order on the link and the document, and
   mark the document processed.

An order the business refuses after its positive syntax acknowledgment -- a purpose we do not
place, a unit nobody mapped, the ERP's refusal of the customer or of the order -- is answered
with the partner's rejecting document, its credit released and its document rejected, in one
transaction (:mod:`gateway.pipeline.refusals`); it never reaches the worker as an error. An ERP
that does not answer is no refusal: that order goes back to the worker to be retried.

A worker claims documents in batches (:func:`gateway.pipeline.queue.claim_due`) and runs the
orders of a batch through each step together: the keys of the whole batch in one transaction,
the credit decisions in one (the ERP's credit position read once per customer), the ERP pushes
in one call of the port (the built-in ERP places them in one transaction of its own), and the
last step for the whole batch in one.
A step's transaction that fails for any order is rolled back and its orders run that step one
at a time, so every error lands on its own document and the others go on; since each step is
idempotent per order, that rerun is safe. An order of one costs what it always did; a batch
saves the commits (each a WAL flush) and the per-transaction work of all but one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from erp.port import CreditPosition, ErpPort, ErpRejected, ErpUnavailable, OrderToPush, PushAnswer, PushedOrder
from erp.rows import insert_rows, row, update_rows
from formats.model import Order, OrderPurpose
from gateway.credit.control import Appraisal, appraise
from gateway.credit.intake import AtTheGate, gate
from gateway.credit.ledger import Placed, orders_placed
from gateway.oci.orders import with_cart_prices
from gateway.outbound import Emission, Outgoing, document_type, emit_all, reserve_envelopes
from gateway.partners import PricePolicy, price_rule, with_our_items
from gateway.pipeline.price_check import price_differences, price_refusal
from gateway.pipeline.price_check import summary as price_summary
from gateway.pipeline.price_holds import hold_for_prices, released_from_price_hold
from gateway.pipeline.queue import hold_claims
from gateway.pipeline.reading import DocumentRejected, Read, read_stored
from gateway.pipeline.refusals import Refusal, amount_refusal, refuse, unit_refusal
from gateway.pipeline.states import State
from gateway.pricing.service import PricingService, pricing_for
from gateway.pricing.snapshot import frozen_documents, price_lines, rounding_of
from gateway.pricing.tables import PriceSnapshotRow
from gateway.quotes.carts import customer_price, quoted_prices, with_quoted_prices
from gateway.store.db import session
from gateway.store.documents import RowMove, move, move_rows
from gateway.store.tables import Document, OrderLink, Partner

log = logging.getLogger(__name__)


GAVE_UP = frozenset({State.REJECTED.value, State.DEAD.value})


@dataclass(frozen=True)
class Outcome:
    """How processing a document ended, for logs and tests."""

    state: State
    reason: str
    erp_order_id: str | None = None


def idempotency_key(partner_id: str, order: Order) -> str:
    """The key under which an order exists at most once: partner, PO number, revision."""
    return f"{partner_id}:{order.po_number}:{order.revision or ''}"


Result = Outcome | Exception
"""How processing one order of a batch ended: an outcome, or the error to record on its document."""


@dataclass
class _Placing:
    """One order on its way through the steps of a batch."""

    doc_id: int
    partner: Partner
    read: Read
    order: Order
    key: str
    appraisal: Appraisal | None = None
    pushed: PushedOrder | None = None
    refusal: Refusal | None = None
    price_hold: str | None = None  # why the order waits for an operator (price_check)
    price_note: str | None = None  # a price difference let through, for the history


Step = Callable[[Session, list[_Placing]], list[Outcome | None]]
"""A step run in one transaction for orders of a batch: for each, how it ended there (None: it goes on)."""


def process_purchase_order(engine: Engine, erp: ErpPort, doc_id: int, *, actor: str) -> Outcome:
    """Run one 850 document through steps 1-4 (module doc); raises ErpUnavailable to be retried."""
    result = process_purchase_orders(engine, erp, [doc_id], actor=actor)[doc_id]
    if isinstance(result, Exception):
        raise result
    return result


def process_purchase_orders(engine: Engine, erp: ErpPort, doc_ids: Sequence[int], *, actor: str) -> dict[int, Result]:
    """Run claimed purchase-order documents through steps 1-4 together (module doc); how each ended."""
    results: dict[int, Result] = {}
    placing = _translate(engine, doc_ids, results)
    placing = _in_one_transaction(engine, placing, results, lambda s, batch: _own_keys(s, batch, actor))
    placing = _refuse_refused(engine, placing, results, actor)
    placing = _hold_held(engine, placing, results, actor)
    placing = _refuse_refused(engine, _appraise(engine, erp, placing, results), results, actor)
    placing = _in_one_transaction(engine, sorted(placing, key=lambda p: (p.partner.customer_id, p.doc_id)), results,
                                  lambda s, batch: _credit(s, batch, actor))
    _push(erp, placing, results)
    _refuse_refused(engine, placing, results, actor)
    placed = sorted((p for p in placing if p.pushed is not None), key=lambda p: (p.partner.id, p.doc_id))
    _in_one_transaction(engine, placed, results, lambda s, batch: _finish(s, engine, batch, actor))
    for p in placed:
        if isinstance(outcome := results[p.doc_id], Outcome):
            log.info("document %s: %s", p.doc_id, outcome.reason,
                     extra={"document_id": p.doc_id, "partner": p.partner.id})
    return results


def _translate(engine: Engine, doc_ids: Sequence[int], results: dict[int, Result]) -> list[_Placing]:
    """Step 1 for every document: read it into a canonical order with our items and agreed prices."""
    placing = []
    with session(engine) as s:
        rows = {doc.id: (doc, partner) for doc, partner in s.exec(
            select(Document, Partner).join(Partner, col(Document.partner_id) == col(Partner.id))
            .where(col(Document.id).in_(list(doc_ids))))}
        pricing = pricing_for(engine)
        released = released_from_price_hold(s, list(rows))
        for doc_id in doc_ids:
            try:
                if doc_id not in rows:
                    raise DocumentRejected(f"document {doc_id} has no partner")
                doc, partner = rows[doc_id]
                read = read_stored(doc, partner)
                if not isinstance(read.document, Order):
                    raise DocumentRejected(f"{doc.standard} {doc.doc_type} is not a purchase order")
                order = _agreed_order(s, pricing, partner, read.document)
                one = _Placing(doc_id, partner, read, order, idempotency_key(partner.id, order),
                               refusal=_business_refusal(order))
                if one.refusal is None:
                    _judge_prices(one, pricing, released=doc_id in released)
                placing.append(one)
            except Exception as exc:
                results[doc_id] = exc
    return placing


def _agreed_order(s: Session, pricing: PricingService, partner: Partner, order: Order) -> Order:
    """The order as the ERP is to get it: our SKUs, and the prices of the OCI cart or sales quote it names."""
    order = with_our_items(partner, order)
    order = with_cart_prices(s, partner, order)  # lines quoting an OCI cart get its SKUs and prices
    return with_quoted_prices(s, partner.customer_id, order, pricing.today(),  # lines quoting a sales quote
                              lambda line: customer_price(pricing, partner.customer_id, line))


def _business_refusal(order: Order) -> Refusal | None:
    """The rules an agreed order must pass before credit and the ERP: our purpose, known units, bounded amounts."""
    if order.purpose not in (OrderPurpose.ORIGINAL, OrderPurpose.CONFIRMATION, OrderPurpose.DUPLICATE):
        return Refusal(f"an order with purpose {order.purpose.value} is not placed as a new order; send changes as "
                       "a change document (X12 860, UBL OrderChange / OrderCancellation)")
    return unit_refusal(order) or amount_refusal(order)


def _judge_prices(p: _Placing, pricing: PricingService, *, released: bool) -> None:
    """The partner's price tolerance applied to the order (:mod:`gateway.pipeline.price_check`)."""
    try:
        rule = price_rule(p.partner)
    except ValueError as exc:  # the partner's settings are wrong: the operator fixes them and replays
        raise DocumentRejected(str(exc)) from None
    differences = price_differences(pricing, p.partner.customer_id, p.order, rule)
    if not differences:
        return
    why = price_summary(differences, rule)
    if released:
        p.price_note = f"placed at the partner's prices, released from price hold: {why}"
    elif rule.policy is PricePolicy.REJECT:
        p.refusal = price_refusal(differences, rule)
    elif rule.policy is PricePolicy.HOLD:
        p.price_hold = why
    else:
        p.price_note = f"placed at the partner's prices (price_policy accept): {why}"
        log.warning("document %s: %s", p.doc_id, p.price_note, extra={"document_id": p.doc_id,
                                                                       "partner": p.partner.id})


def _set_aside(engine: Engine, batch: list[_Placing], results: dict[int, Result], aside: Callable[[_Placing], bool],
               end: Step) -> list[_Placing]:
    """End the orders of ``batch`` that ``aside`` picks with ``end``, in one transaction; the others go on."""
    picked = [p for p in batch if aside(p)]
    if picked:
        _in_one_transaction(engine, picked, results, end)
    return [p for p in batch if not aside(p)]


def _hold_held(engine: Engine, batch: list[_Placing], results: dict[int, Result], actor: str) -> list[_Placing]:
    """Put the orders priced outside their tolerance (policy ``hold``) in ``price_hold``; the others go on."""
    return _set_aside(engine, batch, results, lambda p: p.price_hold is not None, lambda s, mine: _hold(s, mine, actor))


def _hold(s: Session, batch: list[_Placing], actor: str) -> list[Outcome | None]:
    """Each order waits for an operator (:mod:`gateway.pipeline.price_holds`); nothing reserved, nothing answered."""
    ended: list[Outcome | None] = []
    for p in batch:
        assert p.price_hold is not None
        hold_for_prices(s, p.doc_id, p.order, p.price_hold, actor=actor)
        log.warning("document %s: price hold (%s)", p.doc_id, p.price_hold,
                    extra={"document_id": p.doc_id, "partner": p.partner.id})
        ended.append(Outcome(State.PRICE_HOLD, f"price hold: {p.price_hold}"))
    return ended


def _refuse_refused(engine: Engine, batch: list[_Placing], results: dict[int, Result], actor: str) -> list[_Placing]:
    """Answer the refused orders of ``batch`` (:func:`~gateway.pipeline.refusals.refuse`); the others go on."""
    return _set_aside(engine, batch, results, lambda p: p.refusal is not None, lambda s, mine: _refuse(s, mine, actor))


def _refuse(s: Session, batch: list[_Placing], actor: str) -> list[Outcome | None]:
    """Each refused order answered, its credit released, its document rejected, in the step's transaction."""
    ended: list[Outcome | None] = []
    for p in batch:
        assert p.refusal is not None
        refused = refuse(s, doc_id=p.doc_id, partner=p.partner, order=p.order, order_key=p.key, refusal=p.refusal,
                         actor=actor, delimiters=p.read.delimiters)
        log.warning("document %s: refused (%s)", p.doc_id, refused.reason,
                    extra={"document_id": p.doc_id, "partner": p.partner.id})
        ended.append(Outcome(State.REJECTED, f"refused: {refused.reason}"))
    return ended


def _in_one_transaction(engine: Engine, batch: list[_Placing], results: dict[int, Result], step: Step,
                        again: bool = True) -> list[_Placing]:
    """Run ``step`` for ``batch`` in one transaction; the orders that go on (a failure reruns each alone)."""
    if not batch:
        return []
    try:
        with session(engine) as s:
            ended = step(s, batch)
            s.commit()
    except Exception as exc:
        if len(batch) > 1:
            log.info("a step failed for a batch of %d orders (%s); each runs it alone", len(batch), exc)
            return [p for one in batch for p in _in_one_transaction(engine, [one], results, step)]
        if again and isinstance(exc, IntegrityError):  # a key taken meanwhile by another worker: read it now
            return _in_one_transaction(engine, batch, results, step, again=False)
        results[batch[0].doc_id] = exc
        return []
    going = []
    for p, outcome in zip(batch, ended, strict=True):
        if outcome is None:
            going.append(p)
        else:
            results[p.doc_id] = outcome
    return going


@dataclass(frozen=True)
class _Link:
    """Which document owns an order key, and the ERP order it placed (a ``gw_order_link`` row, not loaded)."""

    document_id: int
    erp_order_id: str | None


def _own_keys(s: Session, batch: list[_Placing], actor: str) -> list[Outcome | None]:
    """Step 2: own each order's key for its document, or find it a duplicate of the document that does.

    The links are read as columns and the new ones inserted as values with one statement
    (:mod:`erp.rows`); a concurrent insert of the same key fails there, and the step then
    reads it (:func:`_in_one_transaction`).
    """
    links = {key: _Link(document_id, erp_order_id) for key, document_id, erp_order_id in s.exec(
        select(OrderLink.idempotency_key, OrderLink.document_id, OrderLink.erp_order_id)
        .where(col(OrderLink.idempotency_key).in_([p.key for p in batch])))}
    new: list[dict[str, Any]] = []
    taken_over: list[dict[str, Any]] = []
    ended: list[Outcome | None] = []
    for p in batch:
        link = links.get(p.key)
        if link is None:
            link = links[p.key] = _Link(p.doc_id, None)
            new.append(row(OrderLink, idempotency_key=p.key, partner_id=p.partner.id, po_number=p.order.po_number,
                           document_id=p.doc_id))
        elif link.document_id != p.doc_id and link.erp_order_id is None:
            owner = s.get(Document, link.document_id)
            if owner is not None and owner.state in GAVE_UP:  # the earlier document never placed it: this one may
                link = links[p.key] = _Link(p.doc_id, None)
                taken_over.append({"idempotency_key": p.key, "document_id": p.doc_id})
        ended.append(None if link.document_id == p.doc_id else _duplicate(s, p, link, actor))
    insert_rows(s, OrderLink, new)
    update_rows(s, OrderLink, taken_over, by="idempotency_key")
    return ended


def _duplicate(s: Session, p: _Placing, link: _Link, actor: str) -> Outcome:
    doc = s.get(Document, p.doc_id)
    assert doc is not None
    doc.erp_order_id = link.erp_order_id
    doc.canonical = p.order.model_dump(mode="json")
    reason = f"PO {p.order.po_number} was already ordered by document {link.document_id}"
    move(s, doc, State.DUPLICATE, actor=actor, reason=reason)
    return Outcome(State.DUPLICATE, reason, link.erp_order_id)


def _appraise(engine: Engine, erp: ErpPort, batch: list[_Placing], results: dict[int, Result]) -> list[_Placing]:
    """Step 3's ERP side for every order: the credit position (read once per customer) and the order's value."""
    positions: dict[str, CreditPosition] = {}
    going = []
    for p in batch:
        customer = p.partner.customer_id
        try:
            p.appraisal = appraise(engine, erp, customer, p.order, positions.get(customer))
        except ErpRejected as exc:  # the ERP refuses the customer: answered like any refusal
            p.refusal = Refusal(f"the ERP refused the order: {exc}")
            going.append(p)
            continue
        except Exception as exc:
            results[p.doc_id] = exc
            continue
        positions[customer] = p.appraisal.position
        going.append(p)
    return going


def _credit(s: Session, batch: list[_Placing], actor: str) -> list[Outcome | None]:
    """Step 3's decisions for the batch; None for each order that goes to the ERP."""
    gated = []
    for p in batch:
        assert p.appraisal is not None  # appraised in the step before
        gated.append(AtTheGate(p.appraisal, p.doc_id, p.partner, p.order, p.key, p.read.delimiters))
    stopped = gate(s, gated, actor=actor)
    return [Outcome(one.state, one.reason) if one is not None else None for one in stopped]


def _push(erp: ErpPort, batch: list[_Placing], results: dict[int, Result]) -> None:
    """Step 3's push: the batch in one call of the port, each order with its own answer (ErpPort.push_orders).

    An ERP that does not answer the call sends every order of the batch to its retry. Anything
    else the call raises (not the ERP's answer but a fault of ours or the adapter's) is not
    blamed on the whole batch: each order is pushed alone and keeps its own error.
    """
    if not batch:
        return
    try:
        answers: list[PushAnswer | Exception] = list(erp.push_orders(
            [OrderToPush(order=p.order, customer_id=p.partner.customer_id, idempotency_key=p.key) for p in batch]))
    except ErpUnavailable as exc:
        answers = [exc] * len(batch)
    except Exception as exc:
        log.info("pushing a batch of %d orders failed (%s); each is pushed alone", len(batch), exc)
        answers = [_push_alone(erp, p) for p in batch]
    for p, answer in zip(batch, answers, strict=True):
        if isinstance(answer, PushedOrder):
            p.pushed = answer
        elif isinstance(answer, ErpRejected):  # the ERP's business refusal: answered, its credit released
            p.refusal = Refusal(f"the ERP refused the order: {answer}")
        else:  # an unreachable ERP (or a fault of ours): the worker retries it
            results[p.doc_id] = answer


def _push_alone(erp: ErpPort, p: _Placing) -> PushAnswer | Exception:
    try:
        return erp.push_order(p.order, customer_id=p.partner.customer_id, idempotency_key=p.key)
    except Exception as exc:
        return exc


def _finish(s: Session, engine: Engine, batch: list[_Placing], actor: str) -> list[Outcome | None]:
    """Step 4 for the batch; the acknowledgments last, so the partners' control numbers are locked briefly.

    What is read is read for the whole batch first (one query per table). The new rows (tracked
    orders and lines, price snapshots, history events, the 855s) are inserted as values with a
    statement per table for the batch, and the documents, order links and credit rows are
    updated by id or key without being loaded (:mod:`erp.rows`). The acknowledgments' control
    numbers are reserved per partner for the whole batch, one update per kind
    (:func:`~gateway.outbound.reserve_envelopes`), the partners in the same order in every worker
    so that no two lock the counters crosswise.
    """
    ids = [p.doc_id for p in batch]
    hold_claims(s, ids, actor)  # all still ours (processing), and locked until this step commits (one 855, ever)
    answered = set(s.exec(select(Document.parent_id, Document.doc_type).where(  # a refusal answered no placing
        col(Document.parent_id).in_(ids), col(Document.erp_order_id).is_not(None))))
    frozen = frozen_documents(s, ids)
    pricing = pricing_for(engine)
    outcomes: list[Outcome | None] = []
    snapshots: list[dict[str, Any]] = []
    moves: list[RowMove] = []
    with s.no_autoflush:  # each order's reads below concern only rows that are committed already
        orders_placed(s, [Placed(p.key, p.partner.customer_id, p.order, p.pushed) for p in batch if p.pushed],
                      actor=actor)
        for p in batch:
            pushed, order = p.pushed, p.order
            assert pushed is not None
            if p.doc_id not in frozen:  # frozen now; lines naming a sales quote at its price
                snapshots += price_lines(pricing, document_id=p.doc_id, customer_id=p.partner.customer_id,
                                         order=order, erp_order_id=pushed.erp_order_id,
                                         rounding=rounding_of(p.partner.settings), fixed=quoted_prices(order))
            reason = f"ERP order {pushed.erp_order_id} ({'created' if pushed.created else 'found'})"
            if p.price_note:
                reason = f"{reason}; {p.price_note}"
            moves.append(RowMove(p.doc_id, State.PROCESSING, State.PROCESSED, reason, {
                "erp_order_id": pushed.erp_order_id, "po_number": order.po_number,
                "canonical": order.model_dump(mode="json"), "error": None, "claimed_by": None, "claimed_at": None}))
            outcomes.append(Outcome(State.PROCESSED, reason, pushed.erp_order_id))
        insert_rows(s, PriceSnapshotRow, snapshots)
        update_rows(s, OrderLink, [{"idempotency_key": p.key, "erp_order_id": p.pushed.erp_order_id}
                                   for p in batch if p.pushed], by="idempotency_key")
        move_rows(s, moves, actor=actor)
    unanswered = [p for p in batch if p.pushed is not None and (
        p.doc_id, document_type(p.partner, Outgoing.ORDER_RESPONSE, p.pushed.response)) not in answered]
    for _, mine in groupby(unanswered, key=lambda p: p.partner.id):  # the batch is in partner order, as everyone's
        group = list(mine)
        reserve_envelopes(s, group[0].partner, Outgoing.ORDER_RESPONSE, [p.pushed.response for p in group if p.pushed])
    emit_all(s, [Emission(p.partner, Outgoing.ORDER_RESPONSE, p.pushed.response, p.doc_id,
                          f"acknowledges PO {p.order.po_number} ({p.pushed.response.status.value})",
                          po_number=p.order.po_number, erp_order_id=p.pushed.erp_order_id,
                          inbound_delimiters=p.read.delimiters) for p in unanswered if p.pushed], actor=actor)
    return outcomes
