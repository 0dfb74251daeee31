"""Safe XML reading for every XML standard (cXML, UBL): no XXE, no entity bombs, bounded size.

Partners' XML is untrusted input. lxml resolves entities and may fetch DTDs unless told not to,
so every XML document the gateway reads goes through :func:`parse_xml`:

* entities are not resolved and no DTD is loaded, not even from the network or a local file
  (cXML documents name their DTD in the DOCTYPE; validation against the real DTDs happens in
  tests and ``b2bgw validate``, with the DTD supplied by the caller);
* a DOCTYPE with an internal subset that declares entities is refused outright: it is how
  billion-laughs and external-entity attacks arrive, and no legitimate cXML or UBL needs one;
* documents larger than ``max_bytes`` are refused before parsing, and lxml's own limits on
  tree depth and text size stay on (``huge_tree=False``).

Errors are :class:`~formats.errors.XmlSyntaxError` with the line where the parser stopped.
"""

from __future__ import annotations

import re

from lxml import etree

from formats.errors import Location, XmlSyntaxError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""Largest XML document read by default (20 MiB); callers with bigger legitimate files pass more."""

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False, remove_comments=False)


def parse_xml(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "XML document") -> etree._Element:
    """The root element of ``raw``; :class:`XmlSyntaxError` for anything unsafe or not well-formed."""
    if len(raw) > max_bytes:
        raise XmlSyntaxError(f"{what} is {len(raw):,} bytes, more than the {max_bytes:,} allowed")
    if not raw.strip():
        raise XmlSyntaxError(f"{what} is empty")
    prologue = raw[:65536]
    declaration = _ENTITY_DECLARATION.search(prologue) if _DOCTYPE.search(prologue) else None
    if declaration is not None:
        line = prologue[: declaration.start()].count(b"\n") + 1
        raise XmlSyntaxError(f"{what} declares entities in its DOCTYPE, which is refused (XXE / entity expansion)",
                             Location(line=line))
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise XmlSyntaxError(f"{what} is not well-formed XML: {exc.msg}", Location(line=line)) from exc
    if root is None:
        raise XmlSyntaxError(f"{what} has no root element")
    subset = root.getroottree().docinfo.internalDTD
    if subset is not None and any(True for _ in subset.entities()):
        # Declared after 64 KiB of comments the quick check above does not see it; lxml has not
        # expanded anything (resolve_entities=False), and the rule is the same: refused.
        raise XmlSyntaxError(f"{what} declares entities in its DOCTYPE, which is refused (XXE / entity expansion)")
    return root


def local_name(element: etree._Element) -> str:
    """The tag without its namespace (``{urn:...}Order`` -> ``Order``); "" for a comment or PI.

    Cut from the tag text rather than through ``etree.QName``: readers call this for every child
    they look at, and a QName object per call is most of their time.
    """
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def text_of(element: etree._Element | None) -> str:
    """The element's whole text content with surrounding blanks removed ("" when absent)."""
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def line_of(element: etree._Element) -> Location:
    """Where ``element`` is, for error messages: its source line and its path."""
    tree = element.getroottree()
    return Location(line=element.sourceline, path=tree.getpath(element))


__all__ = ["DEFAULT_MAX_BYTES", "line_of", "local_name", "parse_xml", "text_of"]
