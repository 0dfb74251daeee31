"""OASIS UBL 2.1 Order <-> canonical :class:`~formats.model.Order`.

The UBL Order (UBL 2.1 section 3.2.43, PEPPOL BIS Ordering 3) is a buyer's purchase order:
``ID`` (the PO number), ``IssueDate``, ``OrderTypeCode``, ``Note``, ``DocumentCurrencyCode``,
the ``BuyerCustomerParty``, ``SellerSupplierParty``, ``AccountingCustomerParty`` (bill-to),
``Delivery`` (ship-to and requested dates), ``PaymentTerms``, ``AllowanceCharge``, ``TaxTotal``,
``AnticipatedMonetaryTotal`` and one ``OrderLine/LineItem`` per line (``ID``, ``Quantity`` with
its Rec 20 ``unitCode``, ``Price``, ``Item``, line ``Delivery``).

Choices:

* the stated ``AnticipatedMonetaryTotal/PayableAmount`` is the declared total; rendering writes
  the line total computed from rounded lines and the declared total (or the computed one);
* ``OriginatorCustomerParty`` and ``FreightForwarderParty`` are other parties (role ``other``,
  ``role_code`` the element name);
* ``QuotationDocumentReference`` and ``Contract`` are references with the X12 qualifiers ``PR``
  (price quote) and ``CT`` (contract): a PO after an OCI cart names the cart there; other document
  references (attachments) stay extensions;
* an :class:`~formats.model.Order` with purpose ``cancel`` renders as an ``OrderCancellation``
  (see :mod:`formats.ubl.order_cancellation`).

>>> from decimal import Decimal
>>> from formats.model import OrderLine, Quantity
>>> order = Order(po_number="PO-1", order_date=dt.date(2024, 5, 1), currency="EUR",
...               lines=(OrderLine(line_number="1", quantity=Quantity(value=Decimal(2), unit="EA")),))
>>> parse(render(order)).po_number
'PO-1'
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from formats.model import (
    DatedEvent,
    DateKind,
    Order,
    OrderLine,
    OrderPurpose,
    PartyRole,
    PaymentTerms,
    Reference,
    Tax,
)
from formats.ubl.common import Reader, amount, cac, cbc, mapped, new_document, quantity, root_of, serialize, sum_money
from formats.ubl.items import (
    read_allowances,
    read_delivery,
    read_item,
    read_item_taxes,
    read_price,
    render_allowance,
    render_delivery,
    render_item,
    render_price,
)
from formats.ubl.parties import read_wrapped_party, render_wrapped_party
from formats.ubl.profiles import UblProfile, render_preamble

DOCUMENT_TYPE = "Order"
OTHER_PARTIES = ("OriginatorCustomerParty", "FreightForwarderParty")


def parse(raw: bytes | etree._Element) -> Order:
    """The canonical order of a UBL Order document."""
    root = root_of(raw, DOCUMENT_TYPE)
    r = Reader(root, DOCUMENT_TYPE)
    po_number = r.required(root, ("ID",), "order number")
    fields = read_order_body(r, root)
    references = read_references(r, root)
    return mapped(r, lambda: Order(po_number=po_number, **fields, references=references, extensions=r.leftovers()))


QUOTATION, CONTRACT = "PR", "CT"
"""Reference qualifiers (X12 128, the canonical model's codes): price quote number, contract number."""


def read_references(r: Reader, root: etree._Element) -> tuple[Reference, ...]:
    """``QuotationDocumentReference`` (the quote the order takes up) and each ``Contract``, as references."""
    found = [Reference(qualifier=QUOTATION, value=value)
             for node in r.children(root, "QuotationDocumentReference") if (value := r.optional(node, "ID"))]
    found += [Reference(qualifier=CONTRACT, value=value, description=r.optional(node, "ContractType"))
              for node in r.children(root, "Contract") if (value := r.optional(node, "ID"))]
    return tuple(found)


def render_references(root: etree._Element, order: Order) -> None:
    """The quotation before the parties, then the contracts, in the Order schema's place for each."""
    quotation = next((ref for ref in order.references if ref.qualifier == QUOTATION), None)
    if quotation is not None:
        cbc(cac(root, "QuotationDocumentReference"), "ID", quotation.value)
    for ref in order.references:
        if ref.qualifier == CONTRACT:
            contract = cac(root, "Contract")
            cbc(contract, "ID", ref.value)
            cbc(contract, "ContractType", ref.description)


def read_order_body(r: Reader, root: etree._Element) -> dict[str, object]:
    """The fields of an order an Order and an OrderChange share (all but number and purpose)."""
    r.child(root, "UBLVersionID")
    currency = r.currency(root, "DocumentCurrencyCode")
    order_date = r.date(root, "IssueDate")
    issue_time = r.time(root, "IssueTime")
    ship_to, dates = read_delivery(r, root)
    if order_date is not None and issue_time is not None:
        dates.insert(0, DatedEvent(kind=DateKind.DOCUMENT, date=order_date, time=issue_time))
    others = [p for name in OTHER_PARTIES
              if (p := read_wrapped_party(r, root, name, PartyRole.OTHER, name)) is not None]
    terms = [t for t in (r.optional(n, "Note") for n in r.children(root, "PaymentTerms")) if t]
    taxes = [Tax(amount=m) for t in r.children(root, "TaxTotal")
             if (m := r.money(t, "TaxAmount", currency=currency)) is not None]
    totals = r.child(root, "AnticipatedMonetaryTotal")
    r.child(totals, "LineExtensionAmount")  # derived from the lines
    lines = tuple(read_order_line(r, line, currency) for line in r.children(root, "OrderLine"))
    return {
        "order_type": r.optional(root, "OrderTypeCode"),
        "order_date": order_date,
        "dates": tuple(dates),
        "currency": currency,
        "notes": tuple(r.text(n) for n in r.children(root, "Note") if r.text(n)),
        "buyer": read_wrapped_party(r, root, "BuyerCustomerParty", PartyRole.BUYER),
        "seller": read_wrapped_party(r, root, "SellerSupplierParty", PartyRole.SELLER),
        "bill_to": read_wrapped_party(r, root, "AccountingCustomerParty", PartyRole.BILL_TO),
        "ship_to": ship_to,
        "other_parties": tuple(others),
        "terms": PaymentTerms(description="\n".join(terms)) if terms else None,
        "allowances": read_allowances(r, root, currency),
        "taxes": tuple(taxes),
        "declared_total": r.money(totals, "PayableAmount", currency=currency),
        "lines": lines,
    }


def read_order_line(r: Reader, order_line: etree._Element, currency: str | None) -> OrderLine:
    """One ``cac:OrderLine`` (its ``LineItem``) as a canonical order line."""
    item = r.need(order_line, "LineItem", "line item")
    line_number = r.required(item, ("ID",), "line number")
    quantity_value = r.quantity(r.need(item, "Quantity", f"quantity on line {line_number}"))
    if quantity_value is None:
        r.required(item, ("Quantity",), f"quantity on line {line_number}")
    unit_price, basis = read_price(r, r.child(item, "Price"), currency)
    ship_to, dates = read_delivery(r, item)
    ids, description, classification = read_item(r, r.child(item, "Item"))
    taxes = [Tax(amount=m) for m in [r.money(item, "TotalTaxAmount", currency=currency)] if m is not None]
    taxes += read_item_taxes(r, r.child(item, "Item"))
    r.child(item, "LineExtensionAmount")  # derived: quantity x price
    notes = [r.text(n) for n in (*r.children(order_line, "Note"), *r.children(item, "Note")) if r.text(n)]
    return OrderLine(
        line_number=line_number,
        items=ids,
        description=description,
        quantity=quantity_value,
        unit_price=unit_price,
        price_basis=basis,
        dates=tuple(dates),
        ship_to=ship_to,
        allowances=read_allowances(r, item, currency),
        taxes=tuple(taxes),
        notes=tuple(notes),
        classification=classification,
    )


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render(order: Order, *, profile: UblProfile | None = None) -> bytes:
    """A UBL Order document (an OrderCancellation for purpose ``cancel``), schema-valid."""
    if order.purpose == OrderPurpose.CANCEL:
        from formats.ubl import order_cancellation  # the sibling renders cancellations

        return order_cancellation.render(order, profile=profile)
    root = new_document(DOCUMENT_TYPE)
    render_preamble(root, DOCUMENT_TYPE, profile)
    cbc(root, "ID", order.po_number)
    render_issue(root, order)
    cbc(root, "OrderTypeCode", order.order_type)
    for note in order.notes:
        cbc(root, "Note", note)
    cbc(root, "DocumentCurrencyCode", order.currency)
    render_references(root, order)
    render_order_parties(root, order, profile, with_accounting_supplier=False)
    render_order_summary(root, order, profile)
    return serialize(root)


def render_issue(root: etree._Element, order: Order) -> None:
    """``IssueDate`` (the order date, else today) and ``IssueTime`` of the document event."""
    issued = next((d for d in order.dates if d.kind == DateKind.DOCUMENT), None)
    cbc(root, "IssueDate", order.order_date or (issued.date if issued else dt.date.today()))
    cbc(root, "IssueTime", issued.time if issued else None)


def render_order_parties(root: etree._Element, order: Order, profile: UblProfile | None, *,
                         with_accounting_supplier: bool) -> None:
    """Buyer, seller, other parties and bill-to in the order an Order/OrderChange schema wants."""
    render_wrapped_party(root, "BuyerCustomerParty", order.buyer, profile)
    render_wrapped_party(root, "SellerSupplierParty", order.seller, profile)
    for name in OTHER_PARTIES:
        party = next((p for p in order.other_parties if p.role_code == name), None)
        if party is not None:
            render_wrapped_party(root, name, party, profile)
    if order.bill_to is not None:
        render_wrapped_party(root, "AccountingCustomerParty", order.bill_to, profile)
    del with_accounting_supplier  # the canonical order has no accounting supplier


def render_order_summary(root: etree._Element, order: Order, profile: UblProfile | None,
                         line_status: dict[str, str] | None = None) -> None:
    """Delivery, terms, allowances, tax, totals and lines: the tail shared by Order and OrderChange."""
    render_delivery(root, order.ship_to, order.dates, profile)
    if order.terms is not None and order.terms.description:
        cbc(cac(root, "PaymentTerms"), "Note", order.terms.description)
    line_total = order.total()
    for allowance in order.allowances:
        render_allowance(root, allowance, line_total)
    for tax in order.taxes:
        if tax.amount is not None:
            amount(cac(root, "TaxTotal"), "TaxAmount", tax.amount)
    if order.declared_total is not None:  # only a stated total: a computed one would read back as stated
        totals = cac(root, "AnticipatedMonetaryTotal")
        amount(totals, "LineExtensionAmount", line_total)
        amount(totals, "PayableAmount", order.declared_total)
    for line in order.lines:
        _render_line(root, line, profile, (line_status or {}).get(line.line_number))


def _render_line(root: etree._Element, line: OrderLine, profile: UblProfile | None, status: str | None) -> None:
    order_line = cac(root, "OrderLine")
    for note in line.notes:
        cbc(order_line, "Note", note)
    item = cac(order_line, "LineItem")
    cbc(item, "ID", line.line_number)
    cbc(item, "LineStatusCode", status)
    quantity(item, "Quantity", line.quantity)
    amount(item, "LineExtensionAmount", line.extended_amount())
    tax_amounts = [t.amount for t in line.taxes if t.amount is not None]
    if tax_amounts:
        amount(item, "TotalTaxAmount", sum_money(tax_amounts, tax_amounts[0].currency))
    render_delivery(item, line.ship_to, line.dates, profile)
    for allowance in line.allowances:
        render_allowance(item, allowance, line.extended_amount())
    render_price(item, line.unit_price, line.price_basis, line.quantity.unit)
    render_item(item, line.items, line.description, line.classification,
                tuple(t for t in line.taxes if t.amount is None))


__all__ = ["DOCUMENT_TYPE", "parse", "read_order_body", "read_order_line", "render", "render_issue",
           "render_order_parties", "render_order_summary"]
