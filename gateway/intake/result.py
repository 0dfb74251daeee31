"""What the intake of one file came to, whatever its standard: for the HTTP answer and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.pipeline.states import State


@dataclass
class IntakeResult:
    """What the intake of one file came to, for the HTTP answer and the CLI."""

    document_id: int
    state: State
    http_status: int
    documents: list[int] = field(default_factory=list)
    acknowledgments: list[int] = field(default_factory=list)
    acknowledgment: bytes | None = None
    error: str | None = None
    problems: list[dict[str, object]] = field(default_factory=list)
    duplicate_of: int | None = None


__all__ = ["IntakeResult"]
