"""Reading a stored inbound document into its canonical form, whatever its standard.

The processors (orders, changes) work on canonical documents; this module is the one place that
knows which parser reads which stored document: an X12 set through the partner's charset and unit
mapping, a UBL document as it is. It returns the inbound X12 delimiters too, because partners who
set none get answered in their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Engine

from formats.codes.units import UnitMap
from formats.model import Canonical
from formats.x12.envelope import Delimiters, TransactionSet
from formats.x12.reader import read_interchanges
from gateway.partners import unit_map
from gateway.store.db import session
from gateway.store.tables import Document, Partner


class DocumentRejected(Exception):
    """Processing found the document cannot succeed as it is (a permanent failure)."""


@dataclass(frozen=True)
class Read:
    """A stored document as the processors need it."""

    document: Canonical
    delimiters: Delimiters | None = None


X12Parser = Callable[..., Canonical]


@cache
def _x12_parsers() -> dict[str, X12Parser]:
    """The parser of each X12 set, by code (built once: each set read asked for it)."""
    from formats.translate import X12_CODECS

    return {code: codec.parse for code, codec in X12_CODECS.items()}


def single_set(raw: bytes, charset: str | None = None) -> TransactionSet:
    """The one transaction set of a stored set document."""
    sets = [e for e in read_interchanges(raw, charset=charset) if isinstance(e, TransactionSet)]
    if len(sets) != 1:
        raise DocumentRejected(f"expected one transaction set in the stored document, found {len(sets)}")
    return sets[0]


def document_and_partner(engine: Engine, doc_id: int) -> tuple[Document, Partner]:
    """The stored document a processor was given and its partner; DocumentRejected without one."""
    with session(engine) as s:
        doc = s.get(Document, doc_id)
        partner = s.get(Partner, doc.partner_id) if doc and doc.partner_id else None
    if doc is None or partner is None:
        raise DocumentRejected(f"document {doc_id} has no partner")
    return doc, partner


def read_stored(doc: Document, partner: Partner) -> Read:
    """The canonical document of a stored inbound document; FormatError or DocumentRejected if unreadable."""
    if doc.standard == "x12":
        parser = _x12_parsers().get(doc.doc_type)
        if parser is None:
            raise DocumentRejected(f"X12 {doc.doc_type} is not translated")
        ts = single_set(doc.raw, partner.settings.get("charset"))
        units: UnitMap = unit_map(partner)
        return Read(parser(ts, units=units), ts.interchange.delimiters)
    if doc.standard == "ubl":
        from formats.ubl import parse as parse_ubl

        return Read(parse_ubl(doc.raw))
    if doc.standard == "cxml" and doc.doc_type == "OrderRequest":
        from formats.cxml import order_request

        return Read(order_request.parse(doc.raw))
    raise DocumentRejected(f"{doc.standard} {doc.doc_type} documents are not processed here")


__all__ = ["DocumentRejected", "Read", "document_and_partner", "read_stored", "single_set"]
