"""An order refused after its positive syntax acknowledgment is always answered, and its credit released.

Each cause of issue 17 item 3 -- a unit in no table, a price finer than the ERP takes, the ERP's
own credit check -- through the real HTTP intake and a worker: the partner's rejecting document
is in the outbox (read back with our own readers), the document is ``rejected`` with the reason
and shows its answer in ``/admin``, and nothing stays reserved against the customer's credit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from erp.port import ErpPort, ErpRejected, ErpUnavailable, OrderToPush, PushAnswer
from formats import ubl
from formats.codes.units import UnitMap
from formats.cxml import confirmation
from formats.model import HeaderStatus, LineStatus, OrderResponse
from formats.x12 import poack855
from gateway.credit.control import CreditStatus, LedgerKind, exposure
from gateway.credit.control import Policy as CreditPolicy
from gateway.partners import ensure_partner
from gateway.pipeline.states import State
from gateway.pipeline.worker import Worker
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Document, Partner
from tests.conftest import corpus_path
from tests.formats.cxml.conftest import (
    DtdValidator,
    dtd_validate,  # noqa: F401  (the cXML DTD fixture, shared)
)
from tests.gateway.punchout.buyer_endpoint import BuyerEndpoint, demo_buyer_endpoint
from tests.gateway.punchout.cxml_requests import order as cxml_order

from .conftest import OPERATOR_TOKEN
from .credit.helpers import credit_orders, ledger
from .flow import FIXTURES, X12, docs, drain, post, sets_of
from .partner_auth import client_edi_headers


class RefusingErp:
    """The built-in ERP with a rule of a real ERP switched on: ``refuses`` names why it refuses an order, or None.

    What Tryton answers when its credit module stops a sale (``sale_credit_limit``) or a unit
    price has more decimals than its ``price_digits`` (4): a user error, which the Tryton adapter
    turns into ErpRejected. ``unavailable`` makes it unreachable instead.
    """

    def __init__(self, erp: ErpPort, refuses: Callable[[OrderToPush], str | None], *,
                 unavailable: bool = False) -> None:
        self.erp = erp
        self.refuses = refuses
        self.unavailable = unavailable

    def push_orders(self, orders: Sequence[OrderToPush]) -> list[PushAnswer]:
        if self.unavailable:
            raise ErpUnavailable("the ERP did not answer within 30 s")
        why = [self.refuses(o) for o in orders]
        ours = [o for o, no in zip(orders, why, strict=True) if no is None]
        placed = iter(self.erp.push_orders(ours) if ours else [])
        return [ErpRejected(no) if no is not None else next(placed) for no in why]

    def push_order(self, order: Any, *, customer_id: str, idempotency_key: str) -> Any:
        answer = self.push_orders([OrderToPush(order=order, customer_id=customer_id,
                                               idempotency_key=idempotency_key)])[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.erp, name)


def credit_check(*customers: str) -> Callable[[OrderToPush], str | None]:
    """The ERP's own credit check, stopping every sale of ``customers``."""
    return lambda o: (f"credit limit of party {o.customer_id} would be exceeded by sale {o.order.po_number}"
                      if o.customer_id in customers else None)


def price_digits(o: OrderToPush) -> str | None:
    """The ERP's price precision: 4 decimal places for a unit price (Tryton's default ``price_digits``)."""
    for line in o.order.lines:
        if line.unit_price is not None and -int(line.unit_price.amount.normalize().as_tuple().exponent) > 4:
            return (f"the unit price {line.unit_price.amount} of line {line.line_number} has more than 4 digits "
                    "after the decimal point")
    return None


def place(services: Services, rule: Callable[[OrderToPush], str | None] = price_digits) -> int:
    """Run a worker against the ERP with ``rule`` on."""
    return run_worker(services, RefusingErp(services.erp, rule))


def run_worker(services: Services, erp: object) -> int:
    return Worker(services.engine, erp, services.settings, worker_id="test-worker").drain()  # type: ignore[arg-type]


def configure(services: Services, partner_id: str, **settings: object) -> None:
    with session(services.engine) as s:
        partner = s.get(Partner, partner_id)
        assert partner is not None
        partner.settings = {**partner.settings, **settings}
        s.add(partner)
        s.commit()


def answer_of(services: Services, order: Document) -> Document:
    [answer] = [d for d in docs(services, parent_id=order.id) if d.direction == "out"]
    return answer


def nothing_reserved(services: Services, customer_id: str) -> None:
    """No credit row of the customer holds anything open, and the open orders add up to nothing."""
    assert all(row.open_amount == 0 for row in credit_orders(services, customer_id))
    position = exposure(services.engine, services.erp, customer_id, default_policy=CreditPolicy.FLAG)
    assert position.open_orders == 0 and position.open_order_count == 0


def x12_refusal(services: Services, order: Document) -> tuple[OrderResponse, bytes]:
    answer = answer_of(services, order)
    assert (answer.doc_type, answer.state, answer.erp_order_id) == ("855", State.OUTBOX.value, None)
    [ts] = sets_of(answer.raw)
    return poack855.parse(ts), answer.raw


