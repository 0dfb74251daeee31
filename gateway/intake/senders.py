"""Is the document's sender the partner who uploaded it? The envelope and party checks of every standard.

The upload's credential says which partner is sending (:mod:`gateway.api.partner_auth`); the
document says whom it is from. Both must agree, or a partner could place, change and cancel
orders in another buyer's name. A disagreement is a 403 with the reason, the file stored
rejected with it.

* **X12**: ISA05/ISA06 must be the partner's X12 identity and ISA07/ISA08 ours for it; every
  GS02 the partner's application sender (``x12_application_id``, else its ISA06). When the
  partner has ``isa_authorization`` / ``isa_security`` set (ISA02 / ISA04, a password some
  partners and VANs still put in the envelope), they must match too, compared in constant
  time and never echoed in the error.
* **UBL**: the ``BuyerCustomerParty`` must be the partner's ``endpoint_scheme``/``endpoint_id``:
  its ``cbc:EndpointID`` (with that ``schemeID``) when it has one, else one of its
  ``PartyIdentification/ID``. Schemes are compared as ISO 6523 codes, so ``GLN`` and ``0088``
  are the same scheme. A partner with no endpoint set is not checked (:func:`ubl_sender_refusal`
  says why); its documents' history says so.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from formats.model import PartyIdKind
from formats.x12.envelope import GroupHeader, InterchangeHeader
from gateway.partners import matches_sender, sender_key
from gateway.store.tables import Partner

SCHEME_CODES = {"GLN": "0088", "DUNS": "0060"}
"""Scheme names some documents write instead of the ISO 6523 ICD (the OASIS samples write ``GLN``)."""


def _same_secret(sent: str, agreed: str) -> bool:
    """Constant-time comparison of an envelope password (ISA02/ISA04, blank-padded to 10)."""
    return hmac.compare_digest(sent.strip().encode("utf-8", "replace"), agreed.strip().encode("utf-8", "replace"))


def x12_sender_refusal(partner: Partner, header: InterchangeHeader, groups: Iterable[GroupHeader] = ()) -> str | None:
    """Why the interchange ``header`` (and its ``groups``) is not from ``partner`` to us; None when it is."""
    if not matches_sender(partner, header.sender_qualifier, header.sender_id):
        return (f"ISA06: interchange {header.control_number} comes from sender "
                f"{sender_key(header.sender_qualifier, header.sender_id)}, which is not partner {partner.id} "
                f"({sender_key(partner.x12_qualifier, partner.x12_id)})")
    if not matches_sender(partner, header.receiver_qualifier, header.receiver_id, ours=True):
        return (f"ISA08: interchange {header.control_number} is addressed to "
                f"{sender_key(header.receiver_qualifier, header.receiver_id)}, not to us "
                f"({sender_key(partner.our_x12_qualifier, partner.our_x12_id)})")
    authorization = partner.settings.get("isa_authorization")
    if authorization and not _same_secret(header.authorization, str(authorization)):
        return (f"ISA02: interchange {header.control_number} does not carry the authorization information "
                f"agreed with partner {partner.id} (settings.isa_authorization)")
    security = partner.settings.get("isa_security")
    if security and not _same_secret(header.security, str(security)):
        return (f"ISA04: interchange {header.control_number} does not carry the security information "
                f"agreed with partner {partner.id} (settings.isa_security)")
    application = (partner.x12_application_id or partner.x12_id).strip().upper()
    for group in groups:
        if group.application_sender.strip().upper() != application:
            return (f"GS02: group {group.control_number[:20]} of interchange {header.control_number} comes from "
                    f"application sender {group.application_sender.strip()[:30]!r}, which is not partner "
                    f"{partner.id}'s ({application})")
    return None


def unchecked_note(partner: Partner) -> str:
    """What the history says of a UBL document whose sender could not be checked (empty when it was)."""
    if partner_endpoint(partner) is not None:
        return ""
    return " (BuyerCustomerParty not checked: the partner has no settings.endpoint_scheme/endpoint_id)"


def _scheme(value: str | None) -> str:
    text = (value or "").strip().upper()
    return SCHEME_CODES.get(text, text)


def partner_endpoint(partner: Partner) -> tuple[str, str] | None:
    """The partner's UBL identity (scheme, id) from ``settings.endpoint_scheme``/``endpoint_id``; None if unset."""
    scheme, identifier = partner.settings.get("endpoint_scheme"), partner.settings.get("endpoint_id")
    if not scheme or not identifier:
        return None
    return _scheme(str(scheme)), str(identifier).strip()


def ubl_sender_refusal(partner: Partner, document: object) -> str | None:
    """Why the UBL ``document``'s BuyerCustomerParty is not ``partner``; None when it is, or cannot be told.

    A partner with no endpoint set (``settings.endpoint_scheme``/``endpoint_id``) is not checked:
    there is nothing to compare with, and refusing would stop every UBL partner onboarded
    without a PEPPOL address (plain UBL over HTTP, an OCI buyer whose purchase orders come as UBL)
    until someone guessed the reason. That is safe to allow because the credential already says
    who is uploading and the order is placed on that partner's own ERP customer
    (``Partner.customer_id``), whatever buyer the document names: a partner cannot order on
    another customer's account by writing its name. The check, once an endpoint is set, keeps a
    partner's documents honest about who they are from, which is what the partner's 855s and
    invoices will be addressed to. :func:`unchecked_note` says in the history that it was skipped.
    """
    expected = partner_endpoint(partner)
    if expected is None:
        return None
    buyer = getattr(document, "buyer", None)
    ids = tuple(getattr(buyer, "ids", ()) or ())
    endpoints = [i for i in ids if i.kind is PartyIdKind.NETWORK]
    candidates = endpoints or [i for i in ids if i.kind in (PartyIdKind.GLN, PartyIdKind.DUNS, PartyIdKind.OTHER)
                               and not (i.qualifier or "").startswith("legal")]
    for candidate in candidates:
        scheme = _scheme(candidate.qualifier)
        if (scheme in ("", expected[0])) and candidate.value.strip() == expected[1]:
            if endpoints and not scheme:
                continue  # an EndpointID without its schemeID names no one
            return None
    found = ", ".join(f"{_scheme(i.qualifier) or '(no scheme)'}:{i.value.strip()[:60]}" for i in candidates[:3])
    where = "cbc:EndpointID" if endpoints else "cac:PartyIdentification/cbc:ID"
    return (f"BuyerCustomerParty: the document is from {found or 'a buyer with no EndpointID or PartyIdentification'}"
            f"{f' ({where})' if candidates else ''}, which is not partner {partner.id} "
            f"({expected[0]}:{expected[1]}, settings.endpoint_scheme/endpoint_id)")


__all__ = ["SCHEME_CODES", "partner_endpoint", "ubl_sender_refusal", "unchecked_note", "x12_sender_refusal"]
