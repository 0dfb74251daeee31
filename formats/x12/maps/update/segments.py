"""Segment and element definitions the implementation maps are generated from.

ASC X12 004010 and 005010 segment directories (element order, data element numbers) for the
segments our order-to-cash guides use: purchase order (850), purchase order acknowledgment (855),
purchase order change (860), ship notice (856), invoice (810), inventory advice (846) and price
catalog (832). This is the
compact source the maps are generated from by :mod:`generate_maps`; the generated XML files in
``formats/x12/maps`` are what the validator and pyx12 read.

An element is ``(data element number, usage, codeset id or None)``; a composite is
``(composite id, usage, [components])``. Usage ``R`` required, ``S`` situational, ``N`` not used.
Codes live in ``codes.xml`` as *external* codesets (``b2bgw_...``) rather than inline
``valid_codes``: pyx12 identifies a segment by the first required ID element that has inline
codes, so an inline BEG01 list would make a bad BEG01 an "unrecognized segment" instead of the
element error (723 code 7) it is.
"""

from __future__ import annotations

Element = tuple[str, str, str | None]
Composite = tuple[str, str, list[Element]]
Field = Element | Composite

UNITS = "b2bgw_355"
DATES = "b2bgw_374"
REFERENCES = "b2bgw_128"
ID_QUALIFIERS = "b2bgw_66"
"""The qualifier code lists (``codelists.PARTNER_CODESETS``): every unit, date, reference and
identification code qualifier is checked against the X12 list, wherever it stands."""

FIVE_010_ONLY: dict[str, set[int]] = {"ST": {3}, "N4": {7}}
"""Element positions that exist only from 005010 on."""


def _pairs(count: int, qualifier_codes: str | None) -> list[Field]:
    """``count`` product ID pairs (235 qualifier, 234 product ID)."""
    out: list[Field] = []
    for _ in range(count):
        out += [("235", "S", qualifier_codes), ("234", "S", None)]
    return out


def _composite_unit(usage: str) -> Composite:
    """C001 composite unit of measure: a unit code then up to four (exponent, multiplier, unit)."""
    parts: list[Element] = [("355", "R", UNITS)]
    parts += [("1018", "S", None), ("649", "S", None)]
    for _ in range(4):
        parts += [("355", "S", UNITS), ("1018", "S", None), ("649", "S", None)]
    return ("C001", usage, parts)


C040: Composite = ("C040", "S", [("128", "R", REFERENCES), ("127", "R", None), ("128", "S", REFERENCES),
                                 ("127", "S", None), ("128", "S", REFERENCES), ("127", "S", None)])

