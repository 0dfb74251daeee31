"""8 threads, 500 orders of one customer against one limit: the committed total never exceeds it.

Two tests: 500 credit decisions by 8 threads at once (160 on SQLite, where the database write
lock serialises writers anyway), and the same race through the whole pipeline with 8 workers
(200 orders on PostgreSQL, 160 on SQLite).

The orders arrive as one X12 interchange of 500 purchase orders (each worth 10.00 USD) and are
processed by 8 worker threads at once. On PostgreSQL (CI's second run) every credit decision for
the customer waits on the customer's row lock; on SQLite on the database write lock. Either way
exactly ``limit // 10`` orders are reserved and placed, every other one is on credit hold and its
history says why, and the ERP holds exactly the accepted orders.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

from sqlmodel import col, func, select

from erp.builtin.tables import ErpOrderRow
from formats.model import ItemId, ItemIdKind, Money, Order, OrderLine, Quantity
from gateway.credit.actions import set_policy
from gateway.credit.control import CreditStatus, Decision, Policy, check_order
from gateway.credit.tables import CreditOrder
from gateway.intake.files import receive_file
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, DocumentEvent
from tests.databases import postgres_base_url

from .helpers import set_limit

THREADS = 8
if postgres_base_url():  # the test the issue asks for: 500 orders, 8 threads
    ORDERS, LIMIT = 500, Decimal("2345.00")  # room for 234 orders of 10.00, not 235
else:  # SQLite serialises every writer anyway: a smaller run keeps the default suite quick
    ORDERS, LIMIT = 160, Decimal("1005.00")
PIPELINE_ORDERS = min(ORDERS, 200)
"""Through the whole pipeline (translate, credit, ERP, 855, outbox) 500 orders take about a minute
on this 2-core machine; 200 exercise the same race at the same limit boundary in CI's time."""
PIPELINE_LIMIT = LIMIT if LIMIT // 10 < PIPELINE_ORDERS else Decimal("1005.00")


def interchange(count: int) -> bytes:
    """One ACME interchange with ``count`` 850s, PO numbers CONC-0001 ..., one line of 10.00 each."""
    sets = []
    for n in range(1, count + 1):
        sets.append(f"ST*850*{n:04d}~BEG*00*SA*CONC-{n:04d}**20261118~N1*ST*ACME RETAIL DC 4*92*DC4~"
                    f"PO1*1*1*EA*10*PE*VP*DEMO-1001~CTT*1~SE*6*{n:04d}~")
    return ("ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*B2BGWSELLER    *261120*0930*U*00401*000009001*0*P*>~"
            f"GS*PO*ACMEBUYER*B2BGWSELLER*20261120*0930*9001*X*004010~{''.join(sets)}GE*{count}*9001~"
            "IEA*1*000009001~").encode()


def test_eight_workers_never_commit_more_than_the_limit(services: Services) -> None:
    set_limit(services, "ACME", str(PIPELINE_LIMIT))
    set_policy(services.engine, "ACME", Policy.HOLD, actor="test")
    assert receive_file(services.engine, partner_id="acme", raw=interchange(PIPELINE_ORDERS)).http_status == 202

    workers = [Worker(services.engine, services.erp, services.settings, worker_id=f"w{i}") for i in range(THREADS)]
    started = time.perf_counter()
    threads = [threading.Thread(target=w.drain) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - started
    print(f"\n{PIPELINE_ORDERS} orders, {THREADS} workers, {services.engine.dialect.name}: {elapsed:.1f} s")

    accepted = int(PIPELINE_LIMIT // 10)
    with session(services.engine) as s:
        orders = s.exec(select(Document).where(Document.doc_type == "850")).all()
        assert len(orders) == PIPELINE_ORDERS
        states = {state: sum(1 for d in orders if d.state == state) for state in {d.state for d in orders}}
        assert states == {State.PROCESSED.value: accepted, State.CREDIT_HOLD.value: PIPELINE_ORDERS - accepted}

        credit = s.exec(select(CreditOrder).where(CreditOrder.customer_id == "ACME")).all()
        reserved = [c for c in credit if c.status == CreditStatus.RESERVED.value]
        assert sum((c.open_amount for c in reserved), Decimal(0)) == Decimal(accepted * 10) <= PIPELINE_LIMIT
        assert len(reserved) == accepted and not any(c.flagged for c in reserved)

        held_ids = [d.id for d in orders if d.state == State.CREDIT_HOLD.value]
        reasons = s.exec(select(DocumentEvent.reason).where(col(DocumentEvent.document_id).in_(held_ids),
                                                             DocumentEvent.to_state == State.CREDIT_HOLD.value)).all()
        assert len(reasons) == len(held_ids)
        assert all(r and "order total 10.00 USD exceeds the available credit" in r for r in reasons)

        assert s.exec(select(func.count()).select_from(ErpOrderRow)).one() == accepted
        assert len(s.exec(select(Document).where(Document.doc_type == "855")).all()) == accepted


def test_eight_threads_deciding_at_once_never_pass_the_limit(services: Services) -> None:
    """The same race without the pipeline around it: 500 decisions as fast as 8 threads can make them."""
    set_limit(services, "ACME", str(LIMIT))
    order = Order(po_number="X", currency="USD", lines=(OrderLine(
        line_number="1", items=(ItemId(kind=ItemIdKind.SELLER, value="DEMO-1001"),), quantity=Quantity(value=1),
        unit_price=Money(amount=Decimal(10), currency="USD")),))
    decisions: list[Decision] = []
    gate = threading.Barrier(THREADS)

    def decide(thread: int) -> None:
        gate.wait()
        for n in range(thread, ORDERS, THREADS):
            po = order.model_copy(update={"po_number": f"RACE-{n}"})
            decisions.append(check_order(services.engine, services.erp, customer_id="ACME", order=po,
                                         order_key=f"race:{n}:", document_id=None, actor=f"t{thread}",
                                         default_policy=Policy.BLOCK).decision)

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    accepted = int(LIMIT // 10)
    assert len(decisions) == ORDERS
    assert decisions.count(Decision.ACCEPT) == accepted and decisions.count(Decision.BLOCK) == ORDERS - accepted
    with session(services.engine) as s:
        reserved = s.exec(select(CreditOrder).where(CreditOrder.status == CreditStatus.RESERVED.value)).all()
        refused = s.exec(select(CreditOrder).where(CreditOrder.status == CreditStatus.REFUSED.value)).all()
    assert sum((c.open_amount for c in reserved), Decimal(0)) == Decimal(accepted * 10) <= LIMIT
    assert all(c.reason and c.reason.startswith("refused: order total 10.00 USD exceeds") for c in refused)
