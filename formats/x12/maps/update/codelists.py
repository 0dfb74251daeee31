"""Code lists and data element definitions added to pyx12's ``codes.xml`` and ``dataele.xml``.

ASC X12 data element dictionary (004010/005010). pyx12's dictionary is HIPAA-centred: it lacks
the supply-chain elements (92 purchase order type, 668 line item status ...). These are added
here; an element pyx12 already defines keeps pyx12's definition, since pyx12's own 997/999 maps
share the same file. Where 004010 and 005010 differ in length, the longer (005010) length is
used so that a 005010-length value in a 004010 file is not rejected (lenient where partners are).

Code lists come in two kinds. :data:`CODESETS` restrict where a wrong code changes what the
document means (purpose, order type, acknowledgment type, line status, change type,
hierarchical level, invoice transaction type, allowance/charge, description type, entity and
product ID qualifiers). :data:`PARTNER_CODESETS` are the X12 lists of the qualifiers partners
pick from freely (reference 128, unit of measure 355, date/time 374, identification code 66):
a partner's validator rejects a code outside them, so ours does too.
"""

from __future__ import annotations

DATA_ELEMENTS: dict[str, tuple[str, int, int, str]] = {
    "1019": ("ID", 2, 3, "Invoice Type Code"),
    "1073": ("ID", 1, 1, "Yes/No Condition or Response Code"),
    "107": ("ID", 1, 2, "Payment Method Code"),
    "1166": ("ID", 2, 2, "Contract Type Code"),
    "1179": ("ID", 1, 1, "Customs Entry Type Group Code"),
    "118": ("R", 1, 9, "Rate"),
    "1232": ("ID", 2, 2, "Purchase Category"),
    "1270": ("ID", 1, 3, "Code List Qualifier Code"),
    "1300": ("ID", 4, 4, "Service, Promotion, Allowance, or Charge Code"),
    "1301": ("AN", 1, 10, "Agency Service, Promotion, Allowance, or Charge Code"),
    "133": ("ID", 1, 1, "Routing Sequence Code"),
    "1333": ("ID", 1, 2, "Service Level Code"),
    "1373": ("ID", 1, 1, "Measurement Method or Device"),
    "146": ("ID", 2, 2, "Shipment Method of Payment"),
    "1470": ("N0", 1, 9, "Number"),
    "152": ("ID", 2, 3, "Special Handling Code"),
    "1705": ("AN", 1, 35, "Implementation Convention Reference"),
    "1715": ("ID", 1, 3, "Country Subdivision Code"),
    "183": ("R", 1, 8, "Volume"),
    "187": ("ID", 1, 2, "Weight Qualifier"),
    "189": ("R", 1, 8, "Width"),
    "206": ("AN", 1, 4, "Equipment Initial"),
    "207": ("AN", 1, 10, "Equipment Number"),
    "208": ("ID", 1, 3, "Hazardous Material Code Qualifier"),
    "209": ("AN", 2, 10, "Hazardous Material Class Code"),
    "22": ("AN", 1, 80, "Commodity Code"),
    "225": ("AN", 2, 15, "Seal Number"),
    "23": ("ID", 1, 1, "Commodity Code Qualifier"),
    "236": ("ID", 3, 3, "Price Identifier Code"),
    "24": ("ID", 4, 4, "Equipment Type"),
    "248": ("ID", 1, 1, "Allowance or Charge Indicator"),
    "284": ("ID", 1, 2, "Service Level Code"),
    "289": ("N0", 1, 2, "Multiple Price Quantity"),
    "306": ("ID", 1, 2, "Action Code"),
    "309": ("ID", 1, 2, "Location Qualifier"),
    "310": ("AN", 1, 30, "Location Identifier"),
    "325": ("ID", 2, 2, "Tax Identification Number"),
    "326": ("AN", 1, 45, "Request Reference Number"),
    "327": ("AN", 1, 8, "Change Order Sequence Number"),
    "328": ("AN", 1, 8, "Release Number"),
    "330": ("R", 1, 15, "Quantity Ordered"),
    "331": ("ID", 2, 2, "Allowance or Charge Method of Handling Code"),
    "332": ("R", 1, 6, "Percent"),
    "333": ("ID", 1, 2, "Terms Basis Date Code"),
    "334": ("ID", 2, 2, "Transportation Terms Qualifier Code"),
    "335": ("ID", 3, 3, "Transportation Terms Code"),
    "336": ("ID", 2, 2, "Terms Type Code"),
    "338": ("R", 1, 6, "Terms Discount Percent"),
    "342": ("R", 1, 5, "Percent of Invoice Payable"),
    "349": ("ID", 1, 1, "Item Description Type"),
    "351": ("N0", 1, 3, "Terms Discount Days Due"),
    "356": ("N0", 1, 6, "Pack"),
    "357": ("R", 1, 8, "Size"),
    "362": ("N2", 1, 10, "Terms Discount Amount"),
    "368": ("ID", 2, 2, "Shipment/Order Status Code"),
    "369": ("AN", 1, 45, "Free-form Description"),
    "370": ("DT", 8, 8, "Terms Discount Due Date"),
    "371": ("ID", 1, 1, "Change Reason Code"),
    "378": ("ID", 1, 1, "Allowance/Charge Percent Qualifier"),
    "384": ("R", 1, 9, "Gross Weight per Pack"),
    "385": ("R", 1, 9, "Gross Volume per Pack"),
    "386": ("N0", 1, 3, "Terms Net Days"),
    "387": ("AN", 1, 35, "Routing"),
    "388": ("DT", 8, 8, "Terms Deferred Due Date"),
    "389": ("N2", 1, 10, "Deferred Amount Due"),
    "40": ("ID", 2, 2, "Equipment Description Code"),
    "400": ("AN", 1, 80, "Unit Load Option Code"),
    "407": ("ID", 1, 1, "Ownership Code"),
    "441": ("ID", 1, 1, "Tax Exempt Code"),
    "446": ("DT", 8, 8, "Terms Net Due Date"),
    "478": ("ID", 1, 1, "Credit/Debit Flag Code"),
    "499": ("AN", 1, 10, "Condition Value"),
    "508": ("AN", 1, 35, "Account Number"),
    "522": ("ID", 1, 3, "Amount Qualifier Code"),
    "54": ("ID", 2, 2, "Risk of Loss Code"),
    "559": ("ID", 2, 2, "Agency Qualifier Code"),
    "560": ("ID", 1, 2, "Special Services Code"),
    "563": ("ID", 1, 2, "Sales Requirement Code"),
    "566": ("ID", 1, 1, "Product/Service Substitution Code"),
    "587": ("ID", 2, 2, "Acknowledgment Type"),
    "623": ("ID", 2, 2, "Time Code"),
    "640": ("ID", 2, 2, "Transaction Type Code"),
    "648": ("ID", 3, 3, "Price Multiplier Qualifier"),
    "649": ("R", 1, 10, "Multiplier"),
    "65": ("R", 1, 8, "Height"),
    "66": ("ID", 1, 2, "Identification Code Qualifier"),
    "662": ("ID", 1, 1, "Relationship Code"),
    "668": ("ID", 2, 2, "Line Item Status Code"),
    "669": ("ID", 3, 3, "Currency Market/Exchange Code"),
    "687": ("ID", 2, 2, "Class of Trade Code"),
    "706": ("ID", 2, 2, "Entity Relationship Code"),
    "731": ("ID", 2, 2, "Transit Direction Code"),
    "732": ("ID", 2, 2, "Transit Time Direction Qualifier"),
    "733": ("R", 1, 4, "Transit Time"),
    "737": ("ID", 2, 2, "Measurement Reference ID Code"),
    "738": ("ID", 1, 3, "Measurement Qualifier"),
    "739": ("R", 1, 20, "Measurement Value"),
    "740": ("R", 1, 20, "Range Minimum"),
    "741": ("R", 1, 20, "Range Maximum"),
    "750": ("ID", 2, 3, "Product/Process Characteristic Code"),
    "751": ("AN", 1, 12, "Product Description Code"),
    "752": ("ID", 2, 2, "Surface/Layer/Position Code"),
    "753": ("ID", 2, 2, "Packaging Characteristic Code"),
    "754": ("AN", 1, 7, "Packaging Description Code"),
    "765": ("N0", 1, 2, "Day of Month"),
    "770": ("AN", 1, 20, "Option Number"),
    "782": ("R", 1, 18, "Monetary Amount"),
    "786": ("ID", 2, 2, "Security Level Code"),
    "79": ("AN", 1, 80, "Lading Description"),
    "80": ("N0", 1, 7, "Lading Quantity"),
    "81": ("R", 1, 10, "Weight"),
    "810": ("N0", 1, 6, "Inner Pack"),
    "819": ("ID", 2, 3, "Language Code"),
    "82": ("R", 1, 8, "Length"),
    "822": ("AN", 1, 15, "Source Subqualifier"),
    "91": ("ID", 1, 2, "Transportation Method/Type Code"),
    "92": ("ID", 2, 2, "Purchase Order Type Code"),
    "93": ("AN", 1, 60, "Name"),
    "933": ("AN", 1, 264, "Free-Form Message Text"),
    "934": ("ID", 2, 2, "Printer Carriage Control Code"),
    "935": ("ID", 2, 2, "Measurement Significance Code"),
    "936": ("ID", 1, 2, "Measurement Attribute Code"),
    "954": ("R", 1, 10, "Percentage as Decimal"),
    "96": ("N0", 1, 10, "Number of Included Segments"),
    "1000": ("ID", 2, 2, "Service Characteristics Qualifier"),
    "1004": ("ID", 1, 2, "Percent Qualifier"),
    "102": ("ID", 1, 1, "Ownership Code"),
    "1018": ("R", 1, 15, "Exponent"),
    "103": ("AN", 3, 5, "Packaging Code"),
    "116": ("ID", 3, 15, "Postal Code"),
    "396": ("AN", 2, 30, "Shipment Identification"),
    "641": ("ID", 3, 3, "Status Reason Code"),
    "382": ("R", 1, 10, "Number of Units Shipped"),
    "646": ("R", 1, 9, "Quantity Shipped to Date"),
    "728": ("ID", 1, 2, "Returnable Container Load Make-Up Code"),
    "88": ("ID", 1, 2, "Marks and Numbers Qualifier"),
    "87": ("AN", 1, 48, "Marks and Numbers"),
    "76": ("AN", 1, 22, "Invoice Number"),
    "963": ("ID", 1, 2, "Tax Type Code"),
    "955": ("ID", 2, 2, "Tax Jurisdiction Code Qualifier"),
    "956": ("AN", 1, 10, "Tax Jurisdiction Code"),
    "828": ("R", 1, 9, "Dollar Basis For Percent"),
    "683": ("ID", 2, 2, "Catalog Purpose Code"),
    "684": ("AN", 1, 15, "Catalog Number"),
    "685": ("AN", 1, 15, "Catalog Version Number"),
    "686": ("AN", 1, 6, "Catalog Revision Number"),
    "670": ("ID", 2, 2, "Change or Response Type Code"),
    "671": ("R", 1, 9, "Quantity Left to Receive"),
    "1551": ("AN", 1, 4096, "Textual Data"),
    "1552": ("ID", 2, 2, "Printer Carriage Control Code"),
}
"""Data element number -> (X12 data type, minimum length, maximum length, name)."""

