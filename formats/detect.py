"""Which standard a document is in, told by its content (never by its file name).

>>> detect(b"ISA*00*          *00*")
<Standard.X12: 'x12'>
>>> detect(b'<?xml version="1.0"?><Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2">')
<Standard.UBL: 'ubl'>
>>> detect(b"hello")
<Standard.UNKNOWN: 'unknown'>
"""

from __future__ import annotations

import re
from enum import StrEnum

from formats.x12.detect import looks_like_x12

_ROOT = re.compile(rb"<(?![?!])(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


class Standard(StrEnum):
    """The standards the gateway reads."""

    X12 = "x12"
    CXML = "cxml"
    UBL = "ubl"
    OCI = "oci"
    UNKNOWN = "unknown"


def detect(prefix: bytes) -> Standard:
    """The standard of a document from its first kilobytes."""
    if looks_like_x12(prefix):
        return Standard.X12
    head = prefix[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        if b"urn:oasis:names:specification:ubl:schema:xsd:" in head:
            return Standard.UBL
        root = _ROOT.search(head)
        if root and root.group(1).lower() == b"cxml":
            return Standard.CXML
    if b"NEW_ITEM-" in head:
        return Standard.OCI
    return Standard.UNKNOWN
