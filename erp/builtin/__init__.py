"""The built-in reference ERP on the gateway's own database (the embedded default and the test adapter).

:class:`BuiltinErp` implements :class:`erp.port.ErpPort`; :mod:`erp.builtin.catalog` holds the
seller-side operations (catalog, stock, shipping, invoicing, payments),
:mod:`erp.builtin.events` the event stream, :mod:`erp.builtin.packing` cartons and SSCCs, and
:mod:`erp.builtin.demo` the demo data. The tables (``erp_*``) are in :mod:`erp.builtin.tables`, the company profile and
VAT master data in :mod:`erp.builtin.tax_tables` (used by :mod:`erp.builtin.taxes` when invoicing).
"""

from erp.builtin.adapter import BuiltinErp
from erp.builtin.catalog import (
    add_customer,
    add_product,
    invoice_order,
    invoice_total,
    list_shipments,
    record_payment,
    set_pack_size,
    set_stock,
    ship_order,
    update_product,
)
from erp.builtin.demo import seed_demo
from erp.builtin.tables import erp_tables
from erp.builtin.tax_tables import ErpCompany

__all__ = [
    "BuiltinErp",
    "ErpCompany",
    "add_customer",
    "add_product",
    "erp_tables",
    "invoice_order",
    "invoice_total",
    "list_shipments",
    "record_payment",
    "seed_demo",
    "set_pack_size",
    "set_stock",
    "ship_order",
    "update_product",
]
