"""The canonical documents every standard translates to and from.

cXML, SAP OCI, OASIS UBL 2.1 and ANSI X12 all describe the same few business facts: who buys
from whom, what, how many, at what price, delivered where and when. This module holds one
frozen pydantic v2 model of each document so that a parser of any standard produces the same
object and a renderer of any standard consumes it. Nothing here knows a standard's syntax.

Conventions (see ``DESIGN.md``):

* money is :class:`decimal.Decimal`, never float; :class:`Money` knows its ISO 4217 currency
  and rounds to that currency's minor units half-up unless told otherwise;
* every quantity carries a canonical unit code (UN/ECE Recommendation 20, e.g. ``EA``, ``H87``)
  in :class:`Quantity`; partner unit codes are mapped in ``formats.codes``, never passed through;
* identifiers of parties and items keep their qualifier (DUNS, GLN, buyer-assigned, ...);
* data a standard carries that the model has no field for goes into ``extensions`` (a tuple of
  :class:`Extension`) so that nothing present in a document is dropped silently.

Models are immutable (``frozen=True``): renderers never change their input, and a changed
document is a new object made with ``model_copy(update=...)``.

>>> line = OrderLine(line_number="1", quantity=Quantity(value=Decimal("2"), unit="EA"),
...                  unit_price=Money(amount=Decimal("9.95"), currency="USD"),
...                  items=(ItemId(kind=ItemIdKind.SELLER, value="SKU-1"),))
>>> line.extended_amount()
Money(amount=Decimal('19.90'), currency='USD')
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any

import iso4217
from pydantic import BaseModel, ConfigDict, Field, field_validator


class Canonical(BaseModel):
    """Base of every canonical document: frozen, strict about unknown fields, Decimal-exact."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


# --------------------------------------------------------------------------------------------
# Small values
# --------------------------------------------------------------------------------------------


class Extension(Canonical):
    """A piece of a document the canonical model has no field for, kept rather than dropped.

    ``source`` names the standard and place it came from (``x12:850/PER``, ``cxml:Extrinsic``),
    ``name`` the qualifier or element name, ``value`` its text.
    """

    source: str
    name: str
    value: str


Extensions = tuple[Extension, ...]


ISO_4217_CODES = frozenset(currency.code for currency in iso4217.Currency)
"""Every current ISO 4217 alphabetic code (a set lookup: money is validated on every price)."""


def minor_units(currency: str) -> int:
    """Number of decimal places of an ISO 4217 currency (2 for USD, 0 for JPY, 3 for KWD)."""
    try:
        exponent = iso4217.Currency(currency.upper()).exponent
    except ValueError:
        return 2
    return 2 if exponent is None else int(exponent)


class Money(Canonical):
    """An amount of money in one ISO 4217 currency.

    The amount is kept exactly as received (unit prices legitimately carry more decimals than
    the currency has); :meth:`rounded` gives the amount in the currency's minor units.
    """

    amount: Decimal
    currency: Annotated[str, Field(min_length=3, max_length=3)]

    @field_validator("currency")
    @classmethod
    def _upper_currency(cls, value: str) -> str:
        code = value.upper()
        if code not in ISO_4217_CODES:
            raise ValueError(f"unknown ISO 4217 currency code {value!r}")
        return code

    def rounded(self, rounding: str = ROUND_HALF_UP) -> Money:
        """The amount rounded to the currency's minor units (half-up unless told otherwise)."""
        exponent = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(amount=self.amount.quantize(exponent, rounding=rounding), currency=self.currency)

    def __repr__(self) -> str:
        return f"Money(amount={self.amount!r}, currency={self.currency!r})"


class Quantity(Canonical):
    """A quantity with its canonical unit of measure (UN/ECE Rec 20 code)."""

    value: Decimal
    unit: Annotated[str, Field(min_length=1, max_length=3)] = "EA"


class PriceBasis(Canonical):
    """What a unit price is quoted per: ``quantity`` of ``unit`` (a price per 100 EA, per kg).

    ``code`` keeps the standard's own basis code when there was one (X12 639: ``PE``, ``CT``,
    ``CA``...).
    """

    quantity: Decimal = Decimal(1)
    unit: str | None = None
    code: str | None = None


