"""What every UBL 2.1 message shares: namespaces, a reading cursor, a writer, numbers and dates.

UBL documents are built from the same Common Basic (``cbc``) and Common Aggregate (``cac``)
components, so one module reads and writes the pieces every message type uses; the parties,
addresses and items live in :mod:`formats.ubl.parties` and :mod:`formats.ubl.items`.

Reading is lenient: children are found by local name whatever their namespace prefix, numbers
may carry blanks, codes any case. Everything a parser reads is marked on the :class:`Reader`; the
text of every leaf it did not read is kept as an :class:`~formats.model.Extension` named by its
path (``source="ubl:Order"``), so nothing present in a partner's document is dropped silently.

Writing is strict: the caller appends children in the order of the XSD sequence (the UBL
schemas are ``xs:sequence`` throughout, so order is validity).

More information: OASIS Universal Business Language 2.1, section 3 (the document models) and
the schemas under ``xsdrt/``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import TypeVar

from lxml import etree
from pydantic import ValidationError as PydanticValidationError

from formats.errors import Location, MappingError
from formats.model import ISO_4217_CODES, Extension, Money, Quantity
from formats.numbers import LIMITS, decimal_value
from formats.xml import line_of, local_name, parse_xml

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
DOCUMENT_NAMESPACE = "urn:oasis:names:specification:ubl:schema:xsd:{}-2"
UBL_VERSION = "2.1"

_T = TypeVar("_T")
_UNIT = re.compile(r"^[A-Z0-9]{1,3}$")
_BLANKS = re.compile(r"\s+")


def document_namespace(document_type: str) -> str:
    """The root namespace of a UBL document type (``Order`` -> ``urn:...:xsd:Order-2``)."""
    return DOCUMENT_NAMESPACE.format(document_type)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def root_of(raw: bytes | etree._Element, *document_types: str) -> etree._Element:
    """The root element of ``raw`` (parsed safely), refused unless it is one of ``document_types``.

    The namespace is checked too: an ``Order`` in the wrong namespace is not a UBL Order.
    """
    root = raw if isinstance(raw, etree._Element) else parse_xml(raw, what="UBL document")
    name = local_name(root)
    namespace = etree.QName(root).namespace
    if name not in document_types or namespace != document_namespace(name):
        expected = " or ".join(document_types)
        raise MappingError(f"expected a UBL {expected} document, got <{name}> in namespace {namespace!r}",
                           line_of(root))
    return root


def mapped(reader: Reader, build: Callable[[], _T]) -> _T:
    """Run ``build``, turning a value the canonical model refuses into a :class:`MappingError`."""
    try:
        return build()
    except PydanticValidationError as exc:
        error = exc.errors()[0]
        raise MappingError(f"not a valid {reader.document_type}: {error['msg']} at {error['loc']}",
                           line_of(reader.root)) from exc


class Reader:
    """A parse in progress: finds children by local name and remembers what it has read.

    One reader per document; :meth:`leftovers` then lists the leaves nobody read. lxml keeps
    one proxy per node while it is referenced, so holding the read elements in a set is sound.

    An element's children are sorted by local name once, the first time it is asked for one,
    and every later question is a dictionary lookup: a parser asks the root for some forty
    names, and walking all of its children for each (an Order may have thousands of lines)
    made reading grow with lines times names.
    """

    def __init__(self, root: etree._Element, document_type: str) -> None:
        self.root = root
        self.document_type = document_type
        self.source = f"ubl:{document_type}"
        self._read: set[etree._Element] = {root}
        self._named: dict[etree._Element, dict[str, list[etree._Element]]] = {}

    # -- finding -------------------------------------------------------------------------

    def children(self, parent: etree._Element | None, name: str) -> list[etree._Element]:
        """Child elements of ``parent`` with local name ``name`` (any namespace), marked read."""
        if parent is None:
            return []
        named = self._named.get(parent)
        if named is None:
            named = self._named[parent] = _children_by_name(parent)
        found = named.get(name)
        if not found:
            return []
        self._read.update(found)
        return list(found)

    def child(self, parent: etree._Element | None, *path: str) -> etree._Element | None:
        """The first element along ``path`` below ``parent`` (each step the first match)."""
        node = parent
        for name in path:
            found = self.children(node, name)
            if not found:
                return None
            node = found[0]
        return node

    def text(self, parent: etree._Element | None, *path: str) -> str:
        """The stripped text at ``path`` ("" when absent)."""
        node = self.child(parent, *path)
        return _BLANKS.sub(" ", "".join(node.itertext())).strip() if node is not None else ""

    def optional(self, parent: etree._Element | None, *path: str) -> str | None:
        """The text at ``path``, or None when absent or blank."""
        return self.text(parent, *path) or None

    def required(self, parent: etree._Element, path: tuple[str, ...], what: str) -> str:
        """The text at ``path``; :class:`MappingError` at ``parent`` naming the missing element."""
        value = self.text(parent, *path)
        if not value:
            node = self.child(parent, *path)
            where = self.where(node if node is not None else parent, "/".join(path) if node is None else None)
            raise MappingError(f"{self.document_type} has no {what} ({'/'.join(path)})", where)
        return value

    def need(self, parent: etree._Element, name: str, what: str) -> etree._Element:
        """The first child ``name`` of ``parent``; :class:`MappingError` at ``parent`` when absent."""
        node = self.child(parent, name)
        if node is None:
            raise MappingError(f"{self.document_type} has no {what} ({name})", self.where(parent, name))
        return node

    def unread(self, element: etree._Element) -> None:
        """Take back a read mark: the element's text is then kept as an extension."""
        self._read.discard(element)

    def where(self, element: etree._Element, missing: str | None = None) -> Location:
        """Line and path of ``element`` (plus the name of a missing child) for error messages."""
        location = line_of(element)
        if missing:
            return Location(line=location.line, path=f"{location.path}/{missing}")
        return location

    # -- typed values --------------------------------------------------------------------

    def date(self, parent: etree._Element | None, *path: str) -> dt.date | None:
        """An ``xs:date`` at ``path`` (a time zone suffix is accepted and dropped)."""
        node = self.child(parent, *path)
        value = self.text(node)
        if node is None or not value:
            return None
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError as exc:
            raise MappingError(f"{local_name(node)} {value!r} is not a date (YYYY-MM-DD)", self.where(node)) from exc

    def time(self, parent: etree._Element | None, *path: str) -> dt.time | None:
        """An ``xs:time`` at ``path`` (fractions and zone dropped: the model keeps wall time)."""
        node = self.child(parent, *path)
        value = self.text(node)
        if node is None or not value:
            return None
        try:
            return dt.time.fromisoformat(value[:8])
        except ValueError as exc:
            raise MappingError(f"{local_name(node)} {value!r} is not a time (hh:mm:ss)", self.where(node)) from exc

    def decimal(self, parent: etree._Element | None, *path: str) -> Decimal | None:
        """A decimal number at ``path`` (blanks and a leading ``+`` tolerated)."""
        node = self.child(parent, *path)
        return self.number_of(node) if node is not None and self.text(node) else None

    def number_of(self, node: etree._Element) -> Decimal:
        """The decimal text of ``node`` (blanks inside tolerated); :class:`MappingError` naming it otherwise.

        ASCII digits only, of a size an amount or quantity can have (:func:`formats.numbers.decimal_value`).
        """
        number = decimal_value(self.text(node).replace(" ", ""), exponent=True)
        if number is None:
            raise MappingError(f"{local_name(node)} {self.text(node)!r} is not a number ({LIMITS})", self.where(node))
        return number

    def money(self, parent: etree._Element | None, *path: str, currency: str | None = None) -> Money | None:
        """An amount at ``path`` in its ``currencyID`` (else ``currency``); None when absent."""
        node = self.child(parent, *path)
        if node is None or not self.text(node):
            return None
        amount = self.number_of(node)
        code = (node.get("currencyID") or currency or "").strip().upper()
        if not code:
            raise MappingError(f"{local_name(node)} has no currencyID and the document no currency",
                               self.where(node))
        if code not in ISO_4217_CODES:
            raise MappingError(f"{local_name(node)} currencyID {code!r} is not an ISO 4217 currency",
                               self.where(node))
        return Money(amount=amount, currency=code)

    def currency(self, parent: etree._Element, *path: str) -> str | None:
        """A currency code element (``DocumentCurrencyCode``), checked against ISO 4217."""
        node = self.child(parent, *path)
        code = self.text(node).upper()
        if node is None or not code:
            return None
        if code not in ISO_4217_CODES:
            raise MappingError(f"{local_name(node)} {code!r} is not an ISO 4217 currency", self.where(node))
        return code

    def quantity(self, parent: etree._Element | None, *path: str) -> Quantity | None:
        """A quantity at ``path`` with its Rec 20 ``unitCode`` (``EA`` when the partner gave none)."""
        node = self.child(parent, *path)
        if node is None or not self.text(node):
            return None
        unit = (node.get("unitCode") or "EA").strip().upper()
        if not _UNIT.match(unit):
            raise MappingError(f"{local_name(node)} unitCode {node.get('unitCode')!r} is not a UN/ECE Rec 20 code",
                               self.where(node))
        return Quantity(value=self.number_of(node), unit=unit)

    def indicator(self, parent: etree._Element | None, *path: str) -> bool | None:
        """An ``xs:boolean`` indicator at ``path`` (``true``/``1`` or ``false``/``0``)."""
        node = self.child(parent, *path)
        value = self.text(node).lower()
        if node is None or not value:
            return None
        if value not in ("true", "false", "1", "0"):
            raise MappingError(f"{local_name(node)} {value!r} is not true or false", self.where(node))
        return value in ("true", "1")

    # -- what was not read ---------------------------------------------------------------

    def leftovers(self) -> tuple[Extension, ...]:
        """Every text leaf not read, as an extension named by its path below the root, in document order.

        The paths are built on the way down, each element's children numbered in one pass
        (``Note[2]`` when a name repeats), not by counting every leaf's siblings again.
        """
        kept: list[Extension] = []
        pending: list[tuple[etree._Element, str]] = [(self.root, "")]
        while pending:
            node, path = pending.pop()
            if len(node):  # comments count, as a leaf holding one is not a plain text leaf
                pending.extend(reversed(_named_paths(node, path)))
            elif node not in self._read:
                value = _BLANKS.sub(" ", node.text or "").strip()
                if value:
                    kept.append(Extension(source=self.source, name=path, value=value))
        return tuple(kept)


