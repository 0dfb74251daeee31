"""The Tryton adapter: :class:`TrytonErp` implements :class:`erp.port.ErpPort` against a Tryton server.

How the port's contract is kept on Tryton (8.2, modules ``sale_price_list``, ``sale_credit_limit``,
``account_invoice_stock``; see :mod:`erp.tryton.check`):

* an order is a ``sale.sale`` of the party whose ``code`` is the customer id, pushed through
  draft -> quotation -> confirmed (Tryton then processes it: a customer shipment and, on fulfilment,
  an invoice). The sale ``reference`` is the buyer's PO number, its ``description`` carries the
  idempotency key (``b2bgw:<key>``) and its ``comment`` the canonical order and our acknowledgment as
  JSON, written in the same ``create`` as the sale, so a sale never exists without them;
* idempotency: a push first looks the key up; a sale found still in draft or quotation (the server
  went away in the middle of an earlier push) is carried on through the workflow, never made again.
  Two pushes racing with the same key can both create (Tryton has no unique constraint there), so
  after creating, the adapter searches the key again and the lowest sale id wins: a loser deletes its
  own draft and answers the winner's sale;
* line acceptance follows :mod:`erp.tryton.lines` on the sale warehouse's forecast stock (stock less
  what confirmed sales will take), so a second order sees the first one's quantities gone;
* a sale being processed cannot have its lines edited in Tryton: :meth:`TrytonErp.change_order`
  edits draft, quotation and confirmed sales and refuses a processing one with :class:`ErpRejected`;
  :meth:`TrytonErp.cancel_order` cancels a draft/quotation sale, and for a processing one cancels its
  waiting shipments (the port then reports it cancelled); anything shipped refuses;
* events are polled (:mod:`erp.tryton.events`); receivables come from the party's
  ``credit_limit_amount`` and ``receivable``.

Every call goes through :class:`erp.tryton.rpc.TrytonRpc`, which maps transport failures to
:class:`ErpUnavailable` and Tryton's user errors to :class:`ErpRejected`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from erp.port import (
    AlternativeUnit,
    CreditPosition,
    Customer,
    CustomerGroup,
    ErpEvent,
    ErpOrder,
    ErpOrderState,
    ErpPriceList,
    ErpRejected,
    ItemPrice,
    OrderToPush,
    Payment,
    PushAnswer,
    PushedOrder,
    StockLevel,
    push_one_by_one,
)
from erp.tryton import events as tryton_events
from erp.tryton import pricelists
from erp.tryton.company import read_company_party
from erp.tryton.lines import PlannedLine, Product, acknowledge, plan
from erp.tryton.mapping import (
    MARKER,
    dump_payload,
    load_payload,
    marker,
    order_state,
    quantity,
    rec20,
    sale_units,
)
from erp.tryton.rpc import TrytonRpc
from formats.model import (
    HeaderStatus,
    Invoice,
    ItemId,
    ItemIdKind,
    Money,
    Order,
    OrderLine,
    OrderResponse,
    Party,
    Quantity,
)

ZERO = Decimal(0)
SHIPPED = frozenset({ErpOrderState.PARTIALLY_SHIPPED, ErpOrderState.SHIPPED, ErpOrderState.INVOICED})
SALE_FIELDS = ("number", "state", "shipment_state", "invoice_state", "reference", "description", "comment",
               "party.code", "moves.state", "write_date", "create_date", "lines")
PRODUCT_FIELDS = ("code", "name", "default_uom", "default_uom.symbol", "default_uom.factor", "default_uom.rate",
                  "default_uom.category", "template.list_price", "salable", "categories.name", "template.sale_uom",
                  "template.sale_uom.symbol", "template.sale_uom.factor", "template.sale_uom.rate",
                  "template.sale_uom.category")


def naive_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Tryton keeps naive UTC datetimes: an aware moment converted, a naive one taken as UTC."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _related(record: dict[str, Any], name: str) -> Any:
    """A dotted field read back (``party.code`` comes back as ``{"party.": {"code": ...}}``), at any depth."""
    head, _, tail = name.partition(".")
    value = record.get(f"{head}.")
    if "." in tail:
        return _related(value, tail) if isinstance(value, dict) else None
    if isinstance(value, list):
        return [item.get(tail) for item in value]
    return value.get(tail) if isinstance(value, dict) else None


class TrytonErp:
    """The port over one Tryton database; ``warehouse`` is the code of the warehouse sales ship from."""

    def __init__(self, rpc: TrytonRpc, *, warehouse: str | None = None, settle_seconds: float = 2.0,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.rpc = rpc
        self.warehouse_code = warehouse
        self.settle_seconds = settle_seconds
        self._clock: Callable[[], dt.datetime] = clock or (lambda: dt.datetime.now(dt.UTC))
        self._warehouse_id: int | None = None
        self._currency: str | None = None
        self._seller: Party | None = None

    @classmethod
    def connect(cls, url: str, database: str, login: str, password: str, *, warehouse: str | None = None,
                timeout: float = 30.0, settle_seconds: float = 2.0) -> TrytonErp:
        """An adapter for the server at ``url`` (no call is made until the first use)."""
        return cls(TrytonRpc(url, database, login, password, timeout=timeout), warehouse=warehouse,
                   settle_seconds=settle_seconds)

    # -- company and master data ----------------------------------------------------------------

    @property
    def currency(self) -> str:
        """The company's currency code (every amount the adapter answers is in it)."""
        if self._currency is None:
            company = self.rpc.context.get("company")
            [row] = self.rpc.search_read("company.company", [("id", "=", company)], ["currency.code"])
            self._currency = str(_related(row, "currency.code"))
        return self._currency

    def company_party(self) -> Party:
        """The company as the seller of every document (:mod:`erp.tryton.company`), read once per adapter."""
        if self._seller is None:
            self._seller = read_company_party(self.rpc)
        return self._seller

    def warehouse_id(self) -> int:
        """The warehouse sales ship from: the configured code, else the first warehouse by id."""
        if self._warehouse_id is None:
            domain: list[object] = [("type", "=", "warehouse")]
            if self.warehouse_code:
                domain.append(("code", "=", self.warehouse_code))
            rows = self.rpc.search_read("stock.location", domain, ["code"], order=[("id", "ASC")], limit=1)
            if not rows:
                raise ErpRejected(f"Tryton has no warehouse {self.warehouse_code or ''}".strip())
            self._warehouse_id = int(rows[0]["id"])
        return self._warehouse_id

    def _party(self, customer_id: str) -> dict[str, Any] | None:
        rows = self.rpc.search_read("party.party", [("code", "=", customer_id)],
                                    ["code", "name", "addresses", "categories.name"], limit=1)
        return rows[0] if rows else None

    def _products(self, codes: Sequence[str] | None) -> dict[str, Product]:
        domain: list[object] = [("code", "in", list(codes))] if codes is not None else [("code", "!=", None)]
        rows = self.rpc.search_read("product.product", domain, PRODUCT_FIELDS, order=[("code", "ASC")])
        products: dict[str, Product] = {}
        for row in rows:
            categories = [c for c in _related(row, "categories.name") or [] if c and c != "Accounting"]
            products[row["code"]] = Product(
                id=row["id"], sku=row["code"], name=row["name"], unit=rec20(_related(row, "default_uom.symbol")),
                uom_id=row["default_uom"], list_price=_related(row, "template.list_price") or ZERO,
                salable=bool(row.get("salable", True)), category=categories[0] if categories else None,
                packs=sale_units(row["default_uom"], row.get("default_uom."), _related(row, "template.sale_uom"),
                                 (row.get("template.") or {}).get("sale_uom.")))
        return products

    def _quantities(self, product_ids: Sequence[int], warehouse: int) -> dict[int, tuple[Decimal, Decimal]]:
        """(on hand, forecast) per product in one warehouse, today."""
        if not product_ids:
            return {}
        context = {"locations": [warehouse], "stock_date_end": self._clock().date(), "with_childs": True}
        rows = self.rpc.search_read("product.product", [("id", "in", list(product_ids))],
                                    ["quantity", "forecast_quantity"], context=context)
        return {row["id"]: (quantity(row["quantity"]), quantity(row["forecast_quantity"])) for row in rows}

    # -- orders ---------------------------------------------------------------------------------

    def _sales(self, domain: Sequence[object]) -> list[dict[str, Any]]:
        return self.rpc.search_read("sale.sale", domain, SALE_FIELDS, order=[("id", "ASC")])

    def _sale_by_key(self, idempotency_key: str) -> dict[str, Any] | None:
        rows = self._sales([("description", "=", marker(idempotency_key))])
        return rows[0] if rows else None

    def _find_sale(self, erp_order_id: str) -> dict[str, Any] | None:
        if erp_order_id.startswith("#") and erp_order_id[1:].isdigit():
            rows = self._sales([("id", "=", int(erp_order_id[1:]))])
        else:
            rows = self._sales([("number", "=", erp_order_id)])
        return rows[0] if rows else None

    def _sale_by_number(self, erp_order_id: str) -> dict[str, Any]:
        sale = self._find_sale(erp_order_id)
        if sale is None:
            raise ErpRejected(f"Tryton has no sale {erp_order_id}")
        return sale

    def _reload(self, sale_id: int) -> dict[str, Any]:
        [row] = self._sales([("id", "=", sale_id)])
        return row

    @staticmethod
    def _number(sale: dict[str, Any]) -> str:
        return str(sale["number"]) if sale.get("number") else f"#{sale['id']}"

    def _to_order(self, sale: dict[str, Any]) -> tuple[Order, OrderResponse]:
        payload = load_payload(sale.get("comment"))
        if payload is not None:
            order, response, _ = payload
            if response.response_number is None and sale.get("number"):
                response = response.model_copy(update={"response_number": sale["number"]})
            return order, response
        return self._foreign_order(sale)

    def _foreign_order(self, sale: dict[str, Any]) -> tuple[Order, OrderResponse]:
        """A sale keyed in Tryton (not placed by the gateway), seen through the canonical model."""
        lines = self.rpc.search_read("sale.line", [("sale", "=", sale["id"]), ("type", "=", "line")],
                                     ["sequence", "quantity", "unit.symbol", "unit_price", "product.code",
                                      "description"], order=[("sequence", "ASC"), ("id", "ASC")])
        order_lines = tuple(OrderLine(
            line_number=str(n), description=row.get("description"),
            items=((ItemId(kind=ItemIdKind.SELLER, value=_related(row, "product.code")),)
                   if _related(row, "product.code") else ()),
            quantity=Quantity(value=quantity(row["quantity"]), unit=rec20(_related(row, "unit.symbol"))),
            unit_price=Money(amount=row["unit_price"] or ZERO, currency=self.currency))
            for n, row in enumerate(lines, start=1))
        order = Order(po_number=sale.get("reference") or self._number(sale), currency=self.currency,
                      lines=order_lines)
        response = OrderResponse(po_number=order.po_number, response_number=self._number(sale),
                                 response_date=(sale.get("create_date") or self._clock()).date(),
                                 status=HeaderStatus.ACCEPTED, currency=self.currency)
        return order, response

    def _erp_order(self, sale: dict[str, Any]) -> ErpOrder:
        order, response = self._to_order(sale)
        description = sale.get("description") or ""
        key = description[len(MARKER):] if description.startswith(MARKER) else ""
        return ErpOrder(erp_order_id=self._number(sale), customer_id=_related(sale, "party.code") or "",
                        idempotency_key=key, state=self._state(sale), order=order, response=response)

    @staticmethod
    def _state(sale: dict[str, Any]) -> ErpOrderState:
        return order_state(sale, [m for m in _related(sale, "moves.state") or [] if m])

    def _pushed(self, sale: dict[str, Any], *, created: bool) -> PushedOrder:
        _, response = self._to_order(sale)
        return PushedOrder(erp_order_id=self._number(sale), created=created, state=self._state(sale),
                           response=response)

    def _sale_lines(self, planned: Sequence[PlannedLine]) -> tuple[list[dict[str, Any]], list[str]]:
        values: list[dict[str, Any]] = []
        numbers: list[str] = []
        for p in planned:
            if p.rejected or p.product is None:
                continue
            numbers.append(p.line.line_number)
            values.append({"type": "line", "product": p.product.id, "unit": p.uom_id or p.product.uom_id,
                           "quantity": float(p.line.quantity.value), "sequence": len(numbers),
                           "unit_price": p.unit_price.amount if p.unit_price else p.product.list_price,
                           "description": p.line.description or p.product.name})
        return values, numbers

    def _plan(self, order: Order) -> list[PlannedLine]:
        products = self._products(sorted({item.value for line in order.lines for item in line.items}))
        quantities = self._quantities([p.id for p in products.values()], self.warehouse_id())
        available = {pid: forecast for pid, (_, forecast) in quantities.items()}
        return plan(order, products, available, self.currency)

    def push_orders(self, orders: Sequence[OrderToPush]) -> list[PushAnswer]:
        """Each order as :meth:`push_order` places it: a sale is created and confirmed by calls of its own."""
        return push_one_by_one(self, orders)

    def push_order(self, order: Order, *, customer_id: str, idempotency_key: str) -> PushedOrder:
        """Place ``order`` as a confirmed sale once per ``idempotency_key`` (see the module docstring)."""
        existing = self._sale_by_key(idempotency_key)
        if existing is not None:
            return self._pushed(self._carry_on(existing), created=False)
        party = self._party(customer_id)
        if party is None:
            raise ErpRejected(f"unknown customer {customer_id!r} (no Tryton party with this code)")
        if not order.lines:
            raise ErpRejected(f"order {order.po_number} has no lines")
        currencies = {order.currency} | {line.unit_price.currency for line in order.lines if line.unit_price}
        foreign = sorted(c for c in currencies if c and c != self.currency)
        if foreign:
            raise ErpRejected(f"order {order.po_number} is priced in {', '.join(foreign)}; the Tryton company "
                              f"sells in {self.currency}")
        if not party.get("addresses"):
            raise ErpRejected(f"Tryton party {customer_id} has no address to invoice and ship to")
        planned = self._plan(order)
        response = acknowledge(order, "", planned, self._clock().date(), self.currency, self.company_party())
        response = response.model_copy(update={"response_number": None})
        lines, numbers = self._sale_lines(planned)
        address = party["addresses"][0]
        [sale_id] = self.rpc.model("sale.sale", "create", [{
            "party": party["id"], "warehouse": self.warehouse_id(), "invoice_address": address,
            "shipment_address": address, "reference": order.po_number, "description": marker(idempotency_key),
            "comment": dump_payload(order, response, numbers), "sale_date": order.order_date,
            "lines": [["create", lines]] if lines else [],
        }])
        same_key = self._sales([("description", "=", marker(idempotency_key))])
        winner = same_key[0]
        if winner["id"] != sale_id:  # lost a race with another push of the same key
            self.rpc.model("sale.sale", "delete", [sale_id])
            return self._pushed(self._carry_on(winner), created=False)
        return self._pushed(self._carry_on(winner), created=True)

    def _carry_on(self, sale: dict[str, Any]) -> dict[str, Any]:
        """Take a gateway sale through quotation and confirmation (or cancel it when every line was rejected)."""
        payload = load_payload(sale.get("comment"))
        all_rejected = payload is not None and payload[1].status == HeaderStatus.REJECTED_WITH_DETAIL
        if sale["state"] in ("draft", "quotation") and all_rejected:
            self.rpc.model("sale.sale", "cancel", [sale["id"]])
            return self._reload(sale["id"])
        if sale["state"] == "draft":
            self.rpc.model("sale.sale", "quote", [sale["id"]])
            sale = self._reload(sale["id"])
        if sale["state"] == "quotation":
            self.rpc.model("sale.sale", "confirm", [sale["id"]])
            sale = self._reload(sale["id"])
        return sale

    def get_order(self, erp_order_id: str) -> ErpOrder | None:
        """The sale with this number (``#<id>`` for one never numbered), or None."""
        sale = self._find_sale(erp_order_id)
        return self._erp_order(sale) if sale is not None else None

    def find_order(self, idempotency_key: str) -> ErpOrder | None:
        """The sale placed with this idempotency key, or None."""
        sale = self._sale_by_key(idempotency_key)
        return self._erp_order(sale) if sale is not None else None

    def cancel_order(self, erp_order_id: str, *, reason: str) -> ErpOrder:
        """Cancel a sale that has not shipped (idempotent); ErpRejected once anything shipped."""
        sale = self._sale_by_number(erp_order_id)
        state = self._state(sale)
        if state == ErpOrderState.CANCELLED:
            return self._erp_order(sale)
        if state in SHIPPED:
            raise ErpRejected(f"order {erp_order_id} is {state.value}; it can no longer be cancelled ({reason})")
        if sale["state"] in ("draft", "quotation", "confirmed"):
            if sale["state"] != "draft":
                self.rpc.model("sale.sale", "draft", [sale["id"]])
            self.rpc.model("sale.sale", "cancel", [sale["id"]])
        else:
            shipments = self.rpc.search_read("stock.shipment.out", [("moves.sale", "=", sale["id"])], ["state"])
            if any(s["state"] == "done" for s in shipments):
                raise ErpRejected(f"order {erp_order_id} has shipped; it can no longer be cancelled")
            waiting = [s["id"] for s in shipments if s["state"] not in ("cancelled", "done")]
            if waiting:
                self.rpc.model("stock.shipment.out", "cancel", waiting)
        return self._erp_order(self._reload(sale["id"]))

    def change_order(self, erp_order_id: str, order: Order, *, reason: str) -> PushedOrder:
        """Replace the lines of a sale Tryton has not started processing; the same change twice changes nothing."""
        sale = self._sale_by_number(erp_order_id)
        current, _ = self._to_order(sale)
        if current == order:
            return self._pushed(sale, created=False)
        state = self._state(sale)
        if state == ErpOrderState.CANCELLED or state in SHIPPED:
            raise ErpRejected(f"order {erp_order_id} is {state.value}; it can no longer be changed")
        if sale["state"] not in ("draft", "quotation", "confirmed"):
            raise ErpRejected(f"Tryton is processing sale {erp_order_id} (shipment planned); its lines can no "
                              f"longer be edited there - cancel it and order again ({reason})")
        if not order.lines:
            raise ErpRejected(f"changed order {order.po_number} has no lines; cancel the order instead")
        if sale["state"] in ("quotation", "confirmed"):
            self.rpc.model("sale.sale", "draft", [sale["id"]])
        self.rpc.model("sale.line", "delete", sale["lines"])
        planned = self._plan(order)
        response = acknowledge(order, self._number(sale), planned, self._clock().date(), self.currency,
                               self.company_party())
        lines, numbers = self._sale_lines(planned)
        key = (sale.get("description") or "")[len(MARKER):]
        self.rpc.model("sale.sale", "write", [sale["id"]], {
            "reference": order.po_number, "comment": dump_payload(order, response, numbers),
            "description": marker(key), "lines": [["create", lines]] if lines else []})
        return self._pushed(self._carry_on(self._reload(sale["id"])), created=False)

    def events_after(self, cursor: str | None, *, limit: int = 100) -> Sequence[ErpEvent]:
        """Shipped, invoiced, paid and cancelled, polled from Tryton after ``cursor`` (see :mod:`erp.tryton.events`)."""
        settled = naive_utc(self._clock() - dt.timedelta(seconds=self.settle_seconds))
        assert settled is not None
        return tryton_events.read_events(self, cursor, limit=limit, settled=settled)

    # -- master data ----------------------------------------------------------------------------

    def _customer(self, row: dict[str, Any]) -> Customer:
        groups = [g for g in _related(row, "categories.name") or [] if g]
        return Customer(customer_id=row["code"], name=row["name"], currency=self.currency,
                        group=groups[0] if groups else None)

    def get_customer(self, customer_id: str) -> Customer | None:
        """The party with this code, or None."""
        row = self._party(customer_id)
        return self._customer(row) if row is not None else None

    def list_customers(self) -> Sequence[Customer]:
        """Every party with a code, except the company's own."""
        company_party = self._company_party()
        rows = self.rpc.search_read("party.party", [("code", "!=", None), ("id", "!=", company_party)],
                                    ["code", "name", "categories.name"], order=[("code", "ASC")])
        return [self._customer(row) for row in rows]

    def _company_party(self) -> int:
        [row] = self.rpc.search_read("company.company", [("id", "=", self.rpc.context.get("company"))], ["party"])
        return int(row["party"])

    def get_customer_groups(self) -> Sequence[CustomerGroup]:
        """Party categories and the codes of the parties in them."""
        rows = self.rpc.search_read("party.party", [("code", "!=", None), ("categories", "!=", None)],
                                    ["code", "categories.name"], order=[("code", "ASC")])
        members: dict[str, list[str]] = {}
        for row in rows:
            for name in _related(row, "categories.name") or []:
                members.setdefault(name, []).append(row["code"])
        return [CustomerGroup(group_id=name, name=name, members=tuple(codes))
                for name, codes in sorted(members.items())]

    def get_prices(self, skus: Sequence[str] | None = None) -> Sequence[ItemPrice]:
        """List prices of salable products by code; unknown codes are left out."""
        return [ItemPrice(sku=p.sku, description=p.name, unit=p.unit, category=p.category,
                          price=Money(amount=p.list_price, currency=self.currency),
                          alternative_units=tuple(AlternativeUnit(unit=unit, factor=factor)
                                                  for unit, (factor, _uom) in sorted(p.packs.items())))
                for p in self._products(skus).values() if p.salable]

    def get_stock(self, skus: Sequence[str] | None = None, *,
                  since: dt.datetime | None = None) -> Sequence[StockLevel]:
        """Per product and warehouse: on hand today and available (forecast: less what sales will take)."""
        products = self._products(skus)
        if since is not None:
            moved = self.rpc.search_read("stock.move", ["OR", ("write_date", ">=", naive_utc(since)),
                                                        ("create_date", ">=", naive_utc(since))], ["product"])
            touched = {row["product"] for row in moved}
            products = {sku: p for sku, p in products.items() if p.id in touched}
        warehouses = self.rpc.search_read("stock.location", [("type", "=", "warehouse")], ["code", "name"],
                                          order=[("code", "ASC")])
        levels: list[StockLevel] = []
        for warehouse in warehouses:
            quantities = self._quantities([p.id for p in products.values()], warehouse["id"])
            for product in products.values():
                on_hand, forecast = quantities.get(product.id, (ZERO, ZERO))
                levels.append(StockLevel(sku=product.sku, warehouse=warehouse["code"] or warehouse["name"],
                                         on_hand=on_hand, available=max(forecast, ZERO), unit=product.unit))
        return sorted(levels, key=lambda s: (s.sku, s.warehouse))

    def get_price_lists(self, *, since: dt.datetime | None = None) -> Sequence[ErpPriceList]:
        """Every Tryton price list (allowed: the gateway compares), see :mod:`erp.tryton.pricelists`."""
        return pricelists.read_price_lists(self, since=naive_utc(since))

    # -- receivables ----------------------------------------------------------------------------

    def get_credit(self, customer_id: str) -> CreditPosition:
        """The party's credit limit and its receivable balance; ErpRejected if unknown."""
        rows = self.rpc.search_read("party.party", [("code", "=", customer_id)],
                                    ["credit_limit_amount", "receivable"], limit=1)
        if not rows:
            raise ErpRejected(f"unknown customer {customer_id!r}")
        limit = rows[0].get("credit_limit_amount") or ZERO
        balance = rows[0].get("receivable") or ZERO
        return CreditPosition(customer_id=customer_id, limit=Money(amount=Decimal(limit), currency=self.currency),
                              balance=Money(amount=Decimal(balance), currency=self.currency))

    def list_invoices(self, *, since: dt.datetime | None = None) -> Sequence[Invoice]:
        """Posted customer invoices, posted at or after ``since`` (all when None), oldest first."""
        return [invoice for _, _, invoice in tryton_events.posted_invoices(self, naive_utc(since), None)]

    def list_payments(self, *, since: dt.datetime | None = None) -> Sequence[Payment]:
        """Payments booked against customer invoices at or after ``since`` (all when None), oldest first."""
        return [payment for _, _, payment in tryton_events.invoice_payments(self, naive_utc(since), None)]


__all__ = ["TrytonErp", "naive_utc"]