# --------------------------------------------------------------------------------------------
# Parties
# --------------------------------------------------------------------------------------------


class PartyIdKind(StrEnum):
    """The qualifier of a party identifier, named the same whatever standard it came from."""

    DUNS = "duns"
    DUNS4 = "duns+4"
    GLN = "gln"
    BUYER_ASSIGNED = "buyer-assigned"
    SELLER_ASSIGNED = "seller-assigned"
    NETWORK = "network"  # e.g. an Ariba Network ID
    TAX = "tax"
    MUTUALLY_DEFINED = "mutually-defined"
    OTHER = "other"


class PartyId(Canonical):
    """One identifier of a party; ``qualifier`` keeps the standard's raw code (X12 66: ``92``)."""

    kind: PartyIdKind
    value: str
    qualifier: str | None = None


class PartyRole(StrEnum):
    """The role a party plays on a document."""

    BUYER = "buyer"
    SELLER = "seller"
    SHIP_TO = "ship-to"
    BILL_TO = "bill-to"
    SHIP_FROM = "ship-from"
    REMIT_TO = "remit-to"
    SUPPLIER = "supplier"
    OTHER = "other"


class Address(Canonical):
    """A postal address; ``lines`` are street lines in order."""

    lines: tuple[str, ...] = ()
    city: str | None = None
    region: str | None = None  # state / province code
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 where known


class Contact(Canonical):
    """A person or desk to reach about a document."""

    name: str | None = None
    role: str | None = None  # the standard's function code or role name
    email: str | None = None
    phone: str | None = None
    fax: str | None = None


class Party(Canonical):
    """A company or location with its identifiers, address and contacts."""

    role: PartyRole
    name: str | None = None
    ids: tuple[PartyId, ...] = ()
    address: Address | None = None
    contacts: tuple[Contact, ...] = ()
    role_code: str | None = None  # the standard's raw entity code (X12 98: ST, BT, BY ...)
    extensions: Extensions = ()

    def id_of(self, kind: PartyIdKind) -> str | None:
        """The first identifier of ``kind``, or None."""
        return next((i.value for i in self.ids if i.kind == kind), None)


# --------------------------------------------------------------------------------------------
# Items and lines
# --------------------------------------------------------------------------------------------


class ItemIdKind(StrEnum):
    """What an item identifier identifies the item by."""

    SELLER = "seller"  # our SKU (X12 VN/VP, cXML SupplierPartID)
    SELLER_AUX = "seller-aux"  # cXML SupplierPartAuxiliaryID
    BUYER = "buyer"  # the buyer's part number (X12 BP/IN)
    MANUFACTURER = "manufacturer"  # X12 MG
    GTIN = "gtin"  # GTIN-13/14, EAN (X12 EN/UK)
    UPC = "upc"  # X12 UP/UA
    OTHER = "other"


class ItemId(Canonical):
    """One identifier of an item; ``qualifier`` keeps the standard's raw code (X12 235)."""

    kind: ItemIdKind
    value: str
    qualifier: str | None = None


class Reference(Canonical):
    """A reference number by qualifier (X12 REF 128, cXML idReference ...)."""

    qualifier: str
    value: str
    description: str | None = None


class DateKind(StrEnum):
    """The meaning of a date on a document or line."""

    DOCUMENT = "document"
    REQUESTED_DELIVERY = "requested-delivery"
    REQUESTED_SHIP = "requested-ship"
    PROMISED_DELIVERY = "promised-delivery"
    PROMISED_SHIP = "promised-ship"
    CANCEL_AFTER = "cancel-after"
    SHIPPED = "shipped"
    DELIVERY = "delivery"
    DUE = "due"
    OTHER = "other"


class DatedEvent(Canonical):
    """A date (with optional time) and what it means; ``qualifier`` keeps the raw code (X12 374)."""

    kind: DateKind
    date: dt.date
    time: dt.time | None = None
    qualifier: str | None = None


class Allowance(Canonical):
    """An allowance (negative) or charge (positive) on a document or a line."""

    is_charge: bool
    amount: Money | None = None
    percent: Decimal | None = None
    code: str | None = None  # the standard's reason code (X12 1300, UN/CEFACT 5189/7161)
    description: str | None = None


