"""The OCI cart: ``NEW_ITEM-*`` form fields <-> :class:`OciItem` <-> canonical order lines.

A catalog returns its cart to the buyer's HOOK_URL as an HTML form, one field per item value::

    NEW_ITEM-DESCRIPTION[1]=Ballpoint pen  NEW_ITEM-QUANTITY[1]=12  NEW_ITEM-UNIT[1]=EA
    NEW_ITEM-PRICE[1]=1.29  NEW_ITEM-CURRENCY[1]=USD  NEW_ITEM-LONGTEXT_1:132[]=...

:func:`parse` reads such fields leniently, as real catalogs send them (names in any case with
blanks, indexes with gaps, zero-padded or comma-decimal numbers, LONGTEXT spelled
``LONGTEXT_1:132[]``, ``LONGTEXT_1:132``, ``LONGTEXT_1[]`` or ``LONGTEXT[1]``, vendor fields of
its own kept in :attr:`OciItem.extra`); :func:`render` writes them strictly (lengths of the
field table, OCI numbers, descriptions too long for 40 characters continued in LONGTEXT lines of
132, only what the buyer's charset can carry). :func:`to_lines` turns items into canonical
:class:`~formats.model.OrderLine` with the buyer's units mapped to UN/ECE Rec 20.

>>> cart = parse([("new_item-description[2] ", "Pen"), ("NEW_ITEM-QUANTITY[2]", "0003,000"),
...               ("NEW_ITEM-UNIT[2]", "PCE"), ("NEW_ITEM-PRICE[2]", "00000001.290"),
...               ("NEW_ITEM-CURRENCY[2]", "EUR")])
>>> item = cart.items[0]
>>> item.index, item.description, item.quantity, item.price
(2, 'Pen', Decimal('3.000'), Decimal('1.290'))
>>> to_lines(cart)[0].quantity
Quantity(value=Decimal('3.000'), unit='H87')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any

from formats.codes.units import UnitMap
from formats.errors import Location, MappingError
from formats.model import Extension, ItemId, ItemIdKind, Money, OrderLine, PriceBasis, Quantity, Reference
from formats.oci.fields import (
    LONGTEXT_LINE,
    OciVersion,
    field_name,
    field_specs,
    format_number,
    longtext_name,
    read_integer,
    read_number,
)

SOURCE = "oci:NEW_ITEM"
"""The ``source`` of canonical extensions that carry OCI fields the model has no place for."""


@dataclass(frozen=True)
class OciItem:
    """One cart item: every standard field by its lower-case name, the long text, and any vendor fields.

    ``index`` is the ``n`` of ``NEW_ITEM-*[n]`` as received (gaps kept); :func:`render` numbers
    items from 1 in order whatever their index.
    """

    index: int = 0
    description: str | None = None
    matnr: str | None = None
    matgroup: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    price: Decimal | None = None
    priceunit: Decimal | None = None
    currency: str | None = None
    leadtime: int | None = None
    vendor: str | None = None
    vendormat: str | None = None
    manufactcode: str | None = None
    manufactmat: str | None = None
    contract: str | None = None
    contract_item: str | None = None
    service: str | None = None
    ext_quote_id: str | None = None
    ext_quote_item: str | None = None
    ext_product_id: str | None = None
    ext_schema_type: str | None = None
    ext_category_id: str | None = None
    ext_category: str | None = None
    sld_sys_name: str | None = None
    attachment: str | None = None
    attachment_title: str | None = None
    attachment_purpose: str | None = None
    cust_field1: str | None = None
    cust_field2: str | None = None
    cust_field3: str | None = None
    cust_field4: str | None = None
    cust_field5: str | None = None
    parent_id: str | None = None
    item_type: str | None = None
    longtext: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())

    def value(self, name: str) -> Any:
        """The value of standard field ``name`` (``PRICE``, ``CUST_FIELD5`` ...)."""
        return getattr(self, name.lower())


@dataclass(frozen=True)
class OciCart:
    """A parsed OCI form: its items in index order and every field that is not ``NEW_ITEM-*``."""

    items: tuple[OciItem, ...]
    other: tuple[tuple[str, str], ...] = ()


# ASCII: ``\d`` would take a superscript, which int() refuses, or Arabic-Indic digits, which it reads
_ITEM_FIELD = re.compile(r"^NEW_ITEM-([A-Z0-9_]+?)\s*(?:\[\s*(\d{0,9})\s*\])?$", re.IGNORECASE | re.ASCII)
_LONGTEXT = re.compile(r"^NEW_ITEM-LONG_?TEXT(?:_(\d{1,9}))?(?::\d+)?\s*(?:\[\s*(\d{0,9})\s*\])?$",
                       re.IGNORECASE | re.ASCII)
_LINE_BREAK = re.compile(r"[ \t]*\r?\n\s*")
_ATTRIBUTES = {f.name for f in fields(OciItem)}


def _item_key(name: str) -> tuple[str, int] | None:
    """(FIELD, index) of a ``NEW_ITEM`` field name, ``("LONGTEXT", n)`` for any long text spelling."""
    compact = name.strip()
    longtext = _LONGTEXT.match(compact)
    if longtext:
        number = longtext.group(1) or longtext.group(2)
        return ("LONGTEXT", int(number)) if number else None
    match = _ITEM_FIELD.match(compact)
    if match is None:
        return None
    return match.group(1).upper(), int(match.group(2)) if match.group(2) else 1


def parse(pairs: Iterable[tuple[str, str]]) -> OciCart:
    """The cart in submitted form fields (name, value), leniently (see module doc).

    A number that cannot be read is a :class:`MappingError` whose location path names the field
    (``NEW_ITEM-PRICE[3]``); a form without any ``NEW_ITEM`` field is one too.
    """
    values: dict[int, dict[str, Any]] = {}
    longtexts: dict[int, list[str]] = {}
    extras: dict[int, list[tuple[str, str]]] = {}
    other: list[tuple[str, str]] = []
    specs = field_specs()
    for name, raw in pairs:
        key = _item_key(name)
        if key is None:
            other.append((name, raw))
            continue
        upper, index = key
        where = Location(path=field_name(upper, index))
        if upper == "LONGTEXT":
            longtexts.setdefault(index, []).append(raw)
            continue
        spec = specs.get(upper)
        if spec is None:
            if raw.strip():
                extras.setdefault(index, []).append((upper, raw.strip()))
            else:
                extras.setdefault(index, [])
            continue
        item = values.setdefault(index, {})
        if spec.kind == "number":
            item[upper.lower()] = read_number(raw, where)
        elif spec.kind == "integer":
            item[upper.lower()] = read_integer(raw, where)
        else:
            item[upper.lower()] = raw.strip() or None
    indexes = sorted(set(values) | set(longtexts) | set(extras))
    if not indexes:
        raise MappingError("the form has no NEW_ITEM fields: it is not an OCI cart")
    items = []
    for index in indexes:
        text = _LINE_BREAK.sub("\n", "".join(longtexts.get(index, []))).strip() or None
        items.append(OciItem(index=index, longtext=text, extra=tuple(extras.get(index, [])), **values.get(index, {})))
    return OciCart(tuple(items), tuple(other))


def _encodable(text: str, charset: str) -> str:
    """``text`` with what ``charset`` cannot carry replaced by ``?`` (the browser would send &#...; instead)."""
    return text.encode(charset, errors="replace").decode(charset)


def _lines_of(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [flat[i:i + LONGTEXT_LINE] for i in range(0, len(flat), LONGTEXT_LINE)]


def render(items: Iterable[OciItem], *, version: OciVersion = "4.0", charset: str = "utf-8") -> list[tuple[str, str]]:
    """The ``NEW_ITEM-*`` form fields of ``items``, numbered from 1, strictly to the OCI field table.

    A description longer than DESCRIPTION's 40 characters is cut there and written whole as the
    first LONGTEXT line(s), ahead of the item's own long text. Any other value longer than its
    field, a number OCI cannot carry, or a field ``version`` does not have (PARENT_ID and
    ITEM_TYPE before 5.0) filled in, is a :class:`MappingError` naming the field: a value SAP
    would silently cut must not leave us. Vendor ``extra`` fields are not written.
    """
    out: list[tuple[str, str]] = []
    specs = field_specs()
    for number, item in enumerate(items, start=1):
        longtext: list[str] = []
        for spec in specs.values():
            value = item.value(spec.name)
            if value is None or value == "":
                continue
            where = Location(path=field_name(spec.name, number))
            if not spec.in_version(version):
                raise MappingError(f"{spec.name} is an OCI {spec.since} field; this buyer speaks OCI {version}", where)
            if spec.kind == "number":
                text = format_number(value, where)
            elif spec.kind == "integer":
                text = format_number(Decimal(int(value)), where)
            else:
                text = _encodable(" ".join(str(value).split()), charset)
            limit = spec.length_in(version)
            if len(text) > limit:
                if spec.name != "DESCRIPTION":
                    raise MappingError(f"{spec.name} {text!r} is longer than its {limit} characters", where)
                longtext.append(text)
                text = text[:limit].rstrip()
            out.append((field_name(spec.name, number), text))
        if item.longtext:
            longtext.append(_encodable(item.longtext, charset))
        for line in _lines_of(" ".join(longtext)):
            out.append((longtext_name(number), line))
    return out


# --------------------------------------------------------------------------------------------
# Items <-> canonical lines
# --------------------------------------------------------------------------------------------


@cache
def default_units() -> UnitMap:
    """The ISO unit codes SAP systems send in OCI (``units.csv``: PCE, PR, PA ...), both ways."""
    text = files("formats.oci").joinpath("units.csv").read_text(encoding="utf-8")
    rows = [line.split(",")[:2] for line in text.splitlines()[1:] if line.strip()]
    return UnitMap.from_pairs(((oci, rec20) for oci, rec20 in rows), "SAP OCI ISO")


def buyer_units(overrides: Mapping[str, str] | None = None) -> UnitMap:
    """The OCI unit table with one buyer's overrides (``{"ST": "H87"}``) layered on top."""
    return default_units().with_overrides(overrides) if overrides else default_units()


_REFERENCES = ("EXT_QUOTE_ID", "EXT_QUOTE_ITEM", "CONTRACT", "CONTRACT_ITEM")
_IN_LINE = {"DESCRIPTION", "QUANTITY", "UNIT", "PRICE", "PRICEUNIT", "CURRENCY", "VENDORMAT", "EXT_PRODUCT_ID",
            "MANUFACTMAT", "MATNR", *_REFERENCES}


def to_line(item: OciItem, units: UnitMap | None = None) -> OrderLine:
    """One item as a canonical order line (see :func:`to_lines`)."""
    units = units or default_units()

    def where(name: str) -> Location:
        return Location(path=field_name(name, item.index))

    if item.quantity is None:
        raise MappingError("the item has no QUANTITY", where("QUANTITY"))
    if not item.unit:
        raise MappingError("the item has no UNIT", where("UNIT"))
    unit = units.to_canonical(item.unit, where("UNIT"))
    price = None
    if item.price is not None:
        if not item.currency:
            raise MappingError("the item has a PRICE but no CURRENCY", where("CURRENCY"))
        try:
            price = Money(amount=item.price, currency=item.currency)
        except ValueError:
            raise MappingError(f"{item.currency!r} is not an ISO 4217 currency", where("CURRENCY")) from None
    ids = []
    if item.vendormat:
        ids.append(ItemId(kind=ItemIdKind.SELLER, value=item.vendormat))
    if item.ext_product_id:
        kind = ItemIdKind.OTHER if item.vendormat else ItemIdKind.SELLER
        ids.append(ItemId(kind=kind, value=item.ext_product_id, qualifier="EXT_PRODUCT_ID"))
    if item.manufactmat:
        ids.append(ItemId(kind=ItemIdKind.MANUFACTURER, value=item.manufactmat))
    if item.matnr:
        ids.append(ItemId(kind=ItemIdKind.BUYER, value=item.matnr))
    references = tuple(Reference(qualifier=name, value=item.value(name)) for name in _REFERENCES if item.value(name))
    extensions = [Extension(source=SOURCE, name=spec.name, value=str(item.value(spec.name)))
                  for spec in field_specs().values()
                  if spec.name not in _IN_LINE and item.value(spec.name) not in (None, "")]
    extensions += [Extension(source=SOURCE, name=name, value=value) for name, value in item.extra]
    unspsc = item.ext_category_id if (item.ext_schema_type or "").upper().startswith("UNSPSC") else None
    return OrderLine(line_number=str(item.index), items=tuple(ids), description=item.description,
                     quantity=Quantity(value=item.quantity, unit=unit), unit_price=price,
                     price_basis=PriceBasis(quantity=item.priceunit or Decimal(1), unit=unit),
                     references=references, notes=(item.longtext,) if item.longtext else (),
                     classification=unspsc, extensions=tuple(extensions))


def to_lines(cart: OciCart, units: UnitMap | None = None) -> tuple[OrderLine, ...]:
    """The cart's items as canonical lines: line number = OCI index, unit mapped to Rec 20.

    VENDORMAT (else EXT_PRODUCT_ID) is the seller's item id, MANUFACTMAT the manufacturer's,
    MATNR the buyer's; PRICE per PRICEUNIT becomes the unit price and price basis; EXT_QUOTE_ID,
    EXT_QUOTE_ITEM and CONTRACT(_ITEM) become references; the long text a note; every other
    field (LEADTIME, VENDOR, CUST_FIELDs, vendor extensions) an extension from ``oci:NEW_ITEM``.
    """
    return tuple(to_line(item, units) for item in cart.items)


__all__ = ["SOURCE", "OciCart", "OciItem", "buyer_units", "default_units", "parse", "render", "to_line", "to_lines"]