SEGMENTS: dict[str, tuple[str, list[Field]]] = {
    "ST": ("Transaction Set Header", [("143", "R", None), ("329", "R", None), ("1705", "S", None)]),
    "SE": ("Transaction Set Trailer", [("96", "R", None), ("329", "R", None)]),
    "BEG": ("Beginning Segment for Purchase Order", [
        ("353", "R", "b2bgw_353"), ("92", "R", "b2bgw_92"), ("324", "R", None), ("328", "S", None),
        ("373", "R", None), ("367", "S", None), ("587", "S", None), ("1019", "S", None),
        ("1166", "S", None), ("1232", "S", None), ("786", "S", None), ("640", "S", None)]),
    "BAK": ("Beginning Segment for Purchase Order Acknowledgment", [
        ("353", "R", "b2bgw_353"), ("587", "R", "b2bgw_587"), ("324", "R", None), ("373", "R", None),
        ("328", "S", None), ("326", "S", None), ("367", "S", None), ("127", "S", None),
        ("373", "S", None), ("640", "S", None)]),
    "CUR": ("Currency", [("98", "R", "b2bgw_98"), ("100", "R", None), ("280", "S", None),
                         ("98", "S", "b2bgw_98"), ("100", "S", None), ("669", "S", None),
                         *[e for _ in range(5) for e in (("374", "S", DATES), ("373", "S", None),
                                                         ("337", "S", None))]]),
    "REF": ("Reference Identification", [("128", "R", REFERENCES), ("127", "S", None), ("352", "S", None), C040]),
    "PER": ("Administrative Communications Contact", [
        ("366", "R", None), ("93", "S", None), ("365", "S", None), ("364", "S", None), ("365", "S", None),
        ("364", "S", None), ("365", "S", None), ("364", "S", None), ("443", "S", None)]),
    "TAX": ("Tax Reference", [("325", "S", None),
                              *[e for _ in range(5) for e in (("309", "S", None), ("310", "S", None))],
                              ("441", "S", None), ("1179", "S", None)]),
    "FOB": ("F.O.B. Related Instructions", [
        ("146", "R", None), ("309", "S", None), ("352", "S", None), ("334", "S", None), ("335", "S", None),
        ("309", "S", None), ("352", "S", None), ("54", "S", None), ("352", "S", None)]),
    "CTP": ("Pricing Information", [
        ("687", "S", None), ("236", "S", None), ("212", "S", None), ("380", "S", None), _composite_unit("S"),
        ("648", "S", None), ("649", "S", None), ("782", "S", None), ("639", "S", None), ("499", "S", None),
        ("289", "S", None)]),
    "CSH": ("Sales Requirements", [
        ("563", "S", None), ("306", "S", None), ("610", "S", None), ("508", "S", None), ("373", "S", None),
        ("560", "S", None), ("566", "S", None), ("954", "S", None), ("1004", "S", None), ("954", "S", None)]),
    "SAC": ("Service, Promotion, Allowance, or Charge Information", [
        ("248", "R", "b2bgw_248"), ("1300", "S", None), ("559", "S", None), ("1301", "S", None),
        ("610", "S", None), ("378", "S", None), ("332", "S", None), ("118", "S", None), ("355", "S", UNITS),
        ("380", "S", None), ("380", "S", None), ("331", "S", None), ("127", "S", None), ("770", "S", None),
        ("352", "S", None), ("819", "S", None)]),
    "ITD": ("Terms of Sale/Deferred Terms of Sale", [
        ("336", "S", None), ("333", "S", None), ("338", "S", None), ("370", "S", None), ("351", "S", None),
        ("446", "S", None), ("386", "S", None), ("362", "S", None), ("388", "S", None), ("389", "S", None),
        ("342", "S", None), ("352", "S", None), ("765", "S", None), ("107", "S", None), ("954", "S", None)]),
    "DTM": ("Date/Time Reference", [("374", "R", DATES), ("373", "S", None), ("337", "S", None),
                                    ("623", "S", None), ("1250", "S", None), ("1251", "S", None)]),
    "PID": ("Product/Item Description", [
        ("349", "R", "b2bgw_349"), ("750", "S", None), ("559", "S", None), ("751", "S", None),
        ("352", "S", None), ("752", "S", None), ("822", "S", None), ("1073", "S", None), ("819", "S", None)]),
    "MEA": ("Measurements", [
        ("737", "S", None), ("738", "S", None), ("739", "S", None), _composite_unit("S"), ("740", "S", None),
        ("741", "S", None), ("935", "S", None), ("936", "S", None), ("752", "S", None), ("1373", "S", None),
        ("1270", "S", None), ("1271", "S", None)]),
    "SI": ("Service Characteristic Identification", [
        ("559", "R", None), ("1000", "R", None), ("234", "R", None),
        *[e for _ in range(8) for e in (("1000", "S", None), ("234", "S", None))]]),
    "PKG": ("Marking, Packaging, Loading", [("349", "S", None), ("753", "S", None), ("559", "S", None),
                                            ("754", "S", None), ("352", "S", None), ("400", "S", None)]),
    "TD1": ("Carrier Details (Quantity and Weight)", [
        ("103", "S", None), ("80", "S", None), ("23", "S", None), ("22", "S", None), ("79", "S", None),
        ("187", "S", None), ("81", "S", None), ("355", "S", UNITS), ("183", "S", None), ("355", "S", UNITS)]),
    "TD5": ("Carrier Details (Routing Sequence/Transit Time)", [
        ("133", "S", None), ("66", "S", ID_QUALIFIERS), ("67", "S", None), ("91", "S", None), ("387", "S", None),
        ("368", "S", None), ("309", "S", None), ("310", "S", None), ("731", "S", None), ("732", "S", None),
        ("733", "S", None), ("284", "S", None), ("284", "S", None), ("26", "S", None), ("1333", "S", None)]),
    "TD3": ("Carrier Details (Equipment)", [
        ("40", "S", None), ("206", "S", None), ("207", "S", None), ("187", "S", None), ("81", "S", None),
        ("355", "S", UNITS), ("102", "S", None), ("407", "S", None), ("225", "S", None), ("24", "S", None)]),
    "TD4": ("Carrier Details (Special Handling, or Hazardous Materials, or Both)", [
        ("152", "S", None), ("208", "S", None), ("209", "S", None), ("352", "S", None), ("1073", "S", None)]),
    "N9": ("Reference Identification", [("128", "R", REFERENCES), ("127", "S", None), ("369", "S", None),
                                        ("373", "S", None), ("337", "S", None), ("623", "S", None), C040]),
    "MSG": ("Message Text", [("933", "R", None), ("934", "S", None), ("1470", "S", None)]),
    "MTX": ("Text", [("363", "S", None), ("1551", "S", None), ("1551", "S", None), ("1552", "S", None),
                     ("1470", "S", None), ("819", "S", None)]),
    "N1": ("Name", [("98", "R", "b2bgw_98"), ("93", "S", None), ("66", "S", ID_QUALIFIERS), ("67", "S", None),
                    ("706", "S", None), ("98", "S", None)]),
    "N2": ("Additional Name Information", [("93", "R", None), ("93", "S", None)]),
    "N3": ("Address Information", [("166", "R", None), ("166", "S", None)]),
    "N4": ("Geographic Location", [("19", "S", None), ("156", "S", None), ("116", "S", None), ("26", "S", None),
                                   ("309", "S", None), ("310", "S", None), ("1715", "S", None)]),
    "PO1": ("Baseline Item Data", [
        ("350", "S", None), ("330", "R", None), ("355", "S", UNITS), ("212", "S", None), ("639", "S", None),
        *_pairs(10, "b2bgw_235")]),
    "PO3": ("Additional Item Detail", [
        ("371", "R", None), ("373", "S", None), ("236", "S", None), ("212", "S", None), ("639", "S", None),
        ("380", "R", None), ("355", "R", UNITS), ("352", "S", None)]),
    "PO4": ("Item Physical Details", [
        ("356", "S", None), ("357", "S", None), ("355", "S", UNITS), ("103", "S", None), ("187", "S", None),
        ("384", "S", None), ("355", "S", UNITS), ("385", "S", None), ("355", "S", UNITS), ("82", "S", None),
        ("189", "S", None), ("65", "S", None), ("355", "S", UNITS), ("810", "S", None), ("752", "S", None),
        ("350", "S", None), ("350", "S", None), ("1470", "S", None)]),
    "SDQ": ("Destination Quantity", [
        ("355", "R", UNITS), ("66", "S", ID_QUALIFIERS),
        *[e for _ in range(10) for e in (("67", "S", None), ("380", "S", None))], ("310", "S", None)]),
    "SCH": ("Line Item Schedule", [
        ("380", "R", None), ("355", "R", UNITS), ("98", "S", None), ("93", "S", None), ("374", "R", DATES),
        ("373", "R", None), ("337", "S", None), ("374", "S", DATES), ("373", "S", None), ("337", "S", None),
        ("326", "S", None), ("350", "S", None)]),
    "SLN": ("Subline Item Detail", [
        ("350", "R", None), ("350", "S", None), ("662", "R", None), ("380", "S", None), _composite_unit("S"),
        ("212", "S", None), ("639", "S", None), ("662", "S", None), *_pairs(10, None)]),
    "ACK": ("Line Item Acknowledgment", [
        ("668", "R", "b2bgw_668"), ("380", "S", None), ("355", "S", UNITS), ("374", "S", DATES),
        ("373", "S", None), ("326", "S", None), *_pairs(10, None), ("559", "S", None), ("822", "S", None),
        ("1271", "S", None)]),
    "BSN": ("Beginning Segment for Ship Notice", [
        ("353", "R", "b2bgw_353"), ("396", "R", None), ("373", "R", None), ("337", "R", None),
        ("1005", "S", None), ("640", "S", None), ("641", "S", None)]),
    "HL": ("Hierarchical Level", [("628", "R", None), ("734", "S", None), ("735", "R", "b2bgw_735"),
                                  ("736", "S", None)]),
    "LIN": ("Item Identification", [("350", "S", None), ("235", "R", "b2bgw_235"), ("234", "R", None),
                                    *_pairs(14, "b2bgw_235")]),
    "SN1": ("Item Detail (Shipment)", [
        ("350", "S", None), ("382", "R", None), ("355", "R", UNITS), ("646", "S", None), ("330", "S", None),
        ("355", "S", UNITS), ("728", "S", None), ("668", "S", None)]),
    "PRF": ("Purchase Order Reference", [
        ("324", "R", None), ("328", "S", None), ("327", "S", None), ("373", "S", None), ("350", "S", None),
        ("367", "S", None), ("92", "S", None)]),
    "MAN": ("Marks and Numbers", [("88", "R", None), ("87", "R", None), ("87", "S", None), ("88", "S", None),
                                  ("87", "S", None), ("87", "S", None)]),
    "BIG": ("Beginning Segment for Invoice", [
        ("373", "R", None), ("76", "R", None), ("373", "S", None), ("324", "S", None), ("328", "S", None),
        ("327", "S", None), ("640", "S", "b2bgw_640"), ("353", "S", "b2bgw_353"), ("306", "S", None),
        ("76", "S", None)]),
    "IT1": ("Baseline Item Data (Invoice)", [
        ("350", "S", None), ("358", "S", None), ("355", "S", UNITS), ("212", "S", None), ("639", "S", None),
        *_pairs(10, "b2bgw_235")]),
    "TDS": ("Total Monetary Value Summary", [("610", "R", None), ("610", "S", None), ("610", "S", None),
                                             ("610", "S", None)]),
    "TXI": ("Tax Information", [
        ("963", "R", None), ("782", "S", None), ("954", "S", None), ("955", "S", None), ("956", "S", None),
        ("441", "S", None), ("662", "S", None), ("828", "S", None), ("325", "S", None), ("350", "S", None)]),
    "ISS": ("Invoice Shipment Summary", [
        ("382", "S", None), ("355", "S", UNITS), ("81", "S", None), ("355", "S", UNITS), ("183", "S", None),
        ("355", "S", UNITS), ("380", "S", None), ("81", "S", None)]),
    "BIA": ("Beginning Segment for Inventory Inquiry/Advice", [
        ("353", "R", "b2bgw_353"), ("755", "R", None), ("127", "R", None), ("373", "R", None), ("337", "S", None),
        ("306", "S", None)]),
    "QTY": ("Quantity", [("673", "R", None), ("380", "S", None), _composite_unit("S"), ("61", "S", None)]),
    # BCT05 class of trade; BCT06-08 number, version and revision of a second catalog; BCT09 the
    # catalog's description (the widths Bots' 004010/005010 grammars check: 2, 15, 15, 6, 80).
    "BCT": ("Beginning Segment for Price/Sales Catalog", [
        ("683", "R", None), ("684", "S", None), ("685", "S", None), ("686", "S", None), ("687", "S", None),
        ("684", "S", None), ("685", "S", None), ("686", "S", None), ("352", "S", None), ("353", "S", "b2bgw_353")]),
    "BCH": ("Beginning Segment for Purchase Order Change", [
        ("353", "R", "b2bgw_353"), ("92", "R", "b2bgw_92"), ("324", "R", None), ("328", "S", None),
        ("327", "S", None), ("373", "R", None), ("326", "S", None), ("367", "S", None), ("373", "S", None),
        ("373", "S", None), ("640", "S", None), ("1232", "S", None)]),
    "POC": ("Line Item Change", [
        ("350", "S", None), ("670", "R", "b2bgw_670"), ("330", "S", None), ("671", "S", None), _composite_unit("S"),
        ("212", "S", None), ("639", "S", None), *_pairs(10, "b2bgw_235")]),
    "CTT": ("Transaction Totals", [("354", "R", None), ("347", "S", None), ("81", "S", None), ("355", "S", UNITS),
                                   ("183", "S", None), ("355", "S", UNITS), ("352", "S", None)]),
    "AMT": ("Monetary Amount", [("522", "R", None), ("782", "R", None), ("478", "S", None)]),
}

