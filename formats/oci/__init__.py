"""SAP Open Catalog Interface (OCI 4.0 and 5.0) carts <-> the canonical model: pure, no I/O.

OCI has one document: the cart a catalog returns to the buyer's HOOK_URL as HTML form fields
``NEW_ITEM-<FIELD>[n]``. :mod:`.fields` holds the field table and number formats, :mod:`.cart`
reads and writes the fields and maps items to canonical order lines, :mod:`.form` reads the
fields out of an HTML page. OCI carries no purchase order: SAP sends that through another
channel (cXML, X12, UBL), which the gateway configures per buyer.

More information: SAP, "Open Catalog Interface (OCI)" 4.0 and 5.0 specifications.
"""

from __future__ import annotations

from formats.oci.cart import SOURCE, OciCart, OciItem, buyer_units, default_units, parse, render, to_line, to_lines
from formats.oci.fields import (
    LONGTEXT_LINE,
    VERSIONS,
    FieldSpec,
    OciVersion,
    field_name,
    field_specs,
    format_number,
    longtext_name,
    read_number,
)
from formats.oci.form import form_fields

__all__ = ["LONGTEXT_LINE", "SOURCE", "VERSIONS", "FieldSpec", "OciCart", "OciItem", "OciVersion", "buyer_units",
           "default_units", "field_name", "field_specs", "form_fields", "format_number", "longtext_name", "parse",
           "read_number", "render", "to_line", "to_lines"]