@pytest.fixture
def petco(services: Services) -> str:
    """The trading partner of the corpus 850 ``node-x12/850_3.edi`` (ISA ``12*0000000000``), buying as ACME."""
    with session(services.engine) as s:
        ensure_partner(s, Partner(id="petco", name="Petco (corpus)", customer_id="ACME", x12_qualifier="12",
                                  x12_id="0000000000", our_x12_qualifier="12", our_x12_id="0000000000",
                                  x12_version="004010", settings={"price_policy": "accept"}))
        s.commit()
    return "petco"


def test_a_unit_outside_the_355_table_is_refused_with_an_855(client: TestClient, services: Services,
                                                             petco: str) -> None:
    raw = corpus_path("x12", "node-x12", "850_3.edi").read_bytes()
    answer = post(client, "", petco, raw=raw)
    assert answer.status_code == 202, answer.text
    assert "AK9*A*1*1*1" in answer.json()["acknowledgment"]  # the syntax was fine: a positive 997
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.REJECTED.value and order.erp_order_id is None
    assert "'KI'" in (order.error or "") and "line 1" in (order.error or "")
    response, raw_855 = x12_refusal(services, order)
    assert b"BAK*00*RD*----------*20160426" in raw_855
    assert response.status is HeaderStatus.REJECTED_WITH_DETAIL
    [line] = response.lines
    assert (line.status, line.quantity.value, line.quantity.unit) == (LineStatus.REJECTED, 1, "KI")
    assert "ACK*IR*1*KI" in raw_855.decode() and "not in the X12 355 unit table" in (line.reason or "")
    nothing_reserved(services, "ACME")


def test_the_partners_unit_override_lets_the_same_order_through_to_the_erp(client: TestClient, services: Services,
                                                                           petco: str) -> None:
    configure(services, petco, unit_overrides={"KI": "EA"})
    post(client, "", petco, raw=corpus_path("x12", "node-x12", "850_3.edi").read_bytes())
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.PROCESSED.value  # placed: the ERP rejects its unknown item in the 855, as always
    [ack] = docs(services, doc_type="855")
    assert ack.parent_id == order.id and ack.erp_order_id == order.erp_order_id
    [line] = poack855.parse(sets_of(ack.raw)[0], units=UnitMap.default_x12().with_overrides({"KI": "EA"})).lines
    assert line.quantity.unit == "EA" and "ACK*IR*1*KI" in ack.raw.decode()  # answered in the partner's own code


def finer_priced_850() -> bytes:
    return (X12 / "850-4010-basic.x12").read_bytes().replace(b"PO1*1*10*EA*12.5*", b"PO1*1*10*EA*12.123456*")


