"""A partner's columns, checked: its id, X12 identities (theirs and ours), version, usage and AS2 name.

Each as the standard allows it: an X12 qualifier is 2 characters and an interchange id at most
15 (ISA05-ISA08), the version one we answer in (004010, 005010), the usage indicator P or T
(ISA15), the AS2 name 1 to 128 printable ASCII characters (RFC 4130 section 6.2). Errors are the
same :class:`~gateway.onboarding.settings.SettingsError` as the settings', each naming its field.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator

from gateway.onboarding.settings import SettingsError, StrictModel, error_message
from gateway.store.tables import Partner

PARTNER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PRINTABLE = re.compile(r"^[\x21-\x7e]+$")
AS2_NAME = re.compile(r"^[\x20-\x7e]{1,128}$")


def _x12_qualifier(value: str) -> str:
    text = value.strip().upper()
    if len(text) != 2 or not PRINTABLE.match(text):
        raise ValueError(f"{value!r} is not an X12 id qualifier (2 characters, e.g. ZZ, 01, 12)")
    return text


def _x12_id(value: str) -> str:
    text = value.strip()
    if not 1 <= len(text) <= 15 or not re.match(r"^[\x20-\x7e]+$", text) or any(c in text for c in "*~^>|"):
        raise ValueError(f"{value!r} is not an X12 interchange id (1 to 15 printable characters, no delimiters)")
    return text


X12Qualifier = Annotated[str, Field(description="an X12 id qualifier (ISA05/ISA07): 2 characters, e.g. ZZ")]
X12Id = Annotated[str, Field(description="an X12 interchange id (ISA06/ISA08): 1 to 15 characters")]


class PartnerIdentity(StrictModel):
    """The columns of a partner: who it is, whom it buys as, and its X12 and AS2 identities (ours too)."""

    id: str = Field(description="the partner id: letters, digits, '.', '_' or '-', at most 64 "
                                "(it is in the upload URL /edi/{id})")
    name: str = Field(min_length=1, max_length=200, description="the partner's name, for people")
    customer_id: str = Field(min_length=1, max_length=64, description="the ERP customer this partner buys as")
    x12_qualifier: X12Qualifier = "ZZ"
    x12_id: X12Id = Field(description="the partner's ISA06 (and GS02 unless x12_application_id)")
    x12_application_id: str | None = Field(None, description="the partner's GS02, when not its ISA06")
    our_x12_qualifier: X12Qualifier = "ZZ"
    our_x12_id: X12Id = Field(description="our ISA08 toward this partner (ISA06 when we send)")
    our_x12_application_id: str | None = Field(None, description="our GS03, when not our ISA id")
    x12_version: Literal["004010", "005010"] = Field("004010", description="the X12 version we answer in (GS08)")
    usage: Literal["P", "T"] = Field("P", description="ISA15: P production, T test")
    as2_id: str | None = Field(None, description="the partner's AS2 name (its AS2-From): 1 to 128 printable ASCII "
                                                 "characters (RFC 4130)")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not PARTNER_ID.match(value):
            raise ValueError(f"{value!r} is not a partner id (letters, digits, '.', '_', '-'; 1 to 64, "
                             "starting with a letter or digit)")
        return value

    @field_validator("x12_qualifier", "our_x12_qualifier")
    @classmethod
    def _qualifier(cls, value: str) -> str:
        return _x12_qualifier(value)

    @field_validator("x12_id", "our_x12_id")
    @classmethod
    def _interchange_id(cls, value: str) -> str:
        return _x12_id(value)

    @field_validator("x12_application_id", "our_x12_application_id")
    @classmethod
    def _application_id(cls, value: str | None) -> str | None:
        return _x12_id(value) if value else None

    @field_validator("usage", mode="before")
    @classmethod
    def _usage(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("as2_id")
    @classmethod
    def _as2(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not AS2_NAME.match(value) or value != value.strip():
            raise ValueError(f"{value!r} is not an AS2 name (1 to 128 printable ASCII characters, RFC 4130)")
        return value


IDENTITY_FIELDS = tuple(PartnerIdentity.model_fields)
CHANGEABLE_FIELDS = tuple(name for name in IDENTITY_FIELDS if name != "id")


def validate_identity(raw: dict[str, Any]) -> PartnerIdentity:
    """The partner's columns checked; SettingsError naming every bad field (``x12_id: ...``) otherwise."""
    try:
        return PartnerIdentity.model_validate(raw)
    except ValidationError as exc:
        problems = [(".".join(map(str, error["loc"])) or "partner",
                     "unknown field" if error["type"] == "extra_forbidden" else error_message(error))
                    for error in exc.errors()]
        raise SettingsError(problems) from None


def identity_of(partner: Partner) -> dict[str, Any]:
    """The identity columns of a stored partner, as :class:`PartnerIdentity` takes them."""
    return {name: getattr(partner, name) for name in IDENTITY_FIELDS}


__all__ = ["CHANGEABLE_FIELDS", "IDENTITY_FIELDS", "PartnerIdentity", "identity_of", "validate_identity"]
