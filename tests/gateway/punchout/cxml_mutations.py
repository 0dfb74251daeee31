"""A seeded mutator of cXML documents: the damage real and hostile buyers' systems send to ``/cxml``.

Each mutation is small and named, so a failing input says what was done to which corpus file;
:func:`mutate` draws one from a ``random.Random``, so a seed gives the same inputs every run.
It is cXML-minded (declared encodings, DOCTYPEs, attributes, numbers in attributes, element
counts) where the suite's intake fuzz test mutates every standard's bytes blindly.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

NON_ASCII_DIGITS = ("\u0661\u0662", "\u00b2", "\uff17", "\u07c1", "\U0001d7d7", "\u00bd", "\u216b", "\u06f5")
"""Characters ``str.isdigit()`` or ``Decimal()`` accept although they are no ASCII digit: Arabic-Indic 12,
superscript two, full-width seven, NKo one, bold nine, one half, Roman twelve, Persian five."""

_TAG = re.compile(rb"<([A-Za-z][\w.-]*)[^<>]*>")
_ATTRIBUTE_VALUE = re.compile(rb'(\w+)="([^"]*)"')
_DECLARATION = re.compile(rb"<\?xml[^>]*\?>")


def _tags(raw: bytes) -> list[re.Match[bytes]]:
    """The start tags of ``raw``; one made up when a mutation before left none."""
    return list(_TAG.finditer(raw)) or list(_TAG.finditer(raw + b"<cXML>"))


def truncate(rng: random.Random, raw: bytes) -> bytes:
    """Cut anywhere (also inside a multi-byte character or a tag)."""
    return raw[:rng.randrange(len(raw) + 1)]


def flip_bytes(rng: random.Random, raw: bytes) -> bytes:
    """A few bytes replaced by any byte value (invalid UTF-8 included)."""
    data = bytearray(raw or b" ")
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def nul_bytes(rng: random.Random, raw: bytes) -> bytes:
    """NUL bytes put in text, attributes or tags."""
    data = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data) + 1)
        data[at:at] = b"\x00"
    return bytes(data)


def wrong_encoding(rng: random.Random, raw: bytes) -> bytes:
    """A declaration naming another encoding than the bytes' (or none we know), or UTF-16 bytes declared UTF-8."""
    choice = rng.choice(("UTF-16", "UTF-32", "ISO-8859-1", "EBCDIC-US", "x-unknown", "UTF-8", "utf16"))
    declaration = f'<?xml version="1.0" encoding="{choice}"?>'.encode()
    body = _DECLARATION.sub(b"", raw, count=1).lstrip()
    if rng.random() < 0.3:
        return (declaration.decode() + body.decode("utf-8", "replace")).encode("utf-16")
    if rng.random() < 0.2:
        body = body.replace(b"e", "é".encode("latin-1"), 3)
    return declaration + b"\n" + body


def deep_nesting(rng: random.Random, raw: bytes) -> bytes:
    """Thousands of nested elements put inside an element of the document."""
    tags = _tags(raw)
    at = rng.choice(tags[1:] or tags).end()
    depth = rng.choice((300, 3_000))
    return raw[:at] + b"<Deep>" * depth + b"x" + b"</Deep>" * depth + raw[at:]


def doctype(rng: random.Random, raw: bytes) -> bytes:
    """A DOCTYPE with an internal subset: entities (general, parameter, external) or attribute defaults."""
    subset = rng.choice((
        b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">',
        b'<!ENTITY x SYSTEM "file:///etc/passwd">',
        b'<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;',
        b'<!ATTLIST cXML version CDATA "9.9">',
        b'<!ELEMENT cXML ANY>',
    ))
    use = rng.choice((b"", b"&a;", b"&x;", b"&b;"))
    body = _DECLARATION.sub(b"", raw, count=1).lstrip()
    if use:
        body = body.replace(b"</Identity>", use + b"</Identity>", 1)
    return b'<?xml version="1.0"?>\n<!DOCTYPE cXML SYSTEM "cXML.dtd" [' + subset + b"]>\n" + body


def many_elements(rng: random.Random, raw: bytes) -> bytes:
    """Tens of thousands of siblings put among an element's children (empty, Extrinsic or a copy)."""
    tags = _tags(raw)
    at = rng.choice(tags[1:] or tags).end()
    element = rng.choice((b"<X/>", b'<Extrinsic name="n">v</Extrinsic>', b"<ItemOut/>", b"<Credential/>"))
    return raw[:at] + element * rng.choice((1_000, 10_000)) + raw[at:]


def many_attributes(rng: random.Random, raw: bytes) -> bytes:
    """Thousands of attributes on one element, or attributes repeated or differing only by case."""
    tags = _tags(raw)
    tag = rng.choice(tags)
    count = rng.choice((50, 3_000, 20_000))
    extra = rng.choice((
        b" ".join(b'a%d="v%d"' % (i, i) for i in range(count)),
        b'payloadID="x" PAYLOADID="y" payloadid="z"',
        b'operation="create" Operation="edit"',
        b'x="1" x="2"',
    ))
    at = tag.start() + 1 + len(tag.group(1))
    return raw[:at] + b" " + extra + raw[at:]


