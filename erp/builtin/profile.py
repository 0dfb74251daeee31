"""The company profile as the documents name it: the seller party, and the account buyers pay into.

Every document the built-in ERP produces (order responses, ship notices, invoices) names the
seller from its company record (:class:`~erp.builtin.tax_tables.ErpCompany`) alone. A buyer's
order says who it thinks it buys from - its own vendor number for us, one of its contacts, at
times another company's identifiers altogether (the OASIS sample Order names a Swedish seller) -
and echoing that beside our name and VAT number gives an invoice naming two companies, which
EN 16931 refuses (UBL-SR-16, BR-CL-25 ...). How a buyer knows us is a setting of its partner in
the gateway, not something the ERP copies from the order.

The party carries, each only when the profile has it: the VAT number (``tax``, ``VAT``), the
legal registration (``other``, ``legal:<ICD>``), one identifier that addresses it (the
electronic address as ``network`` with its PEPPOL EAS, or the GLN), the address and one contact.

The bank account becomes the invoice's payment means (EN 16931 BG-16, required of Dutch
suppliers by PEPPOL NL-R-007), quoting the invoice number as the payment reference (BT-83) so
the payment can be matched to it.
"""

from __future__ import annotations

from sqlmodel import Session

from erp.builtin.tax_tables import ErpCompany
from formats.model import Address, Contact, Party, PartyId, PartyIdKind, PartyRole, PaymentMeans

VAT = "VAT"
GLN_SCHEME = "0088"
"""ISO 6523 ICD (and PEPPOL EAS) of a GS1 GLN."""


def company_party(company: ErpCompany, role: PartyRole = PartyRole.SELLER) -> Party:
    """The company as ``role`` (seller, supplier, ship-from) on a document, from its profile only."""
    ids: list[PartyId] = []
    if company.vat_id:
        ids.append(PartyId(kind=PartyIdKind.TAX, value=company.vat_id, qualifier=VAT))
    if company.legal_id:
        scheme = f"legal:{company.legal_scheme}" if company.legal_scheme else "legal"
        ids.append(PartyId(kind=PartyIdKind.OTHER, value=company.legal_id, qualifier=scheme))
    address_id = _address_id(company)
    if address_id is not None:
        ids.append(address_id)
    address = Address(lines=(company.street,), city=company.city, postal_code=company.postal_code,
                      region=company.region, country=company.country)
    contact = Contact(name=company.contact_name, phone=company.contact_phone, email=company.contact_email)
    return Party(role=role, name=company.name, ids=tuple(ids), address=address,
                 contacts=(contact,) if contact != Contact() else ())


def _address_id(company: ErpCompany) -> PartyId | None:
    """The one identifier that addresses the company: its electronic address, else its GLN.

    One, because X12's N1 has room for one; a GLN is written as the UBL ``EndpointID`` (scheme
    ``0088``) under a network profile, and as ``N1*..*UL`` in X12.
    """
    scheme = (company.endpoint_scheme or "").strip() or None
    if company.endpoint_id and not (scheme == GLN_SCHEME and company.endpoint_id == company.gln):
        if scheme == GLN_SCHEME:
            return PartyId(kind=PartyIdKind.GLN, value=company.endpoint_id, qualifier=GLN_SCHEME)
        return PartyId(kind=PartyIdKind.NETWORK, value=company.endpoint_id, qualifier=scheme)
    if company.gln:
        return PartyId(kind=PartyIdKind.GLN, value=company.gln, qualifier=GLN_SCHEME)
    return None


def payment_means(company: ErpCompany, reference: str | None) -> tuple[PaymentMeans, ...]:
    """A credit transfer to the company's account quoting ``reference``; none when it has no IBAN."""
    if not company.iban:
        return ()
    return (PaymentMeans(code=company.payment_means_code or "58", account_id=company.iban.replace(" ", ""),
                         account_name=company.name, institution_id=company.bic or None, payment_id=reference),)


def load_seller(session: Session, role: PartyRole = PartyRole.SELLER) -> Party | None:
    """The company as ``role``, or None when the ERP has no company profile (a document then names no seller)."""
    company = session.get(ErpCompany, "main")
    return company_party(company, role) if company is not None else None


__all__ = ["company_party", "load_seller", "payment_means"]
