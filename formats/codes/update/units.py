"""Check and refresh ``formats/codes/units.csv`` against the published code lists.

Run by hand (``python -m formats.codes.update.units --rec20 FILE [--x12 FILE]``); see
``README.md`` beside this script for where the lists come from and why the pairs are what they
are. The script keeps the curated ``x12,rec20`` pairs, refuses a Rec 20 code the list does not
have (or has deleted), fills in the names, and writes the table sorted by X12 code.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from lxml import etree

from formats.codes.units import UnitRow, read_unit_table

TABLE = Path(__file__).resolve().parent.parent / "units.csv"
DELETED_STATUSES = {"X", "D"}


def rec20_names(path: Path) -> dict[str, str]:
    """Rec 20 common code -> name, from a genericode file or a CSV export; deleted codes left out."""
    if path.suffix.lower() == ".gc":
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        tree = etree.fromstring(path.read_bytes(), parser)
        names: dict[str, str] = {}
        for row in tree.iterfind(".//{*}Row"):
            values = {
                v.get("ColumnRef"): (v.findtext("{*}SimpleValue") or "").strip() for v in row.iterfind("{*}Value")
            }
            code = values.get("code") or values.get("CommonCode") or values.get("Code")
            if code and values.get("Status", "") not in DELETED_STATUSES:
                names[code] = values.get("name") or values.get("Name") or ""
        return names
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    return {
        row["Common Code"].strip(): row.get("Name", "").strip()
        for row in reader
        if row.get("Common Code") and row.get("Status", "").strip() not in DELETED_STATUSES
    }


def x12_names(path: Path) -> dict[str, str]:
    """X12 355 code -> name from a ``code<TAB>name`` file."""
    lines = (line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {parts[0].strip(): (parts[1].strip() if len(parts) > 1 else "") for parts in lines}


def refreshed(rows: tuple[UnitRow, ...], rec20: dict[str, str], x12: dict[str, str] | None) -> list[UnitRow]:
    """The rows checked against the lists, with their names refreshed; raises SystemExit on a bad pair."""
    problems: list[str] = []
    out: list[UnitRow] = []
    for row in rows:
        package_code = row.canonical.startswith("X") and len(row.canonical) == 3
        if row.canonical not in rec20 and not package_code:
            problems.append(f"{row.partner}: Rec 20 {row.canonical} is not in the Rec 20 list (or is deleted)")
        if x12 is not None and row.partner not in x12:
            problems.append(f"{row.partner}: not an X12 355 code in the list given")
        out.append(UnitRow(
            row.partner, row.canonical,
            (x12 or {}).get(row.partner, row.partner_name),
            rec20.get(row.canonical, row.canonical_name),
        ))
    if problems:
        raise SystemExit("\n".join(problems))
    return sorted(out, key=lambda r: r.partner)


def write_table(rows: list[UnitRow], path: Path) -> None:
    """``rows`` as the CSV the package reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["x12", "rec20", "x12_name", "rec20_name"])
    writer.writerows([r.partner, r.canonical, r.partner_name, r.canonical_name] for r in rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rec20", type=Path, required=True, help="Rec 20 list (.gc genericode or .csv)")
    parser.add_argument("--x12", type=Path, help="X12 355 list, code<TAB>name per line")
    parser.add_argument("--table", type=Path, default=TABLE, help="the table to refresh (default: units.csv)")
    args = parser.parse_args(argv)
    rows = read_unit_table(args.table.read_text(encoding="utf-8"))
    checked = refreshed(rows, rec20_names(args.rec20), x12_names(args.x12) if args.x12 else None)
    write_table(checked, args.table)
    print(f"{args.table}: {len(checked)} units", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
