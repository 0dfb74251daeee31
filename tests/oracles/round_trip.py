"""Round trips: an outbound document read back with our own reader, against the canonical document it was written from.

The gateway stores, with each outbound document, the canonical document it rendered
(``Document.canonical``). :func:`carried` projects a canonical document (as JSON) onto the fields
the model carries that a partner acts on: numbers, dates, the parties' names and identifiers,
the lines (item ids, quantities, units, prices, statuses), taxes and terms. Both sides are
projected and compared field by field; identifiers and items compare as sets of values (how a
standard qualifies an id is its own business), amounts as numbers.

A field a standard cannot carry is in :data:`NOT_CARRIED` for that standard and document type,
with the reason, and is left out of the comparison there; every other difference is a loss.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from formats.translate import translate

Json = dict[str, Any]

_TERMS_AS_TEXT = ("EN 16931 payment terms are text (BT-20, cac:PaymentTerms/cbc:Note); the net days live on "
                  "as the due date (BT-9), which is compared")

_ONE_BUYER_ID = ("EN 16931 gives the buyer one identifier (BT-46, UBL-SR-16) beside its endpoint, VAT number and "
                 "registration: further identifiers of the order's buyer have no place")

NOT_CARRIED: dict[tuple[str, str], dict[str, str]] = {
    ("ubl", "OrderResponseSimple"): {
        "currency": "OrderResponseSimple accepts or rejects the whole order: it has no lines and no amounts",
        "lines*": "OrderResponseSimple accepts or rejects the whole order: it has no lines",
        "ship_to*": "OrderResponseSimple has no delivery party",
    },
    ("ubl", "OrderResponse"): {
        "lines[*].ordered_quantity*": "the UBL OrderResponse line has one Quantity, the one confirmed; "
                                      "what was ordered is the buyer's own order line",
    },
    ("ubl", "Invoice"): {"net_days": _TERMS_AS_TEXT, "buyer.ids": _ONE_BUYER_ID, "bill_to.ids": _ONE_BUYER_ID},
    ("ubl", "CreditNote"): {"net_days": _TERMS_AS_TEXT, "buyer.ids": _ONE_BUYER_ID, "bill_to.ids": _ONE_BUYER_ID},
    ("x12", "*"): {"*.legal_ids": "an N1 loop names a party by one code (N103/N104), and REF has no qualifier for "
                                  "an ISO 6523 company registration (EN 16931 BT-30)"},
    ("cxml", "ConfirmationRequest"): {
        "lines[*].items": "a ConfirmationItem names its order line by lineNumber only (Fulfill.dtd 1.2.063); the "
                          "ConfirmationStatus ItemIn, its one place for an ItemID, describes a substituted item and "
                          "needs an ItemDetail (Description, Classification) that a response does not have"},
    ("cxml", "InvoiceDetailRequest"): {
        "due_date": "InvoiceDetail.dtd (1.2.037) has no due date: InvoiceDetailRequestHeader/PaymentTerm gives "
                    "payInNumberOfDays after the invoice date, compared as net_days (written from the due date "
                    "when there are no net days)"},
    ("x12", "810"): {"payment_means*": "the 810 says when to pay (ITD), not how: a bank account and payment means "
                                       "code (EN 16931 BG-16) have no segment in it"},
}
"""(standard, document type or ``*`` for all) -> {field pattern: why the standard cannot carry it}.

