"""A partner's settings and identities, typed: one model, every field described, every error naming the field.

``gw_partner.settings`` is JSON so that a new option needs no migration; this module is what
stands between an operator and that JSON. :class:`PartnerSettings` lists every setting any part
of the gateway reads (the README's table of partner settings is its descriptions), refuses an
unknown key by name, and checks each value with the validator the pipeline itself uses
(:func:`gateway.partners.price_rule`, :func:`gateway.partners.unit_map`,
:class:`gateway.as2.options.As2Options`), so that what onboarding accepts is what the pipeline
can read. The pipeline's readers stay where they are (:mod:`gateway.partners` and the modules
that read one setting each); validation happens when settings are written.

The columns (X12 and AS2 identities) are checked the same way in :mod:`gateway.onboarding.identity`.

Errors are one :class:`SettingsError` whose message is ``path: why`` for every problem found,
e.g. ``settings.price_tolerance: 'abc' is not an amount or a percentage``.
"""

from __future__ import annotations

import codecs
import json
import re
from decimal import Decimal
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from formats.errors import MappingError
from formats.oci import OciVersion
from gateway.as2.options import As2Options
from gateway.partners import price_rule, unit_map
from gateway.rules.rounding import RoundingMode
from gateway.store.tables import Partner

CHANNELS = ("http", "file", "cxml", "as2")
"""Delivery channels a partner's documents can take (``delivery.channel``)."""
URL_CHANNELS = frozenset({"http", "cxml", "as2"})

ROUNDING_NAMES = tuple(mode.name.lower().replace("_", "-") for mode in RoundingMode)

SECRET_KEYS = re.compile(r"password|secret|token|authorization|security|api[-_]?key|credential", re.I)
"""Names of settings (and delivery headers) whose values are never shown nor audited (ISA02/ISA04 are passwords)."""
HIDDEN = "(hidden)"


FRAME_ORIGIN = re.compile(r"^(https?)://((?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)"
                          r"(:[0-9]{1,5})?/?$", re.I)
"""An origin that may frame the storefront: http(s), a host (``*.`` for its subdomains), a port; no path."""


def frame_origin(value: str) -> str:
    """``value`` as a CSP ``frame-ancestors`` source (lower case, no trailing slash); ValueError if not an origin.

    Nothing but scheme, host and port gets through, so a setting cannot add a directive
    (``;``), a keyword (``'unsafe-inline'``) or a path to the header it is written into.
    """
    matched = FRAME_ORIGIN.match(value.strip())
    if matched is None:
        raise ValueError(f"{value!r} is not an origin (http:// or https://, a host, an optional port, no path)")
    scheme, host, port = matched.groups()
    return f"{scheme.lower()}://{host.lower()}{port or ''}"


class SettingsError(ValueError):
    """Settings or identities that cannot be stored: ``problems`` are ``(path, why)``, the message all of them."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path}: {why}" for path, why in problems))

    @property
    def fields(self) -> list[str]:
        """The paths of the bad fields (``settings.delivery.destination``, ``x12_id``)."""
        return [path for path, _ in self.problems]


class StrictModel(BaseModel):
    """A frozen model that refuses unknown fields by name (settings and identities alike)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DelimiterSettings(StrictModel):
    """``delimiters``: the characters we write in X12 to this partner (each one character, all different)."""

    element: str = Field("*", min_length=1, max_length=1, description="element separator (ISA position 4)")
    component: str = Field(">", min_length=1, max_length=1, description="component separator (ISA16)")
    segment: str = Field("~", min_length=1, max_length=1, description="segment terminator")
    repetition: str = Field("^", min_length=1, max_length=1, description="repetition separator (ISA11, 5010)")
    segment_suffix: Literal["", "\n", "\r\n"] = Field("\n", description="written after each segment terminator")

    @model_validator(mode="after")
    def _different(self) -> DelimiterSettings:
        chars = [self.element, self.component, self.segment, self.repetition]
        if len(set(chars)) != len(chars):
            raise ValueError(f"element, component, segment and repetition must all differ, not {chars}")
        return self


