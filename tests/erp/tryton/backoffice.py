"""The seller's people in Tryton, for the tests: the warehouse ships a sale, accounting posts and pays its invoice.

What ``b2bgw erp ship/invoice/pay`` are for the built-in ERP, done through Tryton's own buttons and
wizards over JSON-RPC, as a Tryton user would click them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from erp.tryton import TrytonErp


def _sale(erp: TrytonErp, erp_order_id: str) -> dict[str, Any]:
    [sale] = erp.rpc.search_read("sale.sale", [("number", "=", erp_order_id)], ["shipments", "invoices", "state"])
    return sale


def ship(erp: TrytonErp, erp_order_id: str) -> list[int]:
    """Assign, pick, pack, ship and finish every open shipment of the sale; the shipment ids."""
    sale = _sale(erp, erp_order_id)
    shipments = erp.rpc.search_read("stock.shipment.out", [("id", "in", sale["shipments"])], ["state"])
    ids = [s["id"] for s in shipments if s["state"] not in ("done", "cancelled")]
    assert ids, f"sale {erp_order_id} has nothing to ship"
    for button in ("assign_force", "pick", "pack", "ship", "do"):
        erp.rpc.model("stock.shipment.out", button, ids)
    return ids


def post_invoices(erp: TrytonErp, erp_order_id: str) -> list[str]:
    """Post the sale's draft invoices (made when it shipped); their numbers."""
    sale = _sale(erp, erp_order_id)
    drafts = erp.rpc.search_read("account.invoice", [("id", "in", sale["invoices"]), ("state", "=", "draft")],
                                 ["id"])
    ids = [row["id"] for row in drafts]
    assert ids, f"sale {erp_order_id} has no draft invoice"
    erp.rpc.model("account.invoice", "write", ids, {"invoice_date": dt.date.today()})
    erp.rpc.model("account.invoice", "post", ids)
    rows = erp.rpc.search_read("account.invoice", [("id", "in", ids)], ["number", "state"])
    assert {row["state"] for row in rows} == {"posted"}, rows
    return [row["number"] for row in rows]


def pay(erp: TrytonErp, invoice_number: str, amount: Decimal | None = None) -> None:
    """Pay an invoice (in full when ``amount`` is None) with the ``account.invoice.pay`` wizard."""
    [invoice] = erp.rpc.search_read("account.invoice", [("number", "=", invoice_number)],
                                    ["amount_to_pay", "currency"])
    [method] = erp.rpc.search_read("account.invoice.payment.method", [], ["id"], limit=1)
    context = {**erp.rpc.context, "active_model": "account.invoice", "active_id": invoice["id"],
               "active_ids": [invoice["id"]]}
    session, _, _ = erp.rpc.call("wizard.account.invoice.pay.create", context)
    erp.rpc.call("wizard.account.invoice.pay.execute", session, {}, "start", context)
    values = {"amount": amount if amount is not None else invoice["amount_to_pay"], "currency": invoice["currency"],
              "payment_method": method["id"], "date": dt.date.today(), "description": f"payment {invoice_number}"}
    answer = erp.rpc.call("wizard.account.invoice.pay.execute", session, {"start": values}, "choice", context)
    if isinstance(answer, dict) and answer.get("view", {}).get("state") == "ask":
        ask = {"type": "partial", "amount": values["amount"], "currency": invoice["currency"]}
        erp.rpc.call("wizard.account.invoice.pay.execute", session, {"start": values, "ask": ask}, "pay", context)
    erp.rpc.call("wizard.account.invoice.pay.delete", session, context)
