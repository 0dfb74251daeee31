"""ANSI X12 860 Purchase Order Change Request (buyer initiated) <-> canonical :class:`~formats.model.OrderChange`.

ASC X12 004010 and 005010 (functional group PC). An 860 is an 850 with BCH in place of BEG and
POC in place of PO1, so the heading, the segments inside a line loop and the summary are read
and written by :mod:`formats.x12.po850`; this module maps only what is the 860's own:

* BCH: BCH01 purpose 353 (``01`` cancel, ``04`` change, ``05`` replace; ``00`` an original
  change request, read as a change), BCH02 order type, BCH03 the PO number, BCH04 the release
  (``order.revision``), BCH05 the change order sequence number (``OrderChange.revision``),
  BCH06 the PO date, BCH10 the date of the change request (``change_date``);
* POC: POC01 the line number, POC02 the change type (670: ``AI`` add item, ``CA`` change to line
  item, ``DI`` delete item, ``PC`` price change, ``QD``/``QI`` quantity decrease/increase,
  ``RZ`` replace all values ...), POC03 the line's quantity *after* the change, POC05 its unit,
  POC06 its price, POC07 the price basis, POC08.. the product ID pairs.

``OrderChange.order`` is the order as the 860 says it should be after the change: the lines it
names with their new values, without the deleted (``DI``) ones; ``changed_lines`` lists every
POC01 in order. The change code of every line is kept as an extension of the change, source
``x12:860/POC``, named by the line number (``Extension("x12:860/POC", "2", "QI")``); the
product IDs of a deleted line are kept as ``<line> <235 qualifier>`` extensions (``"3 VP"``).
A POC without POC03 that is not a deletion takes the quantity left to receive (POC04) as its
quantity, else is refused: the canonical line needs one.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from formats.codes.units import UnitMap
from formats.errors import MappingError
from formats.model import Extension, Order, OrderChange, OrderLine, OrderPurpose, Party
from formats.x12 import po850
from formats.x12.envelope import Segment, TransactionSet
from formats.x12.segments_common import SetReader, refill, x12_date, x12_number

VERSIONS = ("004010", "005010")
SOURCE = "x12:860"
DELETE = "DI"  # 670: delete item(s)
PURPOSES: dict[str, OrderPurpose] = {"00": OrderPurpose.CHANGE, "01": OrderPurpose.CANCEL,
                                     "04": OrderPurpose.CHANGE, "05": OrderPurpose.REPLACE}
"""Transaction set purpose codes (353) of BCH01 that an order change can have."""
PURPOSE_CODES = {OrderPurpose.CHANGE: "04", OrderPurpose.CANCEL: "01", OrderPurpose.REPLACE: "05"}


def parse(ts: TransactionSet, *, units: UnitMap | None = None, default_currency: str = "USD") -> OrderChange:
    """The canonical order change of an 860 transaction set."""
    reader = SetReader(ts, "860")
    return reader.build("order change",
                        lambda: _parse(reader, units or UnitMap.default_x12(), default_currency.upper()))


def _parse(r: SetReader, units: UnitMap, currency: str) -> OrderChange:
    ts = r.ts
    body, bch = r.beginning("BCH", "a purchase order change")
    purpose_code = r.code(bch, 1)
    if purpose_code not in PURPOSES:
        raise MappingError(f"BCH01 purpose {purpose_code!r} is not one an order change has", r.location(bch, 1))
    po_number = r.required(bch, 3, "purchase order number")
    po_date = r.date(bch, 6)
    change_date = r.date(bch, 10)
    extensions = r.leftovers(bch, {1, 2, 3, 4, 5, 6, 10})
    if purpose_code != PURPOSE_CODES[PURPOSES[purpose_code]]:
        extensions.insert(0, Extension(source=r.source("BCH"), name="BCH01", value=purpose_code))
    starts = [i for i in body if r.tag(i) == "POC"]
    summary = next((i for i in body if starts and i > starts[-1] and r.tag(i) == "CTT"), body.stop)
    header_end = starts[0] if starts else summary
    segments = list(ts.segments)
    segments[bch] = ["BEG", "00", r.code(bch, 2) or "SA", po_number, r.text(bch, 4), r.text(bch, 6)]
    codes: list[tuple[str, str]] = []
    for number, index in enumerate(starts, start=1):
        line_number, code, as_po1, more = _poc(r, index, number, units)
        segments[index] = as_po1
        codes.append((line_number, code))
        extensions += more
    as_850 = SetReader(_replaced(ts, segments), "860")
    header = po850._Header(as_850, currency)  # the 850's heading is the 860's
    header.read(range(body.start, header_end))
    lines = [po850._read_line(as_850, start, stop, units, header.currency, number)
             for number, (start, stop) in enumerate(zip(starts, [*starts[1:], summary][:len(starts)], strict=True),
                                                    start=1)]
    summary_extensions, declared_total = po850._read_summary(
        as_850, range(summary, body.stop), lines, header.currency)
    deleted = {line_number for line_number, code in codes if code == DELETE}
    extensions += [Extension(source=r.source("POC"), name=line_number, value=code) for line_number, code in codes]
    extensions += [Extension(source=r.source("POC"), name=f"{line.line_number} {item.qualifier}", value=item.value)
                   for line in lines if line.line_number in deleted for item in line.items]
    kept = [line for line in lines if line.line_number not in deleted]
    order = header.order(kept, declared_total, summary_extensions).model_copy(
        update={"purpose": PURPOSES[purpose_code], "order_date": po_date})
    return OrderChange(
        po_number=po_number, revision=r.text(bch, 5) or None, purpose=PURPOSES[purpose_code],
        change_date=change_date, order=order, changed_lines=tuple(line_number for line_number, _ in codes),
        extensions=tuple(extensions),
    )


def _replaced(ts: TransactionSet, segments: list[Segment]) -> TransactionSet:
    return TransactionSet(interchange=ts.interchange, group=ts.group, code=ts.code, control_number=ts.control_number,
                          implementation_reference=ts.implementation_reference, segments=segments,
                          problems=ts.problems, index_in_group=ts.index_in_group)


def _poc(r: SetReader, index: int, position: int, units: UnitMap) -> tuple[str, str, Segment, list[Extension]]:
    """POC as the PO1 the 850 reader understands; every POC element is checked here, named as POC."""
    line_number = r.text(index, 1) or str(position)
    code = r.code(index, 2)
    if not code:
        raise MappingError("POC02 (change type code) is missing", r.location(index, 2))
    quantity = r.number(index, 3)
    left = r.number(index, 4)
    if quantity is None and code != DELETE:
        if left is None:
            raise MappingError("POC03 (quantity ordered) is missing", r.location(index, 3))
        quantity = left
    unit = r.code(index, 5)
    if unit:
        r.unit(index, 5, units)  # an unknown unit is an error named at POC05
    elif quantity is not None and code != DELETE:
        raise MappingError("POC05 (unit of measure) is missing", r.location(index, 5))
    r.number(index, 6)
    segment = r.segment(index)
    pairs = [value.strip() for value in segment[8:]]
    as_po1 = ["PO1", line_number, x12_number(quantity if quantity is not None else Decimal(0)), unit or "EA",
              r.text(index, 6), r.code(index, 7), *pairs]
    used = {1, 2, 3, 5, 6, 7} | ({4} if r.number(index, 3) is None and code != DELETE else set())
    more = [e for e in r.leftovers(index, used) if int(e.name[3:]) < 8]
    return line_number, code, as_po1, [Extension(source=e.source, name=f"{line_number} {e.name}", value=e.value)
                                       for e in more]


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render(change: OrderChange, *, units: UnitMap | None = None, version: str = "004010") -> list[Segment]:
    """The body of an 860 (between ST and SE) for ``change``."""
    if version[:6] not in VERSIONS:
        raise MappingError(f"860 version {version!r} is not one we write ({', '.join(VERSIONS)})")
    if change.purpose not in PURPOSE_CODES:
        raise MappingError(f"an 860 cannot say purpose {change.purpose.value} (BCH01: cancel, change, replace)")
    order = change.order
    if order.order_date is None:
        raise MappingError(f"PO {change.po_number}: BCH06 (purchase order date) is required")
    units = units or UnitMap.default_x12()
    codes = {e.name: e.value for e in change.extensions if e.source == f"{SOURCE}/POC" and " " not in e.name}
    body = po850.render(_as_850(order), units=units, version=version)
    bch = refill(["BCH", PURPOSE_CODES[change.purpose], order.order_type or "SA", change.po_number,
                  order.revision or "", change.revision or "", x12_date(order.order_date), "", "", "",
                  x12_date(change.change_date) if change.change_date else ""], change.extensions, f"{SOURCE}/BCH")
    kept = next((e.value for e in change.extensions if e.source == f"{SOURCE}/BCH" and e.name == "BCH01"), None)
    if kept is not None and PURPOSES.get(kept) == change.purpose:
        bch[1] = kept
    heading, groups, summary = _split(body)
    wanted = change.changed_lines or tuple(groups)
    pocs: list[Segment] = []
    for line_number in wanted:
        if line_number in groups:
            po1, *rest = groups[line_number]
            pocs += [_poc_segment(po1, codes.get(line_number, "CA"), change.extensions), *rest]
        else:
            pocs.append(_deleted(line_number, change.extensions))
    count = sum(1 for segment in pocs if segment[0] == "POC")
    summary = [["CTT", str(count)] if segment[0] == "CTT" else segment for segment in summary]
    return [bch, *heading, *pocs, *summary]


def _split(body: list[Segment]) -> tuple[list[Segment], dict[str, list[Segment]], list[Segment]]:
    """The 850 writer's body as heading (without BEG), the segments of each PO1 loop, summary."""
    heading: list[Segment] = []
    groups: dict[str, list[Segment]] = {}
    summary: list[Segment] = []
    current: list[Segment] | None = None
    for segment in body[1:]:
        if segment[0] == "PO1":
            current = groups.setdefault(segment[1], [])
        elif segment[0] == "CTT":
            current = summary
        (heading if current is None else current).append(segment)
    return heading, groups, summary


