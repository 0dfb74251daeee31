"""ANSI X12 850 Purchase Order <-> canonical :class:`~formats.model.Order` (004010 and 005010).

The 850 is how a trading partner orders by EDI: BEG (purpose 353, type 92, PO number, release,
date), CUR, REF, PER, ITD, DTM (374), TD5, the N9/MSG notes and the N1 loops in the heading; one
PO1 loop per ordered line (line number, quantity, unit 355, price, basis 639, product ID pairs
235/234, then PID, SAC, DTM, SCH, REF, N9/MSG, N1); CTT and AMT in the summary.

Reading is lenient where partners are (codes in any case, optional segments skipped, segments
slightly out of place, numbers like ``.8`` or ``0000000.00``) and refuses what it cannot map:
no BEG, no PO1, a bad date raise :class:`~formats.errors.MappingError` at the segment and
element. Units go through the partner's :class:`~formats.codes.units.UnitMap`, never through
blindly; a code the map does not know (real partners send codes outside the 355 table) does
not stop reading: the line carries the code as received and keeps PO103 as an extension, which
:func:`unmapped_units` finds, so that refusing it is the pipeline's decision, after the
partner's overrides had their chance. Whatever the model has no field for is kept as an
extension (``x12:850/PO4`` ...), see :mod:`formats.x12.segments_common`.

Choices:

* the currency is CUR02 (heading, or a PO1-level CUR for that line's price); an 850 without CUR
  is priced in ``default_currency``, "USD" unless told otherwise, since X12 is a North American
  standard and most partners never send CUR;
* a PO1 without PO101 (allowed by the standard) is numbered by its position, "1", "2" ...;
* CTT01/CTT02 are control totals: kept as an extension only when they disagree with the lines;
* notes (MSG) are written in an ``N9*L1*NOTES`` loop, which reading takes as no reference.

:func:`render` writes the body between ST and SE (``formats.x12.writer.render_interchange``
wraps it); ``parse(render(order))`` equals ``order`` for orders read from an 850.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from formats.codes.units import UnitMap
from formats.errors import MappingError
from formats.model import (
    Allowance,
    Contact,
    DatedEvent,
    Extension,
    Money,
    Order,
    OrderLine,
    OrderPurpose,
    Party,
    PartyRole,
    PaymentTerms,
    PriceBasis,
    Quantity,
    Reference,
)
from formats.x12.envelope import Segment, TransactionSet
from formats.x12.segments_common import (
    NOTES_CONTAINER,
    TEXT_ELEMENTS,
    SetReader,
    allowance_segment,
    contact_segment,
    date_segment,
    item_id_elements,
    party_segments,
    place_party,
    read_allowance,
    read_contact,
    read_dated_event,
    read_item_ids,
    read_party,
    read_reference,
    reference_segment,
    refill,
    text_segments,
    x12_date,
    x12_number,
)

PURPOSES: dict[str, OrderPurpose] = {
    "00": OrderPurpose.ORIGINAL,
    "01": OrderPurpose.CANCEL,
    "04": OrderPurpose.CHANGE,
    "05": OrderPurpose.REPLACE,
    "06": OrderPurpose.CONFIRMATION,
    "07": OrderPurpose.DUPLICATE,
}
"""Transaction set purpose codes (353) of BEG01."""

PURPOSE_CODES = {purpose: code for code, purpose in PURPOSES.items()}

BASIS_QUANTITIES = {"HP": Decimal(100), "TP": Decimal(1000)}
"""Unit price basis codes (639) that quote per more than one unit: per hundred, per thousand."""

TOTAL_QUALIFIERS = ("TT", "1", "GV")
"""AMT01 qualifiers (522) read as the declared order total (total transaction, line item total, gross)."""

VERSIONS = ("004010", "005010")
SOURCE = "x12:850"


def parse(ts: TransactionSet, *, units: UnitMap | None = None, default_currency: str = "USD") -> Order:
    """The canonical order of an 850 transaction set."""
    reader = SetReader(ts, "850")
    return reader.build("order", lambda: _parse(reader, units or UnitMap.default_x12(), default_currency))


def _parse(reader: SetReader, units: UnitMap, default_currency: str) -> Order:
    body, beg = reader.beginning("BEG", "a purchase order")
    starts = [i for i in body if reader.tag(i) == "PO1"]
    if not starts:
        where = next((i for i in body if reader.tag(i) == "CTT"), body.stop)
        raise MappingError("no PO1 segment: a purchase order needs at least one line",
                           reader.location(where, tag="PO1"))
    if beg > starts[0]:
        raise MappingError("BEG comes after the first PO1", reader.location(beg))
    summary = next((i for i in body if i > starts[-1] and reader.tag(i) == "CTT"), body.stop)
    header = _Header(reader, default_currency)
    header.read(range(body.start, starts[0]))
    lines = [
        _read_line(reader, start, stop, units, header.currency, number)
        for number, (start, stop) in enumerate(zip(starts, [*starts[1:], summary], strict=True), start=1)
    ]
    summary_extensions, declared_total = _read_summary(reader, range(summary, body.stop), lines, header.currency)
    return header.order(lines, declared_total, summary_extensions)


class _Header:
    """The heading of an 850 as it is read, segment by segment."""

    def __init__(self, reader: SetReader, default_currency: str) -> None:
        self.reader = reader
        self.currency = default_currency.upper()
        self.fields: dict[str, object] = {}
        self.parties: dict[PartyRole, Party | None] = dict.fromkeys(
            (PartyRole.BUYER, PartyRole.SELLER, PartyRole.SHIP_TO, PartyRole.BILL_TO))
        self.other_parties: list[Party] = []
        self.contacts: list[Contact] = []
        self.references: list[Reference] = []
        self.dates: list[DatedEvent] = []
        self.notes: list[str] = []
        self.allowances: list[Allowance] = []
        self.extensions: list[Extension] = []

    def read(self, indices: range) -> None:
        r = self.reader
        index = indices.start
        while index < indices.stop:
            tag = r.tag(index)
            if tag == "N1":
                party, index = read_party(r, index, indices.stop)
                place_party(party, self.parties, self.other_parties)
                continue
            if tag == "BEG":
                self._beg(index)
            elif tag == "CUR":
                self.currency = r.required(index, 2, "currency code").upper()
                r.money(Decimal(0), self.currency, index, 2)
                self.extensions += r.leftovers(index, (1, 2) if r.code(index, 1) == "BY" else (2,))
            elif tag in ("REF", "N9"):
                self._reference(index)
            elif tag in TEXT_ELEMENTS:  # MSG up to 004020, MTX from 004030 on
                position = TEXT_ELEMENTS[tag][0]
                self.notes.append(r.text(index, position))
                self.extensions += r.leftovers(index, (position,))
            elif tag == "PER":
                contact, more = read_contact(r, index)
                self.contacts.append(contact)
                self.extensions += more
            elif tag == "ITD":
                self._terms(index)
            elif tag == "DTM":
                self.dates.append(read_dated_event(r, index))
                self.extensions += r.leftovers(index, (1, 2, 3))
            elif tag == "TD5" and "carrier" not in self.fields and "ship_method" not in self.fields:
                self._carrier(index)
            elif tag == "SAC":
                allowance, more = read_allowance(r, index, self.currency)
                self.allowances.append(allowance)
                self.extensions += more
            else:
                self.extensions.append(r.kept_whole(index))
            index += 1

    def _beg(self, index: int) -> None:
        r = self.reader
        purpose_code = r.code(index, 1)
        if purpose_code not in PURPOSES:
            raise MappingError(f"BEG01 purpose {purpose_code!r} is not one we process", r.location(index, 1))
        self.fields |= {
            "purpose": PURPOSES[purpose_code],
            "order_type": r.code(index, 2) or None,
            "po_number": r.required(index, 3, "purchase order number"),
            "revision": r.text(index, 4) or None,
            "order_date": r.date(index, 5),
        }
        self.extensions += r.leftovers(index, (1, 2, 3, 4, 5))

    def _reference(self, index: int) -> None:
        r = self.reader
        reference, more = read_reference(r, index)
        container = (reference.qualifier, reference.value) == NOTES_CONTAINER and not reference.description
        if not (r.tag(index) == "N9" and container):
            self.references.append(reference)
        self.extensions += more

    def _terms(self, index: int) -> None:
        r = self.reader
        net_days, discount_days = r.number(index, 7), r.number(index, 5)
        self.fields["terms"] = PaymentTerms(
            code=r.code(index, 1) or None,
            discount_percent=r.number(index, 3),
            discount_days=int(discount_days) if discount_days is not None else None,
            net_days=int(net_days) if net_days is not None else None,
            description=r.text(index, 12) or None,
        )
        self.extensions += r.leftovers(index, (1, 3, 5, 7, 12))

    def _carrier(self, index: int) -> None:
        r = self.reader
        carrier = r.text(index, 3)
        method = r.text(index, 5) or r.text(index, 4)
        self.fields |= {"carrier": carrier or None, "ship_method": method or None}
        used = {3, 4, 5} if not r.text(index, 5) else {3, 5}
        if r.code(index, 2) == "2" and carrier:
            used.add(2)
        self.extensions += r.leftovers(index, used)

    def order(self, lines: list[OrderLine], declared_total: Money | None, summary: list[Extension]) -> Order:
        buyer = self.parties[PartyRole.BUYER]
        if self.contacts:  # heading PER: the buyer's contacts (an 850 has no other place for them)
            base = buyer or Party(role=PartyRole.BUYER)
            buyer = base.model_copy(update={"contacts": (*self.contacts, *base.contacts)})
        return Order(
            **self.fields,  # type: ignore[arg-type]
            currency=self.currency,
            dates=tuple(self.dates),
            buyer=buyer,
            seller=self.parties[PartyRole.SELLER],
            ship_to=self.parties[PartyRole.SHIP_TO],
            bill_to=self.parties[PartyRole.BILL_TO],
            other_parties=tuple(self.other_parties),
            notes=tuple(self.notes),
            references=tuple(self.references),
            allowances=tuple(self.allowances),
            lines=tuple(lines),
            declared_total=declared_total,
            extensions=(*self.extensions, *summary),
        )




def _read_line(r: SetReader, start: int, stop: int, units: UnitMap, currency: str, position: int) -> OrderLine:
    """One PO1 loop, from its PO1 at ``start`` to ``stop``."""
    quantity = r.number(start, 2)
    if quantity is None:
        raise MappingError("PO102 (quantity ordered) is missing", r.location(start, 2))
    unit, mapped = r.unit_as_received(start, 3, units)
    fields: dict[str, object] = {}
    line_currency = next((r.code(i, 2) for i in range(start, stop) if r.tag(i) == "CUR" and r.code(i, 2)), currency)
    price = r.number(start, 4)
    if price is not None:
        fields["unit_price"] = r.money(price, line_currency, start, 4)
    basis = r.code(start, 5)
    if basis:
        fields["price_basis"] = PriceBasis(quantity=BASIS_QUANTITIES.get(basis, Decimal(1)), code=basis)
    items, used = read_item_ids(r, start, 6, 26)
    extensions = r.leftovers(start, {1, 2, 4, 5, *used} | ({3} if mapped else set()))  # PO103 kept if unmapped
    descriptions: list[str] = []
    references: list[Reference] = []
    dates: list[DatedEvent] = []
    notes: list[str] = []
    allowances: list[Allowance] = []
    ship_to: Party | None = None
    index = start + 1
    while index < stop:
        tag = r.tag(index)
        if tag == "N1":
            party, index = read_party(r, index, stop)
            if party.role is PartyRole.SHIP_TO and ship_to is None:
                ship_to = party
            else:
                extensions.append(Extension(source=r.source("N1"), name=party.role_code or "N1",
                                            value=party.name or (party.ids[0].value if party.ids else "")))
            continue
        if tag == "PID" and r.text(index, 5) and not descriptions:
            descriptions.append(r.text(index, 5))
            extensions += r.leftovers(index, (1, 5) if r.code(index, 1) == "F" else (5,))
        elif tag in ("REF", "N9"):
            reference, more = read_reference(r, index)
            if not (tag == "N9" and (reference.qualifier, reference.value) == NOTES_CONTAINER):
                references.append(reference)
            extensions += more
        elif tag in TEXT_ELEMENTS:
            notes.append(r.text(index, TEXT_ELEMENTS[tag][0]))
        elif tag == "DTM":
            dates.append(read_dated_event(r, index))
            extensions += r.leftovers(index, (1, 2, 3))
        elif tag == "SCH":
            dates.append(read_dated_event(r, index, qualifier_at=5, date_at=6, time_at=7))
            extensions += r.leftovers(index, (5, 6, 7))
        elif tag == "SAC":
            allowance, more = read_allowance(r, index, line_currency)
            allowances.append(allowance)
            extensions += more
        elif tag == "CUR":  # the line's price currency; kept as an extension when there is no price
            extensions += r.leftovers(index, (2,) if price is not None else ())
        else:
            extensions.append(r.kept_whole(index))
        index += 1
    return OrderLine(
        line_number=r.text(start, 1) or str(position),
        items=tuple(items),
        description=descriptions[0] if descriptions else None,
        quantity=Quantity(value=quantity, unit=unit),
        dates=tuple(dates),
        ship_to=ship_to,
        allowances=tuple(allowances),
        references=tuple(references),
        notes=tuple(notes),
        extensions=tuple(extensions),
        **fields,  # type: ignore[arg-type]
    )


def _read_summary(r: SetReader, indices: range, lines: list[OrderLine],
                  currency: str) -> tuple[list[Extension], Money | None]:
    """CTT and AMT: control totals checked against the lines, the declared total."""
    extensions: list[Extension] = []
    total: Money | None = None
    for index in indices:
        tag = r.tag(index)
        if tag == "CTT":
            count, hash_total = r.number(index, 1), r.number(index, 2)
            if count is not None and count != len(lines):
                extensions.append(Extension(source=r.source("CTT"), name="CTT01", value=r.text(index, 1)))
            if hash_total is not None and hash_total != sum((line.quantity.value for line in lines), Decimal(0)):
                extensions.append(Extension(source=r.source("CTT"), name="CTT02", value=r.text(index, 2)))
            extensions += r.leftovers(index, (1, 2))
        elif tag == "AMT" and total is None and r.code(index, 1) in TOTAL_QUALIFIERS and r.text(index, 2):
            amount = r.number(index, 2)
            total = r.money(amount if amount is not None else Decimal(0), currency, index, 2)
            extensions += r.leftovers(index, (1, 2)) if r.code(index, 1) == "TT" else r.leftovers(index, (2,))
        else:
            extensions.append(r.kept_whole(index))
    return extensions, total


def unmapped_units(order: Order) -> list[OrderLine]:
    """The lines of ``order`` read from an 850 whose unit (PO103) the partner's unit map did not know.

    Such a line carries the code as received in its quantity and PO103 as an extension
    (module doc); the unit is not a UN/ECE Rec 20 code we can vouch for.
    """
    source = f"{SOURCE}/PO1"
    return [line for line in order.lines
            if any(e.source == source and e.name == "PO103" and e.value.strip().upper() == line.quantity.unit
                   for e in line.extensions)]


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render(order: Order, *, units: UnitMap | None = None, version: str = "004010") -> list[Segment]:
    """The body of an 850 (between ST and SE) for ``order``."""
    if version[:6] not in VERSIONS:
        raise MappingError(f"850 version {version!r} is not one we write ({', '.join(VERSIONS)})")
    if order.order_date is None:
        raise MappingError(f"PO {order.po_number}: BEG05 (purchase order date) is required")
    units = units or UnitMap.default_x12()
    ext = order.extensions
    segments: list[Segment] = [refill(
        ["BEG", PURPOSE_CODES[order.purpose], order.order_type or "SA", order.po_number, order.revision or "",
         x12_date(order.order_date)], ext, f"{SOURCE}/BEG")]
    if order.currency:
        cur = refill(["CUR", "", order.currency], ext, f"{SOURCE}/CUR")
        segments.append([cur[0], cur[1] or "BY", *cur[2:]])
    segments += [reference_segment(reference) for reference in order.references]
    buyer = order.buyer
    if buyer is not None and not buyer.name and not buyer.ids:  # contacts only: heading PER
        segments += [contact_segment(contact) for contact in buyer.contacts]
        buyer = None
    segments += [allowance_segment(allowance) for allowance in order.allowances]
    if order.terms is not None:
        segments.append(_terms_segment(order.terms, ext))
    segments += [date_segment(event) for event in order.dates]
    if order.carrier or order.ship_method:
        segments.append(["TD5", "", "2" if order.carrier else "", order.carrier or "", "", order.ship_method or ""])
    segments += _notes_segments(order.notes, version)
    for party in (buyer, order.seller, order.ship_to, order.bill_to, *order.other_parties):
        if party is not None:
            segments += party_segments(party, "850")
    for line in order.lines:
        segments += _line_segments(line, units, order.currency, version)
    segments.append(["CTT", str(len(order.lines))])
    if order.declared_total is not None:
        segments.append(["AMT", "TT", x12_number(order.declared_total.amount)])
    return segments


def _terms_segment(terms: PaymentTerms, extensions: Iterable[Extension]) -> Segment:
    def number(value: object) -> str:
        return "" if value is None else x12_number(Decimal(str(value)))

    itd = ["ITD", terms.code or "", "", number(terms.discount_percent), "", number(terms.discount_days), "",
           number(terms.net_days), "", "", "", "", terms.description or ""]
    return refill(itd, extensions, f"{SOURCE}/ITD")




def _notes_segments(notes: Iterable[str], version: str) -> list[Segment]:
    messages = [segment for note in notes for segment in text_segments(note, version)]
    return [["N9", *NOTES_CONTAINER], *messages] if messages else []


def _line_segments(line: OrderLine, units: UnitMap, currency: str | None, version: str) -> list[Segment]:
    where = f"PO1 {line.line_number}"
    unit = units.from_canonical(line.quantity.unit)
    po1 = ["PO1", line.line_number, x12_number(line.quantity.value), unit,
           x12_number(line.unit_price.amount) if line.unit_price else "", line.price_basis.code or "",
           *item_id_elements(line.items, 10, where)]
    segments: list[Segment] = [po1]
    if line.unit_price is not None and currency and line.unit_price.currency != currency:
        segments.append(["CUR", "BY", line.unit_price.currency])
    if line.description:
        segments.append(["PID", "F", "", "", "", line.description])
    segments += [reference_segment(reference) for reference in line.references]
    segments += [allowance_segment(allowance) for allowance in line.allowances]
    segments += [date_segment(event) for event in line.dates]
    segments += _notes_segments(line.notes, version)
    if line.ship_to is not None:
        segments += party_segments(line.ship_to, "850")
    return segments


__all__ = ["PURPOSES", "parse", "render", "unmapped_units"]
