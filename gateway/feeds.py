"""Inventory and catalogue feeds: the ERP's stock and prices as the partner's 846 / 832 / UBL Catalogue.

Partners that sell on or plan from our stock want an inventory advice per warehouse; partners that
load our prices into their procurement system want a catalogue. Both are built from the ERP port
(the system of record) and sent through :func:`gateway.outbound.emit`, so they get the partner's
standard, version, envelope and control numbers like every other document.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from erp.port import ErpPort
from formats.model import (
    Catalogue,
    CatalogueItem,
    InventoryReport,
    ItemId,
    ItemIdKind,
    Party,
    PartyId,
    PartyIdKind,
    PartyRole,
    Quantity,
    StockLine,
)
from gateway.outbound import Outgoing, emit
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


def parties(partner: Partner) -> tuple[Party, Party]:
    """Us (as the partner knows us) and the partner (as the ERP customer it buys as), for feed headers."""
    seller = Party(role=PartyRole.SELLER, name=partner.our_x12_id,
                   ids=(PartyId(kind=PartyIdKind.MUTUALLY_DEFINED, value=partner.our_x12_id, qualifier="ZZ"),))
    buyer = Party(role=PartyRole.BUYER, name=partner.name,
                  ids=(PartyId(kind=PartyIdKind.SELLER_ASSIGNED, value=partner.customer_id, qualifier="91"),))
    return seller, buyer


def price_catalogue(erp: ErpPort, catalogue_id: str, on: dt.date, currency: str) -> Catalogue:
    """The ERP's prices in ``currency`` as a catalogue (list prices until price lists are synced)."""
    items = tuple(
        CatalogueItem(items=(ItemId(kind=ItemIdKind.SELLER, value=price.sku),), description=price.description,
                      unit=price.unit, unit_price=price.price, category=price.category)
        for price in sorted(erp.get_prices(), key=lambda price: price.sku) if price.price.currency == currency
    )
    return Catalogue(catalogue_id=catalogue_id, issue_date=on, currency=currency, items=items)


def send_feed(s: Session, erp: ErpPort, partner: Partner, kind: Outgoing, *, actor: str,
              currency: str = "USD") -> Document | None:
    """Build the feed ``kind`` (INVENTORY or CATALOGUE) for ``partner`` and put it in the outbox."""
    now = utcnow()
    seller, buyer = parties(partner)
    if kind is Outgoing.INVENTORY:
        reference = f"INV{now:%y%m%d%H%M%S}"  # 15 characters: fits X12 BIA03 and BCT02
        document: InventoryReport | Catalogue = inventory_report(erp, reference, now.date()).model_copy(
            update={"seller": seller, "buyer": buyer})
    elif kind is Outgoing.CATALOGUE:
        reference = f"CAT{now:%y%m%d%H%M%S}"
        document = price_catalogue(erp, reference, now.date(), currency).model_copy(
            update={"seller": seller, "buyer": buyer})
    else:
        raise ValueError(f"{kind.value} is not a feed")
    return emit(s, partner, kind, document, parent_id=None, actor=actor, reason=f"{kind.value} feed {reference}")


__all__ = ["inventory_report", "parties", "price_catalogue", "send_feed"]
