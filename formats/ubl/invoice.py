"""OASIS UBL 2.1 Invoice and CreditNote <-> canonical :class:`~formats.model.Invoice`.

The UBL Invoice and CreditNote (UBL 2.1 sections 3.2.37 and 3.2.16) are the syntax of the
European e-invoicing norm EN 16931 and of PEPPOL BIS Billing 3.0. A document has its ``ID``,
``IssueDate``, ``DueDate``, type code (``380`` invoice, ``381`` credit note), currency, the
``AccountingSupplierParty`` (seller) and ``AccountingCustomerParty`` (buyer), ``Delivery``,
``PaymentMeans`` (:mod:`.payment`), ``PaymentTerms``, document ``AllowanceCharge``, a
``TaxTotal`` with one ``TaxSubtotal`` per VAT category and rate, the ``LegalMonetaryTotal`` and
the lines (``InvoiceLine``/``CreditNoteLine``).

Rendering computes every total from the rounded lines, never from the input's own totals, so
that the EN 16931 arithmetic rules (BR-CO-10 ... BR-CO-16, BR-S-08/09) hold by construction:

* line net amount = quantity x price / base quantity, rounded, minus line allowances plus charges;
* the VAT breakdown groups lines by (category, rate) from each line's first tax with a category;
  a document-level allowance or charge takes the VAT category of the lines when they have a
  single one (EN 16931 BR-32/BR-37 require one; with several, rendering refuses);
* tax per category = taxable amount x rate, rounded; payable = tax-inclusive total.

Identifier schemes are written as EN 16931 codes (:mod:`.schemes`: ``GLN`` becomes ``0088``),
with one identifier of the buyer, payee and delivery location.

Reading takes the ``TaxSubtotal``\\ s as the invoice's taxes. ``AccountingCustomerParty`` is the
buyer unless a ``BuyerCustomerParty`` is present, which is then the buyer and the accounting
customer the bill-to; ``PayeeParty`` is the remit-to.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from formats.errors import MappingError
from formats.model import Invoice, InvoiceLine, Money, PartyRole, PaymentTerms, Quantity, Reference, Tax
from formats.ubl.common import (
    Reader,
    amount,
    cac,
    cbc,
    mapped,
    new_document,
    quantity,
    require,
    root_of,
    serialize,
    sum_money,
)
from formats.ubl.items import (
    allowance_amount,
    extended,
    read_allowances,
    read_delivery,
    read_item,
    read_item_taxes,
    read_price,
    read_tax_category,
    render_allowance,
    render_delivery,
    render_item,
    render_price,
    render_tax_category,
)
from formats.ubl.parties import SUPPLIER_CONTACTS, read_party, read_wrapped_party, render_party, render_wrapped_party
from formats.ubl.payment import read_payment_means, render_payment_means
from formats.ubl.profiles import EN16931_CUSTOMIZATION, UblProfile, render_preamble
from formats.ubl.schemes import en16931_items, en16931_party

DOCUMENT_TYPES = ("Invoice", "CreditNote")
INVOICE_TYPE = "380"
CREDIT_NOTE_TYPE = "381"
ONE = "C62"
"""Rec 20 *one*: the unit of a line that states no quantity."""
REFERENCES = ("BuyerReference",)
"""Header elements read as references by their own name."""


def parse(raw: bytes | etree._Element) -> Invoice:
    """The canonical invoice of a UBL Invoice or CreditNote document."""
    root = root_of(raw, *DOCUMENT_TYPES)
    r = Reader(root, etree.QName(root).localname)
    credit = r.document_type == "CreditNote"
    r.child(root, "UBLVersionID")
    number = r.required(root, ("ID",), "invoice number")
    issue_date = r.date(root, "IssueDate")
    if issue_date is None:
        r.required(root, ("IssueDate",), "issue date")
    type_code = r.text(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode")
    currency = r.currency(root, "DocumentCurrencyCode") or _first_currency(root)
    if currency is None:
        r.required(root, ("DocumentCurrencyCode",), "currency")
    line_name = "CreditNoteLine" if credit else "InvoiceLine"
    lines = tuple(_read_line(r, line, currency, credit) for line in r.children(root, line_name))
    accounting = read_wrapped_party(r, root, "AccountingCustomerParty", PartyRole.BUYER)
    buyer = read_wrapped_party(r, root, "BuyerCustomerParty", PartyRole.BUYER)
    ship_to, _ = read_delivery(r, root)
    references = [Reference(qualifier=name, value=r.text(root, name)) for name in REFERENCES if r.text(root, name)]
    billing = r.optional(root, "BillingReference", "InvoiceDocumentReference", "ID")
    if billing:
        references.append(Reference(qualifier="BillingReference", value=billing))
    terms = r.optional(root, "PaymentTerms", "Note")
    _mark_derived(r, root)
    return mapped(r, lambda: Invoice(
        invoice_number=number,
        invoice_date=issue_date,
        is_credit_note=credit or type_code == CREDIT_NOTE_TYPE,
        po_number=r.optional(root, "OrderReference", "ID"),
        currency=currency,
        seller=read_wrapped_party(r, root, "AccountingSupplierParty", PartyRole.SELLER),
        buyer=buyer.model_copy(update={"role": PartyRole.BUYER}) if buyer else accounting,
        bill_to=accounting.model_copy(update={"role": PartyRole.BILL_TO}) if buyer and accounting else None,
        ship_to=ship_to,
        remit_to=read_party(r, r.child(root, "PayeeParty"), PartyRole.REMIT_TO),
        terms=PaymentTerms(description=terms) if terms else None,
        payment_means=read_payment_means(r, root),
        due_date=r.date(root, "DueDate") or r.date(root, "PaymentMeans", "PaymentDueDate"),
        lines=lines,
        allowances=read_allowances(r, root, currency),
        taxes=_read_taxes(r, root, currency),
        notes=tuple(r.text(n) for n in r.children(root, "Note") if r.text(n)),
        references=tuple(references),
        extensions=r.leftovers(),
    ))


def _first_currency(root: etree._Element) -> str | None:
    """A sloppy invoice without DocumentCurrencyCode is in the currency its amounts name."""
    return next((str(node.get("currencyID")).upper() for node in root.iter() if node.get("currencyID")), None)


def _mark_derived(r: Reader, root: etree._Element) -> None:
    """Read (and so drop) the totals: rendering recomputes them from the lines."""
    totals = r.child(root, "LegalMonetaryTotal")
    for name in ("LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount", "AllowanceTotalAmount",
                 "ChargeTotalAmount", "PayableAmount"):
        r.child(totals, name)
    for total in r.children(root, "TaxTotal"):
        r.child(total, "TaxAmount")
        for subtotal in r.children(total, "TaxSubtotal"):
            r.child(subtotal, "TaxableAmount")


def _read_taxes(r: Reader, root: etree._Element, currency: str | None) -> tuple[Tax, ...]:
    taxes: list[Tax] = []
    for total in r.children(root, "TaxTotal"):
        for subtotal in r.children(total, "TaxSubtotal"):
            category = r.child(subtotal, "TaxCategory")
            base = read_tax_category(r, category) if category is not None else Tax()
            taxes.append(base.model_copy(update={"amount": r.money(subtotal, "TaxAmount", currency=currency)}))
    return tuple(taxes)


def _read_line(r: Reader, line: etree._Element, currency: str | None, credit: bool) -> InvoiceLine:
    number = r.required(line, ("ID",), "line number")
    # A line may state only its amount (UBL allows it, EN 16931 does not): one unit at that price.
    quantity_value = r.quantity(line, "CreditedQuantity" if credit else "InvoicedQuantity") or Quantity(
        value=Decimal(1), unit=ONE)
    net = r.money(line, "LineExtensionAmount", currency=currency)
    unit_price, basis = read_price(r, r.child(line, "Price"), currency)
    if unit_price is None:
        unit_price = net if net is not None else r.money(r.need(line, "Price", f"price on line {number}"),
                                                         "PriceAmount", currency=currency)
    item = r.child(line, "Item")
    ids, description, _ = read_item(r, item)
    return InvoiceLine(
        line_number=number,
        order_line_number=r.optional(line, "OrderLineReference", "LineID"),
        items=ids,
        description=description,
        quantity=quantity_value,
        unit_price=unit_price,
        price_basis=basis,
        allowances=read_allowances(r, line, currency),
        taxes=read_item_taxes(r, item),
    )


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def line_net(line: InvoiceLine) -> Money:
    """A line's net amount: rounded extension minus its allowances plus its charges."""
    gross = extended(line.quantity.value, line.unit_price, line.price_basis)
    adjust = sum((signed(x.is_charge, allowance_amount(x, gross)) for x in line.allowances), Decimal(0))
    return Money(amount=gross.amount + adjust, currency=gross.currency)


