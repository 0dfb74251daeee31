"""The 855's free text: MSG in the N9 loops of 004010, MTX from 004030 on (Bots' 005010 grammar refuses MSG).

The text is the gateway's answer to a corpus order it refuses: a header note and a reason per line.
"""

from __future__ import annotations

import datetime as dt

import pytest

from formats.model import LineStatus, Order, OrderResponse
from formats.x12 import po850, poack855
from gateway.credit.answers import refusal
from tests.conftest import corpus_path
from tests.formats.x12.bots_harness import bots_problems
from tests.formats.x12.outbound import transaction_sets
from tests.formats.x12.test_bots_oracle import gateway_interchange


def refused() -> OrderResponse:
    [ts] = transaction_sets(corpus_path("x12", "bots", "850-004010-01.x12").read_bytes())
    order = po850.parse(ts)
    assert isinstance(order, Order)
    reasons = {line.line_number: f"item {line.line_number} is discontinued\nask for its successor"
               for line in order.lines}
    return refusal(order, "prices refused", line_reasons=reasons).model_copy(
        update={"response_date": dt.date(2026, 12, 8)})


@pytest.mark.parametrize(("version", "tag", "other"), [("004010", "MSG", "MTX"), ("005010", "MTX", "MSG")])
def test_free_text_segment_of_the_version(version: str, tag: str, other: str) -> None:
    response = refused()
    body = poack855.render(response, version=version)
    tags = [segment[0] for segment in body]
    assert other not in tags
    texts = [segment for segment in body if segment[0] == tag]
    assert len(texts) == len(response.notes) + 2 * len(response.lines)  # each reason has two lines
    raw = gateway_interchange("855", 1, body, version)
    assert bots_problems(raw) == []
    [ts] = transaction_sets(raw)
    again = poack855.parse(ts)
    assert again.notes == response.notes
    assert [line.reason for line in again.lines] == [line.reason for line in response.lines]
    assert {line.status for line in again.lines} == {LineStatus.REJECTED}


def test_mtx_text_is_the_second_element_and_may_be_long() -> None:
    """MTX02 holds 4096 characters (MSG01 264): a long reason stays one segment."""
    response = refused()
    long_reason = "x" * 1000
    line = response.lines[0].model_copy(update={"reason": long_reason})
    response = response.model_copy(update={"lines": (line,), "notes": ()})
    body = poack855.render(response, version="005010")
    assert ["MTX", "", long_reason] in body
    assert poack855.render(response, version="004010").count(["MSG", "x" * 264]) == 3
    [ts] = transaction_sets(gateway_interchange("855", 2, body, "005010"))
    assert poack855.parse(ts).lines[0].reason == long_reason