SYNTAX: dict[str, list[str]] = {
    "PO1": [f"P{i:02d}{i + 1:02d}" for i in range(6, 25, 2)],
    "REF": ["R0203"],
    "N9": ["R0203"],
    "N1": ["R0203", "P0304"],
    "PER": ["P0304", "P0506", "P0708"],
    "DTM": ["R020305", "C0403", "P0506"],
    "CUR": ["C0807", "C0907", "L101112", "C1110", "C1210"],
    "SAC": ["R0203", "P0910", "C1413", "C1613"],
    "PID": ["C0403", "R0405"],
    "ACK": [f"P{i:02d}{i + 1:02d}" for i in range(7, 26, 2)],
    "SI": [f"P{i:02d}{i + 1:02d}" for i in range(4, 19, 2)],
    "SLN": [f"P{i:02d}{i + 1:02d}" for i in range(9, 28, 2)],
    "SDQ": [f"P{i:02d}{i + 1:02d}" for i in range(5, 22, 2)],
    "LIN": [f"P{i:02d}{i + 1:02d}" for i in range(4, 31, 2)],
    "SN1": ["P0506"],
    "MAN": ["P0405", "C0605"],
    "IT1": [f"P{i:02d}{i + 1:02d}" for i in range(6, 25, 2)],
    "TXI": ["R020306", "P0405", "C0803"],
    "QTY": ["R0204"],
    "POC": [f"P{i:02d}{i + 1:02d}" for i in range(8, 27, 2)],
}
"""X12 syntax notes (P paired, R at least one, C conditional, L list conditional, E exclusion)."""

