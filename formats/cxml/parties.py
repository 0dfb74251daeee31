"""cXML parties: credentials, addresses (ShipTo, BillTo) and contacts <-> canonical parties.

A cXML ``Credential domain="DUNS"`` is a party identifier with its qualifier; an ``Address``
carries a name, an optional ``addressID``, a ``PostalAddress`` (DeliverTo lines, Street lines,
City, State, PostalCode, Country) and one Email / Phone / Fax. The canonical
:class:`~formats.model.Party` keeps the DeliverTo lines as contacts with role ``DeliverTo`` and
the address's own Email / Phone / Fax as a contact with role ``address``, so writing a party
read from cXML gives the same Address back.

A party that has no Address of its own in a document (an ``InvoicePartner``, a
``ConfirmationHeader`` or ``ShipNoticeHeader`` ``Contact``) is written as a ``Contact`` with a
``role``: its name, ``addressID`` (the buyer-assigned id), ``PostalAddress``, Email / Phone and
its other identifiers as ``IdReference`` (domains :data:`ID_DOMAINS`); :func:`read_party_contact`
reads it back.

Telephone numbers are kept as one string, ``+1 (800) 5551212 x12``, and split again on writing.
"""

from __future__ import annotations

import re

from lxml import etree

from formats.cxml.common import Kids, attribute, child, children, need, optional_text, sub, text, where
from formats.errors import MappingError
from formats.model import Address, Contact, Extension, Party, PartyId, PartyIdKind, PartyRole
from formats.xml import local_name

SOURCE_COUNTRY = "cxml:Country"
DELIVER_TO = "DeliverTo"
ADDRESS_CONTACT = "address"

DOMAIN_KINDS: dict[str, PartyIdKind] = {
    "duns": PartyIdKind.DUNS,
    "networkid": PartyIdKind.NETWORK,
    "aribanetworkuserid": PartyIdKind.NETWORK,
    "aribanetworkid": PartyIdKind.NETWORK,
    "gln": PartyIdKind.GLN,
}
"""Credential domains (compared without case) with a canonical meaning; others are ``other``."""

KIND_DOMAINS: dict[PartyIdKind, str] = {
    PartyIdKind.DUNS: "DUNS",
    PartyIdKind.NETWORK: "NetworkID",
    PartyIdKind.GLN: "GLN",
}

ID_DOMAINS: dict[PartyIdKind, str] = {
    PartyIdKind.TAX: "vatID",
    PartyIdKind.DUNS: "duns",
    PartyIdKind.GLN: "gln",
    PartyIdKind.NETWORK: "networkID",
}
"""IdReference domains of a party's identifiers in a ``Contact`` (the cXML guide's names); others keep their
qualifier (a legal registration ``legal:0106``) or kind as domain."""

_DOMAIN_IDS = {domain.lower(): kind for kind, domain in ID_DOMAINS.items()}

_PHONE = re.compile(r"^\+(?P<country>\d*) \((?P<area>[^)]*)\) (?P<number>.+?)(?: x(?P<ext>\S+))?$")


def kind_of(domain: str) -> PartyIdKind:
    """The canonical kind of a credential domain."""
    return DOMAIN_KINDS.get(domain.strip().lower(), PartyIdKind.OTHER)


def domain_of(party_id: PartyId) -> str:
    """The credential domain to write for an identifier: its own qualifier when it came from cXML."""
    return party_id.qualifier or KIND_DOMAINS.get(party_id.kind, party_id.kind.value)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_phone(element: etree._Element | None) -> str | None:
    """A ``Phone`` or ``Fax`` as ``+1 (800) 5551212`` (None when absent or empty)."""
    number = child(element, "TelephoneNumber")
    if number is None:
        return None
    country, area, local = text(number, "CountryCode"), text(number, "AreaOrCityCode"), text(number, "Number")
    if not (country or area or local):
        return None
    extension = text(number, "Extension")
    return f"+{country} ({area}) {local}" + (f" x{extension}" if extension else "")


def read_contact(element: etree._Element) -> Contact:
    """A ``Contact`` element (name, role, first email, phone, fax)."""
    parts = Kids(element)
    return Contact(name=parts.text("Name") or None, role=attribute(element, "role"),
                   email=parts.text("Email") or None, phone=read_phone(parts.first("Phone")),
                   fax=read_phone(parts.first("Fax")))