def _children_by_name(parent: etree._Element) -> dict[str, list[etree._Element]]:
    """The element children of ``parent`` by local name, in document order."""
    named: dict[str, list[etree._Element]] = {}
    for element in parent:
        if isinstance(element.tag, str):
            named.setdefault(local_name(element), []).append(element)
    return named


def _named_paths(parent: etree._Element, path: str) -> list[tuple[etree._Element, str]]:
    """Each element child of ``parent`` with its path: ``path/Name``, or ``path/Name[n]`` when the name repeats."""
    elements = [element for element in parent if isinstance(element.tag, str)]
    names = [local_name(element) for element in elements]
    repeated = {name for name, count in Counter(names).items() if count > 1}
    numbers: Counter[str] = Counter()
    prefix = f"{path}/" if path else ""
    steps: list[tuple[etree._Element, str]] = []
    for element, name in zip(elements, names, strict=True):
        if name in repeated:
            numbers[name] += 1
            name = f"{name}[{numbers[name]}]"
        steps.append((element, prefix + name))
    return steps


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def new_document(document_type: str) -> etree._Element:
    """An empty root element of ``document_type`` with the usual ``cac``/``cbc`` prefixes."""
    nsmap = {None: document_namespace(document_type), "cac": CAC, "cbc": CBC}
    return etree.Element(f"{{{document_namespace(document_type)}}}{document_type}", nsmap=nsmap)


