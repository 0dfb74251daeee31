"""MIME (RFC 2045/2046) as AS2 needs it: entities kept as the exact bytes that were signed.

A signature covers bytes, so the MIME layer here never re-serialises what it read: an
:class:`Entity` keeps the raw bytes it was parsed from, :func:`split_multipart` cuts the parts out
of the body unchanged, and :func:`render_entity` writes CRLF-terminated headers and the body as
given. The stdlib ``email`` package is used only to read header parameters (``boundary``,
``smime-type``, ``filename``), which it does correctly; its generator is not used, because it
rewrites line endings and headers and the signed bytes must be exactly the bytes hashed.

Canonical form (RFC 5751 section 3.1.1): every line ends in CRLF. The MIC of RFC 4130 section
7.3.1 is computed over the canonical form (:func:`canonicalize`).
"""

from __future__ import annotations

import base64
import binascii
import email.message
import email.utils
import quopri
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gateway.as2.errors import UnexpectedProcessingError

CRLF = b"\r\n"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_AS2_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+")


def canonicalize(data: bytes) -> bytes:
    """``data`` with every line ending (LF, CR or CRLF) written as CRLF."""
    return _LINE_END.sub(CRLF, data)


def is_canonical(data: bytes) -> bool:
    """Whether every CR and LF in ``data`` is part of a CRLF pair (signing it needs no conversion)."""
    return data.count(b"\r") == data.count(b"\n") == data.count(CRLF)


@dataclass(frozen=True)
class Entity:
    """A MIME entity: its headers in order (names as written), its body, and the raw bytes read."""

    headers: tuple[tuple[str, str], ...]
    body: bytes
    raw: bytes = b""

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), unfolded; None when absent."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def content_type(self) -> str:
        """The lower-case media type (``text/plain`` when absent, as RFC 2045 says)."""
        return media_type(self.header("Content-Type") or "text/plain")

    def param(self, name: str, header: str = "Content-Type") -> str | None:
        """A parameter of a structured header (``boundary``, ``smime-type``, ``filename``)."""
        value = self.header(header)
        return None if value is None else header_param(value, name)


def media_type(value: str) -> str:
    """The lower-case ``type/subtype`` of a Content-Type value."""
    return value.split(";", 1)[0].strip().lower()


def header_param(value: str, name: str) -> str | None:
    """Parameter ``name`` of a structured header value (quoted strings and RFC 2231 handled by ``email``)."""
    message = email.message.Message()
    message["X-Value"] = value
    found = message.get_param(name, header="X-Value")
    if found is None:
        return None
    if isinstance(found, tuple):  # RFC 2231 (charset, language, value)
        return email.utils.collapse_rfc2231_value(found)
    return str(found)


def parse_entity(data: bytes) -> Entity:
    """An entity from its bytes: header lines up to the first empty line, then the body untouched.

    Accepts LF as well as CRLF line ends in the header block (some implementations write LF).
    Raises UnexpectedProcessingError when a header line is not ``Name: value``.
    """
    headers: list[tuple[str, str]] = []
    position = 0
    while position < len(data):
        end = data.find(b"\n", position)
        line_end = len(data) if end < 0 else end + 1
        line = data[position:line_end].rstrip(b"\r\n")
        if not line:
            position = line_end
            break
        text = line.decode("latin-1")
        if text[0] in " \t":
            if not headers:
                raise UnexpectedProcessingError(f"MIME entity starts with a continuation line: {text[:60]!r}")
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {text.strip()}")
        else:
            name, colon, value = text.partition(":")
            if not colon or not name.strip() or " " in name.strip():
                raise UnexpectedProcessingError(
                    f"not a MIME header line at byte {position}: {text[:60]!r}"
                )
            headers.append((name.strip(), value.strip()))
        position = line_end
    else:
        position = len(data)
    return Entity(headers=tuple(headers), body=data[position:], raw=data)