def read_address(holder: etree._Element, role: PartyRole, what: str) -> Party:
    """The party of an element holding an ``Address`` (ShipTo, BillTo) or of the Address itself."""
    node = holder if local_name(holder).lower() == "address" else need(holder, "Address", what)
    postal = child(node, "PostalAddress")
    ids: tuple[PartyId, ...] = ()
    address_id = attribute(node, "addressID")
    if address_id:
        domain = attribute(node, "addressIDDomain")
        ids = (PartyId(kind=PartyIdKind.BUYER_ASSIGNED, value=address_id, qualifier=domain),)
    contacts = [Contact(name=text(d), role=DELIVER_TO) for d in children(postal, "DeliverTo") if text(d)]
    email, phone, fax = optional_text(node, "Email"), read_phone(child(node, "Phone")), read_phone(child(node, "Fax"))
    if email or phone or fax:
        contacts.append(Contact(role=ADDRESS_CONTACT, email=email, phone=phone, fax=fax))
    address, extensions = _read_postal(postal, attribute(node, "isoCountryCode"))
    return Party(role=role, name=optional_text(node, "Name"), ids=ids, address=address, contacts=tuple(contacts),
                 extensions=tuple(extensions))


def _read_postal(postal: etree._Element | None, fallback_country: str | None) -> tuple[Address | None, list[Extension]]:
    if postal is None:
        return None, []
    country_node = child(postal, "Country")
    country = attribute(country_node, "isoCountryCode") if country_node is not None else None
    extensions = []
    if country_node is not None and text(country_node):
        extensions.append(Extension(source=SOURCE_COUNTRY, name="Country", value=text(country_node)))
    address = Address(lines=tuple(text(s) for s in children(postal, "Street") if text(s)),
                      city=optional_text(postal, "City"), region=optional_text(postal, "State"),
                      postal_code=optional_text(postal, "PostalCode"),
                      country=(country or fallback_country or "").upper() or None)
    return address, extensions


def read_party_contacts(header: etree._Element, roles: dict[str, PartyRole]) -> dict[str, Party]:
    """The parties of a header's ``Contact`` children whose role is in ``roles``, by canonical field name.

    The first contact of a role wins (``ship_to``, ``seller`` ...: the field of the canonical document).
    """
    found: dict[str, Party] = {}
    for contact in children(header, "Contact"):
        role = roles.get(attribute(contact, "role") or "")
        if role is not None:
            found.setdefault(role.value.replace("-", "_"), read_party_contact(contact, role))
    return found


def read_party_contact(contact: etree._Element, role: PartyRole) -> Party:
    """The party written by :func:`party_contact_element` (a ``Contact`` standing for a whole party)."""
    ids: list[PartyId] = []
    address_id = attribute(contact, "addressID")
    if address_id:
        ids.append(PartyId(kind=PartyIdKind.BUYER_ASSIGNED, value=address_id,
                           qualifier=attribute(contact, "addressIDDomain")))
    for reference in children(contact, "IdReference"):
        value, domain = attribute(reference, "identifier") or "", attribute(reference, "domain") or ""
        if not value:
            continue
        kind = _DOMAIN_IDS.get(domain.lower(), PartyIdKind.OTHER)
        qualifier = "VAT" if kind == PartyIdKind.TAX else (domain or None) if kind == PartyIdKind.OTHER else None
        ids.append(PartyId(kind=kind, value=value, qualifier=qualifier))
    postal = child(contact, "PostalAddress")
    contacts = [Contact(name=text(d), role=DELIVER_TO) for d in children(postal, "DeliverTo") if text(d)]
    email, phone, fax = optional_text(contact, "Email"), read_phone(child(contact, "Phone")), read_phone(
        child(contact, "Fax"))
    if email or phone or fax:
        contacts.append(Contact(role=ADDRESS_CONTACT, email=email, phone=phone, fax=fax))
    address, extensions = _read_postal(postal, None)
    return Party(role=role, name=optional_text(contact, "Name"), ids=tuple(ids), address=address,
                 contacts=tuple(contacts), extensions=tuple(extensions))


def read_credentials(holder: etree._Element | None) -> tuple[PartyId, ...]:
    """The identities of a From / To / Sender as party identifiers (domain kept as qualifier)."""
    found: list[PartyId] = []
    for credential in children(holder, "Credential"):
        identity = text(credential, "Identity")
        if not identity:
            raise MappingError("a Credential without an Identity", where(credential))
        domain = attribute(credential, "domain") or ""
        found.append(PartyId(kind=kind_of(domain), value=identity, qualifier=domain or None))
    return tuple(found)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def phone_element(parent: etree._Element, name: str, phone: str, country: str | None) -> None:
    """Append a ``Phone`` / ``Fax`` from a phone string (split when it is in our own form)."""
    holder = sub(parent, name)
    number = sub(holder, "TelephoneNumber")
    match = _PHONE.match(phone)
    if match:
        sub(number, "CountryCode", match["country"], isoCountryCode=country or "US")
        sub(number, "AreaOrCityCode", match["area"])
        sub(number, "Number", match["number"])
        if match["ext"]:
            sub(number, "Extension", match["ext"])
    else:
        sub(number, "CountryCode", "", isoCountryCode=country or "US")
        sub(number, "AreaOrCityCode", "")
        sub(number, "Number", phone)


