"""Admin operations of the built-in ERP that the port does not offer.

The gateway only reads the ERP and places orders through :class:`erp.port.ErpPort`; the seller
runs its ERP. These functions are that side, for the demo seed, the operator's pages and the tests:
the catalog (products, stock, customers) and an order's life after it is placed - shipped
(reserved stock leaves the warehouse in cartons labelled with SSCCs, see
:mod:`erp.builtin.packing`; the ShipNotice is kept in ``erp_shipment``), invoiced (a canonical
:class:`~formats.model.Invoice`), paid (a :class:`~erp.port.Payment` against the invoice, lowering
the customer's balance). Shipping, invoicing and payments each write their event
(:mod:`erp.builtin.events`) in the same transaction, carrying the document.

Business refusals raise :class:`~erp.port.ErpRejected`, transient database failures
:class:`~erp.port.ErpUnavailable`, as on the port.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from erp.builtin.adapter import SHIPPED_STATES, open_amounts, release_reservations, to_erp_order, to_payment
from erp.builtin.events import record_event
from erp.builtin.packing import Packed, Shippable, pack, sscc
from erp.builtin.profile import load_seller
from erp.builtin.store import (
    Clock,
    lock_order,
    lock_stock,
    next_number,
    next_value,
    read_session,
    unavailable_on_db_errors,
    utc_now,
    write_session,
)
from erp.builtin.tables import (
    ErpCustomer,
    ErpInvoiceRow,
    ErpOrderLineRow,
    ErpPaymentRow,
    ErpProduct,
    ErpProductUnit,
    ErpShipmentRow,
    ErpStock,
)
from erp.builtin.taxes import load_invoicing, vat_breakdown
from erp.port import Customer, ErpEventKind, ErpOrderState, ErpRejected, Payment, StockLevel
from formats.model import (
    Invoice,
    InvoiceLine,
    Money,
    Order,
    Package,
    PartyRole,
    PaymentTerms,
    Quantity,
    ShipNotice,
    ShippedItem,
)

ZERO = Decimal(0)
DEMO_GS1_COMPANY_PREFIX = "0614141"  # the GS1 General Specifications' example prefix
SSCC_SEQUENCE = "sscc"


def add_product(engine: Engine, *, sku: str, name: str, list_price: Decimal, unit: str = "EA",
                currency: str = "USD", category: str | None = None, unspsc: str | None = None) -> None:
    """Add an item to the catalog (no stock yet); ErpRejected if the SKU exists."""
    product = ErpProduct(sku=sku, name=name, list_price=Decimal(list_price), unit=unit,
                         currency=Money(amount=ZERO, currency=currency).currency, category=category, unspsc=unspsc)
    with unavailable_on_db_errors(f"adding product {sku}"), write_session(engine) as s:
        if s.get(ErpProduct, sku) is not None:
            raise ErpRejected(f"product {sku!r} exists already")
        s.add(product)
        try:
            s.commit()
        except IntegrityError as exc:
            raise ErpRejected(f"product {sku!r} exists already") from exc


def update_product(engine: Engine, sku: str, *, name: str | None = None, list_price: Decimal | None = None,
                   category: str | None = None, unspsc: str | None = None, active: bool | None = None) -> None:
    """Change an item's description, list price, category, UNSPSC code or whether it is sold."""
    with unavailable_on_db_errors(f"updating product {sku}"), write_session(engine) as s:
        product = s.get(ErpProduct, sku)
        if product is None:
            raise ErpRejected(f"unknown product {sku!r}")
        if name is not None:
            product.name = name
        if list_price is not None:
            product.list_price = Decimal(list_price)
        if category is not None:
            product.category = category
        if unspsc is not None:
            product.unspsc = unspsc
        if active is not None:
            product.active = active
        s.add(product)
        s.commit()


