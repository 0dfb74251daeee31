"""The quote lifecycle over HTTP with real tokens, the real pricing tables and the real pipeline and ERP."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import select

from gateway.credit.actions import set_policy
from gateway.credit.control import Policy
from gateway.pipeline.states import State
from gateway.quotes.tables import Quote, QuoteLine
from gateway.services import Services
from gateway.store.db import session
from tests.gateway.credit.helpers import credit_orders, set_limit
from tests.gateway.flow import AUTH, docs, drain

from .conftest import BIG, SMALL, Caller, list_price

CENT = Decimal("0.01")


def states(body: dict[str, object]) -> list[tuple[object, object, object]]:
    return [(e["from_state"], e["to_state"], e["actor"]) for e in body["history"]]  # type: ignore[index, union-attr]


def test_a_quote_is_priced_from_the_customers_list_with_discounts_and_totals_from_rounded_lines(
        rep: Caller, synced: Services) -> None:
    created = rep("POST", "", {**SMALL, "header_discount_amount": "0.10", "note": "restock"})
    assert created.status_code == 201, created.text
    body = created.json()
    first, second = (list_price(synced, "ACME", "DEMO-1001", "10"), list_price(synced, "ACME", "DEMO-1002", "3"))
    one, two = body["lines"]
    assert Decimal(one["list_unit_price"]) == first and Decimal(two["list_unit_price"]) == second
    list_one = (10 * first).quantize(CENT, ROUND_HALF_UP)
    assert Decimal(one["discount"]) == (list_one * Decimal("0.05")).quantize(CENT, ROUND_HALF_UP)  # half-up
    assert Decimal(one["amount"]) == list_one - Decimal(one["discount"])
    assert "ACME" in one["price_source"]["explain"] or one["price_source"]["list_id"]
    subtotal = Decimal(one["amount"]) + Decimal(two["amount"])
    assert Decimal(body["subtotal"]) == subtotal and Decimal(body["total"]) == subtotal - Decimal("0.10")
    assert (body["number"], body["revision"], body["state"], body["owner"]) == ("Q-000001", 1, "draft", "sam")
    assert body["needs_approval"] is False and body["note"] == "restock"
    assert states(body) == [(None, "draft", "sam")]


def test_a_small_discount_goes_draft_sent_accepted_ordered_at_the_quoted_prices(rep: Caller,
                                                                                synced: Services) -> None:
    set_limit(synced, "ACME", "100000")
    number = rep("POST", "", {**SMALL, "header_discount_percent": "1"}).json()["number"]
    assert rep("POST", f"/{number}/send").json()["state"] == "sent"
    accepted = rep("POST", f"/{number}/accept").json()
    assert accepted["state"] == "accepted" and accepted["order_document_id"]
    drain(synced)
    ordered = rep("GET", f"/{number}").json()
    assert ordered["state"] == "ordered" and ordered["erp_order_id"]
    assert [to for _, to, _ in states(ordered)] == ["draft", "sent", "accepted", "ordered"]
    erp_order = synced.erp.get_order(ordered["erp_order_id"])
    assert erp_order is not None and erp_order.customer_id == "ACME"
    charged = [(line.quantity.value * line.unit_price.amount).quantize(Decimal("0.01"))
               for line in erp_order.order.lines if line.unit_price]
    assert charged == [Decimal(line["amount"]) for line in ordered["lines"]]  # prices frozen as quoted
    [credit] = credit_orders(synced, "ACME")
    assert credit.amount == Decimal(ordered["total"]) and credit.status == "reserved"  # header discount counted
    [doc] = docs(synced, standard="quote")
    assert doc.state == State.PROCESSED.value and doc.erp_order_id == ordered["erp_order_id"]


def test_a_discount_over_the_threshold_needs_a_managers_approval(rep: Caller, manager: Caller) -> None:
    body = rep("POST", "", BIG).json()
    number = body["number"]
    assert body["needs_approval"] is True and Decimal(body["discount_percent"]) == Decimal("30.00")
    refused = rep("POST", f"/{number}/send")
    assert refused.status_code == 409 and "submit it for a manager's approval" in refused.json()["detail"]
    assert rep("POST", f"/{number}/submit").json()["state"] == "pending_approval"
    assert rep("POST", f"/{number}/approve").status_code == 403  # a rep cannot approve
    assert rep("POST", f"/{number}/send").status_code == 409  # nor send it while pending
    approved = manager("POST", f"/{number}/approve").json()
    assert (approved["state"], approved["approved_by"]) == ("approved", "maria")
    sent = rep("POST", f"/{number}/send").json()
    assert [(f, t, who) for f, t, who in states(sent)] == [
        (None, "draft", "sam"), ("draft", "pending_approval", "sam"), ("pending_approval", "approved", "maria"),
        ("approved", "sent", "sam")]


def test_a_manager_can_return_a_quote_and_an_edit_withdraws_an_approval(rep: Caller, manager: Caller) -> None:
    number = rep("POST", "", BIG).json()["number"]
    rep("POST", f"/{number}/submit")
    returned = manager("POST", f"/{number}/return", {"note": "20 % at most"}).json()
    assert returned["state"] == "draft" and returned["history"][-1]["changes"] == {"returned": "20 % at most"}
    assert manager("POST", f"/{number}/return").status_code == 409  # only a pending quote is returned
    rep("POST", f"/{number}/submit")
    manager("POST", f"/{number}/approve")
    edited = rep("PUT", f"/{number}", {"lines": [{"sku": "DEMO-1001", "quantity": "12", "discount_percent": "25"}]})
    body = edited.json()
    assert (body["state"], body["approved_by"], body["revision"]) == ("draft", None, 1)
    assert body["history"][-1]["changes"]["before"]["total"] != body["history"][-1]["changes"]["after"]["total"]
    assert rep("POST", f"/{number}/send").status_code == 409  # the new discount needs approving again


def test_editing_a_sent_quote_makes_a_new_revision_and_keeps_the_old(rep: Caller, synced: Services) -> None:
    number = rep("POST", "", SMALL).json()["number"]
    rep("POST", f"/{number}/send")
    revised = rep("PUT", f"/{number}", {"lines": [{"sku": "DEMO-1001", "quantity": "20"}]})
    assert revised.status_code == 200, revised.text
    body = revised.json()
    assert (body["revision"], body["state"], body["earlier_revisions"]) == (2, "draft", [1])
    assert [line["quantity"] for line in body["lines"]] == ["20"]
    with session(synced.engine) as s:
        old = s.exec(select(Quote).where(Quote.number == number, Quote.revision == 1)).one()
        old_lines = s.exec(select(QuoteLine).where(QuoteLine.quote_id == old.id)).all()
    assert old.state == "revised" and [line.sku for line in old_lines] == ["DEMO-1001", "DEMO-1002"]
    listed = rep("GET", "").json()
    assert [(q["number"], q["revision"]) for q in listed] == [(number, 2)]


def test_declined_quotes_are_final(rep: Caller) -> None:
    number = rep("POST", "", SMALL).json()["number"]
    assert rep("POST", f"/{number}/decline").status_code == 409  # a draft was never offered
    rep("POST", f"/{number}/send")
    declined = rep("POST", f"/{number}/decline", {"note": "too dear"}).json()
    assert declined["state"] == "declined" and declined["history"][-1]["changes"] == {"reason": "too dear"}
    for action in ("accept", "send", "submit", "decline"):
        answer = rep("POST", f"/{number}/{action}")
        assert answer.status_code == 409, action
        assert "is declined" in answer.json()["detail"]
    assert rep("PUT", f"/{number}", {"lines": [{"sku": "DEMO-1001", "quantity": "1"}]}).status_code == 409


def test_refused_transitions_say_why(rep: Caller, manager: Caller) -> None:
    number = rep("POST", "", SMALL).json()["number"]
    assert manager("POST", f"/{number}/approve").status_code == 409  # nothing was submitted
    assert rep("POST", f"/{number}/accept").status_code == 409  # not sent yet
    rep("POST", f"/{number}/send")
    assert rep("POST", f"/{number}/submit").status_code == 409  # already sent
    assert rep("POST", f"/{number}/send").status_code == 409
    rep("POST", f"/{number}/accept")
    again = rep("POST", f"/{number}/accept")
    assert again.status_code == 409 and "is accepted; it cannot become accepted" in again.json()["detail"]
    assert rep("PUT", f"/{number}", {"lines": [{"sku": "DEMO-1001", "quantity": "1"}]}).status_code == 409


def test_expiry_runs_on_the_housekeeping_schedule_and_never_touches_a_final_state(rep: Caller,
                                                                                 synced: Services) -> None:
    numbers = [rep("POST", "", SMALL).json()["number"] for _ in range(4)]
    draft, sent, declined, accepted = numbers
    for number in (sent, declined, accepted):
        rep("POST", f"/{number}/send")
    rep("POST", f"/{declined}/decline")
    set_policy(synced.engine, "ACME", Policy.HOLD, actor="test")
    set_limit(synced, "ACME", "0")  # the accepted quote's order waits on credit hold: it stays accepted
    rep("POST", f"/{accepted}/accept")
    with session(synced.engine) as s:  # time passes: every quote is past its validity
        for quote in s.exec(select(Quote)).all():
            quote.valid_until = dt.date(2020, 1, 1)
            s.add(quote)
        s.commit()
    drain(synced)  # the worker's housekeeping
    after = {number: rep("GET", f"/{number}").json() for number in numbers}
    assert {n: q["state"] for n, q in after.items()} == {draft: "expired", sent: "expired", declined: "declined",
                                                         accepted: "accepted"}
    assert after[sent]["history"][-1]["changes"] == {"valid_until": "2020-01-01"}
    [order] = docs(synced, standard="quote")
    assert order.state == State.CREDIT_HOLD.value


def test_accepting_after_the_validity_expires_the_quote_instead(rep: Caller, synced: Services) -> None:
    number = rep("POST", "", SMALL).json()["number"]
    rep("POST", f"/{number}/send")
    with session(synced.engine) as s:
        quote = s.exec(select(Quote).where(Quote.number == number)).one()
        quote.valid_until = dt.date(2020, 1, 1)
        s.add(quote)
        s.commit()
    refused = rep("POST", f"/{number}/accept")
    assert refused.status_code == 409 and "expired on 2020-01-01" in refused.json()["detail"]
    assert rep("GET", f"/{number}").json()["state"] == "expired"
    assert docs(synced, standard="quote") == []


def test_an_accepted_quote_over_the_credit_limit_waits_on_hold_until_released(rep: Caller, client: object,
                                                                               synced: Services) -> None:
    set_limit(synced, "ACME", "1")
    set_policy(synced.engine, "ACME", Policy.HOLD, actor="test")
    number = rep("POST", "", SMALL).json()["number"]
    rep("POST", f"/{number}/send")
    rep("POST", f"/{number}/accept")
    drain(synced)
    waiting = rep("GET", f"/{number}").json()
    assert waiting["state"] == "accepted"
    assert waiting["history"][-1]["changes"]["credit"] == "hold"
    assert "exceeds the available credit 1" in waiting["history"][-1]["changes"]["reason"]
    [hold] = rep.client.get("/api/credit/holds", headers=AUTH).json()
    assert hold["po_number"] == number
    assert rep.client.post(f"/api/credit/holds/{hold['hold_id']}/release", headers=AUTH).status_code == 200
    drain(synced)
    assert rep("GET", f"/{number}").json()["state"] == "ordered"


def test_a_rep_sees_and_acts_on_their_own_customers_quotes_only(rep: Caller, other_rep: Caller,
                                                                manager: Caller) -> None:
    number = rep("POST", "", SMALL).json()["number"]
    assert other_rep("GET", f"/{number}").status_code == 404
    assert other_rep("POST", f"/{number}/send").status_code == 404
    assert other_rep("POST", "", SMALL).status_code == 403
    assert other_rep("GET", "").json() == []
    assert [q["number"] for q in manager("GET", "").json()] == [number]
    assert [q["number"] for q in manager("GET", "?customer=GLOBEX").json()] == []
    assert rep.client.get("/api/quotes").status_code == 401


def test_bad_lines_are_refused_naming_the_line(rep: Caller) -> None:
    unknown = rep("POST", "", {"customer_id": "ACME", "lines": [{"sku": "DEMO-1001", "quantity": "1"},
                                                                 {"sku": "NOPE", "quantity": "1"}]})
    assert unknown.status_code == 422 and unknown.json()["detail"].startswith("line 2 (NOPE): ")
    both = rep("POST", "", {"customer_id": "ACME", "lines": [{"sku": "DEMO-1001", "quantity": "1",
                                                              "discount_percent": "5", "discount_amount": "1"}]})
    assert both.status_code == 422 and "not both" in both.json()["detail"]
    assert rep("POST", "", {"customer_id": "ACME", "lines": []}).status_code == 422
    assert rep("POST", "", {"customer_id": "ACME", "lines": [{"sku": "DEMO-1001", "quantity": "0"}]}).status_code == 422
    past = rep("POST", "", {**SMALL, "valid_until": "2020-01-01"})
    assert past.status_code == 422 and "in the past" in past.json()["detail"]


def test_the_quote_api_is_documented_with_examples(rep: Caller) -> None:
    spec = rep.client.get("/openapi.json").json()
    assert {"/api/quotes", "/api/quotes/{number}", "/api/quotes/{number}/accept"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert schemas["QuoteIn"]["examples"][0]["customer_id"] == "ACME"
    assert schemas["QuoteOut"]["examples"][0]["number"] == "Q-000001"


def test_numbers_out_of_range_are_refused_not_computed(rep: Caller) -> None:
    for line in ({"sku": "DEMO-1001", "quantity": "1e999999"}, {"sku": "DEMO-1001", "quantity": "0.0000001"},
                 {"sku": "DEMO-1001", "quantity": "1", "discount_percent": "100.5"},
                 {"sku": "DEMO-1001", "quantity": "1", "discount_amount": "-1"}):
        assert rep("POST", "", {"customer_id": "ACME", "lines": [line]}).status_code == 422, line
