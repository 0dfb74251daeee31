"""Acting as the ERP's user on the built-in ERP: ship, invoice, record a payment.

A real ERP ships and invoices on its own; the built-in one has no screens, so the operator (or a
demo) does it through ``b2bgw erp ...`` and ``/api/erp/...``. Each action is followed by a poll of
the ERP's events, so the partner's ship notice or invoice is in the outbox when the call returns,
exactly as a worker would have put it there a moment later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from erp.port import ErpRejected
from formats.model import Invoice, Money, ShipNotice
from gateway.pipeline.erp_events import Handled, poll_erp_events
from gateway.services import Services


class NotBuiltinErp(ErpRejected):
    """The action exists only on the built-in ERP; a real ERP does it in its own screens."""


def _require_builtin(services: Services) -> None:
    if services.settings.erp != "builtin":
        raise NotBuiltinErp(f"the {services.settings.erp} ERP ships and invoices in its own application; "
                            "the gateway picks the events up from there")


def poll(services: Services, actor: str) -> list[Handled]:
    """Turn the ERP's new events into partner documents now."""
    return poll_erp_events(services.engine, services.erp, source=services.settings.erp, actor=actor)


def ship(services: Services, erp_order_id: str, *, actor: str, carrier: str | None = None,
         tracking_number: str | None = None,
         cartons: Sequence[Mapping[str, Decimal]] | None = None) -> tuple[ShipNotice, list[Handled]]:
    """Ship an order on the built-in ERP (optionally packed in ``cartons``: line number -> quantity)."""
    from erp.builtin.catalog import ship_order

    _require_builtin(services)
    notice = ship_order(services.engine, erp_order_id, carrier=carrier, tracking_number=tracking_number,
                        packages=cartons)
    return notice, poll(services, actor)


def invoice(services: Services, erp_order_id: str, *, actor: str) -> tuple[Invoice, list[Handled]]:
    """Invoice a shipped order on the built-in ERP."""
    from erp.builtin.catalog import invoice_order

    _require_builtin(services)
    billed = invoice_order(services.engine, erp_order_id)
    return billed, poll(services, actor)


def pay(services: Services, invoice_number: str, amount: Money, *, actor: str) -> list[Handled]:
    """Record a customer's payment of an invoice on the built-in ERP."""
    from erp.builtin.catalog import record_payment

    _require_builtin(services)
    record_payment(services.engine, invoice_number, amount)
    return poll(services, actor)


def parse_carton(text: str) -> dict[str, Decimal]:
    """``"1=5,2=3"`` (line number = quantity, ...) as a carton; ValueError naming what is wrong."""
    carton: dict[str, Decimal] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        line, _, quantity = part.partition("=")
        try:
            carton[line.strip()] = Decimal(quantity.strip())
        except ArithmeticError as exc:
            raise ValueError(f"carton {text!r}: {part!r} is not LINE=QUANTITY") from exc
        if not line.strip():
            raise ValueError(f"carton {text!r}: {part!r} has no line number")
    if not carton:
        raise ValueError(f"carton {text!r} is empty")
    return carton


__all__ = ["NotBuiltinErp", "invoice", "parse_carton", "pay", "poll", "ship"]
