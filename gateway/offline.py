"""``b2bgw translate`` and ``b2bgw validate``: formatting what :mod:`formats.translate` finds."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from formats.detect import Standard, detect
from formats.errors import FormatError, MappingError
from formats.model import Canonical, Extension, Order, OrderResponse, Party
from formats.translate import X12_CODECS, translate
from formats.x12.writer import GroupSpec, InterchangeSpec, TransactionSetSpec, render_interchange
from formats.xml import local_name, parse_xml
from gateway.presend import Artefacts, examine

FUNCTIONAL_IDS = {"850": "PO", "855": "PR"}
X12_SETS: dict[type, str] = {Order: "850", OrderResponse: "855"}
"""Which X12 set carries each canonical document we can render as X12."""

TARGETS = ("x12", "ubl", "cxml")


def _x12(document: Canonical, number: int) -> str:
    code = X12_SETS.get(type(document))
    if code is None:
        raise MappingError(f"X12 cannot carry a {type(document).__name__} yet (850 and 855 are written)")
    body = X12_CODECS[code].render(document)
    spec = InterchangeSpec(sender_qualifier="ZZ", sender_id="SENDER", receiver_qualifier="ZZ",
                           receiver_id="RECEIVER", control_number=number, timestamp=dt.datetime.now(dt.UTC))
    group = GroupSpec(functional_id=FUNCTIONAL_IDS[code], application_sender="SENDER",
                      application_receiver="RECEIVER", control_number=number)
    return render_interchange(spec, [(group, [TransactionSetSpec(code, "0001", body)])]).decode()


def _ubl(document: Canonical, _number: int) -> str:
    from formats.ubl import render

    return render(document).decode()  # type: ignore[arg-type]


def _cxml(document: Canonical, number: int) -> str:
    import secrets
    import socket

    from formats.cxml import order_request
    from formats.cxml.envelope import Credential, Routing, payload_id

    if not isinstance(document, Order):
        raise MappingError(f"cXML translation writes orders (OrderRequest), not a {type(document).__name__}")
    now = dt.datetime.now(dt.UTC)

    def credential(party: Party | None, fallback: str) -> Credential:
        identity = next((i.value for i in party.ids), None) if party else None
        return Credential(domain="NetworkID", identity=identity or fallback)

    buyer = credential(document.buyer, "BUYER")
    routing = Routing(from_=[buyer], to=[credential(document.seller, "SELLER")], sender=buyer)
    return order_request.render(document, payload_id=payload_id(now, secrets.token_hex(8), socket.gethostname(),
                                                                process=str(number)),
                                timestamp=now, routing=routing).decode()


RENDERERS = {"x12": _x12, "ubl": _ubl, "cxml": _cxml}


def not_carried(document: Canonical, target: str) -> list[str]:
    """What the source carried that the target does not: the extensions of another standard."""
    prefix = f"{target}:"
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, Extension):
            if not value.source.startswith(prefix):
                found.append(f"{value.source} {value.name}={value.value!r}")
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, tuple | list):
            for part in value:
                walk(part)

    walk(document)
    return found


@dataclass(frozen=True)
class Translated:
    """What ``b2bgw translate`` prints, and what it says on stderr.

    ``errors`` make the exit status 1 (a document not translated, or not written in the target);
    ``warnings`` do not: the document was translated and printed, carrying what was outside a
    code list as received (lenient in), and the warning names it.
    """

    output: str
    errors: list[str]
    warnings: list[str]


def translate_file(raw: bytes, *, to: str | None = None) -> tuple[str, list[str]]:
    """The printed output (canonical JSON array, or documents in ``to``) and the errors (:func:`translate_report`)."""
    report = translate_report(raw, to=to)
    return report.output, report.errors


def translate_report(raw: bytes, *, to: str | None = None) -> Translated:
    """The printed output (canonical JSON array, or documents in ``to``), the errors and the warnings.

    Rendering in another standard reports, as an error line each, what the source carried that
    the target cannot (data kept in extensions); the documents are still printed.
    """
    errors: list[str] = []
    warnings: list[str] = []
    found = []
    try:
        for item in translate(raw):
            if item.error is not None:
                errors.append(f"{item.location}: {item.standard.value.upper()} {item.doc_type}: {item.error.message}")
            else:
                warnings.extend(f"warning: {item.standard.value.upper()} {item.doc_type} {problem}"
                                for problem in item.warnings)
                found.append(item)
    except FormatError as exc:
        return Translated("", [str(exc)], [])
    if to is None:
        payload = [{"standard": i.standard.value, "document_type": i.doc_type,
                    **(i.document.model_dump(mode="json") if i.document else {})} for i in found]
        return Translated(json.dumps(payload, indent=2) + "\n", errors, warnings)
    target = to.lower()
    if target not in RENDERERS:
        available = ", ".join(RENDERERS)
        return Translated("", [*errors, f"--to {to}: rendering {to} is not available yet (available: {available})"],
                          warnings)
    out = []
    for number, item in enumerate(found, start=1):
        assert item.document is not None
        try:
            out.append(RENDERERS[target](item.document, number))
        except FormatError as exc:
            errors.append(f"{item.location}: {item.doc_type} cannot be written as {target}: {exc}")
            continue
        if item.standard.value != target:
            errors.extend(f"{item.location}: {target} cannot carry {what}" for what in not_carried(item.document,
                                                                                                    target))
    return Translated("".join(out), errors, warnings)


class UnreadableInput(Exception):
    """A file ``b2bgw validate`` cannot read: missing, a directory, refused, or empty; the message is one line."""


def read_input(path: Path) -> bytes:
    """The bytes of ``path``, or :class:`UnreadableInput` saying in one line why there are none.

    >>> try:
    ...     read_input(Path("/nonexistent"))
    ... except UnreadableInput as exc:
    ...     print(exc)
    cannot read: no such file or directory
    """
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise UnreadableInput("cannot read: is a directory, not a file") from None
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise UnreadableInput(f"cannot read: {reason}") from None
    if not raw.strip():
        raise UnreadableInput("is empty: no document to validate")
    return raw


def validate_file(raw: bytes, *, artefacts: Artefacts | None = None) -> list[str]:
    """Every problem in ``raw`` as a line with its location.

    First what our reader and the X12 maps find (:func:`formats.translate.check`); then, for an
    XML document that reads, the validators of the pre-send gate that are configured
    (:mod:`gateway.presend`): the UBL 2.1 XSD, EN 16931 for invoices and credit notes, PEPPOL BIS
    Billing 3 when the document declares a PEPPOL specification, the cXML DTD. ``b2bgw validate``
    thus says of a file what the gate would say before sending it.
    """
    from formats.translate import check

    try:
        problems = [str(p) for p in check(raw)]
    except FormatError as exc:
        return [str(exc)]
    detected = detect(raw[:4096])
    if detected not in (Standard.UBL, Standard.CXML):
        return problems
    try:
        root = parse_xml(raw)
    except FormatError:
        return problems  # not well-formed: the reader said so, and no schema can say more
    settings = {"ubl_profile": "peppol"} if PEPPOL_SPECIFICATION in raw[:8192] else {}
    verdict = examine(detected.value, local_name(root), raw, partner_settings=settings, artefacts=artefacts)
    return problems + [str(p) for p in verdict.errors]


PEPPOL_SPECIFICATION = b"urn:fdc:peppol.eu:"
"""How a PEPPOL document's CustomizationID begins: its PEPPOL rules apply to it."""
