"""cXML 1.2 ``InvoiceDetailRequest`` (InvoiceDetail.dtd) <-> canonical :class:`~formats.model.Invoice`.

An invoice is ``InvoiceDetailRequestHeader`` (invoiceID, purpose standard / creditMemo,
invoiceDate, indicators, PaymentTerm), one ``InvoiceDetailOrder`` per order invoiced
(``InvoiceDetailOrderInfo`` with the OrderReference, then ``InvoiceDetailItem`` lines:
quantity, UnitOfMeasure, UnitPrice, the ordered line in ``InvoiceDetailItemReference``,
SubtotalAmount, Tax) and ``InvoiceDetailSummary`` (SubtotalAmount, Tax, SpecialHandlingAmount,
ShippingAmount, GrossAmount, InvoiceDetailDiscount, NetAmount, DueAmount).

Totals are computed from rounded lines (DESIGN.md): each line's SubtotalAmount is quantity x
price rounded to the currency; the summary adds those, the taxes and charges, less discounts.
A credit memo (``purpose="creditMemo"``) is written with negative amounts and quantities, as
the cXML guide asks; reading takes the absolute values back.

The account to pay into (the invoice's payment means) is an ``InvoicePartner`` of role
``remitTo`` with ``IdReference``\\ s of domains ``ibanID``, ``swiftID`` and ``accountName``; cXML
has no payment means code or remittance reference (the invoiceID is quoted), so reading gives
``58`` (SEPA credit transfer) for an IBAN and ``30`` otherwise.

The parties are ``InvoicePartner`` contacts (:func:`formats.cxml.parties.party_contact_element`)
of roles ``from`` (the seller), ``soldTo`` (the buyer) and ``billTo``; the ship-to is the
``shipTo`` contact of ``InvoiceDetailShipping`` beside the seller as ``shipFrom`` (an
``InvoicePartner`` ``shipTo`` without a seller). cXML has no due date: a due date without net
days is written as the ``PaymentTerm`` days to it (read back as net days). The item ids are
``ItemID``'s SupplierPartID, SupplierPartAuxiliaryID and BuyerPartID. The summary ``Tax`` holds a
``TaxDetail`` per tax: the lines' taxes then the invoice's own (read back as the invoice's taxes:
what follows the lines' taxes), or, when the lines give only rates, the invoice's VAT breakdown
(read back whole, since it is not the lines' taxes repeated).

Charges coded ``Shipping`` are the ShippingAmount, other charges the SpecialHandlingAmount,
allowances the InvoiceDetailDiscount.

More information: cXML User's Guide 1.2, "Invoices"; the DTD is InvoiceDetail.dtd 1.2.037 (the
one in the corpus).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree
from pydantic import ValidationError as PydanticValidationError

from formats.codes.units import UnitMap
from formats.cxml.common import (
    INVOICE_VERSION,
    attribute,
    child,
    children,
    date_attribute,
    date_part,
    datetime_text,
    decimal_text,
    description,
    money,
    money_element,
    need,
    number,
    optional_money,
    optional_text,
    required_attribute,
    serialize,
    sub,
    text,
    unit_of,
    units_or_default,
    where,
    whole_number,
)
from formats.cxml.envelope import Routing, document_of, request_document
from formats.cxml.items import read_item_ids, set_content
from formats.cxml.parties import party_contact_element, read_party_contact
from formats.errors import Location, MappingError
from formats.model import (
    Allowance,
    Invoice,
    InvoiceLine,
    ItemIdKind,
    Money,
    Party,
    PartyRole,
    PaymentMeans,
    PaymentTerms,
    Quantity,
    Reference,
    Tax,
)

DTD = "InvoiceDetail.dtd"
SHIPPING = "Shipping"
SPECIAL_HANDLING = "SpecialHandling"
DOCUMENT_REFERENCE = "DocumentReference"
REMIT_TO = "remitTo"
IBAN, SWIFT, ACCOUNT_NAME, BANK_ACCOUNT = "ibanID", "swiftID", "accountName", "bankAccountID"
"""The cXML guide's IdReference domains of a remit-to account."""
SEPA_TRANSFER, CREDIT_TRANSFER = "58", "30"
PARTNER_ROLES: dict[str, PartyRole] = {"from": PartyRole.SELLER, "soldTo": PartyRole.BUYER, "billTo": PartyRole.BILL_TO}
"""InvoicePartner contact roles (the cXML guide's) of the invoice's parties."""
SHIP_FROM, SHIP_TO = "shipFrom", "shipTo"
ITEM_ID_PARTS = (("SupplierPartAuxiliaryID", ItemIdKind.SELLER_AUX), ("BuyerPartID", ItemIdKind.BUYER))


