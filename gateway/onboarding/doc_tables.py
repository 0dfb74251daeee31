"""docs/partners.md's "Every setting" tables, written from the models: ``python -m gateway.onboarding.doc_tables``.

The models are the truth (their field descriptions are the meanings); the page is regenerated
from them whenever a field is added, and ``tests/gateway/onboarding/test_docs.py`` fails until it is.
"""

from __future__ import annotations

import json

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from gateway.as2.options import As2Options
from gateway.onboarding.identity import PartnerIdentity
from gateway.onboarding.settings import DelimiterSettings, DeliveryRoute, OciSettings, PartnerSettings

SECTIONS: list[tuple[str, type[BaseModel], str]] = [
    ("Identity (the partner's columns)", PartnerIdentity, ""),
    ("Settings", PartnerSettings, ""),
    ("`delimiters`", DelimiterSettings, "delimiters."),
    ("`delivery`", DeliveryRoute, "delivery."),
    ("`as2`", As2Options, "as2."),
    ("`oci`", OciSettings, "oci."),
]


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    return "-" if value is None else f"`{json.dumps(value)}`"


def tables() -> str:
    """Markdown: one table per model; top-level settings without a default column (their meaning says it)."""
    parts = []
    for title, model, prefix in SECTIONS:
        top = model is PartnerSettings
        lines = [f"### {title}", "", "| setting | meaning |" if top else "| field | default | meaning |",
                 "|---|---|" if top else "|---|---|---|"]
        for name, field in model.model_fields.items():
            meaning = (field.description or "").replace("|", "\\|")
            lines.append(f"| `{prefix}{name}` | {meaning} |" if top
                         else f"| `{prefix}{name}` | {_default(field)} | {meaning} |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    print(tables(), end="")
