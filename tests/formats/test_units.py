"""The unit-of-measure table: X12 355 <-> UN/ECE Rec 20, partner overrides, no blind pass-through."""

from __future__ import annotations

import csv
import io
from importlib.resources import files

import pytest

from formats.codes import UnitMap
from formats.errors import Location, MappingError


def table_rows() -> list[dict[str, str]]:
    text = files("formats.codes").joinpath("units.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(("x12", "rec20"), [
    ("EA", "EA"),  # each is each in both lists
    ("PC", "H87"),  # piece
    ("UN", "C62"),  # unit -> "one"
    ("CA", "XCS"),  # case: Rec 21 package code with the X prefix, not Rec 20 "CA" (can)
    ("BX", "XBX"),
    ("CT", "XCT"),
    ("PK", "XPK"),
    ("PL", "XPX"),  # pallet/unit load
    ("DZ", "DZN"),
    ("LB", "LBR"),
    ("KG", "KGM"),
    ("FT", "FOT"),
    ("SF", "FTK"),
    ("CR", "MTQ"),  # X12 CR is cubic meter; a crate is CP
    ("CP", "XCR"),
    ("YD", "YRD"),
])
def test_x12_codes_map_to_rec20_and_back(x12: str, rec20: str) -> None:
    units = UnitMap.default_x12()
    assert units.to_canonical(x12) == rec20
    assert units.from_canonical(rec20) == x12


def test_the_table_is_a_bijection_so_every_unit_goes_back_to_its_own_code() -> None:
    rows = table_rows()
    assert len(rows) >= 50
    assert len({r["x12"] for r in rows}) == len(rows)
    assert len({r["rec20"] for r in rows}) == len(rows)
    units = UnitMap.default_x12()
    assert all(units.from_canonical(units.to_canonical(r["x12"])) == r["x12"] for r in rows)
    assert all(r["x12_name"] and r["rec20_name"] for r in rows)


def test_partners_write_codes_in_any_case_with_blanks() -> None:
    units = UnitMap.default_x12()
    assert units.to_canonical(" ea ") == "EA"
    assert units.to_canonical("ca") == "XCS"
    assert "ea" in units and "KI" not in units


def test_unknown_code_raises_with_the_code_and_where() -> None:
    where = Location(segment_position=12, segment_tag="PO1", element_position=3)
    with pytest.raises(MappingError) as caught:
        UnitMap.default_x12().to_canonical("KI", where)
    assert "'KI'" in caught.value.message and "X12 355" in caught.value.message
    assert caught.value.location == where
    with pytest.raises(MappingError, match="empty unit"):
        UnitMap.default_x12().to_canonical("")


def test_canonical_code_without_x12_equivalent_is_refused() -> None:
    with pytest.raises(MappingError, match="NAR"):
        UnitMap.default_x12().from_canonical("NAR")


def test_overrides_layer_on_top_and_win_both_ways() -> None:
    default = UnitMap.default_x12()
    partner = default.with_overrides({"CS": "XCS", "ki": "KT"})
    assert partner.to_canonical("CS") == "XCS" and partner.to_canonical("CA") == "XCS"
    assert partner.from_canonical("XCS") == "CS"
    assert partner.to_canonical("KI") == "KT" and partner.from_canonical("KT") == "KI"
    assert partner.overridden == frozenset({"CS", "KI"})
    # the default table is untouched (the map is immutable)
    assert default.from_canonical("XCS") == "CA" and "CS" not in default
    with pytest.raises(TypeError):
        default.to_rec20["ZZ"] = "EA"  # type: ignore[index]


@pytest.mark.parametrize("override", [{"CS": "not a code"}, {"": "EA"}, {"C S": "EA"}])
def test_bad_override_is_refused(override: dict[str, str]) -> None:
    with pytest.raises(MappingError, match="unit override"):
        UnitMap.default_x12().with_overrides(override)


def test_update_script_checks_pairs_against_the_rec20_list(tmp_path) -> None:
    from formats.codes.update.units import main

    table = tmp_path / "units.csv"
    table.write_text("x12,rec20,x12_name,rec20_name\nKG,KGM,Kilogram,\nEA,EA,Each,\nCA,XCS,Case,case\n")
    rec20 = tmp_path / "rec20.csv"
    rec20.write_text("Status,Common Code,Name\n,KGM,kilogram\n,EA,each\nX,CS,case\n")
    assert main(["--rec20", str(rec20), "--table", str(table)]) == 0
    assert table.read_text().splitlines() == [
        "x12,rec20,x12_name,rec20_name", "CA,XCS,Case,case", "EA,EA,Each,each", "KG,KGM,Kilogram,kilogram"]
    table.write_text("x12,rec20\nCA,CS\n")  # a deleted Rec 20 code
    with pytest.raises(SystemExit, match="CS is not in the Rec 20 list"):
        main(["--rec20", str(rec20), "--table", str(table)])
