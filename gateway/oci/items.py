"""Our items as OCI cart items for one buyer: the storefront's products, prices and the buyer's mapping.

Every item carries our SKU twice, as VENDORMAT (our material number, which SAP prints on the
PO) and EXT_PRODUCT_ID (what SAP sends back to the catalog for DETAIL and VALIDATE), the unit in
the buyer's ISO code, the buyer's unit price at the cart quantity, the lead time, the
manufacturer's part number, the UNSPSC class (EXT_SCHEMA_TYPE ``UNSPSC``) and our category, and
EXT_QUOTE_ID / EXT_QUOTE_ITEM naming the session's cart and line (``OCI-<session>`` / line
number) so the PO that follows can be matched to the cart and its prices. A line the buyer took
from a sales quote (opened in the storefront, :mod:`gateway.quotes.carts`) names that quote
instead: EXT_QUOTE_ID is the quote's number (``Q-000007``) and EXT_QUOTE_ITEM its line number,
at the quoted price, because that is the seller's quotation the buyer's SAP records against the
PO line (and sends back on it); the PO is then matched to the quote (:mod:`gateway.oci.orders`).
What the buyer asked
for on top comes from its options: VENDOR, MATGROUP by category, CONTRACT, CUST_FIELD1-5 as
templates over ``{sku}``, ``{category}``, ``{unspsc}``, ``{manufacturer}``, ``{quote}``,
``{line}`` (an unknown name is empty). Nothing secret is in any field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from formats.model import Money
from formats.oci import OciItem
from gateway.oci.buyers import OciBuyer
from gateway.punchout.catalog import Catalog, Product

QUOTE_PREFIX = "OCI-"


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def quote_id(session_id: int | None) -> str | None:
    """The EXT_QUOTE_ID of a session's cart."""
    return f"{QUOTE_PREFIX}{session_id}" if session_id is not None else None


def session_of_quote(value: str | None) -> int | None:
    """The session id an EXT_QUOTE_ID names, or None when it is not one of ours."""
    text = (value or "").strip()
    if not text.upper().startswith(QUOTE_PREFIX) or not text[len(QUOTE_PREFIX):].isdigit():
        return None
    return int(text[len(QUOTE_PREFIX):])


@dataclass(frozen=True)
class CartLine:
    """One line of a session's cart; ``sales_quote`` (number, line) and ``price`` when it came from a sales quote."""

    product: Product
    quantity: Decimal
    sales_quote: tuple[str, int] | None = None
    price: Money | None = None


def lead_time(product: Product, quantity: Decimal) -> int:
    """Days to delivery: 1 when the quantity is in stock, else the item's lead time (14 when unknown)."""
    if product.available >= quantity:
        return 1
    return product.lead_time_days if product.lead_time_days is not None else 14


def oci_item(buyer: OciBuyer, catalog: Catalog, product: Product, quantity: Decimal, *,
             quote: str | None = None, line: int | None = None, version: str | None = None,
             price: Money | None = None) -> OciItem:
    """One product at ``quantity`` as this buyer's OCI item (see module doc); ``price`` a quoted one, if any."""
    price = price or catalog.unit_price(product, quantity)
    values = _Blank(sku=product.sku, category=product.category or "", unspsc=product.unspsc or "",
                    manufacturer=product.manufacturer_name or "", quote=quote or "", line=line or "")
    custom = {name.lower(): template.format_map(values).strip() or None
              for name, template in buyer.cust_fields.items()
              if name.upper() in {f"CUST_FIELD{n}" for n in range(1, 6)}}
    five = (version or buyer.version) == "5.0"
    return OciItem(
        description=product.description, quantity=quantity, unit=buyer.unit_map().from_canonical(product.unit),
        price=price.amount, priceunit=Decimal(1), currency=price.currency, leadtime=lead_time(product, quantity),
        vendor=buyer.vendor, vendormat=product.sku, manufactmat=product.manufacturer_part_id,
        matgroup=buyer.matgroup_of(product.category), contract=buyer.contract,
        ext_quote_id=quote, ext_quote_item=str(line) if quote and line else None, ext_product_id=product.sku,
        ext_schema_type="UNSPSC" if product.unspsc else None, ext_category_id=product.unspsc,
        ext_category=(product.category or "")[:40] or None, item_type="R" if five else None, **custom)


def cart_items(buyer: OciBuyer, catalog: Catalog, lines: Iterable[CartLine], *,
               session_id: int | None, version: str | None = None) -> list[OciItem]:
    """The session's cart lines as OCI items, numbered from 1.

    A line from a sales quote is quoted as that quote and its line at the quoted price; every
    other line as the session's cart (``OCI-<session>``) and its cart line number.
    """
    cart = quote_id(session_id)
    items = []
    for number, line in enumerate(lines, start=1):
        quote, item = line.sales_quote if line.sales_quote is not None else (cart, number)
        items.append(oci_item(buyer, catalog, line.product, line.quantity, quote=quote, line=item, version=version,
                              price=line.price if line.sales_quote is not None else None))
    return items


__all__ = ["QUOTE_PREFIX", "CartLine", "cart_items", "lead_time", "oci_item", "quote_id", "session_of_quote"]
