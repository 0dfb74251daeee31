"""Every corpus UBL document of the order family: parse -> render -> XSD-valid -> parse -> same.

Data the canonical model has no field for is kept as ``ubl:`` extensions when read, and cannot
be written back; the round trip compares the documents without those leftovers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

import formats.ubl as ubl
from formats.errors import MappingError
from formats.model import Invoice, Order, OrderChange, OrderResponse
from formats.ubl import order_response_simple
from tests.conftest import corpus_files, corpus_path
from tests.formats.ubl.conftest import Validator

ORDER_FAMILY = ("Order", "OrderChange", "OrderCancellation", "OrderResponse", "OrderResponseSimple",
                "DespatchAdvice", "Invoice", "CreditNote")


def _family(path: Path) -> bool:
    head = path.read_bytes()[:3000]
    return any(f"ubl:schema:xsd:{name}-2\"".encode() in head for name in ORDER_FAMILY)


SAMPLES = [p for p in corpus_files("ubl/samples") if _family(p)]


def without_leftovers(document: BaseModel) -> BaseModel:
    """The document minus extensions read from leftover elements, at every level."""
    updates = {}
    for name, value in document:
        if name == "extensions":
            updates[name] = ()
        elif isinstance(value, BaseModel):
            updates[name] = without_leftovers(value)
        elif isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
            updates[name] = tuple(without_leftovers(v) for v in value)
    return document.model_copy(update=updates)


def test_corpus_has_the_order_family() -> None:
    if not SAMPLES:
        pytest.skip("UBL corpus not present")
    assert len(SAMPLES) >= 60


REFUSED = {"UBL-Invoice-2.1-Example.xml", "UBL-CreditNote-2.1-Example.xml"}
"""Samples whose document allowances have no VAT category while their lines have several: rendering refuses."""


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_round_trips(path: Path, xsd_validate: Validator) -> None:
    document = ubl.parse(path.read_bytes())
    if path.name in REFUSED:
        with pytest.raises(MappingError, match="VAT category"):
            ubl.render(document)
        return
    rendered = ubl.render(document)
    xsd_validate(rendered)
    again = ubl.parse(rendered)
    if isinstance(document, OrderChange):  # the change's own ID is written back from its extension
        assert again.extensions[:1] == tuple(e for e in document.extensions if e.name == "ID")[:1]
    if isinstance(document, Invoice):  # the VAT breakdown is recomputed from the rounded lines
        assert [(t.category, t.percent) for t in again.taxes] == [(t.category, t.percent) for t in document.taxes]
        document, again = document.model_copy(update={"taxes": ()}), again.model_copy(update={"taxes": ()})
    assert without_leftovers(again) == without_leftovers(document)


@pytest.mark.parametrize("path", [p for p in SAMPLES if b"OrderResponse" in p.read_bytes()[:3000]],
                         ids=lambda p: p.name)
def test_order_response_renders_simple(path: Path, xsd_validate: Validator) -> None:
    response = ubl.parse(path.read_bytes())
    assert isinstance(response, OrderResponse)
    rendered = order_response_simple.render(response)
    xsd_validate(rendered)
    simple = order_response_simple.parse(rendered)
    assert (simple.po_number, simple.response_date) == (response.po_number, response.response_date)


def test_cancellation_keeps_its_own_id(xsd_validate: Validator) -> None:
    order = ubl.parse(corpus_path("ubl", "samples", "oasis", "UBL-OrderCancellation-2.1-Example.xml").read_bytes())
    assert isinstance(order, Order)
    rendered = ubl.render(order)
    xsd_validate(rendered)
    assert b"<cbc:ID>7</cbc:ID>" in rendered
    again = ubl.parse(rendered)
    assert [e.value for e in again.extensions if e.name == "ID"] == ["7"]
    assert without_leftovers(again) == without_leftovers(order)