def _sum(amounts: list[Money], currency: str) -> Money:
    return Money(amount=sum((a.rounded().amount for a in amounts), Decimal(0)), currency=currency)


def _with_amount(tax: Tax, base: Money) -> Tax:
    """A line tax given only as a rate (EN 16931 style: the amounts are per category) with its amount."""
    if tax.amount is not None or tax.percent is None:
        return tax
    amount = Money(amount=base.amount * tax.percent / 100, currency=base.currency).rounded()
    return tax.model_copy(update={"amount": amount})


def _tax_element(parent: etree._Element, taxes: tuple[Tax, ...], currency: str, sign: int, what: str) -> None:
    amounts = []
    for tax in taxes:
        if tax.amount is None:
            raise MappingError(f"{what}: a cXML Tax needs an amount, not only a rate")
        amounts.append(tax.amount)
    total = _sum(amounts, currency)
    element = sub(parent, "Tax")
    sub(element, "Money", decimal_text(total.amount * sign), currency=currency)
    description(element, "; ".join(t.description for t in taxes if t.description) or None, "en")
    for tax in taxes:
        if tax.category is not None and tax.amount is not None:
            detail = sub(element, "TaxDetail", category=tax.category,
                         percentageRate=decimal_text(tax.percent) if tax.percent is not None else None)
            money_element(detail, "TaxAmount", tax.amount.rounded(), negate=sign < 0)


def _remit_to(header: etree._Element, means: PaymentMeans, seller_name: str | None) -> None:
    """An ``InvoicePartner`` of role remitTo naming the account to pay into (none without an account)."""
    if not means.account_id:
        return
    references = [(domain, value) for domain, value in (
        (IBAN, means.account_id), (SWIFT, means.institution_id), (ACCOUNT_NAME, means.account_name)) if value]
    partner = sub(header, "InvoicePartner")
    contact = sub(partner, "Contact", role=REMIT_TO)
    sub(contact, "Name", means.account_name or seller_name or means.account_id, lang="en")
    for domain, value in references:
        sub(partner, "IdReference", identifier=value, domain=domain)


def _read_payment_means(header: etree._Element) -> tuple[PaymentMeans, ...]:
    """The remitTo partners' accounts as credit transfers (an IBAN: SEPA, ``58``; another account: ``30``)."""
    found: list[PaymentMeans] = []
    for partner in children(header, "InvoicePartner"):
        contact = child(partner, "Contact")
        if contact is None or (attribute(contact, "role") or "") != REMIT_TO:
            continue
        ids = {attribute(ref, "domain"): attribute(ref, "identifier") for ref in children(partner, "IdReference")}
        account = ids.get(IBAN) or ids.get(BANK_ACCOUNT)
        if account:
            found.append(PaymentMeans(code=SEPA_TRANSFER if ids.get(IBAN) else CREDIT_TRANSFER, account_id=account,
                                      account_name=ids.get(ACCOUNT_NAME), institution_id=ids.get(SWIFT)))
    return tuple(found)


def _partners(header: etree._Element, invoice: Invoice) -> None:
    """The parties as InvoicePartner contacts, the ship-to in InvoiceDetailShipping (module doc)."""
    parties = {"from": invoice.seller, "soldTo": invoice.buyer, "billTo": invoice.bill_to}
    ship_to = invoice.ship_to
    if ship_to is not None and invoice.seller is None:
        parties[SHIP_TO] = ship_to
    for role, party in parties.items():
        if party is not None:
            party_contact_element(sub(header, "InvoicePartner"), party, role)
    if ship_to is not None and invoice.seller is not None:
        shipping = sub(header, "InvoiceDetailShipping")
        party_contact_element(shipping, invoice.seller, SHIP_FROM)
        party_contact_element(shipping, ship_to, SHIP_TO)


def _net_days(invoice: Invoice) -> int | None:
    """The PaymentTerm days: the terms' net days, else the days to the due date (when it is not before)."""
    if invoice.terms is not None and invoice.terms.net_days is not None:
        return invoice.terms.net_days
    if invoice.due_date is not None and invoice.due_date >= invoice.invoice_date:
        return (invoice.due_date - invoice.invoice_date).days
    return None


