"""The partner profiles the oracles drive, each with the corpus order it buys with.

A profile is one kind of trading partner the gateway writes to (X12 004010, X12 004010 whose
interchanges end segments with a newline and use ``@`` between components, X12 005010, plain
UBL, UBL asking for the simple order response, UBL with the PEPPOL profile, a cXML buyer) and the
public order (from ``../shared/corpus``) it sends; what we answer an X12 order is written in the
delimiters it came in. The partners buy as the demo customers, so the
seller is the built-in ERP's Dutch demo company (:mod:`erp.builtin.demo_company`); the items the
corpus orders name are added to the ERP's catalogue, since nobody's sample orders our demo pens.

A corpus order is used unchanged, except where a profile needs what no corpus file has: there is
no 005010 850 in the corpus, so the 005010 profile receives node-x12's 850 with its envelope
moved to 005010 (ISA12 and GS08; ISA11 becomes the repetition separator 005010 wants there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.demo import DEMO_PRICE_SETTINGS
from gateway.punchout.buyers import buyer_settings
from gateway.store.tables import Partner
from tests.conftest import corpus_path
from tests.gateway.punchout.coupa_order import BUYER

UNREACHABLE = "http://127.0.0.1:9/orders"
"""The cXML buyer's order URL: nothing listens, so its documents stay in the outbox (none is sent anywhere)."""


@dataclass(frozen=True)
class CatalogueItem:
    """An item a corpus order names, as the ERP sells it: SKU, unit, list price, and a case size if any."""

    sku: str
    name: str
    price: str
    unit: str = "EA"
    case: int | None = None  # eaches in a case (X12 CA, Rec 20 XCS)


@dataclass(frozen=True)
class Customer:
    """The ERP customer a partner buys as, when no demo customer fits: the order's currency, its buyer's VAT data."""

    id: str
    name: str
    currency: str
    country: str
    vat_id: str | None


@dataclass(frozen=True)
class Profile:
    """One kind of partner: its row (made fresh each time) and its corpus order."""

    id: str
    partner_id: str
    order: Callable[[], bytes]
    partner: Callable[[], Partner]
    items: tuple[CatalogueItem, ...] = ()
    customer: Customer | None = None
    cxml_buyer: bool = False  # added with its cXML configuration and items by coupa_order.use_buyer


def _corpus(*parts: str) -> Callable[[], bytes]:
    return lambda: corpus_path(*parts).read_bytes()


def _node_x12_850_as_5010() -> bytes:
    """node-x12's 850 (004010VICS, ISA12 00400) with its envelope moved to 005010 (module doc)."""
    raw = corpus_path("x12", "node-x12", "850.edi").read_bytes()
    isa, rest = raw[:106], raw[106:]
    assert isa[82:83] == b"U" and isa[84:89] == b"00400", isa  # ISA11, ISA12: fixed positions
    isa = isa[:82] + b"^" + isa[83:84] + b"00501" + isa[89:]
    return isa + rest.replace(b"*X*004010VICS~", b"*X*005010~", 1)


def _x12_partner(partner_id: str, name: str, version: str, sender: tuple[str, str, str],
                 receiver: tuple[str, str, str]) -> Callable[[], Partner]:
    """A partner with the ISA/GS identities of its corpus order (qualifier, id, application id)."""
    def make() -> Partner:
        return Partner(id=partner_id, name=name, customer_id="ACME", x12_qualifier=sender[0], x12_id=sender[1],
                       x12_application_id=sender[2], our_x12_qualifier=receiver[0], our_x12_id=receiver[1],
                       our_x12_application_id=receiver[2], x12_version=version, usage="P",
                       settings=dict(DEMO_PRICE_SETTINGS))
    return make


def _ubl_partner(partner_id: str, name: str, customer: Customer, endpoint: tuple[str, str],
                 **settings: object) -> Callable[[], Partner]:
    """A UBL partner buying as ``customer``, its PEPPOL endpoint that of its corpus order's buyer."""
    def make() -> Partner:
        return Partner(id=partner_id, name=name, customer_id=customer.id, x12_qualifier="ZZ",
                       x12_id=partner_id[:15].upper(), our_x12_qualifier="ZZ", our_x12_id="B2BGWSELLER",
                       settings={"standard": "ubl", "endpoint_scheme": endpoint[0], "endpoint_id": endpoint[1],
                                 **DEMO_PRICE_SETTINGS, **settings})
    return make


def _cxml_partner() -> Partner:
    """The row ``coupa_order.use_buyer`` makes for the corpus's Coupa buyer (its documents go nowhere)."""
    return Partner(id=BUYER, name="OfficeLuv via Coupa", customer_id="ACME", x12_id=BUYER[:15].upper(),
                   our_x12_id="B2BGWSELLER", settings=buyer_settings(UNREACHABLE))


