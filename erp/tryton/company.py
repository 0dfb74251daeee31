"""The Tryton company as the seller of every document the adapter produces.

The seller of an order response, a ship notice or an invoice is the company of the Tryton
database (``company.company`` of the session's context): its party's name, first filled address, tax
identifier (``party.tax_identifier``: the EU VAT number and its equivalents) and its e-mail and
phone contact mechanisms. Nothing of the party a buyer's order named as seller is kept: that is
the buyer's view of us, or another company's data altogether.

The bank account a real Tryton holds in the ``bank`` module (``bank.account`` numbers of the
company party) is not read: the adapter's modules do not include ``bank``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from formats.model import Address, Contact, Party, PartyId, PartyIdKind, PartyRole

if TYPE_CHECKING:
    from erp.tryton.rpc import TrytonRpc

VAT = "VAT"


def _rel(record: dict[str, Any], name: str) -> Any:
    head, _, tail = name.partition(".")
    value = record.get(f"{head}.")
    return value.get(tail) if isinstance(value, dict) else None


def read_company_party(rpc: TrytonRpc) -> Party:
    """The company of the session as a seller party (four reads; the adapter keeps the result)."""
    [company] = rpc.search_read("company.company", [("id", "=", rpc.context.get("company"))], ["party"])
    [party] = rpc.search_read("party.party", [("id", "=", company["party"])],
                              ["name", "addresses", "contact_mechanisms", "tax_identifier.code"])
    ids = (PartyId(kind=PartyIdKind.TAX, value=_rel(party, "tax_identifier.code"), qualifier=VAT),) \
        if _rel(party, "tax_identifier.code") else ()
    addresses = [_address(row) for row in rpc.search_read(
        "party.address", [("id", "in", party.get("addresses") or [])],
        ["street", "city", "postal_code", "country.code", "subdivision.code"])] if party.get("addresses") else []
    address = next((a for a in addresses if a != Address()), None)  # Tryton gives a new party an empty one
    contacts: tuple[Contact, ...] = ()
    if party.get("contact_mechanisms"):
        mechanisms = {row["type"]: row["value"] for row in reversed(rpc.search_read(
            "party.contact_mechanism", [("id", "in", party["contact_mechanisms"])], ["type", "value"]))}
        contact = Contact(email=mechanisms.get("email"), phone=mechanisms.get("phone") or mechanisms.get("mobile"))
        contacts = (contact,) if contact != Contact() else ()
    return Party(role=PartyRole.SELLER, name=party.get("name"), ids=ids, address=address, contacts=contacts)


def _address(row: dict[str, Any]) -> Address:
    lines = tuple(line for line in (row.get("street") or "").splitlines() if line.strip())
    return Address(lines=lines, city=row.get("city") or None, postal_code=row.get("postal_code") or None,
                   region=(_rel(row, "subdivision.code") or "").partition("-")[2] or None,
                   country=_rel(row, "country.code") or None)


__all__ = ["read_company_party"]
