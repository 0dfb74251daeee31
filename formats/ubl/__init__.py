"""OASIS UBL 2.1 documents <-> the canonical model.

One module per message type, each with ``parse(raw) -> canonical`` and
``render(canonical, *, profile=None) -> bytes``; :data:`UBL_DOCUMENTS` maps a root element's
local name to its module, and :func:`parse` dispatches by it.

=====================  ===========================  ==============================================
root element           module                       canonical document
=====================  ===========================  ==============================================
Order                  :mod:`.order`                :class:`~formats.model.Order`
OrderChange            :mod:`.order_change`         :class:`~formats.model.OrderChange`
OrderCancellation      :mod:`.order_cancellation`   :class:`~formats.model.Order` (purpose cancel)
OrderResponse          :mod:`.order_response`       :class:`~formats.model.OrderResponse`
OrderResponseSimple    :mod:`.order_response_simple` :class:`~formats.model.OrderResponse`
DespatchAdvice         :mod:`.despatch_advice`      :class:`~formats.model.ShipNotice`
Invoice, CreditNote    :mod:`.invoice`              :class:`~formats.model.Invoice`
Catalogue              :mod:`.catalogue`            :class:`~formats.model.Catalogue`
=====================  ===========================  ==============================================

:func:`render` picks the module from the canonical type (an OrderResponse renders as a full
``OrderResponse``; use :mod:`.order_response_simple` directly for the simple one). PEPPOL
customizations are chosen with a :class:`~formats.ubl.profiles.UblProfile`.

More information: OASIS UBL 2.1 (http://docs.oasis-open.org/ubl/UBL-2.1.html).
"""

from __future__ import annotations

from types import ModuleType
from typing import Protocol

from lxml import etree

from formats.errors import DetectionError
from formats.model import Catalogue, Invoice, Order, OrderChange, OrderResponse, ShipNotice
from formats.ubl import (
    catalogue,
    despatch_advice,
    invoice,
    order,
    order_cancellation,
    order_change,
    order_response,
    order_response_simple,
)
from formats.ubl.common import document_namespace
from formats.ubl.profiles import (
    PEPPOL_ADVANCED_ORDERING,
    PEPPOL_BILLING,
    PEPPOL_CATALOGUE,
    PEPPOL_DESPATCH_ADVICE,
    PEPPOL_ORDERING,
    PEPPOL_PROFILES,
    UblProfile,
    peppol_profile,
)
from formats.xml import line_of, local_name, parse_xml

UblDocument = Order | OrderChange | OrderResponse | ShipNotice | Invoice | Catalogue
"""Every canonical document a UBL message reads into or renders from."""


class UblCodec(Protocol):
    """What every message module offers (python-stdnum style: the same verbs everywhere)."""

    def parse(self, raw: bytes | etree._Element) -> UblDocument: ...  # noqa: D102


UBL_DOCUMENTS: dict[str, ModuleType] = {
    "Order": order,
    "OrderChange": order_change,
    "OrderCancellation": order_cancellation,
    "OrderResponse": order_response,
    "OrderResponseSimple": order_response_simple,
    "DespatchAdvice": despatch_advice,
    "Invoice": invoice,
    "CreditNote": invoice,
    "Catalogue": catalogue,
}
"""Root element local name -> the module that reads and writes that message."""

RENDERERS: dict[type, ModuleType] = {
    Order: order,
    OrderChange: order_change,
    OrderResponse: order_response,
    ShipNotice: despatch_advice,
    Invoice: invoice,
    Catalogue: catalogue,
}
"""Canonical type -> the module that renders it."""


def detect_ubl(root: etree._Element) -> str | None:
    """The UBL document type of a root element (``Order``), None if it is not one we read."""
    name = local_name(root)
    if name in UBL_DOCUMENTS and etree.QName(root).namespace == document_namespace(name):
        return name
    return None


def parse(raw: bytes | etree._Element) -> UblDocument:
    """The canonical document of any UBL message we read; :class:`DetectionError` for others."""
    root = raw if isinstance(raw, etree._Element) else parse_xml(raw, what="UBL document")
    document_type = detect_ubl(root)
    if document_type is None:
        raise DetectionError(f"<{local_name(root)}> in namespace {etree.QName(root).namespace!r} is not a UBL "
                             f"document we read ({', '.join(UBL_DOCUMENTS)})", line_of(root))
    result: UblDocument = UBL_DOCUMENTS[document_type].parse(root)
    return result


def render(document: UblDocument, *, profile: UblProfile | None = None) -> bytes:
    """The UBL message of a canonical document (Order with purpose cancel -> OrderCancellation)."""
    module = RENDERERS.get(type(document))
    if module is None:
        raise DetectionError(f"no UBL message renders a {type(document).__name__}")
    result: bytes = module.render(document, profile=profile)
    return result


__all__ = [
    "PEPPOL_ADVANCED_ORDERING",
    "PEPPOL_BILLING",
    "PEPPOL_CATALOGUE",
    "PEPPOL_DESPATCH_ADVICE",
    "PEPPOL_ORDERING",
    "PEPPOL_PROFILES",
    "RENDERERS",
    "UBL_DOCUMENTS",
    "UblCodec",
    "UblDocument",
    "UblProfile",
    "detect_ubl",
    "parse",
    "peppol_profile",
    "render",
]
