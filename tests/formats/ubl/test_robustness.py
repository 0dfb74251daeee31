"""Every UBL reader refuses odd input with a FormatError, never another exception.

A contract test over the registry (python-stdnum's robustness test): every corpus UBL sample,
damaged by a seeded mutator at the element level (a value replaced by non-ASCII digits, a huge,
tiny or not-a-number value, a date that is none; an element removed or repeated; attributes
dropped), is read by :func:`formats.ubl.parse`. It either reads or raises
:class:`~formats.errors.FormatError` saying where; anything else is a reader's bug.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from formats import ubl
from formats.errors import FormatError, MappingError
from formats.model import Order
from tests.conftest import corpus_files, corpus_path

SAMPLES = corpus_files("ubl/samples", "*.xml")
SEED = 17
ROUNDS = 12
"""Mutated copies of each sample: ~80 samples x 12 = some thousand documents, a few seconds."""

ODD_VALUES = (
    "\u0661\u0662",  # Arabic-Indic 12: Decimal() reads it as 12
    "\u00b2", "\uff17", "\U0001d7d7", "\u00bd",  # superscript two, full-width seven, bold nine, one half
    "1e999999999", "9" * 40, "0.00000000000000000001", "NaN", "-Infinity", "sNaN", "1_000", "0x10", "",
    "  ", "-", "+", ".", "1,5", "1.2.3", "\u00a0", "2024-02-30", "\u0662\u0660\u0662\u0664-01-01", "99:99:99",
    "true?", "\U0001f4a9",
)


def _mutate(rng: random.Random, root: etree._Element) -> str:
    elements = [e for e in root.iter() if isinstance(e.tag, str) and e is not root]
    target = rng.choice(elements)
    kind = rng.choice(("value", "value", "value", "attribute", "remove", "repeat", "empty"))
    if kind == "value" and len(target) == 0:
        target.text = rng.choice(ODD_VALUES)
    elif kind == "attribute" and target.attrib:
        name = rng.choice(list(target.attrib))
        if rng.random() < 0.5:
            del target.attrib[name]
        else:
            target.set(name, rng.choice(ODD_VALUES))
    elif kind == "remove" and target.getparent() is not None:
        target.getparent().remove(target)
    elif kind == "repeat" and target.getparent() is not None:
        for _ in range(rng.randint(1, 3)):
            target.addnext(etree.fromstring(etree.tostring(target)))
    else:
        for element in list(target):
            target.remove(element)
        target.text = rng.choice(ODD_VALUES)
    return f"{kind} {etree.QName(target).localname}"


def test_the_corpus_samples_are_there() -> None:
    corpus_path("ubl", "samples")
    assert len(SAMPLES) >= 50


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_damaged_samples_are_read_or_refused_with_a_format_error(path: Path) -> None:
    raw = path.read_bytes()
    if ubl.detect_ubl(etree.fromstring(raw)) is None:
        pytest.skip("not a UBL message we read")
    rng = random.Random(f"{SEED}:{path.name}")
    for _ in range(ROUNDS):
        root = etree.fromstring(raw)
        done = [_mutate(rng, root) for _ in range(rng.randint(1, 3))]
        damaged = etree.tostring(root)
        try:
            ubl.parse(damaged)
        except FormatError:
            continue
        except Exception as exc:  # the point: anything but a FormatError is a reader's bug
            pytest.fail(f"{path.name} after {done}: {type(exc).__name__}: {exc}")


ORDER = ("ubl", "samples", "peppol-poacc", "Order_use_cases_UC3_Order.xml")


@pytest.mark.parametrize("quantity", ["\u0661\u0662", "\u00b2", "\uff11\uff12", "1e999", "9" * 16, "NaN", "0x10"])
def test_a_quantity_that_is_no_ascii_number_of_a_sensible_size_is_refused_by_name(quantity: str) -> None:
    raw = corpus_path(*ORDER).read_bytes().replace(b">1</cbc:Quantity>", f">{quantity}</cbc:Quantity>".encode(), 1)
    assert raw != corpus_path(*ORDER).read_bytes()
    with pytest.raises(MappingError) as refused:
        ubl.parse(raw)
    assert f"Quantity {quantity!r} is not a number" in str(refused.value)
    assert "OrderLine/cac:LineItem/cbc:Quantity" in str(refused.value)


def test_plain_numbers_with_blanks_and_a_plus_are_still_read() -> None:
    raw = corpus_path(*ORDER).read_bytes().replace(b">1</cbc:Quantity>", b"> +1 000.50 </cbc:Quantity>", 1)
    parsed = ubl.parse(raw)
    assert isinstance(parsed, Order) and parsed.lines[0].quantity.value == Decimal("1000.50")