# A node is ("segment", tag, usage, max_use) or ("loop", loop id, usage, repeat, [nodes]).
Node = tuple[object, ...]

_PID_LOOP: Node = ("loop", "PID", "S", 1000, [("segment", "PID", "R", 1), ("segment", "MEA", "S", 10)])
_SAC_LOOP: Node = ("loop", "SAC", "S", 25, [("segment", "SAC", "R", 1), ("segment", "CUR", "S", 1)])
_N9_LOOP: Node = ("loop", "N9", "S", 1000, [("segment", "N9", "R", 1), ("segment", "DTM", "S", 10),
                                            ("segment", "MSG", "S", 1000), ("segment", "MTX", "S", ">1")])
"""From 004030 on the N9 loop carries MTX (text) where 004010 has MSG; both are accepted."""
_N1_LOOP: Node = ("loop", "N1", "S", 200, [
    ("segment", "N1", "R", 1), ("segment", "N2", "S", 2), ("segment", "N3", "S", 2), ("segment", "N4", "S", ">1"),
    ("segment", "REF", "S", 12), ("segment", "PER", "S", ">1"), ("segment", "FOB", "S", 1),
    ("segment", "TD1", "S", 2), ("segment", "TD5", "S", 12), ("segment", "TD3", "S", 12),
    ("segment", "TD4", "S", 5), ("segment", "PKG", "S", 200)])