class DeliveryRoute(StrictModel):
    """``delivery``: how documents for the partner leave the gateway."""

    channel: Literal["http", "file", "cxml", "as2"] = Field(
        description="http (POST with an Idempotency-Key header), file (written into a folder), cxml (a cXML "
                    "buyer's order URL) or as2 (signed/encrypted per settings.as2, to the partner's AS2 URL)")
    destination: str = Field(min_length=1, max_length=2000,
                             description="the URL (http, cxml, as2) or the folder (file)")
    headers: dict[str, str] = Field(default_factory=dict,
                                    description="extra HTTP headers sent with every POST (e.g. Authorization)")

    @model_validator(mode="after")
    def _destination_fits(self) -> DeliveryRoute:
        if self.channel in URL_CHANNELS and not re.match(r"^https?://[^/\s]+", self.destination):
            raise ValueError(f"destination {self.destination!r} is not an http:// or https:// URL "
                             f"(channel {self.channel})")
        return self


class OciSettings(StrictModel):
    """``oci``: an SAP system calling up our catalog (see :mod:`gateway.oci.buyers`)."""

    version: OciVersion = Field("4.0", description="OCI_VERSION we write when the call-up does not say")
    username_field: str = Field("USERNAME", description="the login form's user field")
    password_field: str = Field("PASSWORD", description="the login form's password field")
    username: str = Field(min_length=1, description="the user the buyer's SAP logs in as")
    password_hash: str = Field(min_length=1, description="its password, hashed (never the password itself)")
    hook_field: str = Field("HOOK_URL", description="the field holding the return URL")
    charset: str = Field("utf-8", description="charset of the cart form")
    units: dict[str, str] = Field(default_factory=dict, description="ISO unit overrides on top of OCI's table")
    vendor: str | None = Field(None, description="our vendor number in the buyer's SAP (NEW_ITEM-VENDOR)")
    matgroup: dict[str, str] = Field(default_factory=dict, description="our category -> the buyer's material group")
    default_matgroup: str | None = Field(None, description="material group of items of other categories")
    contract: str | None = Field(None, description="the buyer's contract number, if any")
    cust_fields: dict[str, str] = Field(default_factory=dict, description="CUST_FIELDn templates over the item")
    order_channel: Literal["cxml", "x12", "ubl"] = Field("cxml", description="how the buyer's PO arrives")
    session_minutes: int = Field(60, ge=1, le=24 * 60, description="how long a call-up session lasts")


def _probe(settings: dict[str, Any]) -> Partner:
    """A partner row that is never stored, to run the pipeline's own readers over candidate settings."""
    return Partner(id="?", name="?", customer_id="?", x12_id="?", our_x12_id="?", settings=settings)


def _reason(message: str, key: str) -> str:
    """The pipeline reader's message without its ``partner ?: settings.KEY`` preamble (the path says that)."""
    return message.removeprefix("partner ?: ").removeprefix(f"settings.{key}").lstrip(": ").strip()


