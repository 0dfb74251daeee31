"""Tryton's words for the port's things: units, sale states, the gateway's marker on a sale, event ids.

Kept apart from the adapter so the rules are readable (and testable) without a server.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from erp.port import ErpOrderState
from formats.model import Order, OrderResponse

# Tryton UoM symbols -> UN/ECE Rec 20 codes. A symbol that is already a Rec 20 code maps to itself.
UNIT_CODES: Mapping[str, str] = {
    "u": "EA", "box": "XBX", "kg": "KGM", "g": "GRM", "t": "TNE", "m": "MTR", "cm": "CMT", "mm": "MMT",
    "km": "KMT", "l": "LTR", "ml": "MLT", "m²": "MTK", "m³": "MTQ", "h": "HUR", "min": "MIN", "s": "SEC",
    "d": "DAY", "lb": "LBR", "oz": "ONZ", "in": "INH", "ft": "FOT", "gal": "GLL", "dz": "DZN", "case": "XCS",
}

MARKER = "b2bgw:"
"""Prefix of the sale ``description`` that holds the gateway's idempotency key (searchable, exact)."""
PAYLOAD = "b2bgw-order:"
"""Prefix of the sale ``comment`` that holds the canonical order and acknowledgment as JSON."""


def quantity(value: float | Decimal | None) -> Decimal:
    """A Tryton quantity (a float over JSON) as an exact Decimal: ``10.0`` -> ``10``, ``2.5`` -> ``2.5``."""
    exact = Decimal(str(value or 0))
    return exact.quantize(Decimal(1)) if exact == exact.to_integral_value() else exact.normalize()


def rec20(symbol: str | None) -> str:
    """The Rec 20 code of a Tryton UoM symbol (``u`` -> ``EA``); unknown symbols are upper-cased."""
    if not symbol:
        return "EA"
    return UNIT_CODES.get(symbol, UNIT_CODES.get(symbol.lower(), symbol.upper()))


def _per_reference(uom: Mapping[str, Any]) -> Decimal | None:
    """Reference units of its category in one ``uom`` (Tryton's ``factor``, else ``1 / rate``)."""
    if uom.get("factor"):
        return quantity(uom["factor"])
    return Decimal(1) / quantity(uom["rate"]) if uom.get("rate") else None


def sale_units(default_id: int, default: Mapping[str, Any] | None, sale_id: int | None,
               sale: Mapping[str, Any] | None) -> dict[str, tuple[Decimal, int]]:
    """A product's sale unit as its pack size, ``{rec20: (default units in one, sale uom id)}``, or ``{}``.

    Tryton sells a product in its template's ``sale_uom`` and counts stock in its ``default_uom``;
    when both are of one UoM category their factors give the size (a "Case of 12", factor 12, over
    Unit, factor 1: 12). A sale unit that is the default one, of another category, or without
    factors is no pack size: the product is then sold in its default unit only.
    """
    if sale_id is None or sale_id == default_id or not default or not sale:
        return {}
    if default.get("category") != sale.get("category"):
        return {}
    base, size = _per_reference(default), _per_reference(sale)
    if not base or not size:
        return {}
    return {rec20(sale.get("symbol")): (size / base, sale_id)}


def marker(idempotency_key: str) -> str:
    """The sale description that carries ``idempotency_key``."""
    return f"{MARKER}{idempotency_key}"


def dump_payload(order: Order, response: OrderResponse, line_numbers: list[str]) -> str:
    """The sale comment: the order as received, our acknowledgment, and the buyer line number of each sale line.

    Kept in the same ``create`` as the sale so a sale never exists without it; ``line_numbers[i]`` is
    the buyer's line number of the sale line with ``sequence`` i + 1.
    """
    body = {"order": json.loads(order.model_dump_json()), "response": json.loads(response.model_dump_json()),
            "line_numbers": line_numbers}
    return PAYLOAD + json.dumps(body, separators=(",", ":"))


def load_payload(comment: str | None) -> tuple[Order, OrderResponse, list[str]] | None:
    """What :func:`dump_payload` wrote, or None for a sale the gateway did not place."""
    if not comment or not comment.startswith(PAYLOAD):
        return None
    body: dict[str, Any] = json.loads(comment[len(PAYLOAD):])
    return (Order.model_validate(body["order"]), OrderResponse.model_validate(body["response"]),
            list(body.get("line_numbers", [])))


SHIPPED_MOVE_STATES = frozenset({"done"})
INVOICED_STATES = frozenset({"awaiting payment", "partially paid", "paid"})


def order_state(sale: Mapping[str, Any], move_states: list[str]) -> ErpOrderState:
    """The port's state of a sale from its ``state``, ``shipment_state``, ``invoice_state`` and its moves.

    A processed sale whose every move was cancelled (the gateway cancels a processing sale by
    cancelling its shipment) is cancelled for the port.
    """
    state = sale["state"]
    if state == "cancelled" or (state in ("processing", "done") and move_states
                                and all(s == "cancelled" for s in move_states)):
        return ErpOrderState.CANCELLED
    if state in ("draft", "quotation"):
        return ErpOrderState.OPEN
    if sale.get("invoice_state") in INVOICED_STATES:
        return ErpOrderState.INVOICED
    shipment = sale.get("shipment_state")
    if shipment == "sent":
        return ErpOrderState.SHIPPED
    if shipment == "partially shipped" or any(s in SHIPPED_MOVE_STATES for s in move_states):
        return ErpOrderState.PARTIALLY_SHIPPED
    return ErpOrderState.CONFIRMED


EVENT_RANKS = {"cancelled": 0, "shipped": 1, "invoiced": 2, "paid": 3}


def event_id(at: dt.datetime, kind: str, record_id: int) -> str:
    """A sortable event id: UTC timestamp to the microsecond, kind rank, record id (zero-padded)."""
    return f"{at:%Y%m%d%H%M%S%f}-{EVENT_RANKS[kind]}-{record_id:012d}"


def cursor_time(cursor: str | None) -> dt.datetime | None:
    """The timestamp part of an event id (None for no cursor)."""
    if not cursor:
        return None
    return dt.datetime.strptime(cursor.split("-", 1)[0], "%Y%m%d%H%M%S%f")


__all__ = [
    "MARKER",
    "PAYLOAD",
    "UNIT_CODES",
    "cursor_time",
    "dump_payload",
    "event_id",
    "load_payload",
    "marker",
    "order_state",
    "quantity",
    "rec20",
]
