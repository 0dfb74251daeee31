"""UBL parties, addresses and contacts <-> canonical :class:`~formats.model.Party`.

A UBL ``cac:Party`` carries an ``EndpointID`` (electronic address), ``PartyIdentification``\\ s,
a ``PartyName``, a ``PostalAddress``, ``PartyTaxScheme`` (VAT number) and ``PartyLegalEntity``
(registered name and company number). The role comes from the wrapper it sits in
(``BuyerCustomerParty``, ``SellerSupplierParty``, ``AccountingSupplierParty``...), whose own
contacts (``DeliveryContact``, ``BuyerContact``...) become contacts with that element as role.

Identifier schemes (``schemeID``) follow ISO 6523 ICD in PEPPOL (``0088`` GLN, ``0060`` DUNS)
and names elsewhere (``GLN``, ``DUNS``); both are read, and the raw scheme is kept as the
:class:`~formats.model.PartyId` qualifier so a partner gets its own scheme back. Mapping:

* ``EndpointID`` -> kind ``network``, qualifier its scheme;
* ``PartyTaxScheme/CompanyID`` -> kind ``tax``, qualifier the tax scheme (``VAT``);
* ``PartyLegalEntity/CompanyID`` -> kind ``other``, qualifier ``legal`` or ``legal:<scheme>``;
* address: ``StreetName``, ``AdditionalStreetName`` and each ``AddressLine/Line`` are the lines
  in order; ``CountrySubentity`` the region.
"""

from __future__ import annotations

from lxml import etree

from formats.model import Address, Contact, Party, PartyId, PartyIdKind, PartyRole
from formats.ubl.common import Reader, cac, cbc
from formats.ubl.profiles import UblProfile

SCHEME_KINDS: dict[str, PartyIdKind] = {
    "0088": PartyIdKind.GLN,
    "GLN": PartyIdKind.GLN,
    "0060": PartyIdKind.DUNS,
    "DUNS": PartyIdKind.DUNS,
}
"""Identifier schemes read as a known kind; any other scheme is kept as ``other`` with its code."""

KIND_SCHEMES: dict[PartyIdKind, str] = {PartyIdKind.GLN: "0088", PartyIdKind.DUNS: "0060"}
"""The ISO 6523 ICD written for a kind whose raw scheme is unknown."""

LEGAL = "legal"

CUSTOMER_CONTACTS = ("DeliveryContact", "AccountingContact", "BuyerContact")
SUPPLIER_CONTACTS = ("DespatchContact", "AccountingContact", "SellerContact")


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_party(r: Reader, party: etree._Element | None, role: PartyRole, role_code: str | None = None,
               wrapper_contacts: tuple[Contact, ...] = ()) -> Party | None:
    """The canonical party of a ``cac:Party``-typed element; None when it is absent or empty."""
    if party is None:
        return None
    ids: list[PartyId] = []
    endpoint = r.child(party, "EndpointID")
    if r.text(endpoint):
        ids.append(PartyId(kind=PartyIdKind.NETWORK, value=r.text(endpoint), qualifier=_scheme(endpoint)))
    for identification in r.children(party, "PartyIdentification"):
        node = r.child(identification, "ID")
        if node is not None and r.text(node):
            ids.append(party_id(r.text(node), _scheme(node)))
    for scheme in r.children(party, "PartyTaxScheme"):
        company = r.optional(scheme, "CompanyID")
        if company:
            ids.append(PartyId(kind=PartyIdKind.TAX, value=company, qualifier=r.optional(scheme, "TaxScheme", "ID")))
    name = next((r.text(n, "Name") for n in r.children(party, "PartyName") if r.text(n, "Name")), None)
    for legal in r.children(party, "PartyLegalEntity"):
        registration = r.child(legal, "RegistrationName")
        if name is None and r.text(registration):
            name = r.text(registration)
        elif registration is not None and r.text(registration) != name:
            r.unread(registration)  # a legal name beside the trading name: kept as an extension
        company_node = r.child(legal, "CompanyID")
        if r.text(company_node):
            scheme = _scheme(company_node)
            ids.append(PartyId(kind=PartyIdKind.OTHER, value=r.text(company_node),
                               qualifier=f"{LEGAL}:{scheme}" if scheme else LEGAL))
    contacts = list(wrapper_contacts)
    contact = read_contact(r, r.child(party, "Contact"), None)
    if contact is not None:
        contacts.insert(0, contact)
    address = read_address(r, r.child(party, "PostalAddress"))
    if not (ids or name or address or contacts):
        return None
    return Party(role=role, name=name, ids=tuple(ids), address=address, contacts=tuple(contacts),
                 role_code=role_code)


def read_wrapped_party(r: Reader, parent: etree._Element, wrapper: str, role: PartyRole,
                       role_code: str | None = None) -> Party | None:
    """The party inside a ``CustomerParty``/``SupplierParty`` wrapper, with the wrapper's contacts."""
    node = r.child(parent, wrapper)
    if node is None:
        return None
    contacts = tuple(
        c for name in dict.fromkeys((*CUSTOMER_CONTACTS, *SUPPLIER_CONTACTS))
        if (c := read_contact(r, r.child(node, name), name)) is not None
    )
    return read_party(r, r.child(node, "Party"), role, role_code, contacts)


def party_id(value: str, scheme: str | None) -> PartyId:
    """A party identifier from its value and raw scheme (``0088`` -> GLN)."""
    kind = SCHEME_KINDS.get((scheme or "").upper(), PartyIdKind.OTHER)
    return PartyId(kind=kind, value=value, qualifier=scheme)