The one list of what the round trips leave out.
"""

NO_READER: dict[tuple[str, str], str] = {
    ("x12", "846"): "we only send inventory advice: formats.x12.inventory846 renders, nothing reads an 846",
    ("x12", "832"): "we only send price catalogues: formats.x12.catalog832 renders, nothing reads an 832",
    ("x12", "997"): "an acknowledgment has no canonical document: it is built from the interchange it answers",
    ("x12", "999"): "an acknowledgment has no canonical document: it is built from the interchange it answers",
}
"""(standard, document type) -> why it is not read back: no reader of ours, or nothing to compare with."""


def _number(value: Any) -> Any:
    """An amount or quantity as plain text without trailing zeros ("1.50" and "1.5" are one number)."""
    if isinstance(value, str | int):
        try:
            return format(Decimal(value).normalize(), "f")
        except InvalidOperation:
            return value
    return value


def _party(party: Json | None) -> Json | None:
    """Name and identifiers; legal registrations (qualifier ``legal:<ICD>``) apart: not every standard has them."""
    if not party:
        return None
    ids = party.get("ids") or ()
    return {"name": party.get("name"),
            "ids": sorted({i["value"] for i in ids if not str(i.get("qualifier") or "").startswith("legal:")}),
            "legal_ids": sorted({i["value"] for i in ids if str(i.get("qualifier") or "").startswith("legal:")})}


def _items(items: list[Json] | None) -> list[str]:
    return sorted({i["value"] for i in items or ()})


def _quantity(quantity: Json | None) -> Json | None:
    return {"value": _number(quantity["value"]), "unit": quantity.get("unit")} if quantity else None


def _money(money: Json | None) -> Any:
    return {"amount": _number(money["amount"]), "currency": money["currency"]} if money else None


def _tax(tax: Json) -> Json:
    return {"category": tax.get("category"), "percent": _number(tax.get("percent")),
            "amount": _money(tax.get("amount"))}


def _parties(document: Json, *roles: str) -> Json:
    return {role: _party(document.get(role)) for role in roles}


def _order_response(d: Json) -> Json:
    return {"po_number": d["po_number"], "po_date": d.get("po_date"), "po_time": d.get("po_time"),
            "response_number": d.get("response_number"), "response_date": d["response_date"],
            "status": d["status"], "currency": d.get("currency"), **_parties(d, "buyer", "seller", "ship_to"),
            "lines": [{"line_number": ln["line_number"], "status": ln["status"], "quantity": _quantity(ln["quantity"]),
                       "ordered_quantity": _quantity(ln.get("ordered_quantity")),
                       "unit_price": _money(ln.get("unit_price")), "items": _items(ln.get("items")),
                       "promised_date": ln.get("promised_date")} for ln in d.get("lines") or ()]}


def _shipped(items: list[Json] | None) -> list[Json]:
    return [{"line_number": i["line_number"], "quantity": _quantity(i["quantity"]), "items": _items(i.get("items"))}
            for i in items or ()]


def _ship_notice(d: Json) -> Json:
    return {"shipment_id": d["shipment_id"], "po_number": d["po_number"], "ship_date": d["ship_date"],
            "delivery_date": d.get("delivery_date"), "carrier": d.get("carrier"),
            "tracking_number": d.get("tracking_number"), **_parties(d, "ship_from", "ship_to", "buyer", "seller"),
            "packages": [{"sscc": p.get("sscc"), "items": _shipped(p.get("items"))} for p in d.get("packages") or ()],
            "items": _shipped(d.get("items"))}


def _invoice(d: Json) -> Json:
    terms = d.get("terms") or {}
    return {"invoice_number": d["invoice_number"], "invoice_date": d["invoice_date"],
            "is_credit_note": d.get("is_credit_note", False), "po_number": d.get("po_number"),
            "currency": d["currency"], "due_date": d.get("due_date"), "net_days": terms.get("net_days"),
            **_parties(d, "seller", "buyer", "bill_to", "ship_to", "remit_to"),
            "payment_means": [{"code": m.get("code"), "account_id": m.get("account_id")}
                              for m in d.get("payment_means") or ()],
            "lines": [{"line_number": ln["line_number"], "quantity": _quantity(ln["quantity"]),
                       "unit_price": _money(ln["unit_price"]), "items": _items(ln.get("items")),
                       "taxes": [_tax(t) for t in ln.get("taxes") or ()]} for ln in d.get("lines") or ()],
            "allowances": [{"is_charge": a["is_charge"], "amount": _money(a.get("amount"))}
                           for a in d.get("allowances") or ()],
            "taxes": [_tax(t) for t in d.get("taxes") or ()]}


def _catalogue(d: Json) -> Json:
    return {"catalogue_id": d["catalogue_id"], "issue_date": d["issue_date"], "currency": d["currency"],
            **_parties(d, "seller", "buyer"),
            "items": [{"items": _items(i.get("items")), "unit": i.get("unit"),
                       "unit_price": _money(i.get("unit_price")),
                       "price_tiers": [[_number(q), _money(p)] for q, p in i.get("price_tiers") or ()]}
                      for i in d.get("items") or ()]}


PROJECTIONS: dict[str, Callable[[Json], Json]] = {
    "OrderResponse": _order_response, "ShipNotice": _ship_notice, "Invoice": _invoice, "Catalogue": _catalogue}
"""Canonical class name -> the fields compared (module doc)."""


def _flat(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flat(inner, f"{path}.{key}" if path else key))
        return out
    if isinstance(value, list) and all(isinstance(v, dict | list) for v in value):  # [] of lines: no path
        out = {}
        for index, inner in enumerate(value):
            out.update(_flat(inner, f"{path}[{index}]"))
        return out
    return {path: value}


def _left_out(path: str, not_carried: dict[str, str]) -> bool:
    """Whether ``path`` matches a pattern of ``not_carried`` (``*`` any text, ``[*]`` any index)."""
    generic = re.sub(r"\[\d+\]", "[*]", path)
    return any(re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), generic) for pattern in not_carried)


IDENTIFIER_SETS = (".ids", ".legal_ids", ".items", "items")
"""Fields holding a set of identifiers: each value written must be read back; more read back is no loss."""


def read_back(raw: bytes) -> tuple[str, Json]:
    """The canonical class name and JSON of the one document in ``raw``, as our reader reads it."""
    [translation] = list(translate(raw))
    if translation.document is None:
        raise AssertionError(f"our reader cannot read it back: {translation.error}")
    return type(translation.document).__name__, translation.document.model_dump(mode="json")


def losses(standard: str, doc_type: str, canonical: Json, raw: bytes) -> list[str]:
    """Each field written (not empty, not listed in NOT_CARRIED) whose value read back differs.

    What the reader finds beyond the canonical document (a default the standard requires, say)
    is no loss and not reported.
    """
    kind, back = read_back(raw)
    project = PROJECTIONS[kind]
    sent, got = _flat(project(canonical)), _flat(project(back))
    not_carried = {**NOT_CARRIED.get((standard, "*"), {}), **NOT_CARRIED.get((standard, doc_type), {})}
    lost = []
    for path in sorted(sent):
        value = sent[path]
        if value in (None, [], "") or _left_out(path, not_carried):
            continue
        if path.endswith(IDENTIFIER_SETS):  # every identifier written is read back, in whichever slot
            parent = path.rsplit(".", 1)[0]
            read = {*(got.get(f"{parent}.ids") or ()), *(got.get(f"{parent}.legal_ids") or ()),
                    *(got.get(path) or ())}
            missing = sorted(set(value) - read)
            if missing:
                lost.append(f"{path}: {missing} written, not read back (read: {sorted(read)})")
        elif value != got.get(path):
            lost.append(f"{path}: {value!r} written, {got.get(path)!r} read back")
    return lost


__all__ = ["NOT_CARRIED", "NO_READER", "PROJECTIONS", "losses", "read_back"]