CODESETS: dict[str, tuple[str, str, list[str]]] = {
    "b2bgw_353": ("353", "Transaction Set Purpose Code", [
        "00", "01", "03", "04", "05", "06", "07", "08", "10", "11", "13", "14", "15", "16", "18", "22",
        "24", "25", "26", "27", "28", "30", "35", "44", "46", "52", "53", "54", "77", "RH"]),
    "b2bgw_92": ("92", "Purchase Order Type Code", [
        "BE", "BK", "BL", "BY", "CF", "CN", "CO", "CP", "DR", "DS", "EO", "GS", "IN", "KB", "KC", "KD", "KI",
        "KN", "KO", "KT", "LB", "LS", "NE", "NP", "OC", "OH", "OS", "PR", "RC", "RE", "RL", "RN", "RO", "RR",
        "RT", "SA", "SD", "SP", "SS", "ST", "TR", "UD", "UE", "US", "WO", "ZZ"]),
    "b2bgw_587": ("587", "Acknowledgment Type", [
        "AC", "AD", "AE", "AH", "AK", "AP", "AT", "NA", "RD", "RF", "RJ", "RN", "RO", "ZZ"]),
    "b2bgw_668": ("668", "Line Item Status Code", [
        "AA", "AC", "AR", "BP", "DR", "IA", "IB", "IC", "ID", "IE", "IF", "IH", "IP", "IQ", "IR", "IS",
        "IW", "R1", "R2", "R3", "R4", "SP"]),
    "b2bgw_670": ("670", "Change or Response Type Code", [
        "AI", "CA", "CB", "CC", "CE", "CF", "CG", "CH", "CI", "CP", "CS", "CT", "DI", "MU", "NC", "OC", "PC",
        "PQ", "PR", "PS", "QD", "QI", "RA", "RB", "RC", "RE", "RM", "RQ", "RS", "RZ", "SC", "TI"]),
    "b2bgw_735": ("735", "Hierarchical Level Code", [
        "D", "E", "F", "G", "I", "O", "P", "Q", "S", "T", "V", "X", "Z"]),
    "b2bgw_640": ("640", "Transaction Type Code", [
        "CI", "CN", "CR", "DC", "DG", "DI", "DR", "FD", "PR", "RB", "SA", "SD", "ZZ"]),
    "b2bgw_248": ("248", "Allowance or Charge Indicator", ["A", "C", "N"]),
    "b2bgw_349": ("349", "Item Description Type", ["F", "S", "X"]),
    "b2bgw_98": ("98", "Entity Identifier Code", [
        "1P", "2L", "31", "40", "41", "80", "92", "AK", "AO", "AY", "BG", "BK", "BO", "BS", "BT", "BY", "CA",
        "CN", "CT", "DA", "DS", "EN", "FR", "II", "IA", "LW", "MA", "MF", "MP", "OB", "OI", "OR", "PE", "PF",
        "PK", "PO", "PR", "PU", "PW", "RE", "RI", "RL", "SB", "SE", "SF", "SH", "SJ", "SN", "SO", "SP", "ST",
        "SU", "TO", "UC", "VN", "WD", "WH", "Z7", "ZD", "ZZ"]),
    "b2bgw_235": ("235", "Product/Service ID Qualifier", [
        "A1", "A2", "A3", "A4", "AB", "B1", "B2", "B3", "B4", "B5", "B6", "BL", "BO", "BP", "CB", "CG", "CH",
        "CL", "EA", "EN", "EO", "FS", "GK", "GN", "IB", "IN", "IT", "IZ", "KP", "LT", "MF", "MG", "MN", "N1",
        "N2", "N3", "N4", "ND", "PD", "PI", "PL", "PN", "PR", "PT", "RC", "SA", "SH", "SK", "SM", "SN", "ST",
        "SZ", "TP", "UA", "UI", "UK", "UN", "UP", "UR", "US", "VA", "VC", "VN", "VP", "VS", "ZZ"]),
}
"""Codeset id -> (data element, name, codes): our own codesets appended to pyx12's ``codes.xml``."""


