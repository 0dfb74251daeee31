"""Safe XML reading for every XML standard (cXML, UBL): no XXE, no entity bombs, bounded size.

Partners' XML is untrusted input. lxml resolves entities and may fetch DTDs unless told not to,
so every XML document the gateway reads goes through :func:`parse_xml`:

* entities are not resolved and no DTD is loaded, not even from the network or a local file
  (cXML documents name their DTD in the DOCTYPE; validation against the real DTDs happens in
  tests and ``b2bgw validate``, with the DTD supplied by the caller);
* a DOCTYPE with an internal subset that declares entities is refused outright: it is how
  billion-laughs and external-entity attacks arrive, and no legitimate cXML or UBL needs one;
* documents larger than ``max_bytes`` are refused before parsing, and lxml's own limits on
  tree depth and text size stay on (``huge_tree=False``);
* an element with more than ``max_attributes`` attributes (:data:`MAX_ATTRIBUTES`) is refused,
  naming the element, its line and path, and the count. libxml2 offers no such limit, so it
  is checked once the tree is built: building it is linear (libxml2 >= 2.12 checks duplicate
  attributes through a hash table; lxml >= 5 bundles it), and bounded by ``max_bytes``. The
  check costs nothing for ordinary documents: an element cannot have more attributes than the
  document has ``=`` signs, which ``bytes.count`` counts in C, and only a document with more
  than ``max_attributes`` of them (or in UTF-7, which can hide them) is searched, by one XPath
  evaluated in C.

Reading stays linear in the input, whatever it holds: lxml's ``items()`` and ``values()``
look every value up again by name (quadratic in an element's attributes: an element with
60,000 attributes took 13-17 s of CPU), so :func:`attribute_items` reads them in one pass, and
readers look children up through a map built once per element, never by walking all the
children again for every name they ask (``formats.cxml.common.Kids``, ``formats.ubl.common.Reader``).
Numbers in the documents are read by :func:`formats.numbers.decimal_value` (ASCII digits only).

Errors are :class:`~formats.errors.XmlSyntaxError` with the line where the parser stopped.
"""

from __future__ import annotations

import re

from lxml import etree

from formats.errors import Location, XmlSyntaxError

MAX_ATTRIBUTES = 256
"""The most attributes one element may carry: no cXML or UBL element has more than a dozen, and
the cap keeps any per-element cost of a library (lxml's ``items()`` is quadratic) small."""

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""Largest XML document read by default (20 MiB); callers with bigger legitimate files pass more."""

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False, remove_comments=False)


def parse_xml(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_attributes: int = MAX_ATTRIBUTES,
              what: str = "XML document") -> etree._Element:
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
    if raw.count(b"=") > max_attributes or _hides_equals(root):  # else no element can have more: each has its "="
        _check_attribute_counts(root, max_attributes, what)
    return root


def _hides_equals(root: etree._Element) -> bool:
    """Whether the document's encoding may write ``=`` otherwise than as the byte ``0x3D``.

    In the encodings libxml2 reads, ``=`` is that byte (UTF-16 and UTF-32 put zeros beside it)
    but in UTF-7, which may write it in base64 (``+AD0-``); EBCDIC is not read at all.
    """
    encoding = (root.getroottree().docinfo.encoding or "").upper().replace("-", "").replace("_", "")
    return "UTF7" in encoding


def _check_attribute_counts(root: etree._Element, max_attributes: int, what: str) -> None:
    """:class:`XmlSyntaxError` at the first element with more than ``max_attributes`` attributes."""
    crowded = root.xpath("(descendant-or-self::*[@*[$beyond]])[1]", beyond=max_attributes + 1)
    if isinstance(crowded, list) and crowded and isinstance(crowded[0], etree._Element):
        element = crowded[0]
        count = len(element.attrib)
        raise XmlSyntaxError(f"{what}: <{local_name(element)}> has {count:,} attributes, more than the "
                             f"{max_attributes:,} allowed", line_of(element))


def local_name(element: etree._Element) -> str:
    """The tag without its namespace (``{urn:...}Order`` -> ``Order``); "" for a comment or PI.

    Cut from the tag text rather than through ``etree.QName``: readers call this for every child
    they look at, and a QName object per call is most of their time.
    """
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


_FEW_ATTRIBUTES = 16
"""Up to this many attributes lxml's own ``items()`` is the quickest; beyond, it grows quadratically."""


def attribute_items(element: etree._Element) -> list[tuple[str, str]]:
    """Every ``(name, value)`` of ``element`` (names as lxml gives them, ``{ns}local``), in one pass.

    lxml's ``items()`` fetches each value by searching the attribute list again by name, which
    is quadratic in the number of attributes; an XPath ``@*`` returns each value with its name
    in one walk of the list, at a fixed cost of some microseconds that only pays off past a few.
    """
    if len(element.attrib) <= _FEW_ATTRIBUTES:
        return element.items()
    found = element.xpath("@*")
    return [(value.attrname, str(value)) for value in found if isinstance(value, etree._ElementUnicodeResult)] \
        if isinstance(found, list) else []


def attribute_named(element: etree._Element, name: str) -> str | None:
    """The raw value of the attribute called ``name`` in any case and namespace; None when absent.

    The exact spelling is looked up first (in C). Otherwise the names are compared once each,
    without fetching any value (iterating the names is linear, unlike ``items()``), and the one that
    matches is fetched: a lookup costs one pass over the names, whatever the element carries.
    """
    exact = element.get(name)
    if exact is not None:
        return exact
    wanted = name.lower()
    for key in element.attrib:
        if isinstance(key, str) and key.rpartition("}")[2].lower() == wanted:
            return element.get(key)
    return None


def text_of(element: etree._Element | None) -> str:
    """The element's whole text content with surrounding blanks removed ("" when absent)."""
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def line_of(element: etree._Element) -> Location:
    """Where ``element`` is, for error messages: its source line and its path."""
    tree = element.getroottree()
    return Location(line=element.sourceline, path=tree.getpath(element))


__all__ = ["DEFAULT_MAX_BYTES", "MAX_ATTRIBUTES", "attribute_items", "attribute_named", "line_of", "local_name",
           "parse_xml", "text_of"]
