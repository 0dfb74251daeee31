"""ANSI X12 855 Purchase Order Acknowledgment <-> canonical :class:`~formats.model.OrderResponse`.

ASC X12 004010 and 005010. The seller answers an 850 with BAK (purpose 353, acknowledgment type
587, the buyer's PO number and date, the seller's order number in BAK08, the acknowledgment date
in BAK09), the N1 loops, and one PO1 loop per ordered line holding one ACK per line status
(ACK01 668 status, ACK02/03 quantity and unit, ACK04/05 a 374-qualified date), then CTT with
the number of PO1 segments.

Mapping choices:

* BAK02 is written from :class:`~formats.model.HeaderStatus`: AT accepted, AC accepted with
  changes, RJ rejected, RD rejected with detail; read, the other 587 codes with the same meaning
  (AD, AK, AP / AE / RN / RF, RO) map to those statuses and the partner's code is kept as an
  extension, which rendering writes back when it still means the same;
* ACK01 is written IA accepted, IQ quantity changed, IP price changed, IB backordered, IR
  rejected, DR date rescheduled; the promised date goes in ACK04/05 with qualifier 068
  (current schedule ship);
* a line split in two (part now, part backordered) is one PO1 with two ACKs;
* a line's reason is written as an ``N9*L1*ACKn`` loop in the PO1 loop (n: the ACK it explains,
  counted from 1) with the text in MSG, the spec's place for free text up to 004020, MTX from
  004030 on (:func:`~formats.x12.segments_common.text_segments`; both are read); header notes go
  in an ``N9*L1*NOTES`` loop;
* the acknowledgment date is BAK09, else a ``DTM*009`` (processed), else the GS04 group date;
* a PO1 without any ACK (allowed by the standard) takes its status from BAK02.

The units go through the partner's :class:`~formats.codes.units.UnitMap` both ways; a line
answering a unit the partner sent outside every table (its PO103 kept as an extension) echoes
that code (:func:`_unit_code`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TypeVar

from formats.codes.units import UnitMap
from formats.errors import MappingError
from formats.model import (
    Contact,
    Extension,
    HeaderStatus,
    LineResponse,
    LineStatus,
    Money,
    OrderResponse,
    Party,
    PartyRole,
    Quantity,
)
from formats.x12.envelope import Segment, TransactionSet
from formats.x12.segments_common import (
    NOTES_CONTAINER,
    TEXT_ELEMENTS,
    SetReader,
    contact_segment,
    item_id_elements,
    parse_x12_date,
    party_segments,
    place_party,
    read_contact,
    read_item_ids,
    read_party,
    text_segments,
    x12_date,
    x12_number,
)

HEADER_STATUSES: dict[str, HeaderStatus] = {
    "AT": HeaderStatus.ACCEPTED,
    "AD": HeaderStatus.ACCEPTED,
    "AK": HeaderStatus.ACCEPTED,
    "AP": HeaderStatus.ACCEPTED,
    "AC": HeaderStatus.ACCEPTED_WITH_CHANGES,
    "AE": HeaderStatus.ACCEPTED_WITH_CHANGES,
    "RJ": HeaderStatus.REJECTED,
    "RN": HeaderStatus.REJECTED,
    "RD": HeaderStatus.REJECTED_WITH_DETAIL,
    "RF": HeaderStatus.REJECTED_WITH_DETAIL,
    "RO": HeaderStatus.REJECTED_WITH_DETAIL,
}
"""Acknowledgment type codes (587) read from BAK02."""

HEADER_CODES = {
    HeaderStatus.ACCEPTED: "AT",
    HeaderStatus.ACCEPTED_WITH_CHANGES: "AC",
    HeaderStatus.REJECTED: "RJ",
    HeaderStatus.REJECTED_WITH_DETAIL: "RD",
}

LINE_STATUSES: dict[str, LineStatus] = {
    "IA": LineStatus.ACCEPTED,
    "AC": LineStatus.ACCEPTED,  # accepted and shipped
    "AR": LineStatus.ACCEPTED,  # accepted and released for shipment
    "IC": LineStatus.ACCEPTED,  # accepted, changes made
    "IS": LineStatus.ACCEPTED,  # accepted, substitution made
    "IQ": LineStatus.QUANTITY_CHANGED,
    "IP": LineStatus.PRICE_CHANGED,
    "IB": LineStatus.BACKORDERED,
    "BP": LineStatus.BACKORDERED,  # partial shipment, balance backordered
    "IR": LineStatus.REJECTED,
    "ID": LineStatus.REJECTED,  # item deleted
    "R1": LineStatus.REJECTED,
    "R2": LineStatus.REJECTED,
    "R3": LineStatus.REJECTED,
    "R4": LineStatus.REJECTED,
    "DR": LineStatus.DATE_CHANGED,
}
"""Line item status codes (668) read from ACK01."""

LINE_CODES = {
    LineStatus.ACCEPTED: "IA",
    LineStatus.QUANTITY_CHANGED: "IQ",
    LineStatus.PRICE_CHANGED: "IP",
    LineStatus.BACKORDERED: "IB",
    LineStatus.REJECTED: "IR",
    LineStatus.DATE_CHANGED: "DR",
}

Status = TypeVar("Status", HeaderStatus, LineStatus)

PROMISED_DATE_QUALIFIER = "068"  # 374: current schedule ship
PROCESSED_DATE_QUALIFIER = "009"  # 374: process
VERSIONS = ("004010", "005010")
SOURCE = "x12:855"


def parse(ts: TransactionSet, *, units: UnitMap | None = None, default_currency: str = "USD") -> OrderResponse:
    """The canonical order response of an 855 transaction set."""
    reader = SetReader(ts, "855")
    return reader.build("order response", lambda: _parse(reader, units or UnitMap.default_x12(), default_currency))


def _parse(r: SetReader, units: UnitMap, default_currency: str) -> OrderResponse:
    ts = r.ts
    body, bak = r.beginning("BAK", "a purchase order acknowledgment")
    status_code = r.code(bak, 2)
    if status_code not in HEADER_STATUSES:
        raise MappingError(f"BAK02 acknowledgment type {status_code!r} is not one we know", r.location(bak, 2))
    status = HEADER_STATUSES[status_code]
    extensions = r.leftovers(bak, (2, 3, 4, 8, 9) if r.code(bak, 1) != "00" else (1, 2, 3, 4, 8, 9))
    if status_code != HEADER_CODES[status]:
        extensions.insert(0, Extension(source=r.source("BAK"), name="BAK02", value=status_code))
    starts = [i for i in body if r.tag(i) == "PO1"]
    summary = next((i for i in body if starts and i > starts[-1] and r.tag(i) == "CTT"), body.stop)
    header_end = starts[0] if starts else summary
    currency = default_currency.upper()
    parties: dict[PartyRole, Party | None] = dict.fromkeys((PartyRole.BUYER, PartyRole.SELLER, PartyRole.SHIP_TO))
    others: list[Party] = []
    notes: list[str] = []
    contacts: list[Contact] = []
    response_date = r.date(bak, 9)
    index = body.start
    while index < header_end:
        tag = r.tag(index)
        if tag == "N1":
            party, index = read_party(r, index, header_end)
            place_party(party, parties, others)
            continue
        if tag == "CUR" and r.text(index, 2):
            currency = r.code(index, 2)
            r.money(Decimal(0), currency, index, 2)
            extensions += r.leftovers(index, (1, 2) if r.code(index, 1) == "SE" else (2,))
        elif tag in TEXT_ELEMENTS:
            notes.append(r.text(index, TEXT_ELEMENTS[tag][0]))
        elif tag == "PER":  # heading contact: the buyer's, as in the 850
            contact, more = read_contact(r, index)
            contacts.append(contact)
            extensions += more
        elif tag == "DTM" and r.code(index, 1) == PROCESSED_DATE_QUALIFIER and response_date is None:
            response_date = r.date(index, 2)
            extensions += r.leftovers(index, (1, 2))
        elif tag == "N9" and (r.code(index, 1), r.text(index, 2).upper()) == NOTES_CONTAINER:
            pass  # the container of the notes that follow
        elif tag != "BAK":
            extensions.append(r.kept_whole(index))
        index += 1
    extensions += [Extension(source=r.source("N1"), name=p.role_code or "N1", value=p.name or "") for p in others]
    buyer = parties[PartyRole.BUYER]
    if contacts:
        base = buyer or Party(role=PartyRole.BUYER)
        buyer = base.model_copy(update={"contacts": (*contacts, *base.contacts)})
    if response_date is None:
        response_date = parse_x12_date(ts.group.date, r.location(None, 4, tag="GS"))
    lines: list[LineResponse] = []
    for number, (start, stop) in enumerate(zip(starts, [*starts[1:], summary], strict=True), start=1):
        lines += _read_line(r, start, stop, units, currency, status, number)
    for index in range(summary, body.stop):
        if r.tag(index) != "CTT":
            extensions.append(r.kept_whole(index))
    return OrderResponse(
        po_number=r.required(bak, 3, "purchase order number"),
        po_date=r.date(bak, 4),
        response_number=r.text(bak, 8) or None,
        response_date=response_date,
        status=status,
        buyer=buyer,
        seller=parties[PartyRole.SELLER],
        ship_to=parties[PartyRole.SHIP_TO],
        currency=currency,
        lines=tuple(lines),
        notes=tuple(notes),
        extensions=tuple(extensions),
    )


def _read_line(r: SetReader, start: int, stop: int, units: UnitMap, currency: str, header: HeaderStatus,
               position: int) -> list[LineResponse]:
    """The LineResponses of one PO1 loop: one per ACK (or one from BAK02 when it has none)."""
    line_number = r.text(start, 1) or str(position)
    ordered_value = r.number(start, 2)
    ordered = None
    mapped = True
    if ordered_value is not None:
        unit, mapped = r.unit_as_received(start, 3, units)  # lenient in: an unknown code kept, as in the 850
        ordered = Quantity(value=ordered_value, unit=unit)
    price = r.number(start, 4)
    unit_price = r.money(price, currency, start, 4) if price is not None else None
    items, used = read_item_ids(r, start, 6, 26)
    extensions = r.leftovers(start, {1, 2, 4, *used} | ({3} if mapped else set()))
    acks: list[tuple[int, list[Extension]]] = []
    reasons: dict[int, list[str]] = {}
    reason_for: int | None = None
    for index in range(start + 1, stop):
        tag = r.tag(index)
        if tag == "ACK":
            acks.append((index, []))
        elif tag == "N9" and r.code(index, 1) == "L1" and r.text(index, 2).upper().startswith("ACK"):
            reason_for = int(r.text(index, 2)[3:]) if r.text(index, 2)[3:].isdigit() else None
        elif tag in TEXT_ELEMENTS and reason_for is not None:
            reasons.setdefault(reason_for, []).append(r.text(index, TEXT_ELEMENTS[tag][0]))
        else:
            extensions.append(r.kept_whole(index))
    if not acks:
        if ordered is None:
            raise MappingError("PO1 without ACK needs PO102 (quantity ordered)", r.location(start, 2))
        status = LineStatus.REJECTED if header in (HeaderStatus.REJECTED, HeaderStatus.REJECTED_WITH_DETAIL) \
            else LineStatus.ACCEPTED
        extensions.append(Extension(source=r.source("PO1"), name="ACK", value="absent; status from BAK02"))
        return [LineResponse(line_number=line_number, status=status, quantity=ordered, items=tuple(items),
                             unit_price=unit_price, ordered_quantity=ordered, extensions=tuple(extensions))]
    responses = []
    for count, (index, _) in enumerate(acks, start=1):
        code = r.code(index, 1)
        if code not in LINE_STATUSES:
            raise MappingError(f"ACK01 line status {code!r} is not one we know", r.location(index, 1))
        status = LINE_STATUSES[code]
        value = r.number(index, 2)
        if value is None:
            if ordered is None:
                raise MappingError("ACK02 (quantity) is missing and PO1 has none", r.location(index, 2))
            value = ordered.value
        unit_code = r.code(index, 3)
        known = ordered.unit if ordered is not None and not unit_code else None  # ACK03 absent: PO103's
        ack_unit, ack_mapped = (known, True) if known else r.unit_as_received(index, 3, units)
        quantity = Quantity(value=value, unit=ack_unit)
        promised = r.date(index, 5)
        ack_items, ack_used = read_item_ids(r, index, 7, 27)
        more = [Extension(source=r.source("ACK"), name="ACK01", value=code)] if code != LINE_CODES[status] else []
        used = {1, 2, 5, *ack_used} | ({4} if r.code(index, 4) == PROMISED_DATE_QUALIFIER else set())
        used |= {3} if ack_mapped else set()
        more += r.leftovers(index, used)
        responses.append(LineResponse(
            line_number=line_number, status=status, quantity=quantity, items=tuple(ack_items or items),
            unit_price=unit_price, ordered_quantity=ordered, promised_date=promised,
            reason="\n".join(reasons[count]) if count in reasons else None,
            extensions=tuple((extensions if count == 1 else []) + more),
        ))
    return responses


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render(response: OrderResponse, *, units: UnitMap | None = None, version: str = "004010") -> list[Segment]:
    """The body of an 855 (between ST and SE) for ``response``."""
    if version[:6] not in VERSIONS:
        raise MappingError(f"855 version {version!r} is not one we write ({', '.join(VERSIONS)})")
    if response.po_date is None:
        raise MappingError(f"PO {response.po_number}: BAK04 (purchase order date) is required")
    units = units or UnitMap.default_x12()
    status_code = _kept_code(response.extensions, "BAK02", HEADER_STATUSES, response.status, HEADER_CODES)
    segments: list[Segment] = [[
        "BAK", "00", status_code, response.po_number, x12_date(response.po_date), "", "", "",
        response.response_number or "", x12_date(response.response_date),
    ]]
    if response.currency:
        segments.append(["CUR", "SE", response.currency])
    buyer = response.buyer
    if buyer is not None and not buyer.name and not buyer.ids:  # contacts only: heading PER
        segments += [contact_segment(contact) for contact in buyer.contacts]
        buyer = None
    if response.notes:
        segments += [["N9", *NOTES_CONTAINER], *(m for note in response.notes for m in text_segments(note, version))]
    for role, party in ((PartyRole.SELLER, response.seller), (PartyRole.BUYER, buyer),
                        (PartyRole.SHIP_TO, response.ship_to)):
        if party is not None:
            segments += party_segments(party, "855", role)
    groups: dict[str, list[LineResponse]] = {}
    for line in response.lines:
        groups.setdefault(line.line_number, []).append(line)
    for line_number, lines in groups.items():
        segments += _line_segments(line_number, lines, units, version)
    segments.append(["CTT", str(len(groups))])
    return segments


def _kept_code(extensions: Iterable[Extension], name: str, meanings: Mapping[str, Status], status: Status,
               defaults: Mapping[Status, str]) -> str:
    """The partner's own code kept in ``extensions`` if it still means ``status``, else ours."""
    kept = next((e.value for e in extensions if e.name == name and e.source.startswith(SOURCE)), None)
    return kept if kept is not None and meanings.get(kept) == status else defaults[status]