def signed(is_charge: bool, money: Money) -> Decimal:
    """A charge adds to the total, an allowance takes away."""
    return money.amount if is_charge else -money.amount


def line_tax(line: InvoiceLine) -> Tax | None:
    """The VAT category of a line: its first tax with a category or rate."""
    return next((t for t in line.taxes if t.category is not None or t.percent is not None), None)


_Key = tuple[str | None, Decimal | None, str | None]


def _key(tax: Tax) -> _Key:
    return tax.category, tax.percent, (tax.scheme or "VAT").upper()


def render(invoice: Invoice, *, profile: UblProfile | None = None) -> bytes:
    """A schema-valid UBL Invoice (or CreditNote) meeting the EN 16931 business rules."""
    credit = invoice.is_credit_note
    document_type = "CreditNote" if credit else "Invoice"
    require(invoice.lines, "lines", document_type)
    require(invoice.seller, "a seller", document_type)
    require(invoice.buyer or invoice.bill_to, "a buyer", document_type)
    currency = invoice.currency
    nets = [line_net(line) for line in invoice.lines]
    for line, net in zip(invoice.lines, nets, strict=True):
        if net.currency != currency:
            raise MappingError(f"invoice line {line.line_number} is priced in {net.currency}, not {currency}")
    line_total = sum_money(nets, currency)
    categories = _categories(invoice)
    allowance_taxes = [_allowance_tax(invoice, index, categories) for index in range(len(invoice.allowances))]

    root = new_document(document_type)
    render_preamble(root, document_type, profile, EN16931_CUSTOMIZATION)
    cbc(root, "ID", invoice.invoice_number)
    cbc(root, "IssueDate", invoice.invoice_date)
    if not credit:
        cbc(root, "DueDate", invoice.due_date)
    cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", CREDIT_NOTE_TYPE if credit else INVOICE_TYPE)
    for note in invoice.notes:
        cbc(root, "Note", note)
    cbc(root, "DocumentCurrencyCode", currency)
    for name in REFERENCES:
        cbc(root, name, next((ref.value for ref in invoice.references if ref.qualifier == name), None))
    if invoice.po_number:
        cbc(cac(root, "OrderReference"), "ID", invoice.po_number)
    billing = next((ref.value for ref in invoice.references if ref.qualifier == "BillingReference"), None)
    if billing:
        cbc(cac(cac(root, "BillingReference"), "InvoiceDocumentReference"), "ID", billing)
    render_wrapped_party(root, "AccountingSupplierParty", en16931_party(invoice.seller, one_identifier=False),
                         profile, SUPPLIER_CONTACTS)
    render_wrapped_party(root, "AccountingCustomerParty", en16931_party(invoice.bill_to or invoice.buyer), profile)
    remit_to = en16931_party(invoice.remit_to)
    if remit_to is not None:
        render_party(root, "PayeeParty", remit_to, profile, with_address=False)
    if invoice.bill_to is not None and invoice.buyer is not None:
        render_wrapped_party(root, "BuyerCustomerParty", en16931_party(invoice.buyer), profile)
    render_delivery(root, en16931_party(invoice.ship_to), (), profile)
    render_payment_means(root, invoice.payment_means, invoice.due_date if credit else None)
    _render_terms(root, invoice.terms)
    for allowance, tax in zip(invoice.allowances, allowance_taxes, strict=True):
        render_allowance(root, allowance, line_total, tax)
    adjustments = [(a.is_charge, allowance_amount(a, line_total)) for a in invoice.allowances]
    allowance_total = sum_money((m for charge, m in adjustments if not charge), currency)
    charge_total = sum_money((m for charge, m in adjustments if charge), currency)
    tax_total = _render_tax_total(root, invoice, nets, categories, adjustments, allowance_taxes)
    exclusive = line_total.amount - allowance_total.amount + charge_total.amount
    totals = cac(root, "LegalMonetaryTotal")
    amount(totals, "LineExtensionAmount", line_total)
    amount(totals, "TaxExclusiveAmount", Money(amount=exclusive, currency=currency))
    amount(totals, "TaxInclusiveAmount", Money(amount=exclusive + tax_total.amount, currency=currency))
    if invoice.allowances and any(not c for c, _ in adjustments):
        amount(totals, "AllowanceTotalAmount", allowance_total)
    if any(c for c, _ in adjustments):
        amount(totals, "ChargeTotalAmount", charge_total)
    amount(totals, "PayableAmount", Money(amount=exclusive + tax_total.amount, currency=currency))
    for line, net in zip(invoice.lines, nets, strict=True):
        _render_line(root, line, net, credit)
    return serialize(root)


