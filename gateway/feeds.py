"""Inventory and catalogue feeds: the ERP's stock and prices as the partner's 846 / 832 / UBL Catalogue.

Partners that sell on or plan from our stock want an inventory advice per warehouse; partners that
load our prices into their procurement system want a catalogue. Both are built from the ERP port
(the system of record; a catalogue carries the customer's own prices through the pricing
service) and sent through :func:`gateway.outbound.emit`, so they get the partner's
standard, version, envelope and control numbers like every other document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, select

from erp.port import ErpPort
from formats.model import (
    Catalogue,
    CatalogueItem,
    InventoryReport,
    ItemId,
    ItemIdKind,
    Money,
    Party,
    PartyId,
    PartyIdKind,
    PartyRole,
    Quantity,
    StockLine,
)
from gateway.outbound import Outgoing, emit
from gateway.pricing.service import PricingService, pricing_for
from gateway.pricing.sync import sync_from_erp
from gateway.pricing.tables import PriceItemRow
from gateway.rules import CatalogueIndex, CustomerPricer, Item, PriceQuote, PricingError
from gateway.store.tables import Document, Partner, utcnow


def inventory_report(erp: ErpPort, report_id: str, on: dt.date) -> InventoryReport:
    """Available and on-hand stock of every SKU in every warehouse, as the ERP has it now."""
    lines = tuple(
        StockLine(items=(ItemId(kind=ItemIdKind.SELLER, value=level.sku),), warehouse=level.warehouse,
                  available=Quantity(value=level.available, unit=level.unit),
                  on_hand=Quantity(value=level.on_hand, unit=level.unit))
        for level in sorted(erp.get_stock(), key=lambda level: (level.sku, level.warehouse))
    )
    return InventoryReport(report_id=report_id, report_date=on, lines=lines)


def parties(partner: Partner, erp: ErpPort | None = None) -> tuple[Party, Party]:
    """Us and the partner, for feed headers.

    We are the ERP's company (as on every other document we send), else, with an ERP that keeps no
    company data, the identity the partner knows us by. The partner is the ERP customer it buys as,
    with its electronic address when it has one (a PEPPOL catalogue's receiver).
    """
    seller = erp.company_party() if erp is not None else None
    if seller is None:
        seller = Party(role=PartyRole.SELLER, name=partner.our_x12_id,
                       ids=(PartyId(kind=PartyIdKind.MUTUALLY_DEFINED, value=partner.our_x12_id, qualifier="ZZ"),))
    ids = [PartyId(kind=PartyIdKind.SELLER_ASSIGNED, value=partner.customer_id, qualifier="91")]
    scheme, endpoint = partner.settings.get("endpoint_scheme"), partner.settings.get("endpoint_id")
    if scheme and endpoint:
        ids.insert(0, PartyId(kind=PartyIdKind.NETWORK, value=str(endpoint), qualifier=str(scheme)))
    buyer = Party(role=PartyRole.BUYER, name=partner.name, ids=tuple(ids))
    return seller, buyer


def price_catalogue(pricing: PricingService, customer_id: str, catalogue_id: str, on: dt.date,
                    descriptions: Mapping[str, str] | None = None) -> Catalogue:
    """Every item the customer has a price for, at its price on ``on``, with its quantity breaks.

    Prices come from the customer's price lists through the one pricing service, so the
    catalogue says what an order would be charged. Each item's breaks are the tier minimums of
    the lists its price came from, priced again by the engine and kept where the price changes;
    an item with no price for this customer is left out.
    """
    catalogue = pricing.catalogue()
    pricer = pricing.pricer(customer_id, on)
    descriptions = descriptions or {}
    items: list[CatalogueItem] = []
    lists: set[str] = set()
    for sku in sorted(catalogue.index.items):
        item = catalogue.index.items[sku]
        try:
            quote = pricer.price(sku, Decimal(1), item.base_unit)
        except PricingError:
            continue
        lists.add(quote.list_id)
        items.append(CatalogueItem(
            items=(ItemId(kind=ItemIdKind.SELLER, value=sku),), description=descriptions.get(sku) or None,
            unit=item.base_unit, unit_price=quote.unit_price, category=item.category,
            price_tiers=_breaks(pricer, item, quote, catalogue.index)))
    currency = pricing.customer(customer_id).currency or "USD"
    return Catalogue(catalogue_id=catalogue_id, issue_date=on, currency=currency, items=tuple(items),
                     price_list=lists.pop() if len(lists) == 1 else None)


def _breaks(pricer: CustomerPricer, item: Item, first: PriceQuote,
            index: CatalogueIndex) -> tuple[tuple[Decimal, Money], ...]:
    """(minimum quantity, unit price) where the price changes above one unit, from the lists used."""
    minimums: set[Decimal] = set()
    for list_id in first.chain:
        compiled = index.lists.get(list_id)
        for line in compiled.lines_for(item) if compiled is not None else ():
            if line is not None:
                minimums.update(m for m in line.minimums if m > 1)
    breaks: list[tuple[Decimal, Money]] = []
    previous = first.unit_price
    for minimum in sorted(minimums):
        try:
            price = pricer.price(item.sku, minimum, item.base_unit).unit_price
        except PricingError:
            continue
        if price != previous:
            breaks.append((minimum, price))
            previous = price
    return tuple(breaks)


def send_feed(s: Session, erp: ErpPort, partner: Partner, kind: Outgoing, *, actor: str,
              pricing: PricingService | None = None) -> Document | None:
    """Build the feed ``kind`` (INVENTORY or CATALOGUE) for ``partner`` and put it in the outbox.

    A catalogue first pulls what changed in the ERP's prices (an incremental sync), so it never
    sends prices older than the ERP's; :class:`~gateway.rules.PricingError` when the partner's
    customer has no prices.
    """
    now = utcnow()
    seller, buyer = parties(partner, erp)
    if kind is Outgoing.INVENTORY:
        reference = f"INV{now:%y%m%d%H%M%S}"  # 15 characters: fits X12 BIA03 and BCT02
        document: InventoryReport | Catalogue = inventory_report(erp, reference, now.date()).model_copy(
            update={"seller": seller, "buyer": buyer})
    elif kind is Outgoing.CATALOGUE:
        reference = f"CAT{now:%y%m%d%H%M%S}"
        engine = s.get_bind()
        assert isinstance(engine, Engine)
        pricing = pricing or pricing_for(engine)
        sync_from_erp(engine, erp, trigger=f"{kind.value} feed")
        descriptions = {row.sku: row.description for row in s.exec(select(PriceItemRow)).all()}
        document = price_catalogue(pricing, partner.customer_id, reference, pricing.today(), descriptions).model_copy(
            update={"seller": seller, "buyer": buyer})
    else:
        raise ValueError(f"{kind.value} is not a feed")
    return emit(s, partner, kind, document, parent_id=None, actor=actor, reason=f"{kind.value} feed {reference}")


__all__ = ["inventory_report", "parties", "price_catalogue", "send_feed"]