def set_pack_size(engine: Engine, sku: str, unit: str, factor: Decimal | None) -> None:
    """Say that one ``unit`` (Rec 20, e.g. ``XCS``) of ``sku`` is ``factor`` of its own unit; None removes it.

    ErpRejected for an unknown item, a factor that is not positive, or the item's own unit.
    """
    code = unit.strip().upper()
    with unavailable_on_db_errors(f"setting a pack size of {sku}"), write_session(engine) as s:
        product = s.get(ErpProduct, sku)
        if product is None:
            raise ErpRejected(f"unknown product {sku!r}")
        if code == product.unit.upper():
            raise ErpRejected(f"{code} is the unit {sku} is counted in; it needs no pack size")
        row = s.get(ErpProductUnit, (sku, code))
        if factor is None:
            if row is not None:
                s.delete(row)
        else:
            if not Decimal(factor).is_finite() or Decimal(factor) <= ZERO:
                raise ErpRejected(f"{sku}: 1 {code} must be a positive number of {product.unit}, not {factor}")
            row = row or ErpProductUnit(sku=sku, unit=code, factor=Decimal(factor))
            row.factor = Decimal(factor)
            s.add(row)
        s.commit()


def set_stock(engine: Engine, sku: str, warehouse: str, on_hand: Decimal) -> StockLevel:
    """Set the quantity on hand of an item in a warehouse (a stock count); never below what is reserved."""
    with unavailable_on_db_errors(f"setting stock of {sku}"), write_session(engine) as s:
        product = s.get(ErpProduct, sku)
        if product is None:
            raise ErpRejected(f"unknown product {sku!r}")
        rows = {row.warehouse: row for row in lock_stock(s, [sku]).get(sku, [])}
        row = rows.get(warehouse) or ErpStock(sku=sku, warehouse=warehouse, on_hand=ZERO, reserved=ZERO)
        if Decimal(on_hand) < row.reserved:
            raise ErpRejected(f"{sku} in {warehouse}: {row.reserved} are reserved, cannot set on hand to {on_hand}")
        row.on_hand = Decimal(on_hand)
        s.add(row)
        s.commit()
        return StockLevel(sku=sku, warehouse=warehouse, on_hand=row.on_hand, available=row.on_hand - row.reserved,
                          unit=product.unit)


def add_customer(engine: Engine, *, customer_id: str, name: str, currency: str = "USD", group: str | None = None,
                 credit_limit: Decimal = ZERO) -> Customer:
    """Open a customer account; ErpRejected if the id is taken."""
    customer = Customer(customer_id=customer_id, name=name, currency=Money(amount=ZERO, currency=currency).currency,
                        group=group)
    with unavailable_on_db_errors(f"adding customer {customer_id}"), write_session(engine) as s:
        if s.get(ErpCustomer, customer_id) is not None:
            raise ErpRejected(f"customer {customer_id!r} exists already")
        s.add(ErpCustomer(id=customer_id, name=name, currency=customer.currency, group=group,
                          credit_limit=Decimal(credit_limit)))
        try:
            s.commit()
        except IntegrityError as exc:
            raise ErpRejected(f"customer {customer_id!r} exists already") from exc
    return customer


def _label(session: Session, gs1_company_prefix: str) -> str:
    """The SSCC of the next carton: the next serial reference under the seller's GS1 company prefix."""
    try:
        return sscc(gs1_company_prefix, next_value(session, SSCC_SEQUENCE))
    except ValueError as exc:
        raise ErpRejected(f"cannot label a carton: {exc}") from exc


def _shipped_items(contents: Packed, lines: Mapping[int, ErpOrderLineRow], order: Order) -> tuple[ShippedItem, ...]:
    """The ShippedItems of a carton (or of what is shipped unpacked), in order line sequence."""
    items: list[ShippedItem] = []
    for position in sorted(contents):
        ordered, line = order.lines[position - 1], lines[position]
        items.append(ShippedItem(line_number=line.line_number, items=ordered.items, description=ordered.description,
                                 quantity=Quantity(value=contents[position], unit=line.unit)))
    return tuple(items)


