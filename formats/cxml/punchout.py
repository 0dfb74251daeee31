"""cXML 1.2 punchout: ``PunchOutSetupRequest`` in, ``PunchOutSetupResponse`` and ``PunchOutOrderMessage`` out.

A buyer's procurement system opens a session in our catalogue with a PunchOutSetupRequest
(operation create / edit / inspect, a ``BuyerCookie`` to hand back untouched, the
``BrowserFormPost`` URL the cart goes to, Extrinsics such as UserEmail or CostCenter, the
user's Contact, a ShipTo, a ``SelectedItem`` for level-2 punchout, and ``ItemOut`` lines of
the cart being edited or inspected). We answer a ``PunchOutSetupResponse`` with the StartPage
URL; when the user checks out, the browser posts a ``PunchOutOrderMessage`` (the BuyerCookie,
``operationAllowed``, the Total and one ``ItemIn`` per cart line) to the BrowserFormPost URL.

The cart lines are canonical :class:`~formats.model.OrderLine` values (see
:mod:`formats.cxml.items`); :class:`CartHeader` holds what a cart has beyond its lines.

The BuyerCookie is kept exactly as received, including blanks and any XML inside it
(serialised verbatim), and written back the same: the buyer matches the cart by it.

More information: cXML User's Guide 1.2, chapter "PunchOut" (PunchOutSetupRequest,
PunchOutSetupResponse, PunchOutOrderMessage, operationAllowed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from types import MappingProxyType
from xml.sax.saxutils import escape

from lxml import etree
from pydantic import ValidationError as PydanticValidationError

from formats.codes.units import UnitMap
from formats.cxml.common import (
    Kids,
    attribute,
    child,
    children,
    inner_xml,
    money,
    money_element,
    need,
    serialize,
    sub,
    text,
    units_or_default,
    where,
)
from formats.cxml.envelope import Routing, document_of, request_document, response, timestamp_text
from formats.cxml.items import extrinsic_value, item_element, read_item_ids, read_line, set_content
from formats.cxml.parties import read_address, read_contact
from formats.errors import MappingError
from formats.model import Contact, ItemId, Money, OrderLine, Party, PartyRole

OPERATIONS = ("create", "edit", "inspect", "source")


@dataclass(frozen=True)
class PunchOutSetupRequest:
    """What a buyer asks when it opens a punchout session.

    ``extrinsics`` maps each Extrinsic name to its text (the first one wins when a name repeats);
    ``selected_item`` are the ids of the level-2 SelectedItem; ``items`` the cart lines sent
    back for edit / inspect.
    """

    operation: str
    buyer_cookie: str
    browser_form_post: str | None = None
    supplier_setup: str | None = None
    extrinsics: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    contacts: tuple[Contact, ...] = ()
    ship_to: Party | None = None
    selected_item: tuple[ItemId, ...] = ()
    items: tuple[OrderLine, ...] = ()

    @property
    def user_email(self) -> str | None:
        """The user's email: the UserEmail Extrinsic, else the first contact's email."""
        return self.extrinsics.get("UserEmail") or next((c.email for c in self.contacts if c.email), None)


@dataclass(frozen=True)
class CartHeader:
    """The header of a PunchOutOrderMessage: BuyerCookie, operationAllowed and the total.

    ``total`` None means "the sum of the rounded lines" when writing.
    """

    buyer_cookie: str
    currency: str
    operation_allowed: str = "create"
    total: Money | None = None


@dataclass(frozen=True)
class PunchOutOrderMessage:
    """A cart returned to the buyer: its header and its lines."""

    header: CartHeader
    lines: tuple[OrderLine, ...] = ()


def parse_setup_request(raw: bytes | etree._Element, *, units: UnitMap | None = None) -> PunchOutSetupRequest:
    """The :class:`PunchOutSetupRequest` of a cXML document."""
    document = document_of(raw, "PunchOutSetupRequest")
    operation = (attribute(document, "operation") or "").lower()
    if operation not in OPERATIONS:
        raise MappingError(f"PunchOutSetupRequest operation {operation!r} is not one of {', '.join(OPERATIONS)}",
                           where(document, "operation"))
    parts = Kids(document)
    cookie = need(document, "BuyerCookie", "PunchOutSetupRequest")
    extrinsics: dict[str, str] = {}
    for extrinsic in parts.all("Extrinsic"):
        extrinsics.setdefault(attribute(extrinsic, "name") or "", extrinsic_value(extrinsic))
    ship_to = parts.first("ShipTo")
    unit_map = units_or_default(units)
    try:
        return PunchOutSetupRequest(
            operation=operation, buyer_cookie=inner_xml(cookie),
            browser_form_post=text(parts.first("BrowserFormPost"), "URL") or None,
            supplier_setup=text(parts.first("SupplierSetup"), "URL") or None,
            extrinsics=MappingProxyType(extrinsics),
            contacts=tuple(read_contact(c) for c in parts.all("Contact")),
            ship_to=read_address(ship_to, PartyRole.SHIP_TO, "ShipTo") if ship_to is not None else None,
            selected_item=read_item_ids(child(parts.first("SelectedItem"), "ItemID")),
            items=tuple(read_line(item, n, unit_map, f"ItemOut {n}")
                        for n, item in enumerate(parts.all("ItemOut"), start=1)),
        )
    except PydanticValidationError as exc:
        raise MappingError(f"not a valid PunchOutSetupRequest: {exc.errors()[0]['msg']}", where(document)) from exc


def render_setup_response(start_page: str, *, payload_id: str, timestamp: dt.datetime) -> bytes:
    """The ``PunchOutSetupResponse`` (Status 200 and the StartPage URL of the session).

    It answers every punchout setup, so it is filled into :func:`_setup_template`, the tree
    writer's own output for it, rather than built as a tree each time (which cost as much as
    reading the request). Values the tree writer would refuse (control characters) go to it.
    """
    if _NOT_XML.search(start_page) or _NOT_XML.search(payload_id):
        return _setup_response_tree(start_page, payload_id=payload_id, timestamp=timestamp)
    head, after_payload, after_time, tail = _setup_template()
    return "".join((head, escape(payload_id, _ATTRIBUTE_ENTITIES), after_payload, timestamp_text(timestamp),
                    after_time, escape(start_page, _TEXT_ENTITIES), tail)).encode()


def _setup_response_tree(start_page: str, *, payload_id: str, timestamp: dt.datetime) -> bytes:
    body = etree.Element("PunchOutSetupResponse")
    sub(sub(body, "StartPage"), "URL", start_page)
    return response(200, "OK", payload_id=payload_id, timestamp=timestamp, body=body)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MARK = "b2bgw-mark-{}"


@cache
def _setup_template() -> tuple[str, str, str, str]:
    """:func:`_setup_response_tree`'s text cut where the payloadID, the timestamp and the URL go."""
    moment = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    written = _setup_response_tree(_MARK.format("url"), payload_id=_MARK.format("payload"), timestamp=moment)
    text_ = written.decode().replace(timestamp_text(moment), _MARK.format("time"), 1)
    head, rest = text_.split(_MARK.format("payload"))
    after_payload, rest = rest.split(_MARK.format("time"))
    after_time, tail = rest.split(_MARK.format("url"))
    return head, after_payload, after_time, tail


