"""ANSI X12 810 Invoice <-> canonical :class:`~formats.model.Invoice` (004010 and 005010).

The seller bills by EDI with BIG (invoice date, invoice number, PO date, PO number, BIG07
transaction type 640: ``CR`` makes it a credit note), CUR, REF, PER, the N9/MSG notes, N1 loops
(``SE``/``VN`` seller, ``BY`` buyer, ``BT`` bill-to, ``ST`` ship-to, ``RI`` remit-to), ITD terms
(ITD06 the net due date) in the heading; one IT1 loop per line (line number, quantity, unit 355,
unit price, basis 639, product ID pairs; TXI tax, PID description, ``REF*FJ`` the order line it
bills, SAC allowances and charges); TDS (the invoice total in implied cents, N2), TXI, SAC and
CTT (the number of IT1 segments) in the summary.

The model has no declared total: :func:`invoice_total` computes it (rounded lines, plus charges,
minus allowances, plus taxes: the invoice-level taxes, else the lines'). Reading keeps a TDS01
that disagrees with that computation as an ``x12:810/TDS`` extension, which rendering writes
back; otherwise TDS01 is the computed total. Allowances and taxes with a percent and no amount
do not count (X12 states the amount).

Choices: the heading PER (accounts receivable contact) belongs to the seller; TXI04 is written
``VD`` (vendor defined) when a tax has a ``scheme`` (the jurisdiction code, TXI05), except VAT,
which is TXI01 ``VA`` with its EN 16931 category in TXI10 and the exempt code in TXI06; an invoice
priced in no CUR is in ``default_currency`` (USD). The invoice a credit note credits (the canonical
``BillingReference``, as UBL names it) is ``REF*OI``, original invoice number, both ways; a
reference whose qualifier is no 128 code is a :class:`~formats.errors.MappingError` naming it.
A buyer the order named only by its contact (no name, no identifier) has no N1 loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from formats.codes.units import UnitMap
from formats.errors import MappingError
from formats.model import (
    Allowance,
    Contact,
    Extension,
    Invoice,
    InvoiceLine,
    Money,
    Party,
    PartyRole,
    PaymentTerms,
    PriceBasis,
    Quantity,
    Reference,
    Tax,
)
from formats.x12.envelope import Segment, TransactionSet
from formats.x12.segments_common import (
    NOTES_CONTAINER,
    SetReader,
    allowance_segment,
    contact_segment,
    item_id_elements,
    party_segments,
    place_party,
    read_allowance,
    read_contact,
    read_item_ids,
    read_party,
    read_reference,
    reference_segment,
    refill,
    x12_date,
    x12_number,
)

VERSIONS = ("004010", "005010")
SOURCE = "x12:810"
CREDIT = "CR"  # 640: credit memo
ORDER_LINE = "FJ"  # 128: line item control number, the order line an invoice line bills
TERMS_BASIS = "3"  # 333: invoice date
TAX_JURISDICTION = "VD"  # 955: vendor defined
VALUE_ADDED_TAX = "VA"  # 963: value added tax
VAT_EXEMPTION = {"S": "2", "Z": "2", "G": "0"}  # UNCL 5305 -> 441: not exempt, export; others "1" exempt


def parse(ts: TransactionSet, *, units: UnitMap | None = None, default_currency: str = "USD") -> Invoice:
    """The canonical invoice (or credit note) of an 810 transaction set."""
    reader = SetReader(ts, "810")
    return reader.build("invoice", lambda: _parse(reader, units or UnitMap.default_x12(), default_currency.upper()))


def _parse(r: SetReader, units: UnitMap, currency: str) -> Invoice:
    body, big = r.beginning("BIG", "an invoice")
    starts = [i for i in body if r.tag(i) == "IT1"]
    if not starts:
        raise MappingError("no IT1 segment: an invoice needs at least one line",
                           r.location(next((i for i in body if r.tag(i) == "TDS"), body.stop), tag="IT1"))
    summary = next((i for i in body if i > starts[-1] and r.tag(i) in ("TDS", "CTT")), body.stop)
    invoice_date = r.date(big, 1)
    if invoice_date is None:
        raise MappingError("BIG01 (invoice date) is missing", r.location(big, 1))
    fields: dict[str, object] = {
        "invoice_number": r.required(big, 2, "invoice number"),
        "invoice_date": invoice_date,
        "po_number": r.text(big, 4) or None,
        "is_credit_note": r.code(big, 7) == CREDIT,
    }
    extensions = r.leftovers(big, {1, 2, 4} | ({7} if r.code(big, 7) == CREDIT else set()))
    currency = next((r.code(i, 2) for i in range(body.start, starts[0]) if r.tag(i) == "CUR" and r.text(i, 2)),
                    currency)
    parties: dict[PartyRole, Party | None] = dict.fromkeys(
        (PartyRole.SELLER, PartyRole.BUYER, PartyRole.BILL_TO, PartyRole.SHIP_TO, PartyRole.REMIT_TO))
    others: list[Party] = []
    contacts: list[Contact] = []
    references: list[Reference] = []
    notes: list[str] = []
    index = body.start
    while index < starts[0]:
        tag = r.tag(index)
        if tag == "N1":
            party, index = read_party(r, index, starts[0])
            place_party(party, parties, others)
            continue
        if tag == "CUR":
            r.money(Decimal(0), r.code(index, 2), index, 2)
            extensions += r.leftovers(index, (1, 2) if r.code(index, 1) == "SE" else (2,))
        elif tag in ("REF", "N9"):
            reference, more = read_reference(r, index)
            if (reference.qualifier, reference.value) != NOTES_CONTAINER:
                references.append(reference)
            extensions += more
        elif tag == "MSG":
            notes.append(r.text(index, 1))
        elif tag == "PER":
            contact, more = read_contact(r, index)
            contacts.append(contact)
            extensions += more
        elif tag == "ITD" and "terms" not in fields:
            fields["terms"], fields["due_date"] = _read_terms(r, index)
            extensions += r.leftovers(index, (1, 3, 5, 6, 7, 12) if r.code(index, 2) != TERMS_BASIS
                                      else (1, 2, 3, 5, 6, 7, 12))
        elif tag != "BIG":
            extensions.append(r.kept_whole(index))
        index += 1
    seller = parties[PartyRole.SELLER]
    if contacts:
        base = seller or Party(role=PartyRole.SELLER)
        seller = base.model_copy(update={"contacts": (*contacts, *base.contacts)})
    extensions += [Extension(source=r.source("N1"), name=p.role_code or "N1", value=p.name or "") for p in others]
    lines = [_read_line(r, start, stop, units, currency, number)
             for number, (start, stop) in enumerate(zip(starts, [*starts[1:], summary], strict=True), start=1)]
    allowances, taxes, more = _read_summary(r, range(summary, body.stop), currency)
    invoice = Invoice(
        currency=currency, seller=seller, buyer=parties[PartyRole.BUYER], bill_to=parties[PartyRole.BILL_TO],
        ship_to=parties[PartyRole.SHIP_TO], remit_to=parties[PartyRole.REMIT_TO], lines=tuple(lines),
        allowances=tuple(allowances), taxes=tuple(taxes), notes=tuple(notes), references=tuple(references),
        extensions=tuple(extensions), **fields,  # type: ignore[arg-type]
    )
    declared = [e for e in more if e.name == "TDS01"]
    if declared and Decimal(declared[0].value) == _cents(invoice_total(invoice).amount):
        more.remove(declared[0])
    return invoice.model_copy(update={"extensions": (*invoice.extensions, *more)})


def _read_terms(r: SetReader, index: int) -> tuple[PaymentTerms, dt.date | None]:
    net_days, discount_days = r.number(index, 7), r.number(index, 5)
    terms = PaymentTerms(
        code=r.code(index, 1) or None, discount_percent=r.number(index, 3),
        discount_days=int(discount_days) if discount_days is not None else None,
        net_days=int(net_days) if net_days is not None else None, description=r.text(index, 12) or None)
    return terms, r.date(index, 6)




def _read_tax(r: SetReader, index: int, currency: str) -> tuple[Tax, list[Extension]]:
    """TXI: tax type 963, amount, percent, jurisdiction (TXI05) as the scheme; VAT as `_vat_segment` writes it."""
    amount = r.number(index, 2)
    money = r.money(amount, currency, index, 2) if amount is not None else None
    if r.code(index, 1) == VALUE_ADDED_TAX:
        percent = r.number(index, 3)
        exempt = r.code(index, 6)
        category = r.text(index, 10) or ("S" if exempt == "2" and percent else "Z" if exempt == "2"
                                         else "G" if exempt == "0" else "E")
        tax = Tax(category=category, amount=money, percent=percent, scheme="VAT")
        return tax, r.leftovers(index, {1, 2, 3, 6, 10})
    tax = Tax(category=r.code(index, 1) or None, amount=money, percent=r.number(index, 3),
              scheme=r.text(index, 5) or None)
    used = {1, 2, 3, 5} | ({4} if r.code(index, 4) in ("", TAX_JURISDICTION) else set())
    return tax, r.leftovers(index, used)


def _read_line(r: SetReader, start: int, stop: int, units: UnitMap, currency: str, position: int) -> InvoiceLine:
    quantity = r.number(start, 2)
    if quantity is None:
        raise MappingError("IT102 (quantity invoiced) is missing", r.location(start, 2))
    price = r.number(start, 4)
    if price is None:
        raise MappingError("IT104 (unit price) is missing", r.location(start, 4))
    items, used = read_item_ids(r, start, 6, 26)
    extensions = r.leftovers(start, {1, 2, 3, 4, 5, *used})
    fields: dict[str, object] = {}
    basis = r.code(start, 5)
    if basis:
        fields["price_basis"] = PriceBasis(quantity=Decimal(100) if basis == "HP" else Decimal(1000) if basis == "TP"
                                           else Decimal(1), code=basis)
    allowances: list[Allowance] = []
    taxes: list[Tax] = []
    index = start + 1
    while index < stop:
        tag = r.tag(index)
        if tag == "N1":
            party, index = read_party(r, index, stop)
            extensions.append(Extension(source=r.source("N1"), name=party.role_code or "N1",
                                        value=party.name or (party.ids[0].value if party.ids else "")))
            continue
        if tag == "PID" and r.text(index, 5) and "description" not in fields:
            fields["description"] = r.text(index, 5)
            extensions += r.leftovers(index, (1, 5) if r.code(index, 1) == "F" else (5,))
        elif tag == "REF" and r.code(index, 1) == ORDER_LINE and "order_line_number" not in fields:
            fields["order_line_number"] = r.required(index, 2, "order line number")
            extensions += r.leftovers(index, (1, 2))
        elif (more := _read_adjustment(r, index, currency, allowances, taxes)) is not None:
            extensions += more
        else:
            extensions.append(r.kept_whole(index))
        index += 1
    return InvoiceLine(
        line_number=r.text(start, 1) or str(position), items=tuple(items),
        quantity=Quantity(value=quantity, unit=r.unit(start, 3, units)), unit_price=r.money(price, currency, start, 4),
        allowances=tuple(allowances), taxes=tuple(taxes), extensions=tuple(extensions),
        **fields,  # type: ignore[arg-type]
    )


def _read_summary(r: SetReader, indices: range, currency: str) -> tuple[list[Allowance], list[Tax], list[Extension]]:
    allowances: list[Allowance] = []
    taxes: list[Tax] = []
    extensions: list[Extension] = []
    for index in indices:
        tag = r.tag(index)
        if tag == "TDS":
            if r.number(index, 1) is None:
                raise MappingError("TDS01 (total invoice amount) is missing", r.location(index, 1))
            extensions.append(Extension(source=r.source("TDS"), name="TDS01", value=r.text(index, 1)))
            extensions += r.leftovers(index, (1,))
        elif (more := _read_adjustment(r, index, currency, allowances, taxes)) is not None:
            extensions += more
        elif tag != "CTT":
            extensions.append(r.kept_whole(index))
    return allowances, taxes, extensions


def _read_adjustment(r: SetReader, index: int, currency: str, allowances: list[Allowance],
                     taxes: list[Tax]) -> list[Extension] | None:
    """A SAC allowance/charge or a TXI tax (of a line or of the summary) added to its list; None for others."""
    if r.tag(index) == "SAC" and r.code(index, 1) in ("A", "C"):
        allowance, more = read_allowance(r, index, currency)
        allowances.append(allowance)
        return more
    if r.tag(index) == "TXI":
        tax, more = _read_tax(r, index, currency)
        taxes.append(tax)
        return more
    return None


# --------------------------------------------------------------------------------------------
# Totals
# --------------------------------------------------------------------------------------------


def _signed(allowances: Iterable[Allowance]) -> Decimal:
    return sum(((a.amount.amount if a.is_charge else -a.amount.amount) for a in allowances if a.amount),
               Decimal(0))


def invoice_total(invoice: Invoice) -> Money:
    """What the invoice adds up to: rounded lines, plus charges, minus allowances, plus taxes."""
    total = Decimal(0)
    for line in invoice.lines:
        raw = line.quantity.value * line.unit_price.amount / (line.price_basis.quantity or Decimal(1))
        total += Money(amount=raw, currency=invoice.currency).rounded().amount + _signed(line.allowances)
    total += _signed(invoice.allowances)
    taxes = invoice.taxes or tuple(tax for line in invoice.lines for tax in line.taxes)
    total += sum((tax.amount.amount for tax in taxes if tax.amount), Decimal(0))
    return Money(amount=total, currency=invoice.currency).rounded()


def _cents(amount: Decimal) -> Decimal:
    return (amount * 100).quantize(Decimal(1))


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render(invoice: Invoice, *, units: UnitMap | None = None, version: str = "004010") -> list[Segment]:
    """The body of an 810 (between ST and SE) for ``invoice``."""
    if version[:6] not in VERSIONS:
        raise MappingError(f"810 version {version!r} is not one we write ({', '.join(VERSIONS)})")
    if not invoice.lines:
        raise MappingError(f"invoice {invoice.invoice_number}: an 810 needs at least one IT1 line")
    units = units or UnitMap.default_x12()
    ext = invoice.extensions
    big = refill(["BIG", x12_date(invoice.invoice_date), invoice.invoice_number, "", invoice.po_number or "", "", "",
                  CREDIT if invoice.is_credit_note else ""], ext, f"{SOURCE}/BIG")
    if not invoice.is_credit_note and big[7:8] == [CREDIT]:
        big[7] = ""  # a kept code may not turn an invoice into a credit note
    segments: list[Segment] = [big, refill(["CUR", "SE", invoice.currency], ext, f"{SOURCE}/CUR")]
    segments += [reference_segment(reference) for reference in invoice.references]
    seller = invoice.seller
    if seller is not None and not seller.name and not seller.ids:  # contacts only: heading PER
        segments += [contact_segment(contact) for contact in seller.contacts]
        seller = None
    if invoice.notes:
        segments += [["N9", *NOTES_CONTAINER], *(["MSG", note] for note in invoice.notes)]
    for role, party in ((PartyRole.SELLER, seller), (PartyRole.BUYER, invoice.buyer),
                        (PartyRole.BILL_TO, invoice.bill_to), (PartyRole.SHIP_TO, invoice.ship_to),
                        (PartyRole.REMIT_TO, invoice.remit_to)):
        if party is not None:
            segments += party_segments(party, "810", role)
    if invoice.terms is not None or invoice.due_date is not None:
        segments.append(_terms_segment(invoice.terms or PaymentTerms(), invoice, ext))
    for line in invoice.lines:
        segments += _line_segments(line, units)
    declared = next((e.value for e in ext if e.source == f"{SOURCE}/TDS" and e.name == "TDS01"), None)
    segments.append(["TDS", declared or x12_number(_cents(invoice_total(invoice).amount))])
    segments += [_tax_segment(tax) for tax in invoice.taxes]
    segments += [allowance_segment(allowance) for allowance in invoice.allowances]
    segments.append(["CTT", str(len(invoice.lines))])
    return segments


def _number(value: object) -> str:
    return "" if value is None else x12_number(Decimal(str(value)))


def _terms_segment(terms: PaymentTerms, invoice: Invoice, extensions: Sequence[Extension]) -> Segment:
    itd = ["ITD", terms.code or "", "", _number(terms.discount_percent), "", _number(terms.discount_days),
           x12_date(invoice.due_date) if invoice.due_date else "", _number(terms.net_days), "", "", "", "",
           terms.description or ""]
    itd = refill(itd, extensions, f"{SOURCE}/ITD")
    itd[2] = itd[2] or TERMS_BASIS
    return itd




def _vat_segment(tax: Tax) -> Segment:
    """VAT as TXI: type ``VA``, amount, rate, TXI06 exempt code (441), TXI10 the UNCL 5305 category.

    X12 has no element for the VAT category, so TXI10 (assigned identification) carries it, and the
    exemption code says it for partners that only read X12 codes; an exemption reason text has no place.
    """
    category = tax.category or "S"
    return ["TXI", VALUE_ADDED_TAX, x12_number(tax.amount.amount) if tax.amount else "",
            x12_number(tax.percent) if tax.percent is not None else "", "", "", VAT_EXEMPTION.get(category, "1"),
            "", "", "", category]


def _tax_segment(tax: Tax) -> Segment:
    if (tax.scheme or "").upper() == "VAT":
        return _vat_segment(tax)
    if not tax.category:
        raise MappingError("TXI01 (tax type code) is missing")
    if tax.amount is None and tax.percent is None:
        raise MappingError(f"TXI {tax.category}: a tax needs an amount or a percent")
    return ["TXI", tax.category, x12_number(tax.amount.amount) if tax.amount else "",
            x12_number(tax.percent) if tax.percent is not None else "",
            TAX_JURISDICTION if tax.scheme else "", tax.scheme or ""]


def _line_segments(line: InvoiceLine, units: UnitMap) -> list[Segment]:
    where = f"IT1 {line.line_number}"
    segments: list[Segment] = [[
        "IT1", line.line_number, x12_number(line.quantity.value), units.from_canonical(line.quantity.unit),
        x12_number(line.unit_price.amount), line.price_basis.code or "", *item_id_elements(line.items, 10, where)]]
    segments += [_tax_segment(tax) for tax in line.taxes]
    if line.description:
        segments.append(["PID", "F", "", "", "", line.description])
    if line.order_line_number:
        segments.append(["REF", ORDER_LINE, line.order_line_number])
    segments += [allowance_segment(allowance) for allowance in line.allowances]
    return segments


__all__ = ["invoice_total", "parse", "render"]