def _as_850(order: Order) -> Order:
    """``order`` with its ``x12:860/...`` extensions renamed as the 850 writer reads them."""
    def moved(extensions: Iterable[Extension]) -> tuple[Extension, ...]:
        return tuple(e.model_copy(update={"source": e.source.replace(f"{SOURCE}/", "x12:850/", 1)})
                     if e.source.startswith(f"{SOURCE}/") else e for e in extensions)

    def party(value: Party | None) -> Party | None:
        return None if value is None else value.model_copy(update={"extensions": moved(value.extensions)})

    def line(value: OrderLine) -> OrderLine:
        return value.model_copy(update={"extensions": moved(value.extensions), "ship_to": party(value.ship_to)})

    return order.model_copy(update={
        "purpose": OrderPurpose.ORIGINAL, "extensions": moved(order.extensions), "lines": tuple(map(line, order.lines)),
        "buyer": party(order.buyer), "seller": party(order.seller), "ship_to": party(order.ship_to),
        "bill_to": party(order.bill_to), "other_parties": tuple(p for p in map(party, order.other_parties) if p)})


def _poc_segment(po1: Segment, code: str, extensions: Iterable[Extension]) -> Segment:
    """The POC for a line the 850 writer wrote as ``po1``."""
    line_number = po1[1]
    poc = ["POC", line_number, code, po1[2], "", po1[3], po1[4], po1[5] if len(po1) > 5 else "", *po1[6:]]
    for ext in extensions:
        if ext.source == f"{SOURCE}/POC" and ext.name.startswith(f"{line_number} POC"):
            position = int(ext.name.split(" POC")[1])
            while len(poc) <= position:
                poc.append("")
            poc[position] = poc[position] or ext.value
    return poc


def _deleted(line_number: str, extensions: Iterable[Extension]) -> Segment:
    """The POC ``DI`` of a line the change deletes, with the product IDs kept for it."""
    pairs = [value for e in extensions if e.source == f"{SOURCE}/POC" and e.name.startswith(f"{line_number} ")
             and not e.name.split(" ", 1)[1].startswith("POC") for value in (e.name.split(" ", 1)[1], e.value)]
    return ["POC", line_number, DELETE, "", "", "", "", "", *pairs]


__all__ = ["PURPOSES", "parse", "render"]