def odd_numbers(rng: random.Random, raw: bytes) -> bytes:
    """An attribute value or an element's text replaced by a non-ASCII, huge, tiny or not-a-number value."""
    value = rng.choice((*NON_ASCII_DIGITS, "1e999999999", "9" * 5_000, "-0", "NaN", "Infinity", "1e-999999",
                        "0x10", "1_000", "\uff11\uff12", "12\u00a0", "", " ", "-1")).encode()
    matches = list(_ATTRIBUTE_VALUE.finditer(raw))
    if matches and rng.random() < 0.6:
        found = rng.choice(matches)
        return raw[:found.start(2)] + value + raw[found.end(2):]
    amounts = list(re.finditer(rb"(<Money[^>]*>)([^<]*)(<)", raw)) or list(re.finditer(rb"(<[^/>]+>)([^<]*)(<)", raw))
    if not amounts:
        return raw + value
    found = rng.choice(amounts)
    return raw[:found.start(2)] + value + raw[found.end(2):]


def duplicate_or_remove(rng: random.Random, raw: bytes) -> bytes:
    """An element (with its content) repeated or removed: a second Header, no Request, no Status ..."""
    tags = _tags(raw)
    tag = rng.choice(tags)
    if tag.end() > len(raw):
        return raw
    name = tag.group(1)
    end = raw.find(b"</" + name + b">", tag.end())
    if end < 0:
        return raw[:tag.start()] + raw[tag.end():]
    end += len(name) + 3
    element = raw[tag.start():end]
    if rng.random() < 0.5:
        return raw[:tag.start()] + raw[end:]
    return raw[:end] + element * rng.randint(1, 3) + raw[end:]


def rename(rng: random.Random, raw: bytes) -> bytes:
    """An element's name changed in case or replaced, on its start tag only or on both tags."""
    tags = _tags(raw)
    tag = rng.choice(tags)
    name = tag.group(1)
    new = rng.choice((name.upper(), name.lower(), b"ns:" + name, b"Unknown", name + b"X"))
    raw = raw[:tag.start(1)] + new + raw[tag.end(1):]
    if rng.random() < 0.5:
        raw = raw.replace(b"</" + name + b">", b"</" + new + b">", 1)
    return raw


def long_values(rng: random.Random, raw: bytes) -> bytes:
    """An element name, an attribute value or a text made long: longer than any column that keeps it."""
    tags = _tags(raw)
    tag = rng.choice(tags)
    if tag.end() > len(raw):
        return raw + b"x" * 100_000
    name = tag.group(1)
    choice = rng.random()
    if choice < 0.4:  # the name, on both tags (a request element of 200 characters)
        longer = name * rng.choice((3, 20))
        raw = raw[:tag.start(1)] + longer + raw[tag.end(1):]
        return raw.replace(b"</" + name + b">", b"</" + longer + b">", 1)
    values = list(_ATTRIBUTE_VALUE.finditer(raw))
    if choice < 0.8 and values:
        found = rng.choice(values)
        return raw[:found.start(2)] + b"9" * rng.choice((65, 300, 100_000)) + raw[found.end(2):]
    return raw[:tag.end()] + b"y" * rng.choice((65, 100_000)) + raw[tag.end():]


def junk_text(rng: random.Random, raw: bytes) -> bytes:
    """Characters real systems mangle into text and attributes: control characters, BOMs, RTL marks."""
    junk = rng.choice(("\u00a0", "\u202e", "\ufeff", "\ufffd", "\U0001f4a9", "\x1a", "\x85", "&#0;", "&#xFFFE;",
                       "&amp", "]]>", "<![CDATA[x]]>", "&unknown;")).encode()
    at = rng.randrange(len(raw) + 1)
    return raw[:at] + junk + raw[at:]


MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "truncate": truncate,
    "flip bytes": flip_bytes,
    "NUL bytes": nul_bytes,
    "wrong encoding": wrong_encoding,
    "deep nesting": deep_nesting,
    "DOCTYPE": doctype,
    "many elements": many_elements,
    "many attributes": many_attributes,
    "odd numbers": odd_numbers,
    "duplicate or remove": duplicate_or_remove,
    "rename": rename,
    "junk text": junk_text,
    "long values": long_values,
}
"""Each kind of damage by name (a failing input names its kind)."""


def mutate(rng: random.Random, raw: bytes) -> tuple[str, bytes]:
    """(the kind of damage, the damaged document): one or two mutations of ``raw``."""
    kinds = [rng.choice(sorted(MUTATIONS)) for _ in range(1 if rng.random() < 0.8 else 2)]
    for kind in kinds:
        raw = MUTATIONS[kind](rng, raw) or raw
    return "+".join(kinds), raw


__all__ = ["MUTATIONS", "NON_ASCII_DIGITS", "mutate"]
