"""The built-in ERP's event stream, buyers' order changes and shipments in cartons.

On SQLite and (when configured) PostgreSQL. Quantities are the demo catalog's
(``erp/builtin/demo_catalog.csv``): DEMO-1001 400 + 250, DEMO-1002 380 + 220, DEMO-1003 220 + 140,
DEMO-1028 150 + 100, DEMO-1049 none, DEMO-1050 5 + 3.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from erp.builtin import BuiltinErp, invoice_order, list_shipments, record_payment, ship_order
from erp.builtin.events import record_event
from erp.builtin.packing import gs1_check_digit, is_valid_sscc, pack, sscc
from erp.builtin.store import write_session
from erp.builtin.tables import ErpEventRow, ErpOrderLineRow, ErpReservation, ErpShipmentRow, ErpStock
from erp.port import ErpEvent, ErpEventKind, ErpOrderState, ErpRejected, PushedOrder
from formats.model import HeaderStatus, LineStatus, Money, ShipNotice

from .conftest import FIXED_NOW
from .test_builtin import available, line, on_hand, order, run_together, statuses

NOW = lambda: FIXED_NOW  # noqa: E731  (the catalog functions' clock)


def push(erp: BuiltinErp, po: str, *lines: tuple[str, str, str]) -> PushedOrder:
    """Push an ACME order of (line number, SKU, quantity) lines under the key ``po``."""
    return erp.push_order(order(po, *(line(n, sku, qty) for n, sku, qty in lines)), customer_id="ACME",
                          idempotency_key=po)


def change(erp: BuiltinErp, pushed: PushedOrder, po: str, *lines: tuple[str, str, str]) -> PushedOrder:
    return erp.change_order(pushed.erp_order_id, order(po, *(line(n, sku, qty) for n, sku, qty in lines)),
                            reason="buyer's 860")


def all_events(erp: BuiltinErp) -> list[ErpEvent]:
    return list(erp.events_after(None, limit=1000))


def shipped_lines(notice: ShipNotice) -> list[tuple[str, Decimal]]:
    """(line number, quantity) of everything a notice ships, cartons first, then loose items."""
    return [(i.line_number, i.quantity.value) for p in notice.packages for i in p.items] + [
        (i.line_number, i.quantity.value) for i in notice.items]


# -- SSCC ---------------------------------------------------------------------------------------


def test_sscc_matches_the_gs1_example_and_check_digits() -> None:
    assert sscc("0614141", 123456789, extension="1") == "106141411234567897"  # GS1 General Specifications
    assert sscc("0614141", 1) == "006141410000000012"
    assert gs1_check_digit("400638133393") == "1"  # EAN-13 4006381333931
    assert is_valid_sscc("106141411234567897") and not is_valid_sscc("106141411234567898")
    assert not is_valid_sscc("10614141123456789")


@pytest.mark.parametrize(("prefix", "serial", "extension"), [
    ("061414", -1, "0"), ("0614141", 10**9, "0"), ("06A4141", 1, "0"), ("061", 1, "0"), ("0614141", 1, "12"),
])
def test_sscc_refuses_what_does_not_fit(prefix: str, serial: int, extension: str) -> None:
    with pytest.raises(ValueError):
        sscc(prefix, serial, extension=extension)


# -- events -------------------------------------------------------------------------------------


def test_events_follow_an_orders_life_with_their_documents(erp: BuiltinErp, demo_engine: Engine) -> None:
    pushed = push(erp, "PO-LIFE", ("1", "DEMO-1001", "10"))
    assert all_events(erp) == []  # placing an order is answered synchronously, not an event
    change(erp, pushed, "PO-LIFE", ("1", "DEMO-1001", "12"))
    notice = ship_order(demo_engine, pushed.erp_order_id, clock=NOW, carrier="UPSN")
    invoice = invoice_order(demo_engine, pushed.erp_order_id, clock=NOW)
    first = record_payment(demo_engine, invoice.invoice_number, Money(amount=Decimal("5.00"), currency="USD"),
                           clock=NOW)
    second = record_payment(demo_engine, invoice.invoice_number, Money(amount=Decimal("10.48"), currency="USD"),
                            clock=NOW)
    other = push(erp, "PO-GONE", ("1", "DEMO-1002", "1"))
    erp.cancel_order(other.erp_order_id, reason="buyer cancelled")
    erp.cancel_order(other.erp_order_id, reason="again")  # already cancelled: no second event

    events = all_events(erp)
    assert [(e.event_id, e.kind, e.erp_order_id) for e in events] == [
        ("000000000001", ErpEventKind.ORDER_CHANGED, "SO-000001"),
        ("000000000002", ErpEventKind.SHIPPED, "SO-000001"),
        ("000000000003", ErpEventKind.INVOICED, "SO-000001"),
        ("000000000004", ErpEventKind.PAID, "SO-000001"),
        ("000000000005", ErpEventKind.PAID, "SO-000001"),
        ("000000000006", ErpEventKind.ORDER_CANCELLED, "SO-000002"),
    ]
    assert {e.customer_id for e in events} == {"ACME"} and {e.at for e in events} == {FIXED_NOW}
    assert events[1].ship_notice == notice and shipped_lines(notice) == [("1", Decimal(12))]
    assert events[2].invoice == invoice
    assert [events[3].payment, events[4].payment] == [first, second]
    assert all(e.ship_notice is e.invoice is e.payment is None for e in (events[0], events[5]))


def test_events_after_pages_by_cursor(erp: BuiltinErp) -> None:
    for n in range(5):
        erp.cancel_order(push(erp, f"PO-PAGE-{n}", ("1", "DEMO-1001", "1")).erp_order_id, reason="page")
    pages: list[list[str]] = []
    cursor: str | None = None
    while page := erp.events_after(cursor, limit=2):
        pages.append([e.event_id for e in page])
        cursor = page[-1].event_id
    assert pages == [["000000000001", "000000000002"], ["000000000003", "000000000004"], ["000000000005"]]
    assert [e.erp_order_id for e in erp.events_after("000000000003")] == ["SO-000004", "SO-000005"]
    assert len(erp.events_after(None)) == 5 and erp.events_after(None, limit=0) == []
    with pytest.raises(ErpRejected, match="not an event id"):
        erp.events_after("SO-000001")


def test_concurrent_writers_never_let_a_reader_skip_an_event(erp: BuiltinErp) -> None:
    """Ids become visible in order: a reader following its cursor sees every event, none twice."""
    writers = 8
    orders = [push(erp, f"PO-EV-{n}", ("1", "DEMO-1001", "1")).erp_order_id for n in range(writers)]

    def work(i: int) -> list[str]:
        if i < writers:
            erp.cancel_order(orders[i], reason="race")
            return []
        seen: list[str] = []
        deadline = time.monotonic() + 60
        while len(seen) < writers and time.monotonic() < deadline:
            seen += [e.event_id for e in erp.events_after(seen[-1] if seen else None, limit=3)]
            time.sleep(0.005)  # poll like a worker does; a tight loop only starves SQLite's writers
        return seen

    *_, seen = run_together(writers + 1, work)
    expected = [f"{n:012d}" for n in range(1, writers + 1)]
    assert seen == expected[: len(seen)]  # whatever the reader saw while writers ran: in order, no gap
    seen += [e.event_id for e in erp.events_after(seen[-1] if seen else None)]
    assert seen == expected  # and following the cursor afterwards finds the rest, none twice


def test_an_event_id_waits_until_the_event_before_it_has_committed(erp: BuiltinErp, demo_engine: Engine) -> None:
    """Why a reader never skips: the next id is handed out only once the previous writer has finished."""
    slow, fast = (push(erp, f"PO-ORDER-{n}", ("1", "DEMO-1001", "1")).erp_order_id for n in (1, 2))
    finished = threading.Event()
    failures: list[BaseException] = []

    def cancel_fast() -> None:
        try:
            erp.cancel_order(fast, reason="fast")
            finished.set()
        except BaseException as exc:  # re-raised below, in the test thread
            failures.append(exc)

    with write_session(demo_engine) as s:  # a slow transaction that has taken its event id
        record_event(s, ErpEventKind.ORDER_CANCELLED, order_id=slow, customer_id="ACME", at=FIXED_NOW, reason="slow")
        s.flush()
        thread = threading.Thread(target=cancel_fast)
        thread.start()
        assert not finished.wait(0.5)  # the fast writer waits for the slow one's id to be settled
        assert erp.events_after(None) == []
        s.commit()
    thread.join(timeout=30)
    if failures:
        raise failures[0]
    assert [(e.event_id, e.erp_order_id) for e in erp.events_after(None)] == [("000000000001", slow),
                                                                               ("000000000002", fast)]


# -- order changes ------------------------------------------------------------------------------


def test_change_raises_and_lowers_quantities_and_moves_the_reservation(erp: BuiltinErp) -> None:
    pushed = push(erp, "PO-CHG", ("1", "DEMO-1001", "10"))
    raised = change(erp, pushed, "PO-CHG", ("1", "DEMO-1001", "30"))
    assert not raised.created and raised.erp_order_id == pushed.erp_order_id
    assert raised.state == ErpOrderState.CONFIRMED and raised.response.status == HeaderStatus.ACCEPTED
    assert statuses(raised.response.lines) == [("1", LineStatus.ACCEPTED, Decimal(30))]
    assert raised.response.response_number == pushed.erp_order_id
    assert available(erp, "DEMO-1001") == Decimal(620)
    lowered = change(erp, pushed, "PO-CHG", ("1", "DEMO-1001", "5"))
    assert statuses(lowered.response.lines) == [("1", LineStatus.ACCEPTED, Decimal(5))]
    assert available(erp, "DEMO-1001") == Decimal(645) and on_hand(erp, "DEMO-1001") == Decimal(650)
    stored = erp.get_order(pushed.erp_order_id)
    assert stored is not None and stored.response == lowered.response
    assert stored.order.lines[0].quantity.value == Decimal(5)


def test_change_adds_and_removes_lines(erp: BuiltinErp, demo_engine: Engine) -> None:
    pushed = push(erp, "PO-LINES", ("1", "DEMO-1001", "10"), ("2", "DEMO-1002", "4"))
    assert available(erp, "DEMO-1002") == Decimal(596)
    changed = change(erp, pushed, "PO-LINES", ("1", "DEMO-1001", "10"), ("3", "DEMO-1003", "2"))
    assert statuses(changed.response.lines) == [("1", LineStatus.ACCEPTED, Decimal(10)),
                                                ("3", LineStatus.ACCEPTED, Decimal(2))]
    assert available(erp, "DEMO-1001") == Decimal(640)
    assert available(erp, "DEMO-1002") == Decimal(600) and available(erp, "DEMO-1003") == Decimal(358)
    with Session(demo_engine) as s:
        assert [(r.line_number, r.sku) for r in s.exec(select(ErpOrderLineRow).order_by(col(ErpOrderLineRow.position)))
                ] == [("1", "DEMO-1001"), ("3", "DEMO-1003")]
        assert {(r.position, r.sku, r.quantity) for r in s.exec(select(ErpReservation))} == {
            (1, "DEMO-1001", Decimal(10)), (2, "DEMO-1003", Decimal(2))}
    notice = ship_order(demo_engine, pushed.erp_order_id, clock=NOW)
    assert shipped_lines(notice) == [("1", Decimal(10)), ("3", Decimal(2))]


def test_change_beyond_stock_is_backordered_and_unknown_items_rejected(erp: BuiltinErp) -> None:
    pushed = push(erp, "PO-SCARCE", ("1", "DEMO-1050", "5"))
    changed = change(erp, pushed, "PO-SCARCE", ("1", "DEMO-1050", "20"), ("2", "NOSUCH-9999", "1"))
    assert statuses(changed.response.lines) == [("1", LineStatus.ACCEPTED, Decimal(8)),
                                                ("1", LineStatus.BACKORDERED, Decimal(12)),
                                                ("2", LineStatus.REJECTED, Decimal(1))]
    assert changed.response.status == HeaderStatus.ACCEPTED_WITH_CHANGES
    assert available(erp, "DEMO-1050") == 0


def test_change_to_only_rejected_lines_cancels_the_order(erp: BuiltinErp) -> None:
    pushed = push(erp, "PO-VOID", ("1", "DEMO-1001", "10"))
    changed = change(erp, pushed, "PO-VOID", ("1", "NOSUCH-9999", "1"))
    assert changed.state == ErpOrderState.CANCELLED
    assert changed.response.status == HeaderStatus.REJECTED_WITH_DETAIL
    assert available(erp, "DEMO-1001") == Decimal(650)
    assert [e.kind for e in all_events(erp)] == [ErpEventKind.ORDER_CHANGED]
    with pytest.raises(ErpRejected, match="cancelled"):
        change(erp, pushed, "PO-VOID", ("1", "DEMO-1001", "3"))


def test_same_change_twice_answers_the_same_and_reserves_once(erp: BuiltinErp) -> None:
    pushed = push(erp, "PO-TWICE", ("1", "DEMO-1001", "10"), ("2", "DEMO-1050", "20"))
    first = change(erp, pushed, "PO-TWICE", ("1", "DEMO-1001", "25"), ("2", "DEMO-1050", "2"))
    again = change(erp, pushed, "PO-TWICE", ("1", "DEMO-1001", "25"), ("2", "DEMO-1050", "2"))
    assert again == first
    assert available(erp, "DEMO-1001") == Decimal(625) and available(erp, "DEMO-1050") == Decimal(6)
    assert [e.kind for e in all_events(erp)] == [ErpEventKind.ORDER_CHANGED]


@pytest.mark.parametrize("stage", ["shipped", "invoiced", "cancelled"])
def test_change_is_refused_once_shipped_invoiced_or_cancelled(erp: BuiltinErp, demo_engine: Engine,
                                                              stage: str) -> None:
    pushed = push(erp, "PO-LATE", ("1", "DEMO-1001", "10"))
    if stage == "cancelled":
        erp.cancel_order(pushed.erp_order_id, reason="buyer cancelled")
    else:
        ship_order(demo_engine, pushed.erp_order_id, clock=NOW)
    if stage == "invoiced":
        invoice_order(demo_engine, pushed.erp_order_id, clock=NOW)
    events = all_events(erp)
    with pytest.raises(ErpRejected, match=f"is {stage}; it can no longer be changed"):
        change(erp, pushed, "PO-LATE", ("1", "DEMO-1001", "20"))
    assert all_events(erp) == events
    assert available(erp, "DEMO-1001") == Decimal(640 if stage != "cancelled" else 650)


def test_change_of_an_unknown_order_or_to_no_lines_is_refused(erp: BuiltinErp) -> None:
    with pytest.raises(ErpRejected, match="SO-424242"):
        erp.change_order("SO-424242", order("PO-NONE", line("1", "DEMO-1001", "1")), reason="r")
    pushed = push(erp, "PO-EMPTY", ("1", "DEMO-1001", "10"))
    with pytest.raises(ErpRejected, match="no lines"):
        erp.change_order(pushed.erp_order_id, order("PO-EMPTY"), reason="r")
    assert available(erp, "DEMO-1001") == Decimal(640)


# -- shipping in cartons ------------------------------------------------------------------------


def test_two_cartons_make_two_packages_with_their_own_ssccs(erp: BuiltinErp, demo_engine: Engine) -> None:
    pushed = push(erp, "PO-BOX", ("1", "DEMO-1001", "10"), ("2", "DEMO-1028", "4"), ("3", "DEMO-1049", "2"))
    notice = ship_order(demo_engine, pushed.erp_order_id, clock=NOW,
                        packages=[{"1": Decimal(6)}, {"1": Decimal(4), "2": Decimal(4)}])
    assert notice.shipment_id == "SH-000001" and notice.items == ()
    assert [p.kind for p in notice.packages] == ["carton", "carton"]
    assert [[(i.line_number, i.quantity.value) for i in p.items] for p in notice.packages] == [
        [("1", Decimal(6))], [("1", Decimal(4)), ("2", Decimal(4))]]
    codes = [p.sscc or "" for p in notice.packages]
    assert codes == ["006141410000000012", "006141410000000029"] and all(map(is_valid_sscc, codes))
    assert list_shipments(demo_engine, pushed.erp_order_id) == [notice]
    assert on_hand(erp, "DEMO-1001") == Decimal(640) and on_hand(erp, "DEMO-1028") == Decimal(246)

    later = push(erp, "PO-BOX-2", ("1", "DEMO-1002", "3"))
    next_notice = ship_order(demo_engine, later.erp_order_id, gs1_company_prefix="0098765")
    assert next_notice.shipment_id == "SH-000002"
    assert [p.sscc for p in next_notice.packages] == [sscc("0098765", 3)]  # serials never repeat
    assert list_shipments(demo_engine) == [notice, next_notice]


def test_what_the_cartons_leave_out_ships_loose(erp: BuiltinErp, demo_engine: Engine) -> None:
    pushed = push(erp, "PO-LOOSE", ("1", "DEMO-1001", "10"), ("2", "DEMO-1028", "4"))
    notice = ship_order(demo_engine, pushed.erp_order_id, packages=[{"1": Decimal(6)}])
    assert [[(i.line_number, i.quantity.value) for i in p.items] for p in notice.packages] == [[("1", Decimal(6))]]
    assert [(i.line_number, i.quantity.value) for i in notice.items] == [("1", Decimal(4)), ("2", Decimal(4))]
    assert on_hand(erp, "DEMO-1001") == Decimal(640)  # all that was accepted shipped, packed or not


@pytest.mark.parametrize(("cartons", "message"), [
    ([{"9": Decimal(1)}], "no line '9'"),
    ([{"1": Decimal(11)}], "hold 11 of line 1, but only 10"),
    ([{"1": Decimal(6)}, {"1": Decimal(5)}], "hold 11 of line 1, but only 10"),
    ([{"3": Decimal(1)}], "hold 1 of line 3, but only 0"),  # DEMO-1049: backordered, nothing to ship
    ([{"1": Decimal(0)}], "not positive"),
    ([{"1": 1.5}], "not a decimal"),
    ([{"1": Decimal(1)}, {}], "carton 2 is empty"),
    ([], "no cartons"),
])
def test_bad_cartons_are_refused_and_nothing_is_written(erp: BuiltinErp, demo_engine: Engine,
                                                        cartons: list[dict[str, Decimal]], message: str) -> None:
    pushed = push(erp, "PO-BAD", ("1", "DEMO-1001", "10"), ("2", "DEMO-1028", "4"), ("3", "DEMO-1049", "2"))
    with pytest.raises(ErpRejected, match=message):
        ship_order(demo_engine, pushed.erp_order_id, packages=cartons)
    assert_nothing_shipped(erp, demo_engine, pushed)


def test_a_bad_company_prefix_is_refused_and_nothing_is_written(erp: BuiltinErp, demo_engine: Engine) -> None:
    pushed = push(erp, "PO-GCP", ("1", "DEMO-1001", "10"), ("2", "DEMO-1028", "4"))
    with pytest.raises(ErpRejected, match="company prefix"):
        ship_order(demo_engine, pushed.erp_order_id, gs1_company_prefix="12AB")
    assert_nothing_shipped(erp, demo_engine, pushed)


def assert_nothing_shipped(erp: BuiltinErp, engine: Engine, pushed: PushedOrder) -> None:
    """The order is as placed, its stock still reserved, and no shipment, event or number was used up."""
    stored = erp.get_order(pushed.erp_order_id)
    assert stored is not None and stored.state == ErpOrderState.CONFIRMED
    assert on_hand(erp, "DEMO-1001") == Decimal(650) and available(erp, "DEMO-1001") == Decimal(640)
    with Session(engine) as s:
        assert s.exec(select(ErpShipmentRow)).all() == [] and s.exec(select(ErpEventRow)).all() == []
    notice = ship_order(engine, pushed.erp_order_id)
    assert notice.shipment_id == "SH-000001" and [p.sscc for p in notice.packages] == ["006141410000000012"]
    assert [e.event_id for e in erp.events_after(None)] == ["000000000001"]


def test_pack_fills_lines_sharing_a_number_in_order() -> None:
    from erp.builtin.packing import Shippable

    lines = [Shippable(1, "1", Decimal(3)), Shippable(2, "1", Decimal(5)), Shippable(3, "2", Decimal(0))]
    assert pack(lines, [{"1": Decimal(4)}, {"1": Decimal(2)}]) == ([{1: Decimal(3), 2: Decimal(1)}, {2: Decimal(2)}],
                                                                   {2: Decimal(2)})
    assert pack(lines, None) == ([{1: Decimal(3), 2: Decimal(5)}], {})


# -- concurrency --------------------------------------------------------------------------------


def test_change_and_ship_at_once_never_ship_a_changed_order_or_go_negative(erp: BuiltinErp,
                                                                          demo_engine: Engine) -> None:
    """Both lock the order first: either the change lands and is what ships, or the change is refused."""
    for round_no in range(4):
        pushed = push(erp, f"PO-RACE-{round_no}", ("1", "DEMO-1050", "2"), ("2", "DEMO-1001", "5"))
        before = on_hand(erp, "DEMO-1001")

        def work(i: int, pushed: PushedOrder = pushed, round_no: int = round_no) -> object:
            try:
                if i == 0:
                    return change(erp, pushed, f"PO-RACE-{round_no}", ("2", "DEMO-1001", "7"))
                return ship_order(demo_engine, pushed.erp_order_id)
            except ErpRejected as exc:
                return exc

        changed, shipped = run_together(2, work)
        assert isinstance(shipped, ShipNotice)
        if isinstance(changed, ErpRejected):  # shipped first
            assert "shipped" in str(changed)
            assert shipped_lines(shipped) == [("1", Decimal(2)), ("2", Decimal(5))]
        else:  # changed first: the changed order is what shipped
            assert shipped_lines(shipped) == [("2", Decimal(7))]
        assert before - on_hand(erp, "DEMO-1001") == dict(shipped_lines(shipped))["2"]
        stored = erp.get_order(pushed.erp_order_id)
        assert stored is not None and stored.state == ErpOrderState.SHIPPED
        assert_stock_consistent(demo_engine)


def test_concurrent_changes_of_one_order_leave_exactly_the_last_reservation(erp: BuiltinErp,
                                                                           demo_engine: Engine) -> None:
    pushed = push(erp, "PO-MANY", ("1", "DEMO-1050", "1"), ("2", "DEMO-1002", "1"))
    results = run_together(6, lambda i: change(erp, pushed, "PO-MANY", ("1", "DEMO-1050", str(i + 3)),
                                               ("2", "DEMO-1002", str(10 * (i + 1)))))
    assert all(r.erp_order_id == pushed.erp_order_id for r in results)
    final = erp.get_order(pushed.erp_order_id)
    assert final is not None and final.response in [r.response for r in results]
    wanted = {li.line_number: li.quantity.value for li in final.order.lines}
    assert available(erp, "DEMO-1050") == Decimal(8) - min(wanted["1"], Decimal(8))
    assert available(erp, "DEMO-1002") == Decimal(600) - wanted["2"]
    assert len(all_events(erp)) == 6
    assert_stock_consistent(demo_engine)


def assert_stock_consistent(engine: Engine) -> None:
    """No stock row below zero or over-reserved, and reservations add up to what is reserved."""
    with Session(engine) as s:
        stock = s.exec(select(ErpStock)).all()
        assert all(Decimal(0) <= row.reserved <= row.on_hand for row in stock)
        reserved: dict[tuple[str, str], Decimal] = {}
        for r in s.exec(select(ErpReservation)).all():
            reserved[(r.sku, r.warehouse)] = reserved.get((r.sku, r.warehouse), Decimal(0)) + r.quantity
        assert {(row.sku, row.warehouse): row.reserved for row in stock if row.reserved} == reserved
