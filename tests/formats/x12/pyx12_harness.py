"""Run pyx12 (the reference X12 validator) on bytes, with our implementation maps.

pyx12's ``x12n_document`` reads a file and writes its findings to a JSON error document and a
997/999; it picks the map from ``maps.xml`` in ``map_path`` by ISA12, GS08 and GS01. Tests use it
as the independent second opinion on our own validator and on the acknowledgments we write.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyx12.params
import pyx12.x12n_document

MAPS_DIR = Path(__file__).resolve().parents[3] / "formats" / "x12" / "maps"


@dataclass(frozen=True)
class Pyx12Finding:
    """One error pyx12 reported: the level, the set (ST02), segment tag/position, element, code."""

    level: str  # "interchange", "group", "transaction", "segment", "element"
    code: str
    message: str
    transaction: str | None = None
    segment_tag: str | None = None
    segment_position: int | None = None
    element_position: int | None = None
    component_position: int | None = None
    value: str | None = None


@dataclass(frozen=True)
class Pyx12Result:
    valid: bool
    findings: tuple[Pyx12Finding, ...]
    acknowledgment: str  # the 997/999 pyx12 wrote ("" for FA groups)


def run_pyx12(raw: bytes, map_path: Path = MAPS_DIR) -> Pyx12Result:
    """Validate ``raw`` (one X12 file) with pyx12 against the maps in ``map_path``."""
    param = pyx12.params.params()
    param.set("map_path", str(map_path))
    ack, errors = io.StringIO(), io.StringIO()
    logger = logging.getLogger("pyx12")
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    logged = _Collect()
    logger.addHandler(logged)
    try:
        valid = _validate(param, raw, map_path, ack, errors)
    finally:
        logger.removeHandler(logged)
    doc = json.loads(errors.getvalue() or '{"interchanges": []}')
    findings = _findings(doc)
    if not valid and not findings:  # envelope (ISA) element errors only reach pyx12's log
        findings = [Pyx12Finding("interchange", "?", message) for message in logged.messages]
    return Pyx12Result(bool(valid), tuple(findings), ack.getvalue())


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _validate(param: Any, raw: bytes, map_path: Path, ack: io.StringIO, errors: io.StringIO) -> bool:
    return bool(pyx12.x12n_document.x12n_document(
        param=param, src_file=io.StringIO(raw.decode("ascii")), fd_997=ack, fd_html=None,
        fd_json=errors, map_path=str(map_path)))


def _findings(doc: dict[str, Any]) -> list[Pyx12Finding]:
    out: list[Pyx12Finding] = []
    for isa in doc["interchanges"]:
        out += [Pyx12Finding("interchange", e["err_cde"], e["err_str"]) for e in isa["errors"]]
        for gs in isa["groups"]:
            out += [Pyx12Finding("group", e["err_cde"], e["err_str"]) for e in gs["errors"]]
            for st in gs["transactions"]:
                st02 = st["trn_set_control_num"]
                out += [Pyx12Finding("transaction", e["err_cde"], e["err_str"], st02) for e in st["errors"]]
                for seg in st["segments"]:
                    where = {"transaction": st02, "segment_tag": seg["seg_id"],
                             "segment_position": seg["seg_count"]}
                    out += [Pyx12Finding("segment", e["err_cde"], e["err_str"], value=e["err_val"], **where)
                            for e in seg["errors"]]
                    for ele in seg["elements"]:
                        out += [Pyx12Finding("element", e["err_cde"], e["err_str"], value=e["err_val"],
                                             element_position=ele["ele_pos"], component_position=ele["subele_pos"],
                                             **where) for e in ele["errors"]]
    return out


def pyx12_problems(raw: bytes, map_path: Path = MAPS_DIR) -> list[Pyx12Finding]:
    """Every error pyx12 finds in ``raw``; ``[]`` when it is valid."""
    result = run_pyx12(raw, map_path)
    if not result.valid and not result.findings:
        return [Pyx12Finding("interchange", "?", "pyx12 rejected the file without a finding")]
    return list(result.findings)


# -- deliberately broken variants of real corpus documents ------------------------------------

def replace_once(raw: bytes, old: bytes, new: bytes) -> bytes:
    """``raw`` with the one occurrence of ``old`` replaced; fails loudly when ``old`` is not there."""
    if raw.count(old) != 1:
        raise ValueError(f"{old!r} occurs {raw.count(old)} times, expected once")
    return raw.replace(old, new)


def without_segment(raw: bytes, segment: bytes, se: bytes, se_fixed: bytes) -> bytes:
    """``raw`` without ``segment`` (tag ... terminator), with SE01 corrected from ``se`` to ``se_fixed``."""
    return replace_once(replace_once(raw, segment, b""), se, se_fixed)