def _read_partners(header: etree._Element) -> dict[str, Party]:
    """The invoice's parties by field name (module doc); the remitTo partner is the payment means'."""
    found: dict[str, Party] = {}
    for partner in children(header, "InvoicePartner"):
        contact = child(partner, "Contact")
        role = attribute(contact, "role") if contact is not None else None
        if contact is None or role not in (*PARTNER_ROLES, SHIP_TO):
            continue
        party_role = PARTNER_ROLES.get(role or "", PartyRole.SHIP_TO)
        found.setdefault(party_role.value.replace("-", "_"), read_party_contact(contact, party_role))
    for contact in children(child(header, "InvoiceDetailShipping"), "Contact"):
        if attribute(contact, "role") == SHIP_TO:
            found.setdefault("ship_to", read_party_contact(contact, PartyRole.SHIP_TO))
    return found


def render(invoice: Invoice, *, payload_id: str, timestamp: dt.datetime, routing: Routing,
           order_payload_id: str | None = None, units: UnitMap | None = None) -> bytes:
    """The InvoiceDetailRequest of ``invoice`` (valid against InvoiceDetail.dtd 1.2.037)."""
    unit_map = units_or_default(units)
    currency = invoice.currency
    sign = -1 if invoice.is_credit_note else 1
    if invoice.po_number is None:
        raise MappingError(f"invoice {invoice.invoice_number}: a cXML invoice needs the order it bills (po_number)")
    if not invoice.lines:
        raise MappingError(f"invoice {invoice.invoice_number}: a cXML invoice needs at least one line")
    root, request = request_document(payload_id, timestamp, routing, version=INVOICE_VERSION)
    document = sub(request, "InvoiceDetailRequest")
    header = sub(document, "InvoiceDetailRequestHeader", invoiceID=invoice.invoice_number,
                 purpose="creditMemo" if invoice.is_credit_note else "standard", operation="new",
                 invoiceDate=datetime_text(invoice.invoice_date))
    sub(header, "InvoiceDetailHeaderIndicator")
    sub(header, "InvoiceDetailLineIndicator", isTaxInLine="yes" if any(ln.taxes for ln in invoice.lines) else None)
    for means in invoice.payment_means:
        _remit_to(header, means, invoice.seller.name if invoice.seller else None)
    _partners(header, invoice)
    days = _net_days(invoice)
    if days is not None:
        sub(header, "PaymentTerm", payInNumberOfDays=str(days))
    if invoice.notes:
        sub(header, "Comments", "\n".join(invoice.notes), lang="en")
    order = sub(document, "InvoiceDetailOrder")
    info = sub(order, "InvoiceDetailOrderInfo")
    if order_payload_id is not None:
        sub(sub(info, "OrderReference", orderID=invoice.po_number), "DocumentReference", payloadID=order_payload_id)
    else:
        sub(info, "OrderIDInfo", orderID=invoice.po_number)
    subtotals: list[Money] = []
    line_taxes: list[Tax] = []
    rates_only = False  # line taxes given as rates: the invoice's own taxes are then the per-category totals
    for line in invoice.lines:
        where_ = Location(path=f"invoice line {line.line_number}")
        if line.unit_price.currency != currency:
            raise MappingError(f"priced in {line.unit_price.currency}, invoiced in {currency}", where_)
        for number_ in (line.line_number, line.order_line_number or line.line_number):
            if whole_number(number_) is None:
                raise MappingError(f"cXML line numbers must be numbers, not {number_!r}", where_)
        basis = line.price_basis.quantity or Decimal(1)
        subtotal = Money(amount=line.quantity.value * line.unit_price.amount / basis, currency=currency).rounded()
        subtotals.append(subtotal)
        item = sub(order, "InvoiceDetailItem", invoiceLineNumber=line.line_number,
                   quantity=decimal_text(line.quantity.value * sign))
        sub(item, "UnitOfMeasure", unit_map.from_canonical(line.quantity.unit, where_))
        money_element(item, "UnitPrice", line.unit_price)
        reference = sub(item, "InvoiceDetailItemReference", lineNumber=line.order_line_number or line.line_number)
        supplier_part = next((i.value for i in line.items if i.kind == ItemIdKind.SELLER), None)
        if supplier_part is not None:
            item_id = sub(reference, "ItemID")
            set_content(sub(item_id, "SupplierPartID"), supplier_part)
            for name, kind in ITEM_ID_PARTS:
                other = next((i.value for i in line.items if i.kind == kind), None)
                if other is not None:
                    set_content(sub(item_id, name), other)
        if line.description is not None:
            description(reference, line.description, "en")
        money_element(item, "SubtotalAmount", subtotal, negate=sign < 0)
        if line.taxes:
            rates_only = rates_only or any(t.amount is None for t in line.taxes)
            taxed = tuple(_with_amount(t, subtotal) for t in line.taxes)
            _tax_element(item, taxed, currency, sign, str(where_))
            line_taxes.extend(taxed)
        if line.allowances:
            raise MappingError("line allowances and charges are not written to cXML invoices yet", where_)
    summary = sub(document, "InvoiceDetailSummary")
    subtotal = _sum(subtotals, currency)
    money_element(summary, "SubtotalAmount", subtotal, negate=sign < 0)
    taxes = invoice.taxes if rates_only and invoice.taxes else (*line_taxes, *invoice.taxes)
    _tax_element(summary, taxes, currency, sign, f"invoice {invoice.invoice_number}")
    tax_total = _sum([t.amount for t in taxes if t.amount is not None], currency)
    shipping = _sum([a.amount for a in invoice.allowances if a.is_charge and a.code == SHIPPING and a.amount], currency)
    handling = _sum([a.amount for a in invoice.allowances if a.is_charge and a.code != SHIPPING and a.amount],
                    currency)
    discount = _sum([a.amount for a in invoice.allowances if not a.is_charge and a.amount], currency)
    if any(a.amount is None for a in invoice.allowances):
        raise MappingError(f"invoice {invoice.invoice_number}: cXML needs the amount of every allowance and charge")
    if handling.amount:
        money_element(summary, "SpecialHandlingAmount", handling, negate=sign < 0)
    if shipping.amount:
        money_element(summary, "ShippingAmount", shipping, negate=sign < 0)
    gross = Money(amount=subtotal.amount + tax_total.amount + shipping.amount + handling.amount, currency=currency)
    money_element(summary, "GrossAmount", gross, negate=sign < 0)
    if discount.amount:
        holder = sub(summary, "InvoiceDetailDiscount")
        sub(holder, "Money", decimal_text(discount.amount * sign), currency=currency)
    net = Money(amount=gross.amount - discount.amount, currency=currency)
    money_element(summary, "NetAmount", net, negate=sign < 0)
    money_element(summary, "DueAmount", net, negate=sign < 0)
    return serialize(root, DTD, INVOICE_VERSION)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _positive(value: Money) -> Money:
    return Money(amount=abs(value.amount), currency=value.currency)


