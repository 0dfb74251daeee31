"""docs/partners.md lists every partner field and setting the model knows (and nothing it does not)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from gateway.as2.options import As2Options
from gateway.onboarding.identity import PartnerIdentity
from gateway.onboarding.settings import DelimiterSettings, DeliveryRoute, OciSettings, PartnerSettings

DOC = Path(__file__).resolve().parents[3] / "docs" / "partners.md"

MODELS: list[tuple[type[BaseModel], str]] = [(PartnerIdentity, ""), (PartnerSettings, ""), (DelimiterSettings,
                                                                                             "delimiters."),
                                             (DeliveryRoute, "delivery."), (As2Options, "as2."), (OciSettings, "oci.")]


def test_the_doc_lists_every_field_of_the_model() -> None:
    tables = DOC.read_text().split("## Every setting", 1)[1]
    listed = set(re.findall(r"^\| `([\w.]+)` \|", tables, re.M))
    expected = {prefix + name for model, prefix in MODELS for name in model.model_fields}
    assert expected - listed == set(), ("fields missing from docs/partners.md: regenerate its tables with "
                                        "python -m gateway.onboarding.doc_tables")
    assert listed - expected == set(), "docs/partners.md lists fields the model does not have"
