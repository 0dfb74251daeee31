"""Canonical :class:`~formats.model.Catalogue` -> ANSI X12 832 Price/Sales Catalog.

ASC X12 004010 and 005010 (functional group SC). A customer's price catalogue: BCT (catalog
purpose 683 ``PC`` price catalog, BCT02 the catalogue id, BCT09 its name (352 description; BCT06
is another catalog's number, 15 characters), BCT10 purpose ``00``),
CUR, DTM (``097`` the issue date, ``007`` effective from, ``036`` expires), REF ``PL`` (the
price list the prices come from), the N1 loops of seller and buyer; one LIN loop per item:

* LIN: LIN01 numbers the items, then the product ID pairs (235/234); the manufacturer's part
  number is a ``MG`` pair;
* PID ``F`` the description, PID ``F`` with PID02 ``MAC`` (manufacturer) its maker, PID ``S``
  with PID03 ``ZZ`` (mutually defined) the category in PID05;
* DTM ``007``/``036`` the item's own validity;
* CTP: CTP02 price identifier 236 ``CON`` (contract price: the customer's price), CTP03 the unit
  price, CTP04/05 the minimum quantity and unit a tier starts at (the base price has none),
  CTP09 the price basis 639.

Render only: the gateway sends catalogues, it does not read them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from formats.codes.units import UnitMap
from formats.errors import MappingError
from formats.model import Catalogue, CatalogueItem, ItemId, ItemIdKind, Money
from formats.x12.envelope import Segment
from formats.x12.segments_common import item_id_elements, party_segments, x12_date, x12_number

VERSIONS = ("004010", "005010")
CATALOG_PURPOSE = "PC"  # 683: price catalog
CONTRACT_PRICE = "CON"  # 236: contract price
ISSUED, EFFECTIVE, EXPIRES = "097", "007", "036"  # 374: transaction creation, effective, expiration
PRICE_LIST = "PL"  # 128: price list number


def render(catalogue: Catalogue, *, units: UnitMap | None = None, version: str = "004010") -> list[Segment]:
    """The body of an 832 (between ST and SE) for ``catalogue``."""
    if version[:6] not in VERSIONS:
        raise MappingError(f"832 version {version!r} is not one we write ({', '.join(VERSIONS)})")
    if not catalogue.items:
        raise MappingError(f"catalogue {catalogue.catalogue_id}: an 832 needs at least one LIN loop")
    if len(catalogue.catalogue_id) > 15:
        raise MappingError(f"BCT02 (catalog number) {catalogue.catalogue_id!r} is longer than 15 characters")
    units = units or UnitMap.default_x12()
    segments: list[Segment] = [
        ["BCT", CATALOG_PURPOSE, catalogue.catalogue_id, "", "", "", "", "", "", catalogue.name or "", "00"],
        ["CUR", "SE", catalogue.currency],
        *_validity(catalogue.valid_from, catalogue.valid_to, issued=catalogue.issue_date),
    ]
    if catalogue.price_list:
        segments.append(["REF", PRICE_LIST, catalogue.price_list])
    for party in (catalogue.seller, catalogue.buyer):
        if party is not None:
            segments += party_segments(party, "832")
    for number, item in enumerate(catalogue.items, start=1):
        segments += _item_segments(str(number), item, catalogue.currency, units)
    segments.append(["CTT", str(len(catalogue.items))])
    return segments


def _validity(valid_from: dt.date | None, valid_to: dt.date | None, issued: dt.date | None = None) -> list[Segment]:
    dates = ((ISSUED, issued), (EFFECTIVE, valid_from), (EXPIRES, valid_to))
    return [["DTM", qualifier, x12_date(date)] for qualifier, date in dates if date is not None]


def _item_segments(number: str, item: CatalogueItem, currency: str, units: UnitMap) -> list[Segment]:
    where = f"LIN {number}"
    ids = list(item.items)
    if item.manufacturer_part and not any(i.kind is ItemIdKind.MANUFACTURER for i in ids):
        ids.append(ItemId(kind=ItemIdKind.MANUFACTURER, value=item.manufacturer_part, qualifier="MG"))
    if not ids:
        raise MappingError(f"{where}: LIN02/LIN03 (product ID) is missing: the item has no identifier")
    segments: list[Segment] = [["LIN", number, *item_id_elements(ids, 15, where)]]
    if item.description:
        segments.append(["PID", "F", "", "", "", item.description])
    if item.manufacturer:
        segments.append(["PID", "F", "MAC", "", "", item.manufacturer])
    if item.category:
        segments.append(["PID", "S", "", "ZZ", "", item.category])
    segments += _validity(item.valid_from, item.valid_to)
    unit = units.from_canonical(item.unit)
    basis = item.price_basis.code or ""
    if item.unit_price is not None:
        segments.append(_price(item.unit_price, currency, "", "", basis, where))
    for minimum, price in item.price_tiers:
        segments.append(_price(price, currency, x12_number(minimum), unit, basis, where))
    return segments


def _price(price: Money, currency: str, minimum: str, unit: str, basis: str, where: str) -> Segment:
    if price.currency != currency:
        raise MappingError(f"{where}: price in {price.currency}, the catalogue is in {currency}")
    if minimum and Decimal(minimum) <= 0:
        raise MappingError(f"{where}: CTP04 tier minimum quantity {minimum} must be positive")
    return ["CTP", "", CONTRACT_PRICE, x12_number(price.amount), minimum, unit, "", "", "", basis]


__all__ = ["render"]