def contact_element(parent: etree._Element, contact: Contact, role: str | None = None) -> etree._Element:
    """Append a ``Contact`` (Name, Email, Phone, Fax); the role must be an XML name token."""
    role_value = role or contact.role
    if role_value is not None and not re.fullmatch(r"[\w.:-]+", role_value):
        role_value = None
    element = sub(parent, "Contact", role=role_value)
    sub(element, "Name", contact.name or contact.email or "", lang="en")
    if contact.email:
        sub(element, "Email", contact.email)
    if contact.phone:
        phone_element(element, "Phone", contact.phone, None)
    if contact.fax:
        phone_element(element, "Fax", contact.fax, None)
    return element


def address_element(parent: etree._Element, party: Party) -> etree._Element:
    """Append the ``Address`` of ``party`` in the DTD's order (Name, PostalAddress, Email, Phone, Fax)."""
    address_id = next((i for i in party.ids if i.kind == PartyIdKind.BUYER_ASSIGNED), None)
    element = sub(parent, "Address", addressID=address_id.value if address_id else None,
                  addressIDDomain=address_id.qualifier if address_id else None)
    sub(element, "Name", party.name or "", lang="en")
    deliver_to = [c.name for c in party.contacts if c.role == DELIVER_TO and c.name]
    reachable = next((c for c in party.contacts if c.role == ADDRESS_CONTACT), None)
    if reachable is None:  # a party from another standard: its first contact is the person
        person = next((c for c in party.contacts if c.role != DELIVER_TO), None)
        if person is not None:
            deliver_to.extend([person.name] if person.name and not deliver_to else [])
            reachable = person
    _postal_element(element, party, deliver_to)
    _reachable_elements(element, reachable, party.address.country if party.address else None)
    return element


def _postal_element(parent: etree._Element, party: Party, deliver_to: list[str]) -> None:
    address = party.address
    if address is None or not (address.lines or address.city):
        return
    country = address.country
    postal = sub(parent, "PostalAddress", name="default")
    for name in deliver_to:
        sub(postal, "DeliverTo", name)
    for line in address.lines or ("",):
        sub(postal, "Street", line)
    sub(postal, "City", address.city or "")
    if address.region:
        sub(postal, "State", address.region)
    if address.postal_code:
        sub(postal, "PostalCode", address.postal_code)
    country_name = next((e.value for e in party.extensions if e.source == SOURCE_COUNTRY), None)
    sub(postal, "Country", country_name or country or "", isoCountryCode=country or "")


def _reachable_elements(parent: etree._Element, reachable: Contact | None, country: str | None) -> None:
    if reachable is None:
        return
    if reachable.email:
        sub(parent, "Email", reachable.email, name="default")
    if reachable.phone:
        phone_element(parent, "Phone", reachable.phone, country)
    if reachable.fax:
        phone_element(parent, "Fax", reachable.fax, country)


def party_contact_element(parent: etree._Element, party: Party, role: str) -> etree._Element:
    """Append ``party`` as a ``Contact role=...`` (Name, PostalAddress, Email, Phone, Fax, IdReference*)."""
    address_id = next((i for i in party.ids if i.kind == PartyIdKind.BUYER_ASSIGNED), None)
    element = sub(parent, "Contact", role=role, addressID=address_id.value if address_id else None,
                  addressIDDomain=address_id.qualifier if address_id else None)
    sub(element, "Name", party.name or "", lang="en")
    deliver_to = [c.name for c in party.contacts if c.role == DELIVER_TO and c.name]
    _postal_element(element, party, deliver_to)
    reachable = next((c for c in party.contacts if c.role == ADDRESS_CONTACT), None) or next(
        (c for c in party.contacts if c.role != DELIVER_TO), None)
    _reachable_elements(element, reachable, party.address.country if party.address else None)
    for identifier in party.ids:
        if identifier is not address_id:
            domain = ID_DOMAINS.get(identifier.kind) or identifier.qualifier or identifier.kind.value
            sub(element, "IdReference", identifier=identifier.value, domain=domain)
    return element


__all__ = [
    "ID_DOMAINS",
    "address_element",
    "contact_element",
    "domain_of",
    "kind_of",
    "party_contact_element",
    "read_address",
    "read_contact",
    "read_credentials",
    "read_party_contact",
    "read_party_contacts",
]