_SCH_LOOP: Node = ("loop", "SCH", "S", 200, [
    ("segment", "SCH", "R", 1), ("segment", "TD1", "S", 2), ("segment", "TD5", "S", 1), ("segment", "TD3", "S", 1),
    ("segment", "TD4", "S", 5), ("segment", "REF", "S", ">1")])
_SLN_LOOP: Node = ("loop", "SLN", "S", 1000, [
    ("segment", "SLN", "R", 1), ("segment", "MSG", "S", 100), ("segment", "PID", "S", 1000),
    ("segment", "PO3", "S", 104), ("segment", "CTP", "S", 25), ("segment", "PO4", "S", 1),
    ("segment", "DTM", "S", 10)])
_CTT_LOOP: Node = ("loop", "CTT", "S", 1, [("segment", "CTT", "R", 1), ("segment", "AMT", "S", 1)])

_HEADER_COMMON: list[Node] = [
    ("segment", "CUR", "S", 1), ("segment", "REF", "S", ">1"), ("segment", "PER", "S", 3),
    ("segment", "TAX", "S", ">1"), ("segment", "FOB", "S", ">1"), ("segment", "CTP", "S", ">1"),
    ("segment", "CSH", "S", 5), _SAC_LOOP, ("segment", "ITD", "S", ">1"), ("segment", "DTM", "S", 10),
    ("segment", "SI", "S", ">1"), ("segment", "PID", "S", 200), ("segment", "MEA", "S", 40),
    ("segment", "PKG", "S", 200),
    ("segment", "TD1", "S", 2), ("segment", "TD5", "S", 12), ("segment", "TD3", "S", 12),
    ("segment", "TD4", "S", 5), _N9_LOOP, _N1_LOOP]