def cac(parent: etree._Element, name: str) -> etree._Element:
    """Append an aggregate component ``cac:name`` and return it."""
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def cbc(parent: etree._Element, name: str, value: object, **attributes: str | None) -> etree._Element | None:
    """Append ``cbc:name`` with ``value`` as text unless the value is None or empty.

    Attributes whose value is None are left out, so callers can pass optional ones straight.
    """
    if value is None or value == "":
        return None
    element = etree.SubElement(parent, f"{{{CBC}}}{name}")
    element.text = text_value(value)
    for key, attribute in attributes.items():
        if attribute:
            element.set(key, attribute)
    return element


def text_value(value: object) -> str:
    """How a value is written in UBL: decimals in plain notation, dates ISO, booleans lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def decimal_text(value: Decimal) -> str:
    """A decimal as ``xs:decimal`` accepts it: no exponent (``1E+2`` -> ``100``)."""
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def amount(parent: etree._Element, name: str, money: Money | None) -> etree._Element | None:
    """Append an amount element ``cbc:name`` with its ``currencyID``."""
    if money is None:
        return None
    return cbc(parent, name, money.amount, currencyID=money.currency)


def quantity(parent: etree._Element, name: str, value: Quantity | None) -> etree._Element | None:
    """Append a quantity element with its Rec 20 ``unitCode``."""
    if value is None:
        return None
    return cbc(parent, name, value.value, unitCode=value.unit)


def period(parent: etree._Element, name: str, start: dt.date | None, end: dt.date | None = None) -> None:
    """Append a ``cac:Period``-typed element when either date is known."""
    if start is None and end is None:
        return
    element = cac(parent, name)
    cbc(element, "StartDate", start)
    cbc(element, "EndDate", end)


def serialize(root: etree._Element) -> bytes:
    """The document as UTF-8 bytes with an XML declaration, indented for people who read it."""
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def require(value: object, what: str, document_type: str) -> None:
    """Refuse to render a document without a value its schema requires."""
    if value is None or value == "" or value == ():
        raise MappingError(f"cannot render a UBL {document_type} without {what}")


def sum_money(amounts: Iterable[Money], currency: str) -> Money:
    """The sum of ``amounts`` in ``currency`` (0 for none)."""
    return Money(amount=sum((a.amount for a in amounts), Decimal(0)), currency=currency)


def numbered(prefix: str = "") -> Iterator[str]:
    """Running line ids "1", "2" ... for elements the canonical model does not number."""
    number = 0
    while True:
        number += 1
        yield f"{prefix}{number}"


__all__ = [
    "CAC",
    "CBC",
    "UBL_VERSION",
    "Reader",
    "amount",
    "cac",
    "cbc",
    "decimal_text",
    "document_namespace",
    "mapped",
    "new_document",
    "numbered",
    "period",
    "quantity",
    "require",
    "root_of",
    "serialize",
    "sum_money",
    "text_value",
]
