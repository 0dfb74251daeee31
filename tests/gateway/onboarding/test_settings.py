"""Partner settings and identities, typed: every bad value refused with its field named, every setting known.

The contract tests read the gateway's own source: any ``settings.get("key")`` a module reads must
be a field of :class:`PartnerSettings`, so a new setting cannot be added without its validation
and its documentation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from gateway.onboarding.identity import validate_identity
from gateway.onboarding.settings import (
    FIELD_NAMES,
    PartnerSettings,
    SettingsError,
    parse_setting,
    redacted,
    settings_problems,
    validate_settings,
)
from gateway.services import Services
from gateway.store.db import session
from gateway.store.tables import Partner

GATEWAY = Path(__file__).resolve().parents[3] / "gateway"

BAD_SETTINGS: list[tuple[dict[str, Any], str, str]] = [
    ({"price_tolerance": "abc"}, "settings.price_tolerance", "is not an amount or a percentage"),
    ({"price_tolerance": "-1"}, "settings.price_tolerance", "must be 0 or more"),
    ({"price_tolerance": True}, "settings.price_tolerance", "must be an amount"),
    ({"price_policy": "maybe"}, "settings.price_policy", "'accept', 'hold' or 'reject'"),
    ({"standard": "edifact"}, "settings.standard", "'x12', 'ubl' or 'cxml'"),
    ({"charset": "klingon"}, "settings.charset", "not a character set"),
    ({"delimiters": {"element": "**"}}, "settings.delimiters.element", "at most 1 character"),
    ({"delimiters": {"element": "~"}}, "settings.delimiters", "must all differ"),
    ({"delimiters": {"colour": "red"}}, "settings.delimiters.colour", "unknown setting"),
    ({"unit_overrides": {"EA": ""}}, "settings.unit_overrides", ""),
    ({"ack_window_hours": 0}, "settings.ack_window_hours", "greater than 0"),
    ({"ubl_profile": "xrechnung"}, "settings.ubl_profile", "'peppol'"),
    ({"ubl_order_response": "short"}, "settings.ubl_order_response", "'simple' or 'full'"),
    ({"delivery": {"channel": "ftp", "destination": "ftp://x"}}, "settings.delivery.channel", "'http', 'file'"),
    ({"delivery": {"channel": "http", "destination": "partner.example/edi"}}, "settings.delivery",
     "not an http:// or https:// URL"),
    ({"delivery": {"channel": "as2"}}, "settings.delivery.destination", "required"),
    ({"delivery": {"channel": "file", "destination": "/x", "retries": 3}}, "settings.delivery.retries",
     "unknown setting"),
    ({"max_attempts": 0}, "settings.max_attempts", "greater than or equal to 1"),
    ({"max_attempts": "many"}, "settings.max_attempts", "valid integer"),
    ({"rounding": "sideways"}, "settings.rounding", "half-up, half-even"),
    ({"expects": "855"}, "settings.expects", "valid list"),
    ({"item_map": ["A"]}, "settings.item_map", "valid dictionary"),
    ({"synchronous_orders": "sometimes"}, "settings.synchronous_orders", "valid boolean"),
    ({"oci": {"username": "srm"}}, "settings.oci.password_hash", "required"),
    ({"as2": {"sign": "md5"}}, "settings.as2.sign", "'sha256'"),
    ({"as2": {"mdn": "sometimes"}}, "settings.as2.mdn", "'sync', 'async' or 'none'"),
    ({"as2": {"encrypt": "rot13"}}, "settings.as2.encrypt", "aes256-cbc"),
    ({"isa_authorization": "ELEVENCHARS"}, "settings.isa_authorization", "at most 10 characters"),
    ({"colour": "red"}, "settings.colour", "unknown setting"),
]


@pytest.mark.parametrize(("raw", "path", "why"), BAD_SETTINGS, ids=[case[1] + ":" + str(case[0])[:30]
                                                                   for case in BAD_SETTINGS])
def test_a_bad_setting_is_refused_naming_its_field(raw: dict[str, Any], path: str, why: str) -> None:
    with pytest.raises(SettingsError) as refused:
        validate_settings(raw)
    assert path in refused.value.fields, refused.value
    assert str(refused.value).startswith(f"{path}: ") and why in str(refused.value)


def test_the_message_reads_field_then_why() -> None:
    with pytest.raises(SettingsError, match=r"^settings\.price_tolerance: 'abc' is not an amount or a percentage$"):
        validate_settings({"price_tolerance": "abc"})


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as refused:
        validate_settings({"price_policy": "maybe", "rounding": "x", "colour": 1})
    assert set(refused.value.fields) == {"settings.price_policy", "settings.rounding", "settings.colour"}


def test_good_settings_are_stored_as_given_and_read_by_the_pipeline() -> None:
    raw = {"standard": "UBL", "price_policy": "Reject", "price_tolerance": 0.05, "max_attempts": 3,
           "delivery": {"channel": "as2", "destination": "https://as2.partner.example/receive"},
           "as2": {"sign": "sha384", "encrypt": "aes128-gcm", "mdn": "async"},
           "isa_authorization": "AUTH", "isa_security": "SECRET", "expects": ["855", "856"]}
    stored = validate_settings(raw)
    assert stored["standard"] == "ubl" and stored["price_policy"] == "reject"
    assert stored["price_tolerance"] == "0.05"  # money as text, never a binary float
    assert stored["as2"] == {"sign": "sha384", "encrypt": "aes128-gcm", "mdn": "async"}  # no defaults written
    assert "ack_window_hours" not in stored
    from gateway.as2.options import as2_options
    from gateway.partners import price_rule

    probe = Partner(id="p", name="p", customer_id="C", x12_id="P", our_x12_id="US", settings=stored)
    assert str(price_rule(probe).tolerance) == "0.05" and as2_options(stored).mdn == "async"


IDENTITY = {"id": "northwind", "name": "Northwind", "customer_id": "NORTHWIND", "x12_id": "NWIND",
            "our_x12_id": "B2BGWSELLER"}

BAD_IDENTITIES: list[tuple[str, Any, str]] = [
    ("id", "north wind", "is not a partner id"),
    ("id", "../etc", "is not a partner id"),
    ("x12_qualifier", "Z", "2 characters"),
    ("x12_qualifier", "ZZZ", "2 characters"),
    ("x12_id", "A" * 16, "1 to 15"),
    ("x12_id", "NW*IND", "no delimiters"),
    ("our_x12_id", "", "1 to 15"),
    ("x12_application_id", "B" * 16, "1 to 15"),
    ("x12_version", "004020", "'004010' or '005010'"),
    ("usage", "X", "'P' or 'T'"),
    ("as2_id", "A" * 129, "AS2 name"),
    ("as2_id", "Nörthwind", "printable ASCII"),
    ("as2_id", " padded", "AS2 name"),
    ("name", "", "at least 1 character"),
    ("colour", "red", "unknown field"),
]


@pytest.mark.parametrize(("field", "value", "why"), BAD_IDENTITIES,
                         ids=[f"{f}={v!r}"[:40] for f, v, _ in BAD_IDENTITIES])
def test_a_bad_identity_is_refused_naming_its_field(field: str, value: Any, why: str) -> None:
    with pytest.raises(SettingsError) as refused:
        validate_identity({**IDENTITY, field: value})
    assert refused.value.fields == [field] and why in str(refused.value), refused.value


def test_good_identities_are_normalised() -> None:
    identity = validate_identity({**IDENTITY, "x12_qualifier": "zz", "usage": "t", "as2_id": "NORTHWIND AS2",
                                  "x12_version": "005010"})
    assert (identity.x12_qualifier, identity.usage, identity.as2_id) == ("ZZ", "T", "NORTHWIND AS2")
    assert validate_identity({**IDENTITY, "as2_id": ""}).as2_id is None


def test_command_line_values_keep_money_and_ids_as_typed() -> None:
    assert parse_setting("price_tolerance=0.05") == ("price_tolerance", "0.05")
    assert parse_setting("endpoint_id=5790000435968") == ("endpoint_id", "5790000435968")
    assert parse_setting("max_attempts=7") == ("max_attempts", 7)
    assert parse_setting("price_policy=reject") == ("price_policy", "reject")
    assert parse_setting('delivery={"channel":"http","destination":"https://p.example/edi"}') == (
        "delivery", {"channel": "http", "destination": "https://p.example/edi"})
    with pytest.raises(SettingsError, match="KEY=VALUE"):
        parse_setting("price_policy")


def test_secrets_are_hidden_wherever_they_sit() -> None:
    shown = redacted({"isa_authorization": "AUTH123", "isa_security": "SEC456",
                      "oci": {"username": "srm", "password_hash": "pbkdf2$x"},
                      "delivery": {"channel": "http", "destination": "https://p.example",
                                   "headers": {"Authorization": "Bearer s3cr3t", "X-Partner": "us"}}})
    text = repr(shown)
    for secret in ("AUTH123", "SEC456", "pbkdf2$x", "s3cr3t"):
        assert secret not in text
    assert shown["oci"]["username"] == "srm" and shown["delivery"]["headers"]["X-Partner"] == "us"


def _keys_read_in_source() -> set[str]:
    pattern = re.compile(r"""settings\.get\(\s*["'](\w+)["']|settings\[\s*["'](\w+)["']\s*\]""")
    keys = set()
    for path in GATEWAY.rglob("*.py"):
        if "onboarding" in path.parts:
            continue
        for match in pattern.finditer(path.read_text()):
            keys.add(match.group(1) or match.group(2))
    return keys


def test_every_setting_read_anywhere_in_the_gateway_is_typed() -> None:
    read = _keys_read_in_source()
    assert {"price_policy", "delivery", "charset", "isa_security"} <= read  # the scan itself works
    assert read - set(FIELD_NAMES) == set(), "a setting is read that PartnerSettings does not know"
    from gateway.punchout.synchronous import SETTING

    assert SETTING in FIELD_NAMES


def test_every_field_is_described() -> None:
    for name, field in PartnerSettings.model_fields.items():
        assert field.description, name


def test_the_seeded_partners_have_valid_settings(services: Services) -> None:
    with session(services.engine) as s:
        partners = s.exec(select(Partner)).all()
        assert {"acme", "globex", "initech", "contoso", "srm-acme"} <= {p.id for p in partners}
        for partner in partners:
            assert settings_problems(partner.settings) == [], partner.id
