"""Identifier schemes as EN 16931 wants them on an invoice: ISO 6523 ICD and EAS codes, one buyer id.

UBL lets a document name a scheme (``schemeID="GLN"``), and we read it so: a partner gets its
own scheme back on the documents that answer it. An invoice follows EN 16931, which allows only
codes: ISO 6523 ICD for party, legal and item identifiers (BR-CL-10, BR-CL-11, BR-CL-21), the
EAS list for an electronic address (BR-CL-25), a scheme on every electronic address and standard
item id (BR-62, BR-63, BR-64), and at most one identifier of the buyer, the payee and the
delivery location (UBL-SR-16 ...). An invoice for an order that named its parties' schemes by
name (the OASIS sample Order does) is written with those names turned into codes; a scheme with
no code is left out where the rules allow it, and an electronic address without one is not written.

>>> icd("GLN"), icd("0088"), icd("SE:ORGNR"), icd(None)
('0088', '0088', None, None)
"""

from __future__ import annotations

from formats.model import ItemId, ItemIdKind, Party, PartyId, PartyIdKind

SCHEME_CODES: dict[str, str] = {"GLN": "0088", "DUNS": "0060", "GTIN": "0160", "EAN": "0160", "UPC": "0160"}
"""Scheme names seen in UBL documents -> their ISO 6523 ICD (also the EAS code of the same scheme)."""

EAS_LETTERS = frozenset({"AN", "AQ", "AS", "AU", "EM"})
"""The EAS codes that are not ICDs (``EM`` an e-mail address, the others OFTP and X.400 ones)."""

GTIN = "0160"
LEGAL = "legal"


def icd(scheme: str | None) -> str | None:
    """The ISO 6523 ICD / EAS code of a scheme: a four-digit code as it is, a known name as its code, else None."""
    if not scheme:
        return None
    scheme = scheme.strip()
    if len(scheme) == 4 and scheme.isdigit():
        return scheme
    return SCHEME_CODES.get(scheme.upper())


def eas(scheme: str | None) -> str | None:
    """The EAS code of an electronic address's scheme: an ICD (:func:`icd`) or one of :data:`EAS_LETTERS`."""
    code = (scheme or "").strip().upper()
    return code if code in EAS_LETTERS else icd(scheme)


def en16931_party(party: Party | None, *, one_identifier: bool = True) -> Party | None:
    """:func:`coded_party` of a party that may be absent."""
    return coded_party(party, one_identifier=one_identifier) if party is not None else None


def coded_party(party: Party, *, one_identifier: bool = True) -> Party:
    """``party`` with its schemes as codes, one electronic address, and (``one_identifier``) one identifier."""
    ids: list[PartyId] = []
    endpoint = identifiers = 0
    for identifier in party.ids:
        if identifier.kind == PartyIdKind.NETWORK:
            code = eas(identifier.qualifier)
            if code is not None and not endpoint:
                ids.append(identifier.model_copy(update={"qualifier": code}))
                endpoint += 1
        elif identifier.kind == PartyIdKind.TAX:
            ids.append(identifier)
        elif (identifier.qualifier or "").split(":")[0] == LEGAL and identifier.kind == PartyIdKind.OTHER:
            code = icd((identifier.qualifier or "").partition(":")[2])
            ids.append(identifier.model_copy(update={"qualifier": f"{LEGAL}:{code}" if code else LEGAL}))
        elif not (one_identifier and identifiers):
            ids.append(identifier.model_copy(update={"qualifier": icd(identifier.qualifier)}))
            identifiers += 1
    return party.model_copy(update={"ids": tuple(ids)})


def en16931_items(items: tuple[ItemId, ...]) -> tuple[ItemId, ...]:
    """Item ids with a standard id's scheme as its ICD (a GTIN's ``0160`` when it names none)."""
    return tuple(
        item.model_copy(update={"qualifier": icd(item.qualifier) or GTIN})
        if item.kind in (ItemIdKind.GTIN, ItemIdKind.UPC) else item
        for item in items)


__all__ = ["EAS_LETTERS", "SCHEME_CODES", "coded_party", "eas", "en16931_items", "en16931_party", "icd"]
