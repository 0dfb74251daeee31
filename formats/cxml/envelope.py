"""The cXML envelope: the ``cXML`` root, its ``Header`` of credentials, and ``Response``.

Every cXML document is ``<cXML payloadID=".." timestamp="..">`` holding either a ``Header``
(From, To, Sender credentials) and a ``Request`` or ``Message``, or a bare ``Response`` with a
``Status``. The payloadID identifies the document for ever (the spec recommends
``datetime.process id.random number@hostname``) and is what makes a resend recognisable.

Secrets: a parsed :class:`Credential` keeps the SharedSecret the sender presented (the gateway
checks it in constant time) but never shows it in ``repr``; nothing rendered here writes a
SharedSecret unless the caller passes ``shared_secret`` explicitly, which is only for the
documents we send to a buyer, where the spec requires our own credential in ``Sender``.

>>> import datetime as dt
>>> payload_id(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "8f3a", "gw.example.com", process="42")
'20240102030405.42.8f3a@gw.example.com'

More information: cXML User's Guide 1.2, "cXML Envelope", "Header", "Response" and the status
codes of "Status" (200 OK, 201 Accepted, 204 No Content, 400 Bad Request, 401 Unauthorized,
406 Not Acceptable, 409 Conflict, 500 Internal Server Error ...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from formats.cxml.common import (
    CXML_VERSION,
    DEFAULT_LANG,
    Kids,
    attribute,
    child,
    children,
    datetime_text,
    serialize,
    sub,
    text,
    where,
)
from formats.errors import DetectionError, MappingError
from formats.xml import local_name, parse_xml

STATUS_TEXTS: dict[int, str] = {
    200: "OK",
    201: "Accepted",
    204: "No Content",
    280: "Forwarded",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    475: "Signature Required",
    500: "Internal Server Error",
    503: "Service Unavailable",
    560: "Temporary Server Error",
}
"""The cXML status codes (HTTP-like) and their standard texts."""


@dataclass(frozen=True, slots=True)
class Credential:
    """One ``Credential``: a domain and identity, and the SharedSecret if one was presented."""

    domain: str
    identity: str
    shared_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Status:
    """A ``Status`` of a Response (or Message): code, text and the optional detail."""

    code: int
    text: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the ``cXML`` root and ``Header`` say about a document.

    ``timestamp`` is kept as written (some buyers send non-ISO stamps); ``kind`` is ``Request``,
    ``Message`` or ``Response`` and ``document_type`` the element inside it (``OrderRequest``,
    ``PunchOutOrderMessage``, ``PunchOutSetupResponse`` or ``Status`` alone).
    """

    payload_id: str
    timestamp: str
    kind: str
    document_type: str
    version: str | None = None
    lang: str | None = None
    from_: tuple[Credential, ...] = ()
    to: tuple[Credential, ...] = ()
    sender: tuple[Credential, ...] = ()
    user_agent: str | None = None
    deployment_mode: str = "production"
    status: Status | None = None

    @property
    def shared_secret(self) -> str | None:
        """The SharedSecret the sender presented (the first Sender credential with one)."""
        return next((c.shared_secret for c in self.sender if c.shared_secret), None)


def payload_id(moment: dt.datetime, token: str, host: str, *, process: str = "0") -> str:
    """A payloadID as the spec recommends: ``datetime.process.random@hostname``.

    Pure: the caller supplies the time, a random token (``secrets.token_hex(8)``) and the host.
    """
    return f"{moment.astimezone(dt.UTC):%Y%m%d%H%M%S}.{process}.{token}@{host}"


def timestamp_text(moment: dt.datetime) -> str:
    """The ``timestamp`` attribute: ISO 8601 with the zone (UTC when the time is naive)."""
    return datetime_text(moment)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def cxml_root(raw: bytes | etree._Element) -> etree._Element:
    """The ``cXML`` root of ``raw`` (parsed safely); :class:`DetectionError` if it is not cXML."""
    root = raw if isinstance(raw, etree._Element) else parse_xml(raw, what="cXML document")
    if local_name(root).lower() != "cxml":
        raise DetectionError(f"not a cXML document: the root element is <{local_name(root)}>", where(root))
    return root


def _credentials(holder: etree._Element | None) -> tuple[Credential, ...]:
    found = []
    for credential in children(holder, "Credential"):
        parts = Kids(credential)
        secret_node = parts.first("SharedSecret")
        found.append(Credential(domain=attribute(credential, "domain") or "", identity=parts.text("Identity"),
                                shared_secret=text(secret_node) if secret_node is not None else None))
    return tuple(found)


def body_of(root: etree._Element, parts: Kids | None = None) -> tuple[str, etree._Element]:
    """(``Request`` | ``Message`` | ``Response``, the document element inside it); ``parts``: the root's children."""
    parts = parts or Kids(root)
    for kind in ("Request", "Message", "Response"):
        holder = parts.first(kind)
        if holder is None:
            continue
        inner = [c for c in holder if isinstance(c.tag, str) and local_name(c).lower() != "status"]
        if inner:
            return kind, inner[0]
        if kind == "Response":
            status = child(holder, "Status")
            if status is not None:
                return kind, status
        raise MappingError(f"an empty <{kind}>", where(holder))
    raise MappingError("no Request, Message or Response in the cXML document", where(root))