def read_address(r: Reader, node: etree._Element | None) -> Address | None:
    """The canonical address of a ``cac:Address``-typed element; None when empty."""
    if node is None:
        return None
    lines = [r.text(node, "StreetName"), r.text(node, "AdditionalStreetName")]
    lines += [r.text(line, "Line") for line in r.children(node, "AddressLine")]
    address = Address(
        lines=tuple(line for line in lines if line),
        city=r.optional(node, "CityName"),
        region=r.optional(node, "CountrySubentity") or r.optional(node, "CountrySubentityCode"),
        postal_code=r.optional(node, "PostalZone"),
        country=(r.optional(node, "Country", "IdentificationCode") or "").upper() or None,
    )
    return None if address == Address() else address


def read_contact(r: Reader, node: etree._Element | None, role: str | None) -> Contact | None:
    """The canonical contact of a ``cac:Contact``-typed element; None when empty."""
    if node is None:
        return None
    contact = Contact(
        name=r.optional(node, "Name"),
        role=role,
        phone=r.optional(node, "Telephone"),
        fax=r.optional(node, "Telefax"),
        email=r.optional(node, "ElectronicMail"),
    )
    return None if contact == Contact(role=role) else contact


def _scheme(node: etree._Element | None) -> str | None:
    if node is None:
        return None
    scheme = (node.get("schemeID") or "").strip()
    return scheme or None


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def render_wrapped_party(parent: etree._Element, wrapper: str, party: Party | None,
                         profile: UblProfile | None = None, contact_names: tuple[str, ...] = CUSTOMER_CONTACTS
                         ) -> etree._Element:
    """Append a ``CustomerParty``/``SupplierParty`` wrapper holding ``party`` (empty if None)."""
    node = cac(parent, wrapper)
    if party is None:
        return node
    render_party(node, "Party", party, profile)
    for name in contact_names:
        contact = next((c for c in party.contacts if c.role == name), None)
        if contact is not None:
            render_contact(node, name, contact)
    return node


def render_party(parent: etree._Element, element: str, party: Party, profile: UblProfile | None = None,
                 *, with_address: bool = True) -> etree._Element:
    """Append a ``cac:Party``-typed element in the XSD order of ``PartyType``."""
    node = cac(parent, element)
    endpoint = endpoint_of(party, profile)
    if endpoint is not None:
        cbc(node, "EndpointID", endpoint.value, schemeID=endpoint.qualifier or KIND_SCHEMES.get(endpoint.kind))
    for identifier in party.ids:
        if identifier.kind in (PartyIdKind.NETWORK, PartyIdKind.TAX) or _is_legal(identifier):
            continue
        identification = cac(node, "PartyIdentification")
        cbc(identification, "ID", identifier.value,
            schemeID=identifier.qualifier or KIND_SCHEMES.get(identifier.kind))
    if party.name:
        cbc(cac(node, "PartyName"), "Name", party.name)
    if with_address and party.address is not None:
        render_address(node, "PostalAddress", party.address)
    for identifier in party.ids:
        if identifier.kind == PartyIdKind.TAX:
            scheme = cac(node, "PartyTaxScheme")
            cbc(scheme, "CompanyID", identifier.value)
            cbc(cac(scheme, "TaxScheme"), "ID", identifier.qualifier or "VAT")
    legal_id = next((i for i in party.ids if _is_legal(i)), None)
    if party.name or legal_id is not None:
        legal = cac(node, "PartyLegalEntity")
        cbc(legal, "RegistrationName", party.name)
        if legal_id is not None:
            scheme = (legal_id.qualifier or "").partition(":")[2]
            cbc(legal, "CompanyID", legal_id.value, schemeID=scheme or None)
    contact = next((c for c in party.contacts if c.role is None or c.role not in (
        *CUSTOMER_CONTACTS, *SUPPLIER_CONTACTS)), None)
    if contact is not None:
        render_contact(node, "Contact", contact)
    return node


def endpoint_of(party: Party, profile: UblProfile | None) -> PartyId | None:
    """The party's electronic address: its network id, or with a profile its GLN or DUNS."""
    network = next((i for i in party.ids if i.kind == PartyIdKind.NETWORK), None)
    if network is not None or profile is None:
        return network
    return next((i for i in party.ids if i.kind in KIND_SCHEMES), None)


def render_address(parent: etree._Element, element: str, address: Address) -> etree._Element:
    """Append an ``AddressType`` element in XSD order."""
    node = cac(parent, element)
    lines = list(address.lines)
    cbc(node, "StreetName", lines[0] if lines else None)
    cbc(node, "AdditionalStreetName", lines[1] if len(lines) > 1 else None)
    cbc(node, "CityName", address.city)
    cbc(node, "PostalZone", address.postal_code)
    cbc(node, "CountrySubentity", address.region)
    for line in lines[2:]:
        cbc(cac(node, "AddressLine"), "Line", line)
    if address.country:
        cbc(cac(node, "Country"), "IdentificationCode", address.country)
    return node


def render_contact(parent: etree._Element, element: str, contact: Contact) -> etree._Element:
    """Append a ``ContactType`` element in XSD order."""
    node = cac(parent, element)
    cbc(node, "Name", contact.name)
    cbc(node, "Telephone", contact.phone)
    cbc(node, "Telefax", contact.fax)
    cbc(node, "ElectronicMail", contact.email)
    return node


def _is_legal(identifier: PartyId) -> bool:
    return identifier.kind == PartyIdKind.OTHER and (identifier.qualifier or "").split(":")[0] == LEGAL


__all__ = [
    "party_id",
    "read_address",
    "read_contact",
    "read_party",
    "read_wrapped_party",
    "render_address",
    "render_contact",
    "render_party",
    "render_wrapped_party",
]
