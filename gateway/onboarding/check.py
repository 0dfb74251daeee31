"""``b2bgw partners check ID``: does the partner's outbound channel work, step by step.

Each step is a :class:`CheckStep` (what was tried, whether it worked, what was seen); the AS2
check (:func:`gateway.as2.check.check_as2`) returns the same steps, so one report covers every
channel.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckStep:
    """One step of a partner check: its name, whether it passed, and what was seen (or what failed)."""

    name: str
    ok: bool
    detail: str


__all__ = ["CheckStep"]
