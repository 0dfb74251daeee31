"""cXML 1.2 ``ProfileResponse``: what a cXML server accepts and at which URL.

A buyer's procurement system (or a network such as Ariba) sends a ``ProfileRequest`` to learn
which requests a supplier's endpoint takes; the answer lists one ``Transaction`` per request name
with the URL to send it to. The gateway takes every request at its one ``/cxml`` URL.

>>> import datetime as dt
>>> raw = render(["OrderRequest"], "https://gw.example.com/cxml", payload_id="p@h",
...              timestamp=dt.datetime(2024, 1, 2, tzinfo=dt.UTC))
>>> b'<Transaction requestName="OrderRequest">' in raw
True

More information: cXML User's Guide 1.2, "ProfileRequest" and "ProfileResponse".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from lxml import etree

from formats.cxml.common import datetime_text, sub
from formats.cxml.envelope import response


def render(request_names: Sequence[str], url: str, *, payload_id: str, timestamp: dt.datetime,
           effective: dt.datetime | None = None, options: Sequence[tuple[str, str]] = ()) -> bytes:
    """A Response (200) carrying the ProfileResponse: one Transaction per request name, all at ``url``."""
    moment = effective or timestamp
    body = etree.Element("ProfileResponse")
    body.set("effectiveDate", datetime_text(moment))
    for name, value in options:
        sub(body, "Option", value, name=name)
    for name in request_names:
        transaction = sub(body, "Transaction", requestName=name)
        sub(transaction, "URL", url)
    return response(200, "OK", payload_id=payload_id, timestamp=timestamp, body=body)


__all__ = ["render"]