def _line_segments(line_number: str, lines: list[LineResponse], units: UnitMap, version: str) -> list[Segment]:
    first = lines[0]
    where = f"PO1 {line_number}"
    ordered = first.ordered_quantity or Quantity(
        value=sum((line.quantity.value for line in lines), Decimal(0)), unit=first.quantity.unit)
    price: Money | None = first.unit_price
    segments: list[Segment] = [[
        "PO1", line_number, x12_number(ordered.value), _unit_code(units, ordered.unit, first.extensions),
        x12_number(price.amount) if price else "", "", *item_id_elements(first.items, 10, where),
    ]]
    reasons: list[Segment] = []
    for count, line in enumerate(lines, start=1):
        code = _kept_code(line.extensions, "ACK01", LINE_STATUSES, line.status, LINE_CODES)
        ack = ["ACK", code, x12_number(line.quantity.value), _unit_code(units, line.quantity.unit, line.extensions)]
        if line.promised_date is not None:
            ack += [PROMISED_DATE_QUALIFIER, x12_date(line.promised_date)]
        segments.append(ack)
        if line.reason:
            reasons += [["N9", "L1", f"ACK{count}"], *text_segments(line.reason, version)]
    return segments + reasons


def _unit_code(units: UnitMap, unit: str, extensions: Iterable[Extension]) -> str:
    """The partner's 355 code for ``unit``; a code it sent that no map knows (its PO103 kept) echoed as sent.

    An order refused because its unit is unknown (:func:`formats.x12.po850.unmapped_units`) is
    answered line by line in the partner's own code: that code is what the answer is about.
    """
    try:
        return units.from_canonical(unit)
    except MappingError:
        if any(e.name in ("PO103", "ACK03") and e.value.strip().upper() == unit for e in extensions):
            return unit
        raise


__all__ = ["HEADER_STATUSES", "LINE_STATUSES", "parse", "render"]