def ship_order(engine: Engine, erp_order_id: str, *, clock: Clock = utc_now, carrier: str | None = None,
               tracking_number: str | None = None, packages: Sequence[Mapping[str, Decimal]] | None = None,
               gs1_company_prefix: str = DEMO_GS1_COMPANY_PREFIX) -> ShipNotice:
    """Ship what an order has reserved: stock leaves the warehouse, the order becomes shipped.

    ``packages`` lists the cartons, each a mapping of buyer line number to the quantity packed in
    it; None packs everything in one carton. Each carton becomes a Package with its SSCC; what
    the cartons leave out is listed in ``ShipNotice.items``. Backordered quantities stay on the
    lines, unshipped. ErpRejected, with nothing written, when the order is cancelled, already
    shipped, has nothing in stock to ship, or the cartons name lines or quantities it does not ship.
    """
    with unavailable_on_db_errors(f"shipping order {erp_order_id}"), write_session(engine) as s:
        row = lock_order(s, erp_order_id)
        state = ErpOrderState(row.state)
        if state == ErpOrderState.CANCELLED or state in SHIPPED_STATES:
            raise ErpRejected(f"order {erp_order_id} is {state.value}; it cannot be shipped")
        lines = {line.position: line for line in s.exec(
            select(ErpOrderLineRow).where(ErpOrderLineRow.order_id == erp_order_id)).all()}
        if not any(line.accepted_qty > ZERO for line in lines.values()):
            raise ErpRejected(f"order {erp_order_id} has nothing in stock to ship")
        cartons, unpacked = pack([Shippable(line.position, line.line_number, line.accepted_qty)
                                  for line in sorted(lines.values(), key=lambda line: line.position)], packages)
        release_reservations(s, erp_order_id, shipped=True)
        for line in lines.values():
            line.shipped_qty = line.accepted_qty
            s.add(line)
        now = clock()
        row.state = ErpOrderState.SHIPPED.value
        row.updated_at = now
        s.add(row)
        order = to_erp_order(row).order
        shipment_id = next_number(s, "shipment", "SH")
        ship_to = order.ship_to or (order.buyer.model_copy(update={"role": PartyRole.SHIP_TO, "role_code": None})
                                    if order.buyer and (order.buyer.name or order.buyer.ids) else None)
        notice = ShipNotice(  # an order naming no delivery party is delivered to its buyer
            shipment_id=shipment_id, po_number=order.po_number, ship_date=now.date(), carrier=carrier,
            tracking_number=tracking_number, ship_to=ship_to, buyer=order.buyer, seller=load_seller(s),
            packages=tuple(Package(sscc=_label(s, gs1_company_prefix), kind="carton",
                                   items=_shipped_items(contents, lines, order)) for contents in cartons),
            items=_shipped_items(unpacked, lines, order),
        )
        s.add(ErpShipmentRow(id=shipment_id, order_id=erp_order_id, created_at=now,
                             ship_notice_json=notice.model_dump_json()))
        record_event(s, ErpEventKind.SHIPPED, order_id=erp_order_id, customer_id=row.customer_id, at=now,
                     payload=notice)
        s.commit()
    return notice


def list_shipments(engine: Engine, erp_order_id: str | None = None) -> list[ShipNotice]:
    """The ship notices of an order's shipments (of every order when None), oldest first."""
    with unavailable_on_db_errors("listing shipments"), read_session(engine) as s:
        query = select(ErpShipmentRow).order_by(col(ErpShipmentRow.created_at), col(ErpShipmentRow.id))
        if erp_order_id is not None:
            query = query.where(ErpShipmentRow.order_id == erp_order_id)
        return [ShipNotice.model_validate_json(row.ship_notice_json) for row in s.exec(query).all()]