class Tax(Canonical):
    """A tax amount or rate."""

    amount: Money | None = None
    percent: Decimal | None = None
    category: str | None = None  # e.g. VAT category S/Z/E, X12 963 tax type
    scheme: str | None = None
    description: str | None = None  # for an exempt category, the reason in words (EN 16931 BT-120)
    exemption_code: str | None = None  # the reason as a code of the VATEX list (BT-121), e.g. VATEX-EU-F


class PaymentTerms(Canonical):
    """Payment terms: net days and optional early-payment discount."""

    description: str | None = None
    net_days: int | None = None
    discount_percent: Decimal | None = None
    discount_days: int | None = None
    code: str | None = None  # the standard's terms type code (X12 336)


class PaymentMeans(Canonical):
    """How the buyer pays, and the seller's account that receives it (EN 16931 BG-16, UBL ``cac:PaymentMeans``).

    ``code`` is UNCL 4461 (``30`` credit transfer, ``58`` SEPA credit transfer, ``49`` direct debit).
    PEPPOL rule NL-R-007 requires it of every Dutch supplier.
    """

    code: str
    account_id: str | None = None  # IBAN or other account number (BT-84)
    account_name: str | None = None  # BT-85
    institution_id: str | None = None  # BIC of the account's bank (BT-86)
    payment_id: str | None = None  # the remittance reference the buyer quotes when paying (BT-83)


class OrderLine(Canonical):
    """One ordered line: what, how many, at what price, when.

    ``line_number`` is the buyer's own line number as text (X12 PO101, cXML lineNumber), kept
    verbatim because partners match acknowledgments by it.
    """

    line_number: str
    items: tuple[ItemId, ...] = ()
    description: str | None = None
    quantity: Quantity
    unit_price: Money | None = None
    price_basis: PriceBasis = PriceBasis()
    dates: tuple[DatedEvent, ...] = ()
    ship_to: Party | None = None
    allowances: tuple[Allowance, ...] = ()
    taxes: tuple[Tax, ...] = ()
    references: tuple[Reference, ...] = ()
    notes: tuple[str, ...] = ()
    classification: str | None = None  # e.g. UNSPSC code
    extensions: Extensions = ()

    def item_id(self, kind: ItemIdKind) -> str | None:
        """The first item identifier of ``kind``, or None."""
        return next((i.value for i in self.items if i.kind == kind), None)

    def extended_amount(self) -> Money | None:
        """Quantity x unit price / basis quantity, rounded to the currency's minor units."""
        if self.unit_price is None:
            return None
        basis = self.price_basis.quantity or Decimal(1)
        raw = self.quantity.value * self.unit_price.amount / basis
        return Money(amount=raw, currency=self.unit_price.currency).rounded()


# --------------------------------------------------------------------------------------------
# Order
# --------------------------------------------------------------------------------------------


class OrderPurpose(StrEnum):
    """Why an order document was sent (X12 353 / BCH01, cXML orderRequest type)."""

    ORIGINAL = "original"
    CHANGE = "change"
    CANCEL = "cancel"
    REPLACE = "replace"
    CONFIRMATION = "confirmation"  # an order confirming one already placed (X12 06)
    DUPLICATE = "duplicate"  # a resend the buyer marks as such (X12 07)


class Order(Canonical):
    """A purchase order from a buyer, the centre of the canonical model.

    ``po_number`` and ``revision`` identify it at the buyer; ``(buyer, po_number, revision)``
    with purpose ORIGINAL is what idempotency is keyed on downstream.
    """

    po_number: str
    revision: str | None = None
    purpose: OrderPurpose = OrderPurpose.ORIGINAL
    order_type: str | None = None  # the standard's own type code (X12 92: SA, NE, KN ...)
    order_date: dt.date | None = None
    dates: tuple[DatedEvent, ...] = ()
    currency: str | None = None
    buyer: Party | None = None
    seller: Party | None = None
    ship_to: Party | None = None
    bill_to: Party | None = None
    other_parties: tuple[Party, ...] = ()
    terms: PaymentTerms | None = None
    carrier: str | None = None
    ship_method: str | None = None
    notes: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    allowances: tuple[Allowance, ...] = ()
    taxes: tuple[Tax, ...] = ()
    lines: tuple[OrderLine, ...] = ()
    declared_total: Money | None = None  # a total the document states (X12 AMT/CTT), not computed
    extensions: Extensions = ()

    def total(self) -> Money | None:
        """Sum of the rounded line amounts (totals are computed from rounded lines)."""
        amounts = [a for a in (line.extended_amount() for line in self.lines) if a is not None]
        if not amounts:
            return None
        return Money(amount=sum((a.amount for a in amounts), Decimal(0)), currency=amounts[0].currency)