def test_a_price_finer_than_the_erp_takes_is_refused_and_its_credit_released(client: TestClient,
                                                                             services: Services) -> None:
    assert post(client, "", raw=finer_priced_850()).status_code == 202
    place(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.REJECTED.value and "12.123456" in (order.error or "")
    response, raw_855 = x12_refusal(services, order)
    assert b"BAK*00*RD*ACME-PO-1001" in raw_855
    assert [line.status for line in response.lines] == [LineStatus.REJECTED] * 3
    assert "more than 4 digits" in response.notes[0]
    [row] = credit_orders(services, "ACME")
    assert (row.status, row.open_amount) == (CreditStatus.REFUSED.value, 0)
    kinds = [kind for kind, _, _ in ledger(services, "ACME")]
    assert kinds == [LedgerKind.RESERVE.value, LedgerKind.RELEASE.value]
    nothing_reserved(services, "ACME")


def test_the_erps_own_credit_check_refusing_is_answered_and_released(client: TestClient, services: Services) -> None:
    assert post(client, "850-4010-basic.x12").status_code == 202
    run_worker(services, RefusingErp(services.erp, credit_check("ACME")))
    [order] = docs(services, doc_type="850")
    assert order.state == State.REJECTED.value and "credit limit of party ACME" in (order.error or "")
    response, raw_855 = x12_refusal(services, order)
    assert b"BAK*00*RD*" in raw_855 and raw_855.count(b"ACK*IR*") == 3
    assert {line.reason for line in response.lines} == {response.notes[0]}
    nothing_reserved(services, "ACME")
    [row] = credit_orders(services, "ACME")
    assert row.status == CreditStatus.REFUSED.value


def test_an_erp_that_does_not_answer_is_retried_not_refused(client: TestClient, services: Services) -> None:
    post(client, "850-4010-basic.x12")
    run_worker(services, RefusingErp(services.erp, price_digits, unavailable=True))
    [order] = docs(services, doc_type="850")
    assert order.state == State.RETRY.value
    assert docs(services, doc_type="855") == []


def test_a_partner_that_expects_no_855_still_has_its_order_rejected_and_credit_released(
        client: TestClient, services: Services) -> None:
    configure(services, "acme", expects=["856", "810"])
    post(client, "", raw=finer_priced_850())
    place(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.REJECTED.value and docs(services, doc_type="855") == []
    nothing_reserved(services, "ACME")


def test_a_replayed_refusal_placed_later_gets_its_acceptance(client: TestClient, services: Services) -> None:
    """A refusal is not an acknowledgment of a placed order: once the ERP takes it, the 855 accepting it follows."""
    post(client, "850-4010-basic.x12")
    run_worker(services, RefusingErp(services.erp, credit_check("ACME")))
    [order] = docs(services, doc_type="850")
    replay = client.post(f"/api/documents/{order.id}/replay", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
    assert replay.status_code in (200, 202), replay.text
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.state == State.PROCESSED.value
    answers = sorted(docs(services, doc_type="855"), key=lambda d: d.id or 0)
    assert poack855.parse(sets_of(answers[0].raw)[0]).status is HeaderStatus.REJECTED_WITH_DETAIL
    assert answers[-1].erp_order_id == order.erp_order_id and len(answers) == 2


def test_the_refusal_shows_in_admin(client: TestClient, services: Services) -> None:
    post(client, "", raw=finer_priced_850())
    place(services)
    [order] = docs(services, doc_type="850")
    signed_in = client.post("/admin/login", data={"token": OPERATOR_TOKEN, "next": "/admin/documents"},
                            follow_redirects=False)
    assert signed_in.status_code == 303
    page = client.get(f"/admin/documents/{order.id}").text
    answer = answer_of(services, order)
    assert "rejected" in page and "more than 4 digits" in page
    assert f'href="/admin/documents/{answer.id}"' in page


def test_a_ubl_order_the_erp_refuses_gets_a_rejecting_order_response(client: TestClient, services: Services,
                                                                     xsd_validate: Any) -> None:
    raw = (FIXTURES / "ubl" / "order-acme-demo.xml").read_bytes()
    assert client.post("/edi/initech", content=raw, headers=client_edi_headers(client, "initech")).status_code == 202
    run_worker(services, RefusingErp(services.erp, credit_check("INITECH")))
    [order] = docs(services, doc_type="Order")
    assert order.state == State.REJECTED.value and "credit limit of party INITECH" in (order.error or "")
    answer = answer_of(services, order)
    assert answer.doc_type == "OrderResponse"
    xsd_validate(answer.raw)
    response = ubl.parse(answer.raw)
    assert isinstance(response, OrderResponse) and response.po_number == order.po_number
    assert response.status in (HeaderStatus.REJECTED, HeaderStatus.REJECTED_WITH_DETAIL)
    assert b"<cbc:OrderResponseCode" in answer.raw and {line.status for line in response.lines} == {LineStatus.REJECTED}
    assert any("credit limit" in note for note in response.notes)
    nothing_reserved(services, "INITECH")


@pytest.fixture
def buyer(services: Services) -> Iterator[BuyerEndpoint]:
    """The demo cXML buyer (it buys as ACME), its procurement system on loopback as its order URL."""
    with demo_buyer_endpoint(services.engine, 200) as endpoint:
        yield endpoint


def test_a_cxml_order_the_erp_refuses_gets_a_reject_confirmation(client: TestClient, services: Services,
                                                                 buyer: BuyerEndpoint,
                                                                 request: pytest.FixtureRequest) -> None:
    cxml_dtd: DtdValidator = request.getfixturevalue("dtd_validate")
    answer = client.post("/cxml", content=cxml_order("PO-ERP-NO-1", [("DEMO-1001", "10", "1.05")]))
    assert answer.status_code == 200
    run_worker(services, RefusingErp(services.erp, credit_check("ACME")))
    [placed] = docs(services, doc_type="OrderRequest")
    assert placed.state == State.REJECTED.value and "credit limit" in (placed.error or "")
    [sent] = buyer.of_type("ConfirmationRequest")
    cxml_dtd(sent)
    assert b'type="reject"' in sent
    confirmed = confirmation.parse(sent)
    assert confirmed.po_number == "PO-ERP-NO-1" and confirmed.status is HeaderStatus.REJECTED
    assert any("credit limit" in note for note in confirmed.notes)
    nothing_reserved(services, "ACME")


def test_credit_reserved_for_other_orders_is_untouched(client: TestClient, services: Services) -> None:
    """Releasing a refused order's credit leaves the customer's placed orders reserved."""
    post(client, "850-4010-basic.x12")
    drain(services)
    second = finer_priced_850().replace(b"ACME-PO-1001", b"ACME-PO-1002").replace(b"000001001", b"000001002")
    post(client, "", raw=second)
    place(services)
    placed, refused = credit_orders(services, "ACME")
    assert placed.status == CreditStatus.RESERVED.value and placed.open_amount > Decimal(0)
    assert (refused.status, refused.open_amount) == (CreditStatus.REFUSED.value, 0)
