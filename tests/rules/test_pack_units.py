"""Per-item pack sizes in the unit conversion: retired Rec 20 package codes, piece units, exact packs only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from formats.codes.units import current_code
from gateway.rules import UnitConversionError, UnitConversions

PACKS = UnitConversions.of(by_item={"PEN": {("XCS", "EA"): 12, ("BX", "EA"): 50}})


def test_a_case_is_its_items_pack_of_eaches_whatever_code_names_it() -> None:
    assert PACKS.to_base("PEN", Decimal(2), "XCS", "EA") == 24
    assert PACKS.to_base("PEN", Decimal(2), "cs", "EA") == 24  # Rec 20 before 2012 said CS
    assert PACKS.to_base("PEN", Decimal(1), "XBX", "EA") == 50  # a pack stored under the old code too
    assert PACKS.to_base("PEN", Decimal(2), "XCS", "H87") == 24  # pieces are eaches
    assert PACKS.to_base("PEN", Decimal(3), "C62", "EA") == 3
    assert PACKS.to_base("PEN", Decimal(36), "EA", "XCS") == 3  # backwards, when exact
    assert (current_code(" bx "), current_code("CA"), current_code("XCS")) == ("XBX", "CA", "XCS")


def test_an_unknown_pack_or_a_broken_case_is_refused_naming_the_item() -> None:
    with pytest.raises(UnitConversionError, match="item OTHER: no conversion from unit XCS to its base unit EA"):
        PACKS.to_base("OTHER", Decimal(1), "XCS", "EA")
    with pytest.raises(UnitConversionError, match="item PEN: 5 EA is not an exact quantity of its base unit XCS"):
        PACKS.to_base("PEN", Decimal(5), "EA", "XCS")