class OrderChange(Canonical):
    """A buyer's change to an order it sent before (X12 860, UBL OrderChange)."""

    po_number: str
    revision: str | None = None
    purpose: OrderPurpose = OrderPurpose.CHANGE
    change_date: dt.date | None = None
    order: Order  # the order as it should be after the change
    changed_lines: tuple[str, ...] = ()  # line numbers touched
    extensions: Extensions = ()


# --------------------------------------------------------------------------------------------
# Order response
# --------------------------------------------------------------------------------------------


class HeaderStatus(StrEnum):
    """The seller's answer to an order as a whole (X12 BAK02 / 587)."""

    ACCEPTED = "accepted"  # AT: accepted, no change
    ACCEPTED_WITH_CHANGES = "accepted-with-changes"  # AC: with detail and change
    REJECTED = "rejected"  # RJ: rejected, no detail
    REJECTED_WITH_DETAIL = "rejected-with-detail"  # RD


class LineStatus(StrEnum):
    """The seller's answer to one line (X12 ACK01 / 668)."""

    ACCEPTED = "accepted"  # IA
    QUANTITY_CHANGED = "quantity-changed"  # IQ
    PRICE_CHANGED = "price-changed"  # IP
    BACKORDERED = "backordered"  # IB
    REJECTED = "rejected"  # IR
    DATE_CHANGED = "date-changed"  # DR


class LineResponse(Canonical):
    """The seller's status for one ordered line, with the quantity it applies to and why."""

    line_number: str
    status: LineStatus
    quantity: Quantity
    items: tuple[ItemId, ...] = ()
    unit_price: Money | None = None
    ordered_quantity: Quantity | None = None
    promised_date: dt.date | None = None
    reason: str | None = None
    extensions: Extensions = ()


class OrderResponse(Canonical):
    """The seller's acknowledgment of an order: header status and one or more statuses per line.

    A line split (part shipped now, part backordered) is two :class:`LineResponse` with the same
    ``line_number``.
    """

    po_number: str
    po_date: dt.date | None = None
    po_time: dt.time | None = None  # the order's time of day, with its zone when the order gave one
    response_number: str | None = None  # the seller's order reference
    response_date: dt.date
    status: HeaderStatus
    buyer: Party | None = None
    seller: Party | None = None
    ship_to: Party | None = None
    currency: str | None = None
    lines: tuple[LineResponse, ...] = ()
    notes: tuple[str, ...] = ()
    extensions: Extensions = ()


# --------------------------------------------------------------------------------------------
# Ship notice and invoice (shaped now; filled by later work)
# --------------------------------------------------------------------------------------------


class ShippedItem(Canonical):
    """A quantity of one order line inside a package."""

    line_number: str
    items: tuple[ItemId, ...] = ()
    quantity: Quantity
    description: str | None = None


class Package(Canonical):
    """A carton or pallet; ``sscc`` is its GS1 serial shipping container code where known."""

    sscc: str | None = None
    kind: str | None = None  # pack / tare
    items: tuple[ShippedItem, ...] = ()
    children: tuple[Package, ...] = ()
    weight: Quantity | None = None


class ShipNotice(Canonical):
    """An advance ship notice (X12 856, UBL DespatchAdvice, cXML ShipNoticeRequest)."""

    shipment_id: str
    po_number: str
    ship_date: dt.date
    delivery_date: dt.date | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    ship_from: Party | None = None
    ship_to: Party | None = None
    buyer: Party | None = None
    seller: Party | None = None
    packages: tuple[Package, ...] = ()
    items: tuple[ShippedItem, ...] = ()  # items not packed in a known package
    extensions: Extensions = ()


