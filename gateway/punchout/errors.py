"""The one error of the cXML side: a refusal that becomes a cXML ``Status`` code and text."""

from __future__ import annotations


class CxmlRefusal(Exception):
    """A request refused with a cXML status code (400, 401, 406, 409 ...) and a text saying why."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


__all__ = ["CxmlRefusal"]