def _categories(invoice: Invoice) -> dict[_Key, Tax]:
    """The VAT categories of the lines, in the order of the invoice's own breakdown when it has one."""
    found = {_key(t): t for line in invoice.lines if (t := line_tax(line)) is not None}
    stated = {_key(t): t for t in invoice.taxes if t.category is not None or t.percent is not None}
    ordered = [key for key in stated if key in found] + [key for key in found if key not in stated]
    return {key: found[key].model_copy(update={
        "description": found[key].description or (stated[key].description if key in stated else None),
        "exemption_code": found[key].exemption_code or (stated[key].exemption_code if key in stated else None),
    }) for key in ordered}


def _allowance_tax(invoice: Invoice, index: int, categories: dict[_Key, Tax]) -> Tax | None:
    """The VAT category of a document-level allowance (EN 16931 BR-32/BR-37 require one).

    The model has no field for it: one read from UBL is kept in the leftover extensions
    (``AllowanceCharge[n]/TaxCategory/ID``); otherwise the lines' single category is used.
    """
    kept = {e.name: e.value for e in invoice.extensions if e.source.startswith("ubl:")}
    prefixes = [f"AllowanceCharge[{index + 1}]/TaxCategory/"] + (
        ["AllowanceCharge/TaxCategory/"] if len(invoice.allowances) == 1 else [])
    for prefix in prefixes:
        if prefix + "ID" in kept:
            percent = kept.get(prefix + "Percent")
            return Tax(category=kept[prefix + "ID"], percent=Decimal(percent) if percent else None)
    if not categories:
        return None
    if len(categories) > 1:
        raise MappingError("a document-level allowance or charge needs its own VAT category (EN 16931 BR-32/37), "
                           "and the invoice lines have several")
    return next(iter(categories.values()))