def _two_characters() -> list[str]:
    """Every code of two digits or capital letters (``00`` ... ``ZZ``)."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [a + b for a in alphabet for b in alphabet]


# The X12 element dictionary's code lists are published by ASC X12 under licence; no kept source
# with a compatible licence has them whole. pyx12's maps (BSD) carry the HIPAA subsets, which
# generate_maps adds to these lists (PYX12_ELEMENT_CODES); the rest is typed here from the
# ASC X12 004010/005010 data element dictionary, as far as the supply-chain guides use it.
# A partner code missing here is added here (with the dictionary reference), never in the XML.
PARTNER_CODESETS: dict[str, tuple[str, str, list[str]]] = {
    # 128: the two-character space of the list is all but fully assigned since 003040 (which is
    # why three-character codes exist); two-character codes are therefore all accepted, and the
    # three-character ones are listed.
    "b2bgw_128": ("128", "Reference Identification Qualifier", [
        *_two_characters(), "ABB", "ACC", "ACE", "APC", "BLT", "EMM", "HPI", "PID", "PXC", "XX1", "XX2"]),
    # 355, ASC X12 004010/005010 element 355 "Unit or Basis for Measurement Code".
    "b2bgw_355": ("355", "Unit or Basis for Measurement Code", [
        *[f"{n:02d}" for n in range(1, 100)],
        "1A", "1B", "1C", "1D", "1E", "1F", "1G", "1H", "1I", "1J", "1K", "1L", "1M", "1N", "1O", "1P", "1Q", "1R",
        "1X", "2A", "2B", "2C", "2F", "2G", "2H", "2I", "2J", "2K", "2L", "2M", "2N", "2P", "2Q", "2R", "2U",
        "2V", "2W", "2X", "2Y", "2Z", "3B", "3C", "3E", "3G", "3H", "3I", "4A", "4B", "4C", "4D", "4E", "4F",
        "4G", "4H", "4I", "4J", "4K", "4L", "4M", "4N", "4O", "4P", "4Q", "4R", "4S", "4T", "4U", "4V", "4W",
        "4X", "5A", "5B", "5C", "5E", "5F", "5G", "5H", "5I", "5J", "5K", "5P", "5Q",
        "AA", "AB", "AC", "AD", "AE", "AG", "AH", "AI", "AJ", "AK", "AL", "AM", "AN", "AP", "AQ", "AR", "AS",
        "AT", "AU", "AV", "AW", "AY", "AZ", "B0", "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "BA",
        "BB", "BC", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BK", "BL", "BM", "BN", "BO", "BP", "BQ", "BR",
        "BS", "BT", "BU", "BV", "BW", "BX", "BZ", "C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9",
        "CA", "CB", "CC", "CD", "CE", "CF", "CG", "CH", "CI", "CJ", "CK", "CL", "CM", "CN", "CO", "CP", "CQ",
        "CR", "CS", "CT", "CU", "CV", "CW", "CX", "CY", "CZ", "D2", "D3", "D5", "D8", "D9", "DA", "DB", "DC",
        "DD", "DE", "DF", "DG", "DH", "DI", "DJ", "DK", "DL", "DM", "DN", "DO", "DP", "DQ", "DR", "DS", "DT",
        "DU", "DW", "DX", "DY", "DZ", "EA", "EB", "EC", "ED", "EE", "EJ", "EP", "EQ", "EV", "F1", "F2", "F4",
        "F5", "F6", "F9", "FA", "FB", "FC", "FD", "FE", "FF", "FG", "FH", "FJ", "FK", "FL", "FM", "FO", "FP",
        "FR", "FS", "FT", "FZ", "G2", "G3", "G5", "G7", "GA", "GB", "GC", "GD", "GE", "GF", "GG", "GH", "GI",
        "GJ", "GK", "GL", "GM", "GN", "GO", "GP", "GQ", "GR", "GS", "GT", "GV", "GW", "GX", "GY", "GZ", "H1",
        "H2", "H4", "HA", "HB", "HC", "HD", "HE", "HF", "HG", "HH", "HI", "HJ", "HK", "HL", "HM", "HN", "HO",
        "HP", "HQ", "HR", "HS", "HT", "HU", "HV", "HW", "HY", "HZ", "IA", "IB", "IC", "IE", "IF", "IH", "II",
        "IL", "IM", "IN", "IP", "IT", "IU", "IV", "IW", "JA", "JB", "JE", "JG", "JK", "JM", "JO", "JR", "JU",
        "K1", "K2", "K3", "K4", "K5", "K6", "K7", "K9", "KA", "KB", "KD", "KE", "KF", "KG", "KH", "KJ", "KL",
        "KO", "KR", "KS", "KT", "KU", "KV", "KW", "L2", "LA", "LB", "LC", "LE", "LF", "LG", "LH", "LI", "LJ",
        "LK", "LL", "LM", "LN", "LO", "LP", "LR", "LS", "LT", "LX", "LY", "M0", "M1", "M3", "M4", "M5", "M7",
        "M8", "M9", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MJ", "MK", "ML", "MM", "MN", "MO", "MP", "MQ",
        "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "N1", "N2", "N3", "N4", "N7", "N9", "NA", "NB",
        "NC", "ND", "NE", "NF", "NG", "NH", "NI", "NJ", "NL", "NM", "NN", "NQ", "NR", "NS", "NT", "NU", "NV",
        "NX", "NY", "OA", "OC", "ON", "OP", "OT", "OZ", "P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8",
        "P9", "PA", "PB", "PC", "PD", "PE", "PF", "PG", "PH", "PI", "PK", "PL", "PM", "PN", "PO", "PP", "PQ",
        "PR", "PS", "PT", "PU", "PV", "PW", "PX", "PY", "PZ", "Q1", "Q2", "Q3", "Q4", "Q5", "QB", "QD", "QH",
        "QK", "QR", "QS", "QT", "QU", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R9", "RA", "RC", "RD", "RE",
        "RG", "RH", "RK", "RL", "RM", "RN", "RO", "RP", "RS", "RT", "RU", "S1", "S2", "S3", "S4", "S5", "S6",
        "S7", "S8", "S9", "SA", "SB", "SC", "SD", "SE", "SF", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN",
        "SO", "SP", "SQ", "SR", "SS", "ST", "SV", "SW", "SX", "SY", "T0", "T1", "T3", "T4", "T5", "T6", "T7",
        "T8", "TA", "TB", "TC", "TD", "TE", "TF", "TG", "TH", "TI", "TJ", "TK", "TL", "TM", "TN", "TO", "TP",
        "TQ", "TR", "TS", "TT", "TU", "TV", "TW", "TX", "TY", "U1", "U2", "U5", "UA", "UB", "UC", "UD", "UE",
        "UF", "UH", "UL", "UM", "UN", "UP", "UQ", "UZ", "V2", "VA", "VC", "VI", "VP", "VS", "W2", "WA", "WB",
        "WD", "WE", "WG", "WH", "WI", "WK", "WM", "WP", "WR", "WW", "X1", "X2", "X3", "X4", "X5", "X6", "X7",
        "YD", "YL", "YR", "YT", "Z1", "Z2", "Z3", "Z4", "Z5", "Z6", "Z8", "ZP", "ZZ"]),
    # 374: the dictionary assigns nearly every three-digit code from 001 on; they are all accepted.
    "b2bgw_374": ("374", "Date/Time Qualifier", [f"{n:03d}" for n in range(1, 1000)]),
    # 66: numeric codes 1-99 (D-U-N-S 1, SCAC 2 ... 92 assigned by buyer), and the lettered ones.
    "b2bgw_66": ("66", "Identification Code Qualifier", [
        *[str(n) for n in range(1, 100)], "A1", "A2", "A3", "A4", "A5", "A6", "AC", "AD", "BD", "BP", "BS",
        "C", "CF", "EI", "EQ", "FA", "FI", "G", "HN", "II", "LD", "LE", "MC", "MI", "MR", "N", "NI", "PA", "PC",
        "PI", "PP", "SL", "SV", "UL", "UP", "XV", "XX", "ZZ"]),
}
"""Code lists of the qualifiers partners choose freely from the whole X12 list (reference, unit,
date, identification code qualifiers): codeset id -> (data element, name, codes typed here)."""