def _line_loop(usage: str, extra: list[Node]) -> Node:
    """The PO1 loop; ``extra`` are the loops a guide adds after its MSG (ACK for the 855)."""
    return ("loop", "PO1", usage, 100000, [
        ("segment", "PO1", "R", 1), ("segment", "SI", "S", ">1"), ("segment", "CUR", "S", 1),
        ("segment", "PO3", "S", 25),
        ("segment", "CTP", "S", ">1"), ("segment", "MEA", "S", 40), _PID_LOOP, ("segment", "PO4", "S", ">1"),
        ("segment", "REF", "S", ">1"), ("segment", "PER", "S", 3), _SAC_LOOP, ("segment", "CSH", "S", 1),
        ("segment", "ITD", "S", 2), ("segment", "TAX", "S", ">1"), ("segment", "FOB", "S", ">1"),
        ("segment", "SDQ", "S", 500), ("segment", "DTM", "S", 10), ("segment", "TD1", "S", 1),
        ("segment", "TD5", "S", 12), ("segment", "TD3", "S", 1), ("segment", "TD4", "S", 5),
        ("segment", "MSG", "S", ">1"), *extra, _SCH_LOOP, _N9_LOOP, _N1_LOOP, _SLN_LOOP])


_HL_LOOP: Node = ("loop", "HL", "R", 200000, [
    ("segment", "HL", "R", 1), ("segment", "LIN", "S", 1), ("segment", "SN1", "S", 1), ("segment", "SLN", "S", 1000),
    ("segment", "PRF", "S", 1), ("segment", "PO4", "S", 1), ("segment", "PID", "S", 200),
    ("segment", "MEA", "S", 40), ("segment", "PKG", "S", 25), ("segment", "TD1", "S", 20), ("segment", "TD5", "S", 12),
    ("segment", "TD3", "S", 12), ("segment", "TD4", "S", 5), ("segment", "REF", "S", ">1"), ("segment", "PER", "S", 3),
    ("segment", "MAN", "S", ">1"), ("segment", "DTM", "S", 10), ("segment", "FOB", "S", 1), _N1_LOOP,
    ("segment", "SDQ", "S", 50), ("segment", "CUR", "S", 1), _SAC_LOOP])