class InvoiceLine(Canonical):
    """One invoiced line, referencing the order line it bills."""

    line_number: str
    order_line_number: str | None = None
    items: tuple[ItemId, ...] = ()
    description: str | None = None
    quantity: Quantity
    unit_price: Money
    price_basis: PriceBasis = PriceBasis()
    allowances: tuple[Allowance, ...] = ()
    taxes: tuple[Tax, ...] = ()
    extensions: Extensions = ()


class Invoice(Canonical):
    """An invoice or credit note (X12 810, UBL Invoice / CreditNote, cXML InvoiceDetailRequest)."""

    invoice_number: str
    invoice_date: dt.date
    is_credit_note: bool = False
    po_number: str | None = None
    currency: str
    seller: Party | None = None
    buyer: Party | None = None
    bill_to: Party | None = None
    ship_to: Party | None = None
    remit_to: Party | None = None
    terms: PaymentTerms | None = None
    payment_means: tuple[PaymentMeans, ...] = ()
    due_date: dt.date | None = None
    lines: tuple[InvoiceLine, ...] = ()
    allowances: tuple[Allowance, ...] = ()
    taxes: tuple[Tax, ...] = ()
    notes: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    extensions: Extensions = ()


# --------------------------------------------------------------------------------------------
# Catalogue and inventory feeds (X12 832 / UBL Catalogue, X12 846)
# --------------------------------------------------------------------------------------------


class CatalogueItem(Canonical):
    """One item of a customer's catalogue with its price for that customer.

    ``price_tiers`` are (minimum quantity, unit price) steps beyond the base ``unit_price``.
    """

    items: tuple[ItemId, ...]
    description: str | None = None
    unit: str = "EA"
    unit_price: Money | None = None
    price_basis: PriceBasis = PriceBasis()
    price_tiers: tuple[tuple[Decimal, Money], ...] = ()
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    category: str | None = None  # the seller's category, or a UNSPSC code
    manufacturer: str | None = None
    manufacturer_part: str | None = None
    extensions: Extensions = ()


class Catalogue(Canonical):
    """A price catalogue sent to one customer (X12 832, UBL Catalogue)."""

    catalogue_id: str
    issue_date: dt.date
    name: str | None = None
    currency: str
    seller: Party | None = None
    buyer: Party | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    price_list: str | None = None  # the seller's price list the prices come from
    items: tuple[CatalogueItem, ...] = ()
    extensions: Extensions = ()


class StockLine(Canonical):
    """Quantity of one item available (and on hand) at one warehouse."""

    items: tuple[ItemId, ...]
    warehouse: str
    available: Quantity
    on_hand: Quantity | None = None
    next_available_date: dt.date | None = None


class InventoryReport(Canonical):
    """An inventory advice (X12 846): stock per item per warehouse as of a date."""

    report_id: str
    report_date: dt.date
    seller: Party | None = None
    buyer: Party | None = None
    lines: tuple[StockLine, ...] = ()
    extensions: Extensions = ()


# --------------------------------------------------------------------------------------------
# Helpers shared by the standards
# --------------------------------------------------------------------------------------------


def extension(source: str, name: str, value: Any) -> Extension:
    """Build an :class:`Extension`, turning the value into text."""
    return Extension(source=source, name=name, value=str(value))


__all__ = [
    "Address",
    "Allowance",
    "Canonical",
    "Catalogue",
    "CatalogueItem",
    "Contact",
    "DateKind",
    "DatedEvent",
    "Extension",
    "Extensions",
    "HeaderStatus",
    "InventoryReport",
    "Invoice",
    "InvoiceLine",
    "ItemId",
    "ItemIdKind",
    "LineResponse",
    "LineStatus",
    "Money",
    "Order",
    "OrderChange",
    "OrderLine",
    "OrderPurpose",
    "OrderResponse",
    "Package",
    "Party",
    "PartyId",
    "PartyIdKind",
    "PartyRole",
    "PaymentMeans",
    "PaymentTerms",
    "PriceBasis",
    "Quantity",
    "Reference",
    "ShipNotice",
    "ShippedItem",
    "StockLine",
    "Tax",
    "extension",
    "minor_units",
]
