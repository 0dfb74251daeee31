"""Whether some bytes are an ANSI X12 interchange, told by content (ASC X12.5 ISA header).

An interchange starts with the ``ISA`` segment, whose fourth character is the element separator
(never a letter, digit or blank). Tolerated before it: a UTF-8 byte-order mark and whitespace.
EBCDIC interchanges start with ``ISA`` in code page 037 (``C9 E2 C1``).

>>> looks_like_x12(b"\\xef\\xbb\\xbf  ISA*00*          *00*")
True
>>> looks_like_x12(b"\\xc9\\xe2\\xc1\\\\\\xf0\\xf0")
True
>>> looks_like_x12(b"ISAAC NEWTON")
False
"""

from __future__ import annotations

from formats.x12.charsets import is_ebcdic_x12, strip_ascii_prefix


def looks_like_x12(prefix: bytes) -> bool:
    """Whether ``prefix`` (the first bytes of a file) starts an X12 interchange."""
    if is_ebcdic_x12(prefix):
        return True
    head = strip_ascii_prefix(prefix)
    if not head.startswith(b"ISA"):
        return False
    if len(head) == 3:
        return True
    separator = head[3:4]
    return not (separator.isalnum() or separator.isspace())