"""The 856's one hierarchical loop: every level (S shipment, O order, P pack, I item) uses the same
segment list; which segments a level carries is the guide's convention, not the map's structure."""

_SAC_TXI_LOOP: Node = ("loop", "SAC", "S", 25, [("segment", "SAC", "R", 1), ("segment", "TXI", "S", 10)])
_IT1_LOOP: Node = ("loop", "IT1", "R", 200000, [
    ("segment", "IT1", "R", 1), ("segment", "CUR", "S", 1), ("segment", "TXI", "S", 10), ("segment", "CTP", "S", 25),
    ("segment", "MEA", "S", 40), _PID_LOOP, ("segment", "PKG", "S", 25), ("segment", "PO4", "S", 1),
    ("segment", "ITD", "S", 2), ("segment", "REF", "S", ">1"), ("segment", "PER", "S", 5), ("segment", "SDQ", "S", 500),
    ("segment", "DTM", "S", 10), _SAC_TXI_LOOP, _SLN_LOOP, _N1_LOOP])
_846_LIN_LOOP: Node = ("loop", "LIN", "R", 10000, [
    ("segment", "LIN", "R", 1), ("segment", "PID", "S", 200), ("segment", "MEA", "S", 40), ("segment", "PKG", "S", 25),
    ("segment", "DTM", "S", 10), ("segment", "CTP", "S", 25), ("segment", "CUR", "S", 1),
    ("segment", "REF", "S", ">1"), ("segment", "PER", "S", 5), ("segment", "SDQ", "S", ">1"),
    ("loop", "QTY", "S", ">1", [("segment", "QTY", "R", 1), ("segment", "SCH", "S", ">1")]), _N1_LOOP])
_832_LIN_LOOP: Node = ("loop", "LIN", "R", 100000, [
    ("segment", "LIN", "R", 1), ("segment", "PID", "S", 200), ("segment", "MEA", "S", 40), ("segment", "PKG", "S", 25),
    ("segment", "PO4", "S", 1), ("segment", "DTM", "S", 10), ("segment", "REF", "S", ">1"),
    ("segment", "PER", "S", 5), ("segment", "CTP", "S", ">1"), ("segment", "CUR", "S", 1), _SAC_LOOP, _N1_LOOP])
_POC_LOOP: Node = ("loop", "POC", "S", 100000, [
    ("segment", "POC", "R", 1), ("segment", "SI", "S", ">1"), ("segment", "CUR", "S", 1), ("segment", "PO3", "S", 104),
    ("segment", "CTP", "S", ">1"), ("segment", "MEA", "S", 40), _PID_LOOP, ("segment", "PO4", "S", ">1"),
    ("segment", "REF", "S", ">1"), ("segment", "PER", "S", 3), _SAC_LOOP, ("segment", "ITD", "S", 2),
    ("segment", "TAX", "S", ">1"), ("segment", "FOB", "S", ">1"), ("segment", "SDQ", "S", 500),
    ("segment", "DTM", "S", 10), ("segment", "TD1", "S", 1), ("segment", "TD5", "S", 12), ("segment", "TD3", "S", 1),
    ("segment", "TD4", "S", 5), ("segment", "MSG", "S", ">1"), _SCH_LOOP, _N9_LOOP, _N1_LOOP, _SLN_LOOP])