def render_entity(headers: Iterable[tuple[str, str]], body: bytes) -> bytes:
    """An entity's bytes: ``Name: value`` lines ending in CRLF, an empty line, then ``body`` as given."""
    lines = b"".join(f"{name}: {value}".encode("latin-1") + CRLF for name, value in headers)
    return lines + CRLF + body


def new_boundary() -> str:
    """A boundary no content will contain by chance (RFC 2046 section 5.1.1)."""
    return f"----=_b2bgw_{secrets.token_hex(16)}"


def build_multipart(parts: Iterable[bytes], boundary: str) -> bytes:
    """A multipart body: each part (an entity's bytes) between delimiter lines, then the close delimiter."""
    delimiter = b"--" + boundary.encode("ascii")
    body = b"".join(delimiter + CRLF + part + CRLF for part in parts)
    return body + delimiter + b"--" + CRLF


def split_multipart(body: bytes, boundary: str) -> list[bytes]:
    """The parts of a multipart body, each exactly as written between its delimiters.

    The line end before a delimiter belongs to the delimiter (RFC 2046), so it is not part of the
    part: what was signed is what is returned.
    """
    # The pattern starts with the literal boundary so the search is fast; the line end before it is
    # checked by hand (a boundary not at the start of a line is content).
    delimiter = re.compile(b"--" + re.escape(boundary.encode("latin-1")) + rb"(--)?[ \t]*(?:\r\n|\n|\Z)")
    lines: list[tuple[int, int, bool]] = []  # (start including the line end before, end, is the close)
    for found in delimiter.finditer(body):
        start = found.start()
        if start >= 2 and body[start - 2:start] == CRLF:
            start -= 2
        elif start >= 1 and body[start - 1:start] == b"\n":
            start -= 1
        elif start != 0:
            continue
        lines.append((start, found.end(), bool(found.group(1))))
    if not lines:
        raise UnexpectedProcessingError(f"the multipart body has no delimiter line for boundary {boundary!r}")
    parts: list[bytes] = []
    closed = False
    for index, (_start, end, is_close) in enumerate(lines):
        if is_close:  # close delimiter: the rest is the epilogue
            closed = True
            break
        if index + 1 < len(lines):
            parts.append(body[end:lines[index + 1][0]])
    if not closed:
        raise UnexpectedProcessingError(
            f"the multipart body (boundary {boundary!r}) has no close delimiter: truncated?"
        )
    return parts


def encode_base64(data: bytes) -> bytes:
    """Base64 in 76-character lines ending in CRLF (RFC 2045 section 6.8)."""
    encoded = base64.encodebytes(data)  # 76-character lines ending in LF
    return encoded.replace(b"\n", CRLF)


def decode_body(entity: Entity) -> bytes:
    """The entity's body with its Content-Transfer-Encoding undone (base64, quoted-printable; else as is)."""
    encoding = (entity.header("Content-Transfer-Encoding") or "binary").strip().lower()
    if encoding == "base64":
        try:
            return base64.b64decode(entity.body.translate(None, b" \t\r\n\v\f"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise UnexpectedProcessingError(f"the base64 body of a {entity.content_type} part is invalid: {exc}") \
                from None
    if encoding == "quoted-printable":
        return quopri.decodestring(entity.body)
    return entity.body


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """HTTP or MIME headers keyed by lower-case name (the first of repeated names wins)."""
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        lowered.setdefault(name.lower(), value)
    return lowered


def quote_as2_name(name: str) -> str:
    """An AS2-From/AS2-To value (RFC 4130 section 6.2): the name as is, or quoted when it needs it."""
    if _AS2_ATEXT.fullmatch(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote_as2_name(value: str) -> str:
    """The AS2 name in an AS2-From/AS2-To header value (quotes and escapes removed)."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


__all__ = [
    "CRLF",
    "Entity",
    "build_multipart",
    "canonicalize",
    "decode_body",
    "encode_base64",
    "header_param",
    "is_canonical",
    "lower_headers",
    "media_type",
    "new_boundary",
    "parse_entity",
    "quote_as2_name",
    "render_entity",
    "split_multipart",
    "unquote_as2_name",
]
