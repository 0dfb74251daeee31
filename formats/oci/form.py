"""Reading the fields of an HTML form, as a browser would submit them (for OCI carts kept as pages).

A catalog's cart page is an HTML form of hidden inputs; a test, the sandbox or an operator may
hold that page rather than the submitted request. :func:`form_fields` lists its ``(name, value)``
pairs in document order with character references decoded, the way the browser posts them. It is
the standard library's tolerant HTML tokenizer, so a page wrapped in HTTP headers, nested
``<html>`` elements or attribute values spanning lines reads the same.

>>> form_fields('<form><input name="NEW_ITEM-PRICE[1]" value="1,5"><input name="x"></form>')
[('NEW_ITEM-PRICE[1]', '1,5'), ('x', '')]
"""

from __future__ import annotations

from html.parser import HTMLParser


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "input":
            return
        named = dict(attrs)
        if named.get("name") and (named.get("type") or "text").lower() not in ("submit", "button", "image"):
            self.fields.append((named["name"] or "", named.get("value") or ""))

    handle_startendtag = handle_starttag


def form_fields(page: str) -> list[tuple[str, str]]:
    """The ``(name, value)`` of every named input of ``page``, in order (submit buttons left out)."""
    reader = _Inputs()
    reader.feed(page)
    reader.close()
    return reader.fields


__all__ = ["form_fields"]
