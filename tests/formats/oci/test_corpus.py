"""Every OCI cart in the corpus parses leniently with the values its items carry."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from formats.model import ItemIdKind
from formats.oci import SOURCE, form_fields, parse, render, to_lines
from tests.conftest import corpus_files, corpus_path

SAMPLES = corpus_files("oci", "*.html")

# (index, DESCRIPTION, PRICE as sent without its padding, UNIT, LEADTIME, MANUFACTMAT, EXT_PRODUCT_ID,
#  first words of LONGTEXT): the same ten items in both meplato samples
ITEMS = [
    (1, "MantisRegistered Elite Stereo-Betrachtungssystem mit Universalständer... E", "1730.900", "PCE", 1,
     "491901E", "491901E", "Klare, verzerrungsfreie, dreidimensionale"),
    (2, "MantisRegistered Elite TS Stereo-Betrachtungssystem mit... E", "1944.650", "PCE", 1, "491903E", "491903E",
     "Klare, verzerrungsfreie"),
    (3, "Arbeitspodest Einzelmodul E", "68.530", "PCE", 20, "966150E", "966150E", "DIN 4569 und BGV D 36."),
    (4, "Beschriftungsstreifen-Set 10-teilig 27E", "4.760", "PA", 1, "94408027E", "94408027E",
     "Passend für: Schublade schmal (27E)"),
    (5, "Beschriftungsstreifen-Set 10-teilig 36E", "5.730", "PA", 1, "94408036E", "94408036E",
     "Passend für: Schublade breit (36E)"),
    (6, "Beschriftungsstreifen-Set 10-teilig 54E", "6.080", "PA", 1, "94408054E", "94408054E",
     "Passend für: Werkzeugschränke Nr. 943700"),
    (7, "Beschriftungsstreifen-Set 10-teilig 78E", "10.650", "PA", 1, "94408078E", "94408078E",
     "Passend für: Werkzeugschränke Nr. 944100"),
    (8, "Ordnungsmappe Ordonator, A4, 7 Fächer, schwarz", "12.680", "PCE", 2, "55321E", "ECP55321E", "Aus Karton"),
    (9, "Ordnungsmappe Ordonator, A4, 7 Fächer, blau", "12.680", "PCE", 2, "55322E", "ECP55322E", "Aus Karton"),
    (10, "Ordnungsmappe Ordonator, A4, 12 Fächer, schwarz", "11.870", "PCE", 2, "55341E", "ECP55341E", "Aus Karton"),
]


def test_the_corpus_has_oci_samples() -> None:
    corpus_path("oci", "meplato", "real_world.html")
    assert {p.name for p in SAMPLES} >= {"real_world.html", "meplato_extensions.html"}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_item_parses_with_its_values(sample: Path) -> None:
    cart = parse(form_fields(sample.read_text(encoding="utf-8")))
    assert len(cart.items) == len(ITEMS)
    for item, (index, description, price, unit, lead, manufactmat, product_id, longtext) in zip(
            cart.items, ITEMS, strict=True):
        assert item.index == index
        assert item.description == description
        assert item.price == Decimal(price)  # "00000001730.900": the zero padding is not part of the number
        assert item.quantity == Decimal("1.0") and item.priceunit == Decimal("1.0")
        assert item.unit == unit and item.currency == "EUR" and item.leadtime == lead
        assert item.manufactmat == manufactmat and item.ext_product_id == product_id
        assert item.longtext is not None and item.longtext.startswith(longtext)
    # the HEADER fields and the Rails form fields are kept, not mistaken for items
    assert ("HEADER-TOTAL_RESULTS", "1081") in cart.other and ("_snowman", "☃") in cart.other


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_canonical_lines_from_the_corpus(sample: Path) -> None:
    lines = to_lines(parse(form_fields(sample.read_text(encoding="utf-8"))))
    eight = lines[7]
    assert eight.line_number == "8"
    assert eight.quantity.value == Decimal("1.0") and eight.quantity.unit == "H87"  # PCE is a piece
    assert eight.unit_price is not None and eight.unit_price.amount == Decimal("12.680")
    assert eight.unit_price.currency == "EUR"
    assert eight.item_id(ItemIdKind.SELLER) == "ECP55321E"
    assert eight.item_id(ItemIdKind.MANUFACTURER) == "55321E"
    # a line break inside the long text (with the page's indentation) is one newline
    assert eight.notes[0].endswith("Größe: 24 x 32,7 cm (B x H).\n• Material: Karton • Verschluß: Eckspanngummi "
                                   "• Format: A4")
    assert lines[3].quantity.unit == "XPA"  # PA: a packet
    assert sum((line.extended_amount().amount for line in lines if line.extended_amount()), Decimal(0)) == \
        Decimal("3808.53")  # 1730.90 + 1944.65 + ... + 11.87


def test_vendor_extension_fields_are_kept() -> None:
    page = corpus_path("oci", "meplato", "meplato_extensions.html").read_text(encoding="utf-8")
    cart = parse(form_fields(page))
    first = dict(cart.items[0].extra)
    assert first == {"MPS_SAGE_NUMBER": "80222", "MPS_SAGE_CONTRACT": "AA03",
                     "CUST_FIELD30": "30th cust field with up to 100 characters", "TAX_RATE": "0.19",
                     "TAX_CODE": "V19", "SOLD_BY": "Seller 1", "FULFILLED_BY": "Fulfiller 1"}
    assert dict(cart.items[9].extra)["CUST_FIELD50"] == "50th cust field with up to 100 characters"
    line = to_lines(cart)[4]
    assert {(e.name, e.value) for e in line.extensions if e.source == SOURCE} >= {
        ("SOLD_BY", "Seller 5"), ("FULFILLED_BY", "Fulfiller 5"), ("LEADTIME", "1")}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_corpus_items_render_strictly(sample: Path) -> None:
    """Written back, the corpus items obey OCI: DESCRIPTION cut to 40, the rest of it in LONGTEXT, plain numbers."""
    cart = parse(form_fields(sample.read_text(encoding="utf-8")))
    fields = render(cart.items)
    named = dict(fields)
    assert named["NEW_ITEM-PRICE[1]"] == "1730.9" and named["NEW_ITEM-QUANTITY[1]"] == "1"
    assert named["NEW_ITEM-DESCRIPTION[1]"] == "MantisRegistered Elite Stereo-Betrachtun"
    first_longtext = next(v for k, v in fields if k == "NEW_ITEM-LONGTEXT_1:132[]")
    assert first_longtext.startswith("MantisRegistered Elite Stereo-Betrachtungssystem mit Universalständer... E Klare")
    again = parse(fields)
    assert [i.price for i in again.items] == [i.price for i in cart.items]
    assert [i.ext_product_id for i in again.items] == [i.ext_product_id for i in cart.items]
