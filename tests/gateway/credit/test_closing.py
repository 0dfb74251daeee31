"""Order closing: ordered / shipped / invoiced / cancelled per line from ERP events; closed when nothing is open."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from erp.builtin.catalog import invoice_order, ship_order
from gateway.closing.tables import OrderTrack
from gateway.closing.tracking import lines_of
from gateway.services import Services
from gateway.store.db import session
from tests.gateway.flow import docs, drain, post

from .helpers import credit_orders, ledger, set_limit


def progress(services: Services, erp_order_id: str) -> tuple[str, list[tuple[str, Decimal, Decimal, Decimal, Decimal]]]:
    """The order's status and (line, ordered, shipped, invoiced, cancelled) per line."""
    with session(services.engine) as s:
        track = s.get(OrderTrack, erp_order_id)
        assert track is not None
        return track.status, [(line.line_number, line.ordered, line.shipped, line.invoiced, line.cancelled)
                              for line in lines_of(s, erp_order_id)]


def placed(client: TestClient, services: Services, fixture: str) -> str:
    set_limit(services, "ACME", "10000000")
    assert post(client, fixture).status_code == 202
    drain(services)
    [order] = docs(services, doc_type="850")
    assert order.erp_order_id
    return order.erp_order_id


def test_an_order_closes_once_every_line_is_invoiced(client: TestClient, services: Services) -> None:
    erp_order = placed(client, services, "850-4010-basic.x12")
    d = Decimal
    assert progress(services, erp_order) == ("open", [("1", d(10), d(0), d(0), d(0)), ("2", d(24), d(0), d(0), d(0)),
                                                      ("3", d(2), d(0), d(0), d(0))])
    ship_order(services.engine, erp_order, packages=[{"1": d(10), "2": d(12)}, {"2": d(12), "3": d(2)}])
    drain(services)
    assert progress(services, erp_order) == ("open", [("1", d(10), d(10), d(0), d(0)), ("2", d(24), d(24), d(0), d(0)),
                                                      ("3", d(2), d(2), d(0), d(0))])  # shipped is not done
    invoice_order(services.engine, erp_order)
    drain(services)
    status, lines = progress(services, erp_order)
    assert status == "closed" and all(invoiced == ordered for _, ordered, _, invoiced, _ in lines)
    with session(services.engine) as s:
        track = s.get(OrderTrack, erp_order)
        assert track is not None and track.closed_at is not None
        assert track.closed_reason is not None and track.closed_reason.startswith("fully invoiced (last: INV-")
    drain(services)  # reading the event stream again counts nothing twice
    assert progress(services, erp_order)[1] == lines


def test_lines_the_erp_rejected_are_cancelled_and_their_credit_released_at_closing(client: TestClient,
                                                                                   services: Services) -> None:
    erp_order = placed(client, services, "850-4010-unknown-item.x12")  # NOSUCH-9999 x 3 at 10, DEMO-1004 x 4 at 12.50
    d = Decimal
    assert progress(services, erp_order) == ("open", [("1", d(3), d(0), d(0), d(3)), ("2", d(4), d(0), d(0), d(0))])
    ship_order(services.engine, erp_order)
    invoice_order(services.engine, erp_order)
    drain(services)
    assert progress(services, erp_order)[0] == "closed"
    assert [(kind, amount) for kind, amount, _ in ledger(services, "ACME")] == [
        ("reserve", d("80.00")), ("convert", d("50.00")), ("release", d("30.00"))]
    [row] = credit_orders(services, "ACME")
    assert (row.status, row.open_amount) == ("settled", 0)


def test_a_backordered_line_keeps_the_order_open_after_invoicing(client: TestClient, services: Services) -> None:
    erp_order = placed(client, services, "850-4010-over-stock.x12")  # 100000 ordered, far more than in stock
    ship_order(services.engine, erp_order)
    invoice_order(services.engine, erp_order)
    drain(services)
    status, [(_, ordered, shipped, invoiced, cancelled)] = progress(services, erp_order)
    assert status == "open" and ordered == 100000 and 0 < shipped == invoiced < ordered and cancelled == 0
    [row] = credit_orders(services, "ACME")
    assert row.status == "reserved" and row.open_amount == Decimal(1250000) - invoiced * Decimal("12.5")


def test_an_order_cancelled_in_the_erp_closes(client: TestClient, services: Services) -> None:
    erp_order = placed(client, services, "850-4010-basic.x12")
    services.erp.cancel_order(erp_order, reason="buyer called")
    drain(services)
    status, lines = progress(services, erp_order)
    assert status == "closed" and [cancelled for *_, cancelled in lines] == [10, 24, 2]


def test_a_buyers_change_moves_the_lines_and_the_reservation(client: TestClient, services: Services) -> None:
    erp_order = placed(client, services, "850-4010-basic.x12")
    assert post(client, "860-4010-change.x12").status_code == 202  # price of 1 changed, 2 to 36, 3 dropped, 4 added
    drain(services)
    d = Decimal
    status, lines = progress(services, erp_order)
    assert status == "open" and [(n, ordered) for n, ordered, *_ in lines] == [("1", d(10)), ("2", d(36)),
                                                                               ("3", d(0)), ("4", d(5))]
    changed = d("117.50") + d("171.00") + d("99.95")  # 10 x 11.75 + 36 x 4.75 + 5 x 19.99
    assert [(kind, amount) for kind, amount, _ in ledger(services, "ACME")] == [
        ("reserve", d("438.98")), ("release", d("438.98") - changed)]
    [row] = credit_orders(services, "ACME")
    assert (row.amount, row.open_amount) == (changed, changed)
    drain(services)  # nothing moves twice
    assert len(ledger(services, "ACME")) == 2
