"""The one error hierarchy of ``formats``: every failure says what and where.

A partner who sends a bad file must be told precisely what was wrong and where, so every error
carries a :class:`Location` (segment number, tag, element and component position for X12;
line and path for XML) and, where the standard has one, its own error code (the X12 718/720/723
codes a 997/999 reports).

::

    FormatError                      anything formats could not read, validate or write
    ├── DetectionError               the bytes are not a document of any standard we know
    ├── SyntaxProblem                the document cannot be read as its standard's syntax
    │   ├── X12SyntaxError           broken ISA/GS/ST envelope, truncated interchange, bad charset
    │   └── XmlSyntaxError           not well-formed, forbidden DTD/entities, too large
    ├── ValidationError              readable, but breaks the implementation guide / schema
    └── MappingError                 valid, but cannot become (or come from) a canonical document

Parsers raise; they never ``assert`` on input. Callers at the boundary (the gateway) catch
:class:`FormatError` and store it with the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a document something is.

    X12 positions follow the 997/999: ``segment_position`` counts from the ST segment (ST = 1),
    ``element_position`` and ``component_position`` from 1. ``interchange`` / ``group`` name the
    ISA13 / GS06 control numbers and ``transaction`` the ST02 when known. XML uses ``line`` and
    ``path``. ``offset`` is a byte offset in the raw input where nothing better is known.
    """

    segment_position: int | None = None
    segment_tag: str | None = None
    element_position: int | None = None
    component_position: int | None = None
    interchange: str | None = None
    group: str | None = None
    transaction: str | None = None
    line: int | None = None
    path: str | None = None
    offset: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.interchange is not None:
            parts.append(f"interchange {self.interchange}")
        if self.group is not None:
            parts.append(f"group {self.group}")
        if self.transaction is not None:
            parts.append(f"transaction set {self.transaction}")
        if self.segment_tag is not None or self.segment_position is not None:
            seg = self.segment_tag or "segment"
            if self.element_position is not None:
                seg += f"{self.element_position:02d}"
                if self.component_position is not None:
                    seg += f"-{self.component_position}"
            if self.segment_position is not None:
                seg += f" (segment {self.segment_position})"
            parts.append(seg)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.path:
            parts.append(self.path)
        if self.offset is not None and not parts:
            parts.append(f"byte {self.offset}")
        return ", ".join(parts) or "document"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about a document: a message, where, and the standard's error code if any.

    ``level`` says which X12 acknowledgment loop reports it: ``element`` (AK4/IK4), ``segment``
    (AK3/IK3), ``transaction`` (AK5/IK5), ``group`` (AK9) or ``interchange`` (TA1).
    """

    message: str
    location: Location = field(default_factory=Location)
    code: str | None = None
    level: str = "element"

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        return f"{self.location}: {self.message}{code}"


class FormatError(Exception):
    """Base of every error raised by ``formats``; carries the problems found."""

    def __init__(self, message: str, location: Location | None = None, code: str | None = None,
                 problems: tuple[Problem, ...] = ()) -> None:
        self.message = message
        self.location = location or Location()
        self.code = code
        self.problems = problems or (Problem(message, self.location, code),)
        super().__init__(f"{self.location}: {message}" if location else message)


class DetectionError(FormatError):
    """The input is not a document of any standard we know."""


class SyntaxProblem(FormatError):
    """The document cannot be read as its standard's syntax."""


class X12SyntaxError(SyntaxProblem):
    """An X12 interchange whose envelope cannot be read (not X12, truncated, bad ISA)."""


class XmlSyntaxError(SyntaxProblem):
    """An XML document that is not well-formed, too large, or uses forbidden DTD features."""


class ValidationError(FormatError):
    """A readable document that breaks its implementation guide or schema."""


class MappingError(FormatError):
    """A valid document that cannot be turned into (or made from) a canonical document."""


__all__ = [
    "DetectionError",
    "FormatError",
    "Location",
    "MappingError",
    "Problem",
    "SyntaxProblem",
    "ValidationError",
    "X12SyntaxError",
    "XmlSyntaxError",
]
