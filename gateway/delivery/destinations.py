"""Where an HTTP delivery may go: an http(s) URL with a host, exactly as configured, never where a redirect points.

A partner's endpoint (or an alert webhook) is configured by an operator; what answers there is
not. ``urllib`` follows redirects by itself, so an endpoint answering ``302 Location:
http://169.254.169.254/...`` (a cloud's metadata service) or another company's host would receive
our document, with its ``Authorization`` header. And ``urllib`` opens ``file:``, ``ftp:`` and
``data:`` URLs as readily as ``http:``. So:

* :func:`check_http_destination` refuses any URL that is not ``http``/``https`` with a host,
  before any I/O, as a :class:`~gateway.delivery.failures.PermanentFailure`;
* :func:`post` sends through an opener that has no redirect handler and no handler for other
  schemes: a 3xx answer is a permanent failure naming its ``Location`` (a moved endpoint needs
  an operator to update the partner; retrying cannot help), every other answer is the caller's.

The AS2 sender (:mod:`gateway.as2.sending`) speaks ``http.client``, which never follows
redirects, and applies the same two rules.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPResponse

from gateway.delivery.failures import PermanentFailure

HTTP_SCHEMES = frozenset({"http", "https"})


def check_http_destination(url: str, *, what: str = "destination") -> None:
    """PermanentFailure unless ``url`` is an absolute ``http``/``https`` URL with a host."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise PermanentFailure(f"the {what} {url!r} is not a URL: {exc}") from exc
    if parts.scheme.lower() not in HTTP_SCHEMES or not host:
        raise PermanentFailure(f"the {what} {url!r} is not an http:// or https:// URL with a host; "
                               "nothing was sent")


def redirect_failure(status: int, location: str | None, url: str) -> PermanentFailure:
    """The failure of a 3xx answer: not followed, and the operator told where the endpoint says it moved."""
    where = f"to {location}" if location else "without a Location"
    return PermanentFailure(f"HTTP {status} from {url}: a redirect {where}, not followed (deliveries go only to "
                            "the configured URL; update the partner's destination if the endpoint moved)")


def _opener() -> urllib.request.OpenerDirector:
    """HTTP and HTTPS (through the environment's proxy, if any), errors raised, redirects not followed."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


OPENER = _opener()


def post(request: urllib.request.Request, timeout: float) -> HTTPResponse:
    """Open ``request`` after :func:`check_http_destination`, never following a redirect.

    A 2xx answer is returned; any other status raises :class:`urllib.error.HTTPError` as
    ``urlopen`` does, except a 3xx, which raises :func:`redirect_failure`.
    """
    check_http_destination(request.full_url)
    try:
        answer: HTTPResponse = OPENER.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            exc.close()
            raise redirect_failure(exc.code, exc.headers.get("Location"), request.full_url) from exc
        raise
    return answer


__all__ = ["HTTP_SCHEMES", "OPENER", "check_http_destination", "post", "redirect_failure"]
