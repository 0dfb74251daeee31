"""A partner's AS2 options: ``settings["as2"]``, typed, with the defaults a careful partner expects.

The partner's AS2 name is the ``gw_partner.as2_id`` column (found fast when a message names it in
AS2-From); where we send is its delivery route (``settings["delivery"] = {"channel": "as2",
"destination": URL}``). Everything else about AS2 with that partner is here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Digest = Literal["sha256", "sha384", "sha512", "sha1"]
Cipher = Literal["aes128-cbc", "aes192-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm", "des-ede3-cbc"]


class As2Options(BaseModel):
    """``settings["as2"]`` of a partner (every field optional; unknown fields are refused by name)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    our_id: str | None = Field(default=None, min_length=1, max_length=128,
                               description="our AS2 name toward this partner; else B2BGW_AS2_ID")
    sign: Digest | None = Field(default="sha256", description="digest we sign our messages with; null: unsigned")
    encrypt: Cipher | None = Field(default="aes256-cbc", description="how we encrypt to the partner; null: in clear")
    compress: bool = Field(default=False, description="compress (RFC 5402) before signing")
    transfer_encoding: Literal["binary", "base64"] = Field(
        default="binary", description="how our message body is sent: binary (RFC 4130), or base64 for partners "
                                      "whose software reads only that")
    mdn: Literal["sync", "async", "none"] = Field(default="sync", description="the receipt we ask for")
    mdn_signed: bool = Field(default=True, description="ask for a signed MDN (and refuse one that is not)")
    require_signature: bool = Field(default=True, description="refuse what the partner sends unsigned")
    require_encryption: bool = Field(default=True, description="refuse what the partner sends in clear")


def as2_options(settings: dict[str, Any]) -> As2Options:
    """The AS2 options in a partner's ``settings``; pydantic.ValidationError names a bad field."""
    return As2Options.model_validate(settings.get("as2") or {})


__all__ = ["As2Options", "Cipher", "Digest", "as2_options"]
