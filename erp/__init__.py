"""The ERP side of the gateway: the port (:class:`ErpPort`) and its adapters.

The gateway talks to a seller's ERP only through :class:`ErpPort` (see :mod:`erp.port`). Adapters
live in subpackages and are imported by name when configured (``B2BGW_ERP``):
``erp.builtin.BuiltinErp`` is the reference ERP on the gateway's own database.
"""

from erp.port import (
    CreditPosition,
    Customer,
    ErpError,
    ErpEvent,
    ErpEventKind,
    ErpOrder,
    ErpOrderState,
    ErpPort,
    ErpRejected,
    ErpUnavailable,
    ItemPrice,
    Payment,
    PushedOrder,
    StockLevel,
)

__all__ = [
    "CreditPosition",
    "Customer",
    "ErpError",
    "ErpEvent",
    "ErpEventKind",
    "ErpOrder",
    "ErpOrderState",
    "ErpPort",
    "ErpRejected",
    "ErpUnavailable",
    "ItemPrice",
    "Payment",
    "PushedOrder",
    "StockLevel",
]