def _render_terms(root: etree._Element, terms: PaymentTerms | None) -> None:
    if terms is None:
        return
    text = terms.description or (f"Net {terms.net_days} days" if terms.net_days is not None else None)
    if text:
        cbc(cac(root, "PaymentTerms"), "Note", text)


def _render_tax_total(root: etree._Element, invoice: Invoice, nets: list[Money], categories: dict[_Key, Tax],
                      adjustments: list[tuple[bool, Money]], allowance_taxes: list[Tax | None]) -> Money:
    currency = invoice.currency
    if not categories:
        stated = sum_money((t.amount for t in invoice.taxes if t.amount is not None), currency).rounded()
        if any(t.amount is not None for t in invoice.taxes):
            amount(cac(root, "TaxTotal"), "TaxAmount", stated)
        return stated
    for tax in allowance_taxes:
        if tax is not None and _key(tax) not in categories:
            categories = {**categories, _key(tax): tax}
    taxable: dict[_Key, Decimal] = dict.fromkeys(categories, Decimal(0))
    for line, net in zip(invoice.lines, nets, strict=True):
        tax = line_tax(line)
        if tax is not None:
            taxable[_key(tax)] += net.amount
    for (charge, money), tax in zip(adjustments, allowance_taxes, strict=True):
        if tax is not None:
            taxable[_key(tax)] += signed(charge, money)
    amounts = {key: _tax_of(base, categories[key].percent, currency) for key, base in taxable.items()}
    total = sum_money(amounts.values(), currency)
    node = cac(root, "TaxTotal")
    amount(node, "TaxAmount", total)
    for key, tax in categories.items():
        subtotal = cac(node, "TaxSubtotal")
        amount(subtotal, "TaxableAmount", Money(amount=taxable[key], currency=currency))
        amount(subtotal, "TaxAmount", amounts[key])
        render_tax_category(subtotal, "TaxCategory", tax)
    return total


def _tax_of(base: Decimal, percent: Decimal | None, currency: str) -> Money:
    return Money(amount=base * (percent or Decimal(0)) / 100, currency=currency).rounded()


def _render_line(root: etree._Element, line: InvoiceLine, net: Money, credit: bool) -> None:
    node = cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    cbc(node, "ID", line.line_number)
    quantity(node, "CreditedQuantity" if credit else "InvoicedQuantity", line.quantity)
    amount(node, "LineExtensionAmount", net)
    if line.order_line_number:
        cbc(cac(node, "OrderLineReference"), "LineID", line.order_line_number)
    gross = extended(line.quantity.value, line.unit_price, line.price_basis)
    for allowance in line.allowances:  # before Item in both InvoiceLine and CreditNoteLine
        render_allowance(node, allowance, gross)
    tax = line_tax(line)
    render_item(node, en16931_items(line.items), line.description, taxes=(tax,) if tax is not None else ())
    render_price(node, line.unit_price, line.price_basis, line.quantity.unit)


__all__ = ["DOCUMENT_TYPES", "line_net", "line_tax", "parse", "render"]
