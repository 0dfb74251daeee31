"""``b2bgw translate`` and ``b2bgw validate``: formatting what :mod:`formats.translate` finds."""

from __future__ import annotations

import datetime as dt
import json

from formats.errors import FormatError
from formats.translate import X12_CODECS, translate
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange

FUNCTIONAL_IDS = {"850": "PO", "855": "PR"}


def translate_file(raw: bytes, *, to: str | None = None) -> tuple[str, list[str]]:
    """The printed output (canonical JSON array, or documents in ``to``) and the errors."""
    errors: list[str] = []
    found = []
    try:
        for item in translate(raw):
            if item.error is not None:
                errors.append(f"{item.location}: X12 {item.doc_type}: {item.error.message}")
            else:
                found.append(item)
    except FormatError as exc:
        return "", [str(exc)]
    if to is None:
        payload = [{"standard": i.standard.value, "document_type": i.doc_type,
                    **(i.document.model_dump(mode="json") if i.document else {})} for i in found]
        return json.dumps(payload, indent=2) + "\n", errors
    if to != "x12":
        return "", [*errors, f"--to {to}: rendering {to} is not available yet (x12 is)"]
    out = []
    for number, item in enumerate(found, start=1):
        assert item.document is not None
        body = X12_CODECS[item.doc_type].render(item.document)
        spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="SENDER", receiver_qualifier="ZZ",
                               receiver_id="RECEIVER", control_number=number, timestamp=dt.datetime.now(dt.UTC))
        group = GroupSpec(functional_id=FUNCTIONAL_IDS.get(item.doc_type, "PO"), application_sender="SENDER",
                          application_receiver="RECEIVER", control_number=number)
        out.append(render_interchange(spec, [(group, [TransactionSetSpec(item.doc_type, "0001", body)])]).decode())
    return "".join(out), errors


def validate_file(raw: bytes) -> list[str]:
    """Every problem in ``raw`` as a line with its location."""
    from formats.translate import check

    try:
        return [str(p) for p in check(raw)]
    except FormatError as exc:
        return [str(exc)]