SAFEWAY_ITEMS = (CatalogueItem("4531", "Grocery item 24/360 ML", "9.44", case=24),
                 CatalogueItem("19828", "Random weight item 1/PER KG", "2.82", case=1))
CAMP_WEAR = tuple(CatalogueItem(sku, name, "12") for sku, name in (
    ("12307", "Print camp shirt"), ("12308", "Print skirt"), ("12306", "V-neck jacket"), ("12309", "Print pant")))
WIDGETS = tuple(CatalogueItem(sku, name, price) for sku, name, price in (
    ("AB3542", "Small widget", "9.25"), ("RD5322", "Medium widget", "13.79"), ("XY5266", "Large widget", "10.99"),
    ("VX2332", "Nano widget", "4.35"), ("RV0524", "Blue widget", "7.50")))
"""node-x12's widgets but the orange one (DX1875): that line is refused, so the 855 carries a line's reason."""
OASIS_ITEMS = (CatalogueItem("SItemNo001", "Acme beeswax", "50", unit="LTR"),
               CatalogueItem("SItemNo011", "Acme beeswax, small", "15"))
PEPPOL_UC1_ITEMS = (CatalogueItem("SN-33", "Pencil case", "4", unit="NAR"),
                    CatalogueItem("SN-34", "Notebook", "6", unit="NAR"),
                    CatalogueItem("SN-35", "Marker", "3", unit="NAR"))
PEPPOL_EXAMPLE_ITEMS = (CatalogueItem("SItemNo011", "Acme beeswax, small", "15"),)


SWEDISH_BUYER = Customer("ORACLE-SE", "Johnssons byggvaruhus", "SEK", "SE", "SE1234567801")
SWEDISH_EURO_BUYER = Customer("ORACLE-SE-EUR", "Svensk inkop AB", "EUR", "SE", "SE7300010000001")
NORWEGIAN_BUYER = Customer("ORACLE-NO", "Norsk kjop AS", "NOK", "NO", "NO931186755MVA")


PROFILES = (
    Profile("x12-004010", "oracle-x12-4010", _corpus("x12", "bots", "850-004010-18.x12"),
            _x12_partner("oracle-x12-4010", "Safeway sample buyer (X12 004010)", "004010",
                         ("08", "9251750000", "8019721193"), ("ZZ", "Your ID", "Your ID")), SAFEWAY_ITEMS),
    Profile("x12-004010-newline", "oracle-x12-nl", _corpus("x12", "bots", "850-004010-01.x12"),
            _x12_partner("oracle-x12-nl", "Camp wear sample buyer (X12 004010, newline-terminated)", "004010",
                         ("08", "AAAAAAAAAA", "test111111"), ("ZZ", "test22222", "test22222")), CAMP_WEAR),
    Profile("x12-005010", "oracle-x12-5010", _node_x12_850_as_5010,
            _x12_partner("oracle-x12-5010", "XYZ Retail sample buyer (X12 005010)", "005010",
                         ("12", "4405197800", "4405197800"), ("01", "999999999", "999999999")), WIDGETS),
    Profile("ubl", "oracle-ubl", _corpus("ubl", "samples", "oasis", "UBL-Order-2.1-Example.xml"),
            _ubl_partner("oracle-ubl", "OASIS sample buyer (UBL 2.1)", SWEDISH_BUYER, ("0088", "7300072311115")),
            OASIS_ITEMS, SWEDISH_BUYER),
    Profile("ubl-simple-response", "oracle-ubl-simple",
            _corpus("ubl", "samples", "peppol-poacc", "Order_use_cases_UC1_Order.xml"),
            _ubl_partner("oracle-ubl-simple", "UBL buyer wanting OrderResponseSimple", SWEDISH_EURO_BUYER,
                         ("0088", "7300010000001"), ubl_order_response="simple"), PEPPOL_UC1_ITEMS, SWEDISH_EURO_BUYER),
    Profile("peppol", "oracle-peppol", _corpus("ubl", "samples", "peppol-poacc", "Order_Example.xml"),
            _ubl_partner("oracle-peppol", "PEPPOL sample buyer (BIS 3)", NORWEGIAN_BUYER, ("0192", "987654325"),
                         ubl_profile="peppol"), PEPPOL_EXAMPLE_ITEMS, NORWEGIAN_BUYER),
    Profile("cxml", BUYER, _corpus("cxml", "samples", "officeluv", "order_request.xml"), _cxml_partner,
            cxml_buyer=True),
)
"""Every profile; the cXML buyer and its items come from :mod:`tests.gateway.punchout.coupa_order`."""

__all__ = ["PROFILES", "UNREACHABLE", "CatalogueItem", "Customer", "Profile"]