_INVOICE_HEADER: list[Node] = [
    ("segment", "CUR", "S", 1), ("segment", "REF", "S", 12), ("segment", "PER", "S", 3), _N9_LOOP, _N1_LOOP,
    ("segment", "ITD", "S", ">1"), ("segment", "DTM", "S", 10), ("segment", "FOB", "S", 1),
    ("segment", "PID", "S", 200), ("segment", "MEA", "S", 40), ("segment", "PKG", "S", 25), ("segment", "TD1", "S", 2),
    ("segment", "TD5", "S", 12), ("segment", "TD3", "S", 12), ("segment", "TD4", "S", 5)]
_INVOICE_SUMMARY: list[Node] = [
    ("segment", "TDS", "R", 1), ("segment", "TXI", "S", 10), ("segment", "AMT", "S", ">1"), _SAC_TXI_LOOP,
    ("loop", "ISS", "S", ">1", [("segment", "ISS", "R", 1), ("segment", "PID", "S", 1)]), ("segment", "CTT", "S", 1)]
_HEADER_PARTIES: list[Node] = [
    ("segment", "CUR", "S", 1), ("segment", "DTM", "S", 10), ("segment", "REF", "S", 12), ("segment", "PER", "S", 3),
    _N1_LOOP]

TRANSACTIONS: dict[str, tuple[str, str, list[Node]]] = {
    "850": ("Purchase Order", "PO", [
        ("segment", "ST", "R", 1), ("segment", "BEG", "R", 1), *_HEADER_COMMON,
        _line_loop("R", []), _CTT_LOOP, ("segment", "SE", "R", 1)]),
    "855": ("Purchase Order Acknowledgment", "PR", [
        ("segment", "ST", "R", 1), ("segment", "BAK", "R", 1), *_HEADER_COMMON,
        _line_loop("S", [("loop", "ACK", "S", 104, [("segment", "ACK", "R", 1), ("segment", "DTM", "S", 1)])]),
        _CTT_LOOP, ("segment", "SE", "R", 1)]),
    "860": ("Purchase Order Change Request - Buyer Initiated", "PC", [
        ("segment", "ST", "R", 1), ("segment", "BCH", "R", 1), *_HEADER_COMMON, _POC_LOOP, _CTT_LOOP,
        ("segment", "SE", "R", 1)]),
    "856": ("Ship Notice/Manifest", "SH", [
        ("segment", "ST", "R", 1), ("segment", "BSN", "R", 1), ("segment", "DTM", "S", 10), _HL_LOOP,
        ("segment", "CTT", "S", 1), ("segment", "SE", "R", 1)]),
    "810": ("Invoice", "IN", [
        ("segment", "ST", "R", 1), ("segment", "BIG", "R", 1), *_INVOICE_HEADER, _IT1_LOOP, *_INVOICE_SUMMARY,
        ("segment", "SE", "R", 1)]),
    "846": ("Inventory Inquiry/Advice", "IB", [
        ("segment", "ST", "R", 1), ("segment", "BIA", "R", 1), *_HEADER_PARTIES, _846_LIN_LOOP,
        ("segment", "CTT", "S", 1), ("segment", "SE", "R", 1)]),
    "832": ("Price/Sales Catalog", "SC", [
        ("segment", "ST", "R", 1), ("segment", "BCT", "R", 1), *_HEADER_PARTIES, _832_LIN_LOOP,
        ("segment", "CTT", "S", 1), ("segment", "SE", "R", 1)]),
}
"""Each guide: name, functional identifier (GS01) and the ST_LOOP content in order."""

VERSIONS: dict[str, tuple[str, list[str]]] = {
    "4010": ("00401", ["004010", "004010VICS", "004010UCS", "004030", "004030VICS"]),
    "5010": ("00501", ["005010", "005010VICS", "005010UCS"]),
}
"""Map family -> (ISA12, the GS08 values the family serves)."""
