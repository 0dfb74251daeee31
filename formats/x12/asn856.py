"""ANSI X12 856 Ship Notice/Manifest <-> canonical :class:`~formats.model.ShipNotice` (004010, 005010).

An 856 tells the buyer what is on its way before it arrives, as a tree of hierarchical levels
(HL01 its number, HL02 its parent's number, HL03 the level) after a BSN header (purpose 353,
shipment id, date, time, hierarchical structure 1005):

* ``S`` shipment: TD1 (packages), TD5 (carrier SCAC in TD503), REF ``CN`` (carrier's reference,
  the tracking number) or ``BM`` (bill of lading), DTM ``011`` (shipped) and ``017`` (estimated
  delivery), N1 loops ``SF``/``ST``/``BY``/``SE``;
* ``O`` order: PRF01, the buyer's PO number;
* ``P`` pack (``T`` tare, a pallet): MAN ``GM`` with the SSCC-18 when known, MEA gross weight;
  a pack on a pallet is a child of the pallet's HL;
* ``I`` item: LIN (LIN01 the PO line number, then product ID pairs 235/234), SN1 (quantity and
  unit shipped), PID (description); child of its pack, or of the order when not packed.

CTT01 is the number of HL segments and CTT02 the hash total of SN102, as the VICS guide has it.
BSN05 is ``0001`` (shipment, order, packaging, item) when there are packages, ``0004``
(shipment, order, item) when there are none; BSN04 (a required time the model has no field for)
is ``0000`` unless the notice kept the partner's.

Reading is lenient: levels in any order as long as parents come first, LIN01 empty (items are
then numbered by position), several O levels (the first PRF is ``po_number``, the others are kept
as ``x12:856/PRF`` extensions), unknown segments kept as extensions.

>>> from formats.x12 import asn856  # doctest: +SKIP
>>> body = asn856.render(ship_notice)  # doctest: +SKIP
>>> body[0][:3]  # doctest: +SKIP
['BSN', '00', 'SHIP-1']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from formats.codes.units import UnitMap
from formats.errors import MappingError
from formats.model import Extension, Package, Party, PartyRole, Quantity, ShipNotice, ShippedItem
from formats.x12.envelope import Segment, TransactionSet
from formats.x12.segments_common import (
    SetReader,
    item_id_elements,
    party_segments,
    place_party,
    read_item_ids,
    read_party,
    refill,
    x12_date,
    x12_number,
)

VERSIONS = ("004010", "005010")
SOURCE = "x12:856"
SHIPPED = "011"  # 374: shipped
ESTIMATED_DELIVERY = "017"  # 374: estimated delivery
TRACKING_QUALIFIERS = ("CN", "BM")  # 128: carrier's reference number (PRO/invoice), bill of lading
PACKAGE_LEVELS = {"P": "pack", "T": "tare"}
"""HL03 codes of package levels and the canonical ``Package.kind`` they mean."""
PACKAGE_CODES = {**{kind: code for code, kind in PACKAGE_LEVELS.items()}, "carton": "P", "case": "P", "pallet": "T"}
"""HL03 for a package kind: cartons and cases are packs, pallets are tares (as the VICS guide uses them)."""
PACKAGES_SHIPPED_CODE = "CTN25"  # TD101 103: carton, corrugated


def parse(ts: TransactionSet, *, units: UnitMap | None = None) -> ShipNotice:
    """The canonical ship notice of an 856 transaction set."""
    reader = SetReader(ts, "856")
    return reader.build("ship notice", _Reading(reader, units or UnitMap.default_x12()).notice)


@dataclass
class _Level:
    """One HL as read: its code, parent, segments, and what was built from it."""

    index: int
    code: str
    parent: str
    items: list[ShippedItem] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


class _Reading:
    """An 856 read level by level."""

    def __init__(self, reader: SetReader, units: UnitMap) -> None:
        self.r = reader
        self.units = units
        self.fields: dict[str, object] = {}
        self.extensions: list[Extension] = []
        self.parties: dict[PartyRole, Party | None] = dict.fromkeys(
            (PartyRole.SHIP_FROM, PartyRole.SHIP_TO, PartyRole.BUYER, PartyRole.SELLER))
        self.others: list[Party] = []
        self.item_count = 0
        self.packages_index: int | None = None

    def notice(self) -> ShipNotice:
        r = self.r
        body, bsn = r.beginning("BSN", "a ship notice")
        starts = [i for i in body if r.tag(i) == "HL"]
        if not starts:
            raise MappingError("no HL segment: a ship notice needs a shipment level", r.location(bsn, tag="HL"))
        end = next((i for i in body if i > starts[-1] and r.tag(i) == "CTT"), body.stop)
        shipment_id = r.required(bsn, 2, "shipment identification")
        notice_date = r.date(bsn, 3)
        if notice_date is None:
            raise MappingError("BSN03 (date) is missing", r.location(bsn, 3))
        self._heading(bsn, range(body.start, starts[0]))
        levels: dict[str, _Level] = {}
        order: list[str] = []
        for start, stop in zip(starts, [*starts[1:], end], strict=True):
            number = r.required(start, 1, "hierarchical ID number")
            code = r.code(start, 3)
            if not code:
                raise MappingError("HL03 (hierarchical level code) is missing", r.location(start, 3))
            parent = r.text(start, 2)
            if parent and parent not in levels:
                raise MappingError(f"HL02 parent {parent!r} is not an earlier HL", r.location(start, 2))
            levels[number] = _Level(start, code, parent)
            order.append(number)
            if parent:
                levels[parent].children.append(number)
            self._level(levels[number], range(start + 1, stop))
        for index in range(end, body.stop):
            if r.tag(index) != "CTT":
                self.extensions.append(r.kept_whole(index))
        ship_date = self.fields.pop("ship_date", None) or notice_date
        if ship_date != notice_date:
            self.extensions.insert(0, Extension(source=r.source("BSN"), name="BSN03", value=r.text(bsn, 3)))
        roots = [n for n in order if not levels[n].parent]
        packages = [self._package(levels, n) for n in order if levels[n].code in PACKAGE_LEVELS
                    and levels[n].parent and levels[levels[n].parent].code not in PACKAGE_LEVELS]
        loose = [item for n in order if not (levels[n].parent and levels[levels[n].parent].code in PACKAGE_LEVELS)
                 for item in levels[n].items]
        if self.packages_index is not None and r.number(self.packages_index, 2) != len(packages):
            self.extensions.append(r.kept_whole(self.packages_index))
        if len(roots) > 1:
            self.extensions.append(Extension(source=r.source("HL"), name="roots", value=",".join(roots)))
        self.extensions += [Extension(source=r.source("N1"), name=p.role_code or "N1", value=p.name or "")
                            for p in self.others]
        self._bsn_leftovers(bsn, bool(packages))
        po_number = self.fields.pop("po_number", None)
        if po_number is None:
            raise MappingError("no PRF segment: the ship notice names no purchase order", r.location(starts[0], 1,
                                                                                                     tag="PRF"))
        return ShipNotice(
            shipment_id=shipment_id,
            po_number=str(po_number),
            ship_date=ship_date,
            ship_from=self.parties[PartyRole.SHIP_FROM],
            ship_to=self.parties[PartyRole.SHIP_TO],
            buyer=self.parties[PartyRole.BUYER],
            seller=self.parties[PartyRole.SELLER],
            packages=tuple(packages),
            items=tuple(loose),
            extensions=tuple(self.extensions),
            **self.fields,  # type: ignore[arg-type]
        )

    def _bsn_leftovers(self, bsn: int, packed: bool) -> None:
        r = self.r
        used = {2, 3}
        if r.code(bsn, 1) == "00":
            used.add(1)
        if r.text(bsn, 4) in ("0000", "000000"):
            used.add(4)
        if r.code(bsn, 5) == ("0001" if packed else "0004"):
            used.add(5)
        self.extensions[:0] = r.leftovers(bsn, used)

    def _heading(self, bsn: int, indices: range) -> None:
        for index in indices:
            if index == bsn:
                continue
            self._segment(index)

    def _level(self, level: _Level, indices: range) -> None:
        """The segments of one HL: those the model has a place for are read, the rest kept."""
        r = self.r
        self.extensions += r.leftovers(level.index, (1, 2, 3, 4))
        if level.code == "I":
            level.items.append(self._item(level.index, indices))
            return
        index = indices.start
        while index < indices.stop:
            if r.tag(index) == "N1":
                party, index = read_party(r, index, indices.stop)
                place_party(party, self.parties, self.others)
                continue
            if level.code in PACKAGE_LEVELS and r.tag(index) in ("MAN", "MEA"):
                index += 1  # read with the package
                continue
            self._segment(index)
            index += 1

    def _segment(self, index: int) -> None:
        """A shipment- or order-level segment (or a heading one)."""
        r = self.r
        tag = r.tag(index)
        if tag == "DTM" and r.code(index, 1) in (SHIPPED, ESTIMATED_DELIVERY):
            name = "ship_date" if r.code(index, 1) == SHIPPED else "delivery_date"
            if name not in self.fields:
                self.fields[name] = r.date(index, 2)
                self.extensions += r.leftovers(index, (1, 2))
                return
        elif tag == "TD5" and r.text(index, 3) and "carrier" not in self.fields:
            self.fields["carrier"] = r.text(index, 3)
            self.extensions += r.leftovers(index, (2, 3) if r.code(index, 2) == "2" else (3,))
            return
        elif tag == "REF" and r.code(index, 1) in TRACKING_QUALIFIERS and r.text(index, 2):
            qualifier = r.code(index, 1)
            if "tracking_number" not in self.fields and (qualifier == "CN" or not any(
                    r.tag(i) == "REF" and r.code(i, 1) == "CN" for i in r.body())):
                self.fields["tracking_number"] = r.text(index, 2)
                if qualifier != "CN":
                    self.extensions.append(Extension(source=r.source("REF"), name="tracking", value=qualifier))
                self.extensions += r.leftovers(index, (1, 2))
                return
        elif tag == "TD1" and r.code(index, 1) == PACKAGES_SHIPPED_CODE and self.packages_index is None \
                and not r.leftovers(index, (1, 2)):
            self.packages_index = index  # checked against the packages read, once they are
            return
        elif tag == "PRF":
            po_number = r.required(index, 1, "purchase order number")
            if "po_number" not in self.fields:
                self.fields["po_number"] = po_number
                self.extensions += r.leftovers(index, (1,))
            else:
                self.extensions.append(Extension(source=r.source("PRF"), name="PRF01", value=po_number))
                self.extensions += r.leftovers(index, (1,))
            return
        self.extensions.append(r.kept_whole(index))

    def _item(self, hl: int, indices: range) -> ShippedItem:
        r = self.r
        lin = next((i for i in indices if r.tag(i) == "LIN"), None)
        sn1 = next((i for i in indices if r.tag(i) == "SN1"), None)
        if sn1 is None:
            raise MappingError("item level without SN1 (quantity shipped)", r.location(hl, tag="SN1"))
        self.item_count += 1
        items, used = read_item_ids(r, lin, 2, 31) if lin is not None else ([], set())
        value = r.number(sn1, 2)
        if value is None:
            raise MappingError("SN102 (number of units shipped) is missing", r.location(sn1, 2))
        quantity = Quantity(value=value, unit=r.unit(sn1, 3, self.units))
        line_number = (r.text(lin, 1) if lin is not None else "") or r.text(sn1, 1) or str(self.item_count)
        description = None
        for index in indices:
            tag = r.tag(index)
            if index == lin:
                self.extensions += r.leftovers(index, {1, *used})
            elif index == sn1:
                self.extensions += r.leftovers(index, (1, 2, 3) if r.text(index, 1) in ("", line_number) else (2, 3))
            elif tag == "PID" and r.text(index, 5) and description is None:
                description = r.text(index, 5)
                self.extensions += r.leftovers(index, (1, 5) if r.code(index, 1) == "F" else (5,))
            else:
                self.extensions.append(r.kept_whole(index))
        return ShippedItem(line_number=line_number, items=tuple(items), quantity=quantity, description=description)

    def _package(self, levels: dict[str, _Level], number: str) -> Package:
        r = self.r
        level = levels[number]
        stop = next((levels[n].index for n in levels if levels[n].index > level.index), len(r.ts.segments) - 1)
        sscc = weight = None
        for index in range(level.index + 1, stop):
            tag = r.tag(index)
            if tag == "MAN" and r.code(index, 1) == "GM" and sscc is None:
                sscc = r.text(index, 2)
                self.extensions += r.leftovers(index, (1, 2))
            elif tag == "MEA" and r.code(index, 2) == "G" and r.number(index, 3) is not None and weight is None:
                value = r.number(index, 3)
                weight = Quantity(value=value or Decimal(0), unit=r.unit(index, 4, self.units))
                self.extensions += r.leftovers(index, (1, 2, 3, 4) if r.code(index, 1) == "PD" else (2, 3, 4))
            elif tag in ("MAN", "MEA"):
                self.extensions.append(r.kept_whole(index))
        children = [levels[n] for n in level.children]
        return Package(
            sscc=sscc or None,
            kind=PACKAGE_LEVELS.get(level.code, level.code),
            items=tuple(item for child in children if child.code not in PACKAGE_LEVELS for item in child.items),
            children=tuple(self._package(levels, n) for n in level.children if levels[n].code in PACKAGE_LEVELS),
            weight=weight,
        )


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render(notice: ShipNotice, *, units: UnitMap | None = None, version: str = "004010") -> list[Segment]:
    """The body of an 856 (between ST and SE) for ``notice``: BSN, the HL tree, CTT."""
    if version[:6] not in VERSIONS:
        raise MappingError(f"856 version {version!r} is not one we write ({', '.join(VERSIONS)})")
    units = units or UnitMap.default_x12()
    ext = notice.extensions
    # BSN02 (396) is AN 2/30: X12.6 meets the minimum of an alphanumeric element with trailing spaces
    bsn = refill(["BSN", "", notice.shipment_id.ljust(2), "", "", ""], ext, f"{SOURCE}/BSN")
    defaults = {1: "00", 3: x12_date(notice.ship_date), 4: "0000", 5: "0001" if notice.packages else "0004"}
    for position, value in defaults.items():
        bsn[position] = bsn[position] or value
    tree = _Tree(units)
    shipment = tree.level("", "S", _shipment_segments(notice, units))
    order = tree.level(shipment, "O", [["PRF", notice.po_number]])
    for package in notice.packages:
        tree.package(order, package)
    for item in notice.items:
        tree.item(order, item)
    hash_total = sum((item.quantity.value for item in _all_items(notice)), Decimal(0))
    return [bsn, *tree.segments, ["CTT", str(tree.count), x12_number(hash_total)]]


def _shipment_segments(notice: ShipNotice, units: UnitMap) -> list[Segment]:
    segments: list[Segment] = []
    if notice.packages:
        segments.append(["TD1", PACKAGES_SHIPPED_CODE, str(len(notice.packages))])
    if notice.carrier:
        segments.append(["TD5", "", "2", notice.carrier])
    if notice.tracking_number:
        qualifier = next((e.value for e in notice.extensions if e.source == f"{SOURCE}/REF" and e.name == "tracking"),
                         "CN")
        segments.append(["REF", qualifier, notice.tracking_number])
    segments.append(["DTM", SHIPPED, x12_date(notice.ship_date)])
    if notice.delivery_date:
        segments.append(["DTM", ESTIMATED_DELIVERY, x12_date(notice.delivery_date)])
    for role, party in ((PartyRole.SHIP_FROM, notice.ship_from), (PartyRole.SHIP_TO, notice.ship_to),
                        (PartyRole.BUYER, notice.buyer), (PartyRole.SELLER, notice.seller)):
        if party is not None:
            segments += party_segments(party, "856", role)
    return segments


def _all_items(notice: ShipNotice) -> Iterable[ShippedItem]:
    def walk(package: Package) -> Iterable[ShippedItem]:
        yield from package.items
        for child in package.children:
            yield from walk(child)

    for package in notice.packages:
        yield from walk(package)
    yield from notice.items


class _Tree:
    """HL levels as they are written: numbered 1, 2 ... in document order, each naming its parent."""

    def __init__(self, units: UnitMap) -> None:
        self.units = units
        self.segments: list[Segment] = []
        self.count = 0

    def level(self, parent: str, code: str, content: list[Segment]) -> str:
        self.count += 1
        number = str(self.count)
        self.segments.append(["HL", number, parent, code])
        self.segments += content
        return number

    def package(self, parent: str, package: Package) -> None:
        content: list[Segment] = []
        if package.weight is not None:  # MEA comes before MAN in the HL loop
            content.append(["MEA", "PD", "G", x12_number(package.weight.value),
                            self.units.from_canonical(package.weight.unit)])
        if package.sscc:
            content.append(["MAN", "GM", package.sscc])
        code = PACKAGE_CODES.get((package.kind or "pack").lower(), "P")
        number = self.level(parent, code, content)
        for child in package.children:
            self.package(number, child)
        for item in package.items:
            self.item(number, item)

    def item(self, parent: str, item: ShippedItem) -> None:
        where = f"LIN {item.line_number}"
        if not item.items:
            raise MappingError(f"{where}: LIN02/LIN03 (product ID) is missing: the shipped item has no identifier")
        content: list[Segment] = [
            ["LIN", item.line_number, *item_id_elements(item.items, 15, where)],
            ["SN1", "", x12_number(item.quantity.value), self.units.from_canonical(item.quantity.unit)],
        ]
        if item.description:
            content.append(["PID", "F", "", "", "", item.description])
        self.level(parent, "I", content)


__all__ = ["parse", "render"]