class PartnerSettings(StrictModel):
    """Every per-partner setting (``gw_partner.settings``); none is required, unknown keys are refused."""

    standard: Literal["x12", "ubl", "cxml"] = Field(
        "x12", description="what we write to the partner: x12, ubl or cxml (a cXML buyer)")
    charset: str | None = Field(None, description="ascii, utf-8, latin-1 for X12 (EBCDIC is detected); default ascii")
    delimiters: DelimiterSettings | None = Field(
        None, description="X12 delimiters we write (element, component, segment, repetition, segment_suffix); "
                          "default: those the partner used")
    unit_overrides: dict[str, str] | None = Field(None, description="partner unit code -> UN/ECE Rec 20 code")
    expects: list[str] | None = Field(
        None, description="the documents the partner wants from us (855, 856, 810, 997, OrderResponse ...); "
                          "default everything")
    sends: list[str] | None = Field(
        None, description="the documents we accept from the partner (850, 860 ...); default every supported one")
    ack_window_hours: float | None = Field(
        None, gt=0, description="an outbound X12 document not acknowledged (997/999) in this time is flagged "
                                "overdue; default 24")
    ubl_profile: Literal["peppol"] | None = Field(
        None, description="peppol for PEPPOL BIS (CustomizationID, ProfileID, EndpointID)")
    ubl_order_response: Literal["simple", "full"] | None = Field(
        None, description="simple to answer UBL orders with an OrderResponseSimple (accepted or not, no lines); "
                          "default full")
    endpoint_scheme: str | None = Field(None, min_length=1, max_length=10,
                                        description="the partner's PEPPOL EndpointID scheme (e.g. 0088)")
    endpoint_id: str | None = Field(None, min_length=1, max_length=200,
                                    description="the partner's PEPPOL EndpointID (e.g. a GLN)")
    delivery: DeliveryRoute | None = Field(
        None, description='how documents for the partner leave: {"channel": "http", "destination": URL}, '
                          '{"channel": "file", "destination": FOLDER}, {"channel": "as2", "destination": '
                          'AS2 URL} or {"channel": "cxml", ...}; without it documents wait in the outbox '
                          "to be collected")
    max_attempts: int | None = Field(
        None, ge=1, le=1000, description="attempts at a transient failure (processing the partner's documents, "
                                         "delivering ours) before the dead letter; default B2BGW_MAX_ATTEMPTS")
    rounding: str | None = Field(
        None, description=f"how line amounts are rounded to the currency's minor units: {', '.join(ROUNDING_NAMES)}; "
                          "default half-up")
    price_policy: Literal["accept", "hold", "reject"] | None = Field(
        None, description="a line priced further from the contract price than price_tolerance: hold (waits for "
                          "an operator), accept (placed at the partner's price, flagged) or reject (refused with "
                          "our price); default hold")
    price_tolerance: str | None = Field(
        None, description='how far a line\'s unit price may be from ours: an amount per unit ("0.05") or a '
                          'percentage of our price ("2%"); default 0 (any difference counts)')
    item_map: dict[str, str] | None = Field(
        None, description="the partner's item numbers (buyer part numbers, GTINs) -> our SKUs")
    synchronous_orders: bool | None = Field(
        None, description="a cXML buyer's OrderRequests processed within the request (default false: 201 and "
                          "the queue)")
    oci: OciSettings | None = Field(None, description="an SAP OCI buyer's call-up options (see gateway.oci.buyers)")
    as2: As2Options | None = Field(
        None, description="AS2 with the partner: our AS2 name, signing digest, cipher, compression, MDN mode, "
                          "what we require inbound (the partner's AS2 name is the as2_id field)")
    frame_ancestors: list[str] | None = Field(
        None, max_length=20,
        description="origins of the buyer's procurement system allowed to show our storefront in a frame "
                    '(["https://s1.ariba.com", "https://*.coupahost.com"]); default none: the storefront '
                    "cannot be framed, only opened in a window")
    isa_authorization: str | None = Field(
        None, max_length=10, description="ISA02 the partner must send (with ISA01 00/03); checked on every interchange")
    isa_security: str | None = Field(
        None, max_length=10, description="ISA04 the partner must send (with ISA03 00/01); checked on every interchange")

    @field_validator("standard", "price_policy", "ubl_profile", "ubl_order_response", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("charset")
    @classmethod
    def _charset(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"{value!r} is not a character set this gateway knows (ascii, utf-8, latin-1)") \
                    from None
        return value

    @field_validator("unit_overrides")
    @classmethod
    def _units(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value:
            try:
                unit_map(_probe({"unit_overrides": value}))
            except MappingError as exc:
                raise ValueError(exc.message) from None
        return value

    @field_validator("rounding")
    @classmethod
    def _rounding(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower().replace("_", "-") not in ROUNDING_NAMES:
            raise ValueError(f"{value!r} is not one of {', '.join(ROUNDING_NAMES)}")
        return value

    @field_validator("price_tolerance", mode="before")
    @classmethod
    def _tolerance(cls, value: Any) -> Any:
        if isinstance(value, float):  # a JSON number: the text it was written as is what the reader parses
            value = str(Decimal(repr(value)))
        try:
            price_rule(_probe({"price_tolerance": value}))
        except ValueError as exc:
            raise ValueError(_reason(str(exc), "price_tolerance")) from None
        return str(value) if isinstance(value, int | Decimal) else value

    @field_validator("frame_ancestors")
    @classmethod
    def _frame_ancestors(cls, value: list[str] | None) -> list[str] | None:
        return [frame_origin(origin) for origin in value] if value is not None else None

    @field_validator("expects", "sends")
    @classmethod
    def _documents(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(not item.strip() for item in value):
            raise ValueError("document names must not be empty")
        return value


FIELD_NAMES = tuple(PartnerSettings.model_fields)


def _path(loc: tuple[int | str, ...]) -> str:
    return "settings" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def error_message(error: Any) -> str:
    """Pydantic's message as a sentence about the value: ``'abc': input should be ...``."""
    message = str(error["msg"])
    if error["type"] == "value_error":
        return message.removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return "unknown setting"
    if error["type"] == "missing":
        return "required"
    return f"{error.get('input')!r}: {message[0].lower()}{message[1:]}"


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    return [(_path(tuple(error["loc"])), error_message(error)) for error in exc.errors()]


def validate_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """The settings to store: ``raw`` checked field by field; SettingsError naming every bad field otherwise.

    What is returned keeps only the keys given (no defaults are written, so a later change of a
    default reaches every partner that did not choose), normalised as the pipeline reads them.
    """
    if not isinstance(raw, dict):
        raise SettingsError([("settings", f"must be a JSON object, not {type(raw).__name__}")])
    try:
        model = PartnerSettings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(_problems(exc)) from None
    return model.model_dump(mode="json", exclude_unset=True)


def settings_problems(raw: dict[str, Any]) -> list[str]:
    """What is wrong with stored settings (empty: nothing), for pages and checks that show rather than refuse."""
    try:
        validate_settings(raw)
    except SettingsError as exc:
        return [f"{path}: {why}" for path, why in exc.problems]
    return []


def redacted(value: Any, key: str = "") -> Any:
    """``value`` with every secret-looking entry (passwords, tokens, Authorization headers) replaced by "(hidden)"."""
    if isinstance(value, dict):
        return {k: (HIDDEN if SECRET_KEYS.search(str(k)) and v not in (None, "", {}) and not isinstance(v, dict)
                    else redacted(v, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(item, key) for item in value]
    return value


def _takes_text(name: str) -> bool:
    """Whether the setting ``name`` is written as text (so ``0.05`` or ``5790000435968`` stay as typed)."""
    field = PartnerSettings.model_fields.get(name)
    if field is None:
        return False
    annotation = field.annotation
    return annotation is str or str in get_args(annotation) or get_origin(annotation) is Literal or any(
        get_origin(arg) is Literal for arg in get_args(annotation))


def parse_setting(assignment: str) -> tuple[str, Any]:
    """``KEY=VALUE`` from the command line: the value is JSON when it reads as JSON, else the text itself.

    Settings written as text keep a number as typed (``price_tolerance=0.05`` is the text "0.05",
    not a float), so money never passes through binary floating point.
    """
    key, sep, text = assignment.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SettingsError([("settings", f"{assignment!r} is not KEY=VALUE")])
    try:
        value = json.loads(text)
    except ValueError:
        return key, text
    if _takes_text(key) and not isinstance(value, str | None):
        return key, text.strip()
    return key, value


__all__ = [
    "CHANNELS",
    "FIELD_NAMES",
    "DelimiterSettings",
    "DeliveryRoute",
    "OciSettings",
    "PartnerSettings",
    "SettingsError",
    "StrictModel",
    "error_message",
    "frame_origin",
    "parse_setting",
    "redacted",
    "settings_problems",
    "validate_settings",
]