def _read_tax(element: etree._Element, what: str) -> Tax:
    detail = child(element, "TaxDetail")
    rate = attribute(detail, "percentageRate") if detail is not None else None
    return Tax(amount=_positive(money(element, what)), description=optional_text(element, "Description"),
               category=attribute(detail, "category") if detail is not None else None,
               percent=number(rate, detail, "percentageRate", "percentageRate")  # type: ignore[arg-type]
               if rate else None)


def parse(raw: bytes | etree._Element, *, units: UnitMap | None = None) -> Invoice:
    """The canonical invoice of an InvoiceDetailRequest (all its orders' lines, the first order's number)."""
    document = document_of(raw, "InvoiceDetailRequest")
    unit_map = units_or_default(units)
    header = need(document, "InvoiceDetailRequestHeader", "InvoiceDetailRequest")
    invoice_number = required_attribute(header, "invoiceID", "InvoiceDetailRequestHeader")
    invoice_date = date_part(date_attribute(header, "invoiceDate", "invoiceDate"))
    if invoice_date is None:
        raise MappingError("InvoiceDetailRequestHeader has no invoiceDate", where(header, "invoiceDate"))
    purpose = (attribute(header, "purpose") or "standard").lower()
    try:
        lines: list[InvoiceLine] = []
        references: list[Reference] = []
        po_number: str | None = None
        for order in [*children(document, "InvoiceDetailOrder"), *children(document, "InvoiceDetailHeaderOrder")]:
            info = child(order, "InvoiceDetailOrderInfo")
            if info is None:
                info = child(order, "InvoiceDetailOrderSummary")
            for name in ("OrderReference", "OrderIDInfo", "SupplierOrderInfo"):
                node = child(info, name)
                if node is not None and po_number is None:
                    po_number = attribute(node, "orderID")
            document_reference = child(info, "OrderReference", "DocumentReference")
            payload = attribute(document_reference, "payloadID") if document_reference is not None else None
            if payload:
                references.append(Reference(qualifier=DOCUMENT_REFERENCE, value=payload))
            for item in children(order, "InvoiceDetailItem"):
                lines.append(_read_line(item, unit_map))
        summary = need(document, "InvoiceDetailSummary", "InvoiceDetailRequest")
        subtotal = optional_money(summary, "SubtotalAmount", "SubtotalAmount")
        currency = subtotal.currency if subtotal else (lines[0].unit_price.currency if lines else "USD")
        allowances = []
        for name, code in (("ShippingAmount", SHIPPING), ("SpecialHandlingAmount", SPECIAL_HANDLING)):
            amount = optional_money(summary, name, name)
            if amount is not None and amount.amount:
                allowances.append(Allowance(is_charge=True, amount=_positive(amount), code=code))
        discount = optional_money(summary, "InvoiceDetailDiscount", "InvoiceDetailDiscount")
        if discount is not None and discount.amount:
            allowances.append(Allowance(is_charge=False, amount=_positive(discount)))
        taxes = _read_summary_taxes(child(summary, "Tax"), lines)
        term = child(header, "PaymentTerm")
        days = attribute(term, "payInNumberOfDays") if term is not None else None
        net_days = whole_number(days) if days else None
        return Invoice(**_read_partners(header),
            invoice_number=invoice_number, invoice_date=invoice_date, is_credit_note=purpose == "creditmemo",
            po_number=po_number, currency=currency, lines=tuple(lines), allowances=tuple(allowances), taxes=taxes,
            terms=PaymentTerms(net_days=net_days) if net_days is not None else None,
            notes=(text(header, "Comments"),) if text(header, "Comments") else (), references=tuple(references),
            payment_means=_read_payment_means(header))
    except PydanticValidationError as exc:
        raise MappingError(f"not a valid invoice: {exc.errors()[0]['msg']}", where(document)) from exc


