"""Reading an OCI call-up: the form fields a buyer's SAP system sends to ``GET|POST /oci``.

The call-up is a browser request with the buyer's login fields, the HOOK_URL the cart goes back
to (its field name configurable per buyer), and OCI's optional parameters:

* ``OCI_VERSION`` (4.0 / 5.0) and ``http_content_charset`` (the charset of our pages and of the
  cart form the browser posts back; the call-up itself is decoded in it too);
* ``returntarget`` (the frame the cart form targets) and SAP GUI's ``~OkCode``, ``~TARGET``,
  ``~CALLER``, which go back with the cart as hidden inputs;
* ``FUNCTION`` (``DETAIL``, ``VALIDATE``, ``BACKGROUND_SEARCH``, ``QUANTITYCHECK``) with
  ``PRODUCTID``, ``QUANTITY``, ``SEARCHSTRING``.

A HOOK_URL must be ``http(s)`` or SAP GUI's ``SAPEVENT:`` (the GUI's HTML control catches a form
posted there); anything else (``javascript:``, ``data:``, a relative path) is refused, because
the browser would run or show it in our page: the rule cXML's BrowserFormPost shares,
:mod:`gateway.punchout.return_url`. A query string inside the HOOK_URL is split out:
SAP puts session parameters there, and a form POST to a URL with a query would lose them in some
browsers, so they travel as hidden inputs beside the cart.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from formats.oci import VERSIONS, OciVersion
from gateway.punchout.return_url import SAPEVENT, refusal, return_url_problem

ECHOED = ("~OkCode", "~TARGET", "~CALLER")
"""SAP GUI's fields that go back with the cart unchanged."""

FUNCTIONS = ("DETAIL", "VALIDATE", "BACKGROUND_SEARCH", "QUANTITYCHECK")


class CallUpRefused(Exception):
    """A call-up we cannot serve: the page says ``text`` (with HTTP ``status``), and it is stored."""

    def __init__(self, text: str, status: int = 400) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


@dataclass(frozen=True)
class CallUp:
    """What a call-up asks, once the buyer is known (login fields not kept)."""

    hook_url: str
    hidden: tuple[tuple[str, str], ...]
    version: OciVersion
    charset: str
    target: str | None
    function: str | None
    product_id: str | None
    quantity: str | None
    search: str | None


def decode_fields(query: bytes, body: bytes) -> tuple[list[tuple[str, str]], str | None]:
    """The call-up's fields (query string, then urlencoded body) and the charset it names (or None).

    The fields are decoded in ``http_content_charset`` when the call-up names one we know, else in
    UTF-8. Percent-escapes are read first as Latin-1 (byte for byte) to find it.
    """
    raw = b"&".join(part for part in (query, body) if part).decode("latin-1")
    named = next((v for k, v in parse_qsl(raw, keep_blank_values=True, encoding="latin-1")
                  if k.lower() == "http_content_charset"), None)
    chosen = known_charset(named)
    return parse_qsl(raw, keep_blank_values=True, encoding=chosen or "utf-8", errors="replace"), chosen


def known_charset(name: str | None) -> str | None:
    """The charset name as given (pages label themselves with it) when Python knows it, else None."""
    if not name or not name.strip():
        return None
    try:
        codecs.lookup(name.strip())
    except LookupError:
        return None
    return name.strip()


def split_hook(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(the HOOK_URL without its query, the query's parameters as hidden inputs); CallUpRefused if unsafe."""
    text = url.strip()
    if not text:
        raise CallUpRefused("The call-up has no HOOK_URL: there is nowhere to send the cart back to.")
    problem = return_url_problem(text, sapevent=True)
    if problem is not None:
        raise CallUpRefused(f"The HOOK_URL is refused: {refusal(problem, sapevent=True)}.")
    parts = urlsplit(text)
    if parts.scheme.lower() == SAPEVENT:
        return text, ()
    params = tuple(parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), params


def read_callup(fields: list[tuple[str, str]], *, hook_field: str, default_version: OciVersion, charset: str) -> CallUp:
    """The call-up in ``fields`` for a buyer whose hook field and login fields are known."""
    named: dict[str, str] = {}
    upper: dict[str, str] = {}
    for key, value in fields:
        named.setdefault(key, value)
        upper.setdefault(key.upper(), value)
    hook = named.get(hook_field, upper.get(hook_field.upper(), ""))
    action, from_query = split_hook(hook)
    version_text = upper.get("OCI_VERSION", "").strip() or default_version
    version = next((v for v in VERSIONS if version_text.startswith(v)), None)
    if version is None:
        raise CallUpRefused(f"OCI_VERSION {version_text!r} is not supported (4.0 or 5.0).")
    function = upper.get("FUNCTION", "").strip().upper() or None
    if function is not None and function not in FUNCTIONS:
        raise CallUpRefused(f"FUNCTION {function!r} is not one this catalog offers ({', '.join(FUNCTIONS)}).")
    if function == "QUANTITYCHECK" and version != "5.0":
        raise CallUpRefused("FUNCTION QUANTITYCHECK is an OCI 5.0 function; this call-up is OCI 4.0.")
    if function in ("DETAIL", "VALIDATE") and not upper.get("PRODUCTID", "").strip():
        raise CallUpRefused(f"FUNCTION {function} needs a PRODUCTID.")
    echoed = tuple((name, named[name]) for name in ECHOED if name in named)
    target = (upper.get("RETURNTARGET") or named.get("~TARGET") or "").strip() or None
    return CallUp(hook_url=action, hidden=(*from_query, *echoed), version=version, charset=charset, target=target,
                  function=function, product_id=upper.get("PRODUCTID", "").strip() or None,
                  quantity=upper.get("QUANTITY", "").strip() or None,
                  search=upper.get("SEARCHSTRING", "").strip() or None)


__all__ = ["ECHOED", "FUNCTIONS", "CallUp", "CallUpRefused", "decode_fields", "known_charset", "read_callup",
           "split_hook"]
