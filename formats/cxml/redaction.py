"""Secrets out of stored cXML: the text of every authenticator element replaced by a marker.

A cXML Header carries its authenticator in a ``Credential`` (cXML.dtd 1.2.063, entity
``%cxml.authentication;``): ``SharedSecret`` (a password, ``ANY`` content), ``CredentialMac``
(a MAC a third party computed, replayable) or the deprecated ``DigitalSignature``. The raw bytes
of a document are evidence and are kept as received, except for those: :func:`redact_secrets`
puts a marker in their place that says one was there and, when known, whether it matched::

    >>> redact_secrets(b"<Credential domain='DUNS'><Identity>1</Identity>"
    ...                b"<SharedSecret>welcome</SharedSecret></Credential>", verdict="matched")
    b"<Credential domain='DUNS'><Identity>1</Identity><SharedSecret>[redacted: matched]</SharedSecret></Credential>"

Everything else stays byte for byte: the document is scanned as text (no tree round trip), in
the encoding its bytes or XML declaration name (UTF-8, ISO-8859-x and other ASCII supersets
are scanned as bytes; UTF-16/32 decoded and encoded again), skipping comments, processing
instructions, CDATA sections and the DOCTYPE outside the secret, and taking whatever the
element holds (text, entities, CDATA, child elements) as the secret. A document that is not
well-formed is redacted as far as it can be read: an element with no end tag loses everything
after its start tag. When the result is well-formed XML, it is read again and every secret
element checked to hold nothing but a marker; if a document fooled the scanner, the secrets are
replaced through lxml's tree instead (bytes then as lxml writes them: safe before faithful).

:func:`fill_secret` is the other half for what we send: a document stored with our own
SharedSecret as ``[redacted]`` gets it back just before it leaves (the ``cxml`` delivery channel).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from formats.errors import FormatError
from formats.xml import parse_xml

SECRET_ELEMENTS = frozenset({"SharedSecret", "CredentialMac", "DigitalSignature"})
"""The cXML authenticators (``%cxml.authentication;``): their content is never stored."""

MARKER = "[redacted]"
"""What stands where a secret was, when nothing is known of it."""

VERDICTS = ("matched", "wrong", "unknown buyer", "not checked")
"""The verdicts the gateway writes (any short text without markup is taken)."""


def marker(verdict: str | None = None) -> str:
    """``[redacted]`` or ``[redacted: <verdict>]``."""
    if not verdict:
        return MARKER
    cleaned = "".join(c for c in verdict if c.isprintable() and c not in "<>&[]")[:40].strip()
    return f"[redacted: {cleaned}]" if cleaned else MARKER


def is_marker(text: str) -> bool:
    """Whether ``text`` is a marker :func:`marker` writes (what a redacted secret element holds)."""
    return text == MARKER or (text.startswith("[redacted: ") and text.endswith("]") and "[" not in text[1:-1])


# --------------------------------------------------------------------------------------------
# Encodings: scan ASCII supersets as bytes (latin-1 maps each byte to one character), decode others
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    """The document as text to scan; how text goes back to bytes, and how an inserted value enters the text."""

    text: str
    encode: Callable[[str], bytes]
    put: Callable[[str], str]


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_BARE = ((b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"), (b"<\0?\0", "utf-16-le"), (b"\0<\0?", "utf-16-be"))


def _declared(raw: bytes) -> str | None:
    """The ``encoding`` of an XML declaration at the start of ``raw`` (read as ASCII), or None."""
    close = raw.find(b"?>", 0, 400)
    if not raw.startswith(b"<?xml") or close < 0:
        return None
    head = raw[:close]
    at = head.find(b"encoding")
    if at < 0:
        return None
    rest = head[at + len(b"encoding"):].lstrip(b" \t\r\n")
    if not rest.startswith(b"="):
        return None
    rest = rest[1:].lstrip(b" \t\r\n")
    if not rest or rest[:1] not in (b"'", b'"'):
        return None
    end = rest.find(rest[:1], 1)
    return rest[1:end].decode("ascii", "replace") if end > 0 else None


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except (LookupError, ValueError):  # unknown, or not a name at all (a NUL in it)
        return None


def _ascii_superset(codec: str) -> bool:
    probe = "<?xml SharedSecret='x'/>"
    try:
        return probe.encode(codec) == probe.encode("ascii")
    except UnicodeError:
        return False


def _as_text(raw: bytes) -> _Text:
    """The scannable text of ``raw``; ``encode(text)`` gives ``raw`` back, byte for byte, when it is untouched.

    ASCII supersets (UTF-8, ISO-8859-x, windows-125x, no declaration) are scanned as bytes read
    as latin-1, one character per byte, so no byte changes whatever it is; a value put in is
    first written in the declared encoding (character references for what it cannot write).
    """
    codec = next((n for bom, n in _BOMS if raw.startswith(bom)), None)
    codec = codec or next((n for start, n in _BARE if raw.startswith(start)), None)
    if codec is None or codec == "utf-8":
        declared = _codec(_declared(raw)) if codec is None else "utf-8"
        if declared is None or _ascii_superset(declared) or declared.startswith(("utf-16", "utf-32")):
            into = declared if declared is not None and _ascii_superset(declared) else "utf-8"
            return _Text(raw.decode("latin-1"), lambda text: text.encode("latin-1"),
                         lambda value: value.encode(into, "xmlcharrefreplace").decode("latin-1"))
        codec = declared  # UTF-7 and the like: decoded, encoded again
    name: str = codec
    try:
        text = raw.decode(name)
    except UnicodeError:  # bytes that are not what they claim: scan what can be read
        text = raw.decode(name, "replace")
    return _Text(text, lambda value: value.encode(name, "xmlcharrefreplace"), lambda value: value)


# --------------------------------------------------------------------------------------------
# The scanner
# --------------------------------------------------------------------------------------------

_NAME_END = " \t\r\n/>"


def _skip(text: str, at: int) -> int:
    """Where the markup starting with ``<`` at ``at`` ends (just past it), for what is not an element."""
    for start, end in (("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>")):
        if text.startswith(start, at):
            stop = text.find(end, at + len(start))
            return len(text) if stop < 0 else stop + len(end)
    if text.startswith("<!", at):  # DOCTYPE, maybe with an internal subset in brackets
        depth, i = 0, at + 2
        quote = ""
        while i < len(text):
            c = text[i]
            if quote:
                quote = "" if c == quote else quote
            elif c in "'\"":
                quote = c
            elif c == "[":
                depth += 1
            elif c == "]":
                depth -= 1
            elif c == ">" and depth <= 0:
                return i + 1
            i += 1
        return len(text)
    return -1


def _tag_end(text: str, at: int) -> int:
    """Just past the ``>`` of the tag starting at ``at`` (quoted attribute values may hold ``>``)."""
    quote = ""
    for i in range(at + 1, len(text)):
        c = text[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == ">":
            return i + 1
    return len(text)


def _name(text: str, at: int) -> str:
    """The tag name starting at ``at`` (after ``<`` or ``</``)."""
    end = at
    while end < len(text) and text[end] not in _NAME_END:
        end += 1
    return text[at:end]


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _content_end(text: str, at: int) -> tuple[int, int]:
    """(where the secret element's content ends, just past its end tag) for content starting at ``at``.

    Any end tag that closes nothing opened inside ends the content (its own, or a mismatched one
    in a document that is not well-formed); no end tag at all: the content runs to the end.
    """
    depth, i = 0, at
    while True:
        i = text.find("<", i)
        if i < 0:
            return len(text), len(text)
        skipped = _skip(text, i)
        if skipped >= 0:
            i = skipped
            continue
        end = _tag_end(text, i)
        if text.startswith("</", i):
            if depth == 0:
                return i, end
            depth -= 1
        elif not text[i:end].endswith("/>"):
            depth += 1
        i = end


def _secrets(text: str) -> list[tuple[int, int, str]]:
    """(content start, content end, local name) of every secret element in ``text``."""
    found: list[tuple[int, int, str]] = []
    i = 0
    while True:
        i = text.find("<", i)
        if i < 0:
            return found
        skipped = _skip(text, i)
        if skipped >= 0:
            i = skipped
            continue
        end = _tag_end(text, i)
        if text.startswith("</", i) or text[i:end].endswith("/>"):
            i = end
            continue
        local = _local(_name(text, i + 1))
        if local in SECRET_ELEMENTS:
            stop, after = _content_end(text, end)
            found.append((end, stop, local))
            i = after
        else:
            i = end


def _rewrite(raw: bytes, replace: Callable[[str, str], str | None]) -> bytes:
    """``raw`` with the content of each secret element replaced by ``replace(local name, content)`` (None: kept)."""
    scanned = _as_text(raw)
    text = scanned.text
    spans = _secrets(text)
    if not spans:
        return raw
    parts: list[str] = []
    last = 0
    changed = False
    for start, stop, local in spans:
        new = replace(local, text[start:stop])
        if new is None:
            continue
        parts += [text[last:start], scanned.put(new)]
        last = stop
        changed = True
    if not changed:
        return raw
    parts.append(text[last:])
    return scanned.encode("".join(parts))


# --------------------------------------------------------------------------------------------
# Checked against the parser, with the tree as the fallback
# --------------------------------------------------------------------------------------------


def _tree(raw: bytes) -> etree._Element | None:
    try:
        return parse_xml(raw, max_bytes=max(len(raw), 1), what="cXML document")
    except FormatError:
        return None


def _secret_nodes(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str) and e.tag.rpartition("}")[2] in SECRET_ELEMENTS]


def _clean(root: etree._Element) -> bool:
    """Whether every secret element of ``root`` holds nothing or a marker only."""
    for node in _secret_nodes(root):
        content = "".join(node.itertext())
        if len(node) and any(isinstance(child.tag, str) for child in node):
            return False
        if content.strip() and not is_marker(content):
            return False
    return True


def _through_tree(raw: bytes, written: str) -> bytes:
    """The tree's way: every secret element's content replaced by ``written`` (bytes as lxml writes them)."""
    root = _tree(raw)
    if root is None:  # the caller only comes here with a well-formed original
        raise ValueError("not well-formed")
    for node in _secret_nodes(root):
        if "".join(node.itertext()).strip() or len(node):
            for child in list(node):
                node.remove(child)
            node.text = written
    tree = root.getroottree()
    encoding = tree.docinfo.encoding or "UTF-8"
    return etree.tostring(tree, xml_declaration=True, encoding=encoding)


def redact_secrets(raw: bytes, *, verdict: str | None = None) -> bytes:
    """``raw`` with every SharedSecret, CredentialMac and DigitalSignature content replaced by a marker.

    ``verdict`` (``matched``, ``wrong``, ``unknown buyer``, ...) goes into the SharedSecret's
    marker: ``[redacted: wrong]``; without it, and for the other two, ``[redacted]``. Empty secret
    elements stay as they are (nothing was presented), and so does everything outside the secrets;
    without a verdict, a marker stays as it is (redacting twice keeps the first verdict).
    Pure (no I/O), and it never raises: what no reading understands is redacted crudely.
    """
    written = marker(verdict)
    try:
        return _redact(raw, written)
    except Exception:  # a reading this module did not foresee: the crude one, on the bytes, cannot fail
        return _crude(raw.decode("latin-1"), written).encode("latin-1")


def _redact(raw: bytes, written: str) -> bytes:
    """:func:`redact_secrets` with its marker: the scanner, checked by the parser, the tree or the crude reading."""

    def replace(local: str, content: str) -> str | None:
        if not content.strip() or (written == MARKER and is_marker(content)):  # nothing, or redacted already
            return None
        return written if local == "SharedSecret" else MARKER  # the verdict is the SharedSecret's

    redacted = _rewrite(raw, replace)
    if redacted is raw and not _looks_secret(raw):
        return raw
    root = _tree(redacted)
    if root is not None and _clean(root):
        return redacted
    if root is None and _tree(raw) is None:  # not XML: the scanner's reading, then the cruder one, on top
        return _conservative(redacted, written)
    return _through_tree(raw, written)


def _crude(text: str, written: str) -> str:
    """Whatever may be a secret element's content emptied, read crudely (for what is not XML).

    The scanner's reading of a document that is not XML may not be the one that matters, so: any
    ``<`` may start a tag (a stray ``<`` before one does not hide it), a tag ends at the first
    ``>``; after a ``<[prefix:]Name`` of a secret element everything up to its ``</[prefix:]Name``
    goes (the rest of the document when there is none), and so does the text before any such
    end tag, back to the end of the tag before it; and everything between the first and the last
    of those spans goes with them.
    """
    spans: list[tuple[int, int]] = []
    i = 0
    while (i := text.find("<", i)) >= 0:
        closing = text.startswith("</", i)
        start = end = i + (2 if closing else 1)
        while end < len(text) and text[end] not in _NAME_END and text[end] != "<":
            end += 1
        name = text[start:end]
        i += 1
        if _local(name) not in SECRET_ELEMENTS:
            continue
        if closing:  # back to the end of the tag before, whichever ">" or "<" began it
            lt = start - 2
            before = text.rfind("<", 0, lt)
            gt = text.find(">", before, lt) if before >= 0 else -1
            spans.append((min(text.rfind(">", 0, lt) + 1, gt + 1 if gt >= 0 else max(before, 0)), lt))
            continue
        close = text.find(">", end)
        if close < 0 or text[close - 1] == "/":
            continue
        stop = text.find(f"</{name}", close)
        spans.append((close + 1, len(text) if stop < 0 else stop))
    if not spans:
        return text
    start, stop = min(s for s, _ in spans), max(e for _, e in spans)  # one span: no secret between two of them
    content = text[start:stop]
    if stop <= start or not content.strip() or is_marker(content):
        return text
    return text[:start] + written + text[stop:]


def _conservative(raw: bytes, written: str) -> bytes:
    """:func:`_crude` over the document's text in its encoding, and over its bytes as ASCII."""
    scanned = _as_text(raw)
    once = scanned.encode(_crude(scanned.text, scanned.put(written)))
    return _crude(once.decode("latin-1"), written).encode("latin-1")


def _looks_secret(raw: bytes) -> bool:
    """Whether any secret element's name appears in ``raw`` in some encoding (then the parser checks)."""
    lowered = raw.replace(b"\0", b"")
    return any(name.encode() in lowered for name in SECRET_ELEMENTS) or not lowered.isascii()


def fill_secret(raw: bytes, secret: str | None) -> bytes:
    """``raw`` with ``secret`` written into each SharedSecret that holds a marker (what we send).

    The secret is escaped for XML and written in the document's encoding (as character
    references where that encoding has no letter for it); ``None`` leaves ``raw`` as it is.
    """
    if secret is None:
        return raw
    escaped = secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def replace(local: str, content: str) -> str | None:
        return escaped if local == "SharedSecret" and is_marker(content) else None

    return _rewrite(raw, replace)


__all__ = ["MARKER", "SECRET_ELEMENTS", "VERDICTS", "fill_secret", "is_marker", "marker", "redact_secrets"]