def parse(raw: bytes | etree._Element) -> Envelope:
    """The :class:`Envelope` of a cXML document (any request, message or response)."""
    root = cxml_root(raw)
    payload = attribute(root, "payloadID")
    if payload is None:
        raise MappingError("the cXML root has no payloadID", where(root, "payloadID"))
    parts = Kids(root)
    kind, document = body_of(root, parts)
    header = Kids(parts.first("Header"))
    holder = parts.first(kind)
    status_node = child(holder, "Status")
    status = None
    if status_node is not None:
        code = attribute(status_node, "code") or ""
        if not (code.isascii() and code.isdigit() and len(code) <= 9):  # isdigit() alone takes superscripts
            raise MappingError(f"Status code {code!r} is not a number", where(status_node, "code"))
        status = Status(int(code), attribute(status_node, "text") or "", text(status_node))
    sender = header.first("Sender")
    return Envelope(
        payload_id=payload, timestamp=attribute(root, "timestamp") or "", kind=kind,
        document_type=local_name(document), version=attribute(root, "version"), lang=attribute(root, "lang"),
        from_=_credentials(header.first("From")), to=_credentials(header.first("To")),
        sender=_credentials(sender), user_agent=text(sender, "UserAgent") or None,
        deployment_mode=(attribute(holder, "deploymentMode") or "production") if holder is not None else "production",
        status=status,
    )


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Routing:
    """Who a document we write is from and to, and who sends it (our credential).

    ``shared_secret`` is our own SharedSecret for the buyer; it is written in ``Sender`` only
    when set, i.e. only when the caller decides the document needs it.
    """

    from_: Sequence[Credential]
    to: Sequence[Credential]
    sender: Credential
    user_agent: str = "b2b-gateway"
    shared_secret: str | None = field(default=None, repr=False)


def root_element(payload: str, moment: dt.datetime, *, lang: str = DEFAULT_LANG,
                 version: str = CXML_VERSION) -> etree._Element:
    """A new ``cXML`` root with payloadID, timestamp, version and xml:lang."""
    root = etree.Element("cXML")
    root.set("payloadID", payload)
    root.set("timestamp", timestamp_text(moment))
    root.set("version", version)
    root.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    return root


def _credential(parent: etree._Element, credential: Credential, secret: str | None = None) -> None:
    element = sub(parent, "Credential", domain=credential.domain)
    sub(element, "Identity", credential.identity)
    if secret is not None:
        sub(element, "SharedSecret", secret)


def header_element(root: etree._Element, routing: Routing) -> etree._Element:
    """Append the ``Header``; only the Sender carries a secret, and only ``routing.shared_secret``."""
    if not routing.from_ or not routing.to:
        raise MappingError("a cXML Header needs at least one From and one To credential")
    header = sub(root, "Header")
    for name, credentials in (("From", routing.from_), ("To", routing.to)):
        holder = sub(header, name)
        for credential in credentials:
            _credential(holder, credential)
    sender = sub(header, "Sender")
    _credential(sender, routing.sender, routing.shared_secret)
    sub(sender, "UserAgent", routing.user_agent)
    return header


def document_of(raw: bytes | etree._Element, expected: str) -> etree._Element:
    """The ``expected`` document element (``OrderRequest`` ...) of a cXML document; MappingError if another."""
    _kind, document = body_of(cxml_root(raw))
    if local_name(document) != expected:
        article = "an" if expected[:1] in "AEIOU" else "a"
        raise MappingError(f"expected {article} {expected}, got <{local_name(document)}>", where(document))
    return document


def request_document(payload: str, moment: dt.datetime, routing: Routing, *, kind: str = "Request",
                     deployment_mode: str | None = None, lang: str = DEFAULT_LANG,
                     version: str = CXML_VERSION) -> tuple[etree._Element, etree._Element]:
    """(root, the Request/Message element) of a new document, for the caller to fill."""
    root = root_element(payload, moment, lang=lang, version=version)
    header_element(root, routing)
    holder = sub(root, kind, deploymentMode=deployment_mode)
    return root, holder


def response(status_code: int, text_: str | None = None, *, payload_id: str, timestamp: dt.datetime,
             body: etree._Element | None = None, detail: str = "", lang: str = DEFAULT_LANG) -> bytes:
    """A cXML ``Response`` with its ``Status`` (and ``body``, e.g. a PunchOutSetupResponse)."""
    root = root_element(payload_id, timestamp, lang=lang)
    holder = sub(root, "Response")
    sub(holder, "Status", detail or None, code=str(status_code),
        text=text_ if text_ is not None else STATUS_TEXTS.get(status_code, "Unknown"), lang=lang)
    if body is not None:
        holder.append(body)
    return serialize(root)


__all__ = [
    "STATUS_TEXTS",
    "Credential",
    "Envelope",
    "Routing",
    "Status",
    "body_of",
    "cxml_root",
    "header_element",
    "parse",
    "payload_id",
    "request_document",
    "response",
    "root_element",
    "timestamp_text",
]
