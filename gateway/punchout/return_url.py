"""The address a cart goes back to: cXML's BrowserFormPost URL and OCI's HOOK_URL, one rule for both.

"Transfer cart" answers a page on the gateway's own origin whose form the browser posts to that
address. A ``javascript:`` (or ``vbscript:``) address would run as script on our origin, a
``data:`` one would show a page the buyer never sent, and a relative one posts the cart to
ourselves; so the only addresses accepted are absolute ``http`` and ``https`` URLs with a host.
SAP GUI's ``SAPEVENT:`` (its HTML control catches a form posted there) is accepted for OCI
only: no cXML procurement system returns a cart that way.

The same rule is applied when a session is opened (:func:`gateway.punchout.sessions.session_values`,
:func:`gateway.oci.callup.split_hook`) and again at transfer time, for sessions stored before it
existed. :func:`form_action_source` turns an accepted address into the Content-Security-Policy
``form-action`` source that lets the transfer page post there and nowhere else.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

WEB_SCHEMES = ("http", "https")
SAPEVENT = "sapevent"


def return_url_problem(url: str, *, sapevent: bool = False) -> str | None:
    """What ``url`` is when the browser must not post a cart to it (``javascript:``, ``a relative address``); else None.

    The phrase completes "... is not an address a cart can be posted to" (:func:`refusal`).

    ``sapevent`` admits SAP GUI's ``SAPEVENT:`` addresses (OCI call-ups only).
    """
    text = url.strip()
    if not text:
        return "an empty address"
    if any(ord(char) < 0x20 or char == "\x7f" for char in text):
        return "an address with control characters"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError:
        return "a malformed address"
    scheme = parts.scheme.lower()
    if sapevent and scheme == SAPEVENT:
        return None
    if not scheme:
        return "a relative address"
    if scheme not in WEB_SCHEMES:
        return f"{scheme}:"
    if not parts.hostname:
        return f"{scheme}: without a host"
    if parts.username is not None or parts.password is not None:
        return "an address with a user name or password"
    return None


def refusal(problem: str, *, sapevent: bool = False) -> str:
    """The sentence that says why a return address found to be ``problem`` is refused."""
    allowed = "http, https or SAPEVENT only" if sapevent else "only an absolute http or https address"
    return f"{problem} is not an address a cart can be posted to ({allowed})"


def form_action_source(url: str) -> str:
    """The CSP ``form-action`` source that matches ``url`` (an accepted return address) and little else.

    An http(s) address gives its origin and path (the query is not part of CSP matching); the
    browser then posts only there, or to a redirect within that origin (CSP ignores the path
    after a redirect). ``SAPEVENT:`` gives the scheme source ``sapevent:``.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == SAPEVENT:
        return "sapevent:"
    if scheme not in WEB_SCHEMES or not parts.hostname:
        raise ValueError(f"{url!r} is not a return address a form may post to")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    port = f":{parts.port}" if parts.port is not None else ""
    # Whitespace, ';' and ',' would end the source or the directive: percent-encoded, they match
    # the same path (CSP compares paths percent-decoded).
    path = quote(parts.path or "/", safe="/%-._~!$&'()*+=:@")
    return f"{scheme}://{host}{port}{path}"


__all__ = ["SAPEVENT", "WEB_SCHEMES", "form_action_source", "refusal", "return_url_problem"]