def invoice_order(engine: Engine, erp_order_id: str, *, clock: Clock = utc_now, net_days: int = 30) -> Invoice:
    """Invoice the shipped quantities of a shipped order at the order's prices; the order becomes invoiced.

    The seller is the ERP's company profile, paid into its bank account with the invoice number as
    the payment reference; each line gets its VAT category and rate (:mod:`erp.builtin.taxes`),
    and the booked total includes the VAT of the breakdown.
    """
    with unavailable_on_db_errors(f"invoicing order {erp_order_id}"), write_session(engine) as s:
        row = lock_order(s, erp_order_id)
        if row.state != ErpOrderState.SHIPPED.value:
            raise ErpRejected(f"order {erp_order_id} is {row.state}; only a shipped order is invoiced")
        customer = s.get(ErpCustomer, row.customer_id)
        order = to_erp_order(row).order
        shipped = [line for line in s.exec(select(ErpOrderLineRow).where(ErpOrderLineRow.order_id == erp_order_id)
                                           .order_by(col(ErpOrderLineRow.position))).all()
                   if line.shipped_qty > ZERO]
        currencies = {line.currency for line in shipped}
        if len(currencies) != 1 or None in currencies:
            raise ErpRejected(f"order {erp_order_id} has lines in currencies {sorted(map(str, currencies))}")
        currency = str(currencies.pop())
        invoicing = load_invoicing(s, row.customer_id, [line.sku for line in shipped if line.sku])
        lines = tuple(
            InvoiceLine(line_number=str(number), order_line_number=line.line_number,
                        items=order.lines[line.position - 1].items,
                        description=order.lines[line.position - 1].description,
                        quantity=Quantity(value=line.shipped_qty, unit=line.unit),
                        unit_price=Money(amount=line.unit_price or ZERO, currency=currency),
                        taxes=(invoicing.line_tax(line.sku, order.lines[line.position - 1].ship_to or order.ship_to),))
            for number, line in enumerate(shipped, start=1)
        )
        taxes = vat_breakdown(lines, currency)
        net = sum((Money(amount=line.quantity.value * line.unit_price.amount, currency=currency).rounded().amount
                   for line in lines), ZERO)
        total = net + sum((tax.amount.amount for tax in taxes if tax.amount is not None), ZERO)
        now = clock()
        buyer = invoicing.buyer(order.buyer)
        bill_to = invoicing.buyer(order.bill_to) or (buyer.model_copy(update={"role": PartyRole.BILL_TO})
                                                     if buyer else None)
        number = next_number(s, "invoice", "INV")
        invoice = Invoice(
            invoice_number=number, invoice_date=now.date(), po_number=order.po_number,
            currency=currency, seller=invoicing.seller(), buyer=buyer, bill_to=bill_to,
            ship_to=order.ship_to, terms=PaymentTerms(description=f"Net {net_days}", net_days=net_days),
            payment_means=invoicing.payment_means(number),
            due_date=now.date() + dt.timedelta(days=net_days), lines=lines, taxes=taxes,
            notes=(f"Customer {customer.name}",) if customer else (),
        )
        s.add(ErpInvoiceRow(number=invoice.invoice_number, order_id=erp_order_id, customer_id=row.customer_id,
                            invoice_date=invoice.invoice_date, currency=currency, total=total,
                            invoice_json=invoice.model_dump_json(), created_at=now))
        row.state = ErpOrderState.INVOICED.value
        row.updated_at = now
        s.add(row)
        record_event(s, ErpEventKind.INVOICED, order_id=erp_order_id, customer_id=row.customer_id, at=now,
                     payload=invoice)
        s.commit()
    return invoice


def invoice_total(engine: Engine, invoice_number: str) -> Money:
    """The total of an invoice as the ERP booked it (sum of its rounded lines)."""
    with unavailable_on_db_errors(f"reading invoice {invoice_number}"), read_session(engine) as s:
        row = s.get(ErpInvoiceRow, invoice_number)
        if row is None:
            raise ErpRejected(f"unknown invoice {invoice_number!r}")
        return Money(amount=row.total, currency=row.currency)


def record_payment(engine: Engine, invoice_number: str, amount: Money, *, paid_on: dt.date | None = None,
                   clock: Clock = utc_now) -> Payment:
    """Record a payment against an invoice.

    ErpRejected if it is not positive, in another currency, or more than the invoice has open.
    """
    with unavailable_on_db_errors(f"recording a payment on {invoice_number}"), write_session(engine) as s:
        invoice = s.exec(select(ErpInvoiceRow).where(ErpInvoiceRow.number == invoice_number).with_for_update()).first()
        if invoice is None:
            raise ErpRejected(f"unknown invoice {invoice_number!r}")
        if amount.currency != invoice.currency:
            raise ErpRejected(f"invoice {invoice_number} is in {invoice.currency}, the payment in {amount.currency}")
        still_open = open_amounts(s, invoice.customer_id).get(invoice_number, ZERO)
        if amount.amount <= ZERO or amount.amount > still_open:
            raise ErpRejected(f"payment of {amount.amount} on invoice {invoice_number}: {still_open} is open")
        now = clock()
        row = ErpPaymentRow(id=next_number(s, "payment", "PAY"), invoice_number=invoice_number,
                            customer_id=invoice.customer_id, amount=amount.amount, currency=amount.currency,
                            paid_on=paid_on or now.date(), created_at=now)
        s.add(row)
        payment = to_payment(row)
        record_event(s, ErpEventKind.PAID, order_id=invoice.order_id, customer_id=invoice.customer_id, at=now,
                     payload=payment)
        s.commit()
        return payment


__all__ = [
    "add_customer",
    "add_product",
    "invoice_order",
    "invoice_total",
    "list_shipments",
    "record_payment",
    "set_pack_size",
    "set_stock",
    "ship_order",
    "update_product",
]