_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
"""What lxml escapes in an attribute value besides ``& < >`` (which ``escape`` always does)."""
_TEXT_ENTITIES = {"\r": "&#13;"}
"""What lxml escapes in an element's text besides ``& < >``."""


def render_order_message(header: CartHeader, lines: tuple[OrderLine, ...] | list[OrderLine], *, payload_id: str,
                         timestamp: dt.datetime, routing: Routing, units: UnitMap | None = None) -> bytes:
    """The ``PunchOutOrderMessage`` of a cart (the total is the sum of rounded lines unless given)."""
    if header.operation_allowed not in ("create", "edit", "inspect"):
        raise MappingError(f"operationAllowed {header.operation_allowed!r} is not create, edit or inspect")
    unit_map = units_or_default(units)
    root, message = request_document(payload_id, timestamp, routing, kind="Message")
    document = sub(message, "PunchOutOrderMessage")
    set_content(sub(document, "BuyerCookie"), header.buyer_cookie)
    head = sub(document, "PunchOutOrderMessageHeader", operationAllowed=header.operation_allowed)
    total = header.total or Money(
        amount=sum((a.amount for a in (ln.extended_amount() for ln in lines) if a is not None), Decimal(0)),
        currency=header.currency)
    money_element(head, "Total", total)
    for line in lines:
        if line.unit_price is not None and line.unit_price.currency != total.currency:
            raise MappingError(f"line {line.line_number}: priced in {line.unit_price.currency}, "
                               f"the cart is in {total.currency}")
        item_element(document, line, unit_map, "ItemIn")
    return serialize(root)


def parse_order_message(raw: bytes | etree._Element, *, units: UnitMap | None = None) -> PunchOutOrderMessage:
    """A :class:`PunchOutOrderMessage` (for the buyer sandbox and tests)."""
    document = document_of(raw, "PunchOutOrderMessage")
    cookie = need(document, "BuyerCookie", "PunchOutOrderMessage")
    head = need(document, "PunchOutOrderMessageHeader", "PunchOutOrderMessage")
    total = money(need(head, "Total", "PunchOutOrderMessageHeader"), "Total")
    unit_map = units_or_default(units)
    try:
        lines = tuple(read_line(item, n, unit_map, f"ItemIn {n}")
                      for n, item in enumerate(children(document, "ItemIn"), start=1))
        return PunchOutOrderMessage(
            header=CartHeader(buyer_cookie=inner_xml(cookie), currency=total.currency, total=total,
                              operation_allowed=(attribute(head, "operationAllowed") or "create").lower()),
            lines=lines)
    except PydanticValidationError as exc:
        raise MappingError(f"not a valid PunchOutOrderMessage: {exc.errors()[0]['msg']}", where(document)) from exc


parse = parse_setup_request
render = render_order_message

__all__ = [
    "CartHeader",
    "PunchOutOrderMessage",
    "PunchOutSetupRequest",
    "parse",
    "parse_order_message",
    "parse_setup_request",
    "render",
    "render_order_message",
    "render_setup_response",
]
