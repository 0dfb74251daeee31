"""The Tryton adapter: the ERP port over a Tryton server's JSON-RPC API (see :mod:`erp.tryton.adapter`)."""

from erp.tryton.adapter import TrytonErp
from erp.tryton.rpc import TrytonRpc

__all__ = ["TrytonErp", "TrytonRpc"]
