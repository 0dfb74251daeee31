"""cXML requests written here for the tests, built with the project's own writers (one per purpose)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from lxml import etree

from formats.cxml import Credential, Routing, order_request
from formats.cxml.common import default_units, serialize, sub
from formats.cxml.envelope import request_document
from formats.cxml.items import item_element
from formats.model import Address, ItemId, ItemIdKind, Money, Order, OrderLine, OrderPurpose, Party, PartyRole, Quantity
from gateway.punchout.demo import DEMO_FROM, DEMO_SECRET, DEMO_TO

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def demo_routing(secret: str | None = DEMO_SECRET, from_: tuple[str, str] = DEMO_FROM) -> Routing:
    """The demo buyer's Header (what its procurement system sends us)."""
    buyer = Credential(*from_)
    return Routing(from_=[buyer], to=[Credential(*DEMO_TO)], sender=buyer, user_agent="tests", shared_secret=secret)


def setup_request(*, operation: str = "create", cookie: str = "cookie-1", form_post: str | None = "https://buyer.test/return",
                  selected: str | None = None, items: list[tuple[str, str]] | None = None,
                  routing: Routing | None = None, email: str = "pat@buyer.test") -> bytes:
    """A PunchOutSetupRequest from the demo buyer."""
    root, request = request_document(f"{uuid.uuid4().hex}@tests", NOW, routing or demo_routing())
    setup = sub(request, "PunchOutSetupRequest", operation=operation)
    cookie_element = sub(setup, "BuyerCookie")
    cookie_element.text = cookie
    sub(setup, "Extrinsic", email, name="UserEmail")
    sub(setup, "Extrinsic", "CC-4711", name="CostCenter")
    if form_post:
        sub(sub(setup, "BrowserFormPost"), "URL", form_post)
    contact = sub(setup, "Contact", role="endUser")
    sub(contact, "Name", "Pat Buyer", lang="en")
    sub(contact, "Email", email)
    if selected:
        sub(sub(sub(setup, "SelectedItem"), "ItemID"), "SupplierPartID", selected)
    for number, (sku, quantity) in enumerate(items or [], start=1):
        line = OrderLine(line_number=str(number), items=(ItemId(kind=ItemIdKind.SELLER, value=sku),),
                         quantity=Quantity(value=Decimal(quantity)),
                         unit_price=Money(amount=Decimal("1.00"), currency="USD"), description=sku)
        item_element(setup, line, default_units(), "ItemOut")
    return serialize(root)


def bare_request(element: str, routing: Routing | None = None) -> bytes:
    """A Request holding one empty element (ProfileRequest, or a type we do not take)."""
    root, request = request_document(f"{uuid.uuid4().hex}@tests", NOW, routing or demo_routing())
    etree.SubElement(request, element)
    return serialize(root)


def order(po_number: str, lines: list[tuple[str, str, str]], *, purpose: OrderPurpose = OrderPurpose.ORIGINAL,
          routing: Routing | None = None) -> bytes:
    """An OrderRequest of (sku, quantity, unit price) lines from the demo buyer."""
    address = Address(lines=("1 Main Street",), city="Springfield", region="IL", postal_code="62701", country="US")
    canonical = Order(
        po_number=po_number, purpose=purpose, order_date=NOW.date(), currency="USD",
        bill_to=Party(role=PartyRole.BILL_TO, name="Contoso Accounts Payable", address=address),
        ship_to=Party(role=PartyRole.SHIP_TO, name="Contoso Receiving", address=address),
        lines=tuple(OrderLine(line_number=str(n), items=(ItemId(kind=ItemIdKind.SELLER, value=sku),),
                              quantity=Quantity(value=Decimal(qty)), description=sku,
                              unit_price=Money(amount=Decimal(price), currency="USD"))
                    for n, (sku, qty, price) in enumerate(lines, start=1)))
    return order_request.render(canonical, payload_id=f"{uuid.uuid4().hex}@tests", timestamp=NOW,
                                routing=routing or demo_routing())