def _read_summary_taxes(tax: etree._Element | None, lines: list[InvoiceLine]) -> tuple[Tax, ...]:
    """The invoice's own taxes in the summary Tax (module doc).

    Without taxed lines: the one total. With them: one tax per TaxDetail, less the lines' taxes
    when the details begin with them (what :func:`render` writes for lines taxed with amounts).
    """
    if tax is None or not text(tax, "Money"):
        return ()
    line_taxes = [t for line in lines for t in line.taxes]
    if not line_taxes:
        return (_read_tax(tax, "summary Tax"),)
    what = optional_text(tax, "Description")
    details = []
    for detail in children(tax, "TaxDetail"):
        amount = child(detail, "TaxAmount")
        rate = attribute(detail, "percentageRate")
        details.append(Tax(amount=_positive(money(amount, "TaxDetail TaxAmount")) if amount is not None else None,
                           category=attribute(detail, "category"), description=what,
                           percent=number(rate, detail, "percentageRate", "percentageRate") if rate else None))
    key = [(t.category, t.percent, t.amount) for t in details]
    if key[:len(line_taxes)] == [(t.category, t.percent, t.amount) for t in line_taxes]:
        return tuple(details[len(line_taxes):])
    return tuple(details)


def _read_line(item: etree._Element, units: UnitMap) -> InvoiceLine:
    unit_node = need(item, "UnitOfMeasure", "InvoiceDetailItem")
    reference = child(item, "InvoiceDetailItemReference")
    tax = child(item, "Tax")
    return InvoiceLine(
        line_number=required_attribute(item, "invoiceLineNumber", "InvoiceDetailItem"),
        order_line_number=attribute(reference, "lineNumber") if reference is not None else None,
        items=read_item_ids(child(reference, "ItemID")),
        description=optional_text(reference, "Description"),
        quantity=Quantity(value=abs(number(required_attribute(item, "quantity", "InvoiceDetailItem"),
                                           item, "InvoiceDetailItem quantity", "quantity")),
                          unit=unit_of(units, unit_node)),
        unit_price=money(need(item, "UnitPrice", "InvoiceDetailItem"), "UnitPrice"),
        taxes=(_read_tax(tax, "line Tax"),) if tax is not None and text(tax, "Money") else (),
    )


__all__ = ["DTD", "parse", "render"]
