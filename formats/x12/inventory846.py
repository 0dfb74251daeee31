"""Canonical :class:`~formats.model.InventoryReport` -> ANSI X12 846 Inventory Inquiry/Advice.

ASC X12 004010 and 005010 (functional group IB). The seller advises a buyer of stock with BIA
(purpose ``00``, report type 755 ``DD`` distributor inventory report, the report id, the date),
the N1 loops of seller (``SE``) and buyer (``BY``), then one LIN loop per stock line, CTT (the
number of LIN segments, and the hash total of the QTY quantities).

Per-warehouse form: a :class:`~formats.model.StockLine` is one item at one warehouse, so each is
one LIN loop (LIN01 numbers the loops; an item stocked in two warehouses has two LIN loops with
the same product IDs):

* ``SDQ*<unit>*54*<warehouse>*<available>`` names the warehouse (66 code ``54``, warehouse) and
  the quantity available there: SDQ is X12's segment for quantities by location, and the form
  drop-ship and retail guides use when one 846 covers several warehouses;
* ``QTY*33`` the quantity available for sale, ``QTY*17`` the quantity on hand (when known);
* ``DTM*018`` (available) the date more stock is expected, when known.

Render only: inbound 846s are not something the gateway consumes.
"""

from __future__ import annotations

from decimal import Decimal

from formats.codes.units import UnitMap
from formats.errors import MappingError
from formats.model import InventoryReport, StockLine
from formats.x12.envelope import Segment
from formats.x12.segments_common import item_id_elements, party_segments, x12_date, x12_number

VERSIONS = ("004010", "005010")
REPORT_TYPE = "DD"  # 755: distributor inventory report
WAREHOUSE = "54"  # 66: warehouse
AVAILABLE = "33"  # 673: quantity available for sale
ON_HAND = "17"  # 673: quantity on hand
AVAILABLE_DATE = "018"  # 374: available


def render(report: InventoryReport, *, units: UnitMap | None = None, version: str = "004010") -> list[Segment]:
    """The body of an 846 (between ST and SE) for ``report``."""
    if version[:6] not in VERSIONS:
        raise MappingError(f"846 version {version!r} is not one we write ({', '.join(VERSIONS)})")
    if not report.lines:
        raise MappingError(f"inventory report {report.report_id}: an 846 needs at least one LIN loop")
    units = units or UnitMap.default_x12()
    segments: list[Segment] = [["BIA", "00", REPORT_TYPE, report.report_id, x12_date(report.report_date)]]
    for party in (report.seller, report.buyer):
        if party is not None:
            segments += party_segments(party, "846")
    hash_total = Decimal(0)
    for number, line in enumerate(report.lines, start=1):
        segments += _line_segments(str(number), line, units)
        hash_total += line.available.value + (line.on_hand.value if line.on_hand else Decimal(0))
    segments.append(["CTT", str(len(report.lines)), x12_number(hash_total)])
    return segments


def _line_segments(number: str, line: StockLine, units: UnitMap) -> list[Segment]:
    where = f"LIN {number}"
    if not line.items:
        raise MappingError(f"{where}: LIN02/LIN03 (product ID) is missing: the stock line has no identifier")
    if not line.warehouse:
        raise MappingError(f"{where}: SDQ03 (warehouse) is missing")
    available_unit = units.from_canonical(line.available.unit)
    segments: list[Segment] = [["LIN", number, *item_id_elements(line.items, 15, where)]]
    if line.next_available_date is not None:
        segments.append(["DTM", AVAILABLE_DATE, x12_date(line.next_available_date)])
    segments.append(["SDQ", available_unit, WAREHOUSE, line.warehouse, x12_number(line.available.value)])
    segments.append(["QTY", AVAILABLE, x12_number(line.available.value), available_unit])
    if line.on_hand is not None:
        segments.append(["QTY", ON_HAND, x12_number(line.on_hand.value), units.from_canonical(line.on_hand.unit)])
    return segments


__all__ = ["render"]
