"""Process-wide settings of the long-running processes (``b2bgw serve``, ``b2bgw worker``).

CPython's cyclic garbage collector runs a young-generation pass every 700 allocations more than
deallocations and, every hundred of those, may walk every tracked object of the process. A
gateway process holds a few hundred thousand of them (SQLAlchemy mappers and compiled
statements, pydantic models, templates, lxml), so such a walk stops every thread for about a
hundred milliseconds, and at 1,000 punchout requests a second it lands inside one request in a
hundred: bench/punchout.py measured a setup p99 of 150-170 ms with the defaults, 43-53 ms with
the threshold below, 41-46 ms with the collector off (which nobody should run: a reference
cycle would never be freed). Requests allocate many short-lived objects, so a young generation
of 50,000 is collected about seventy times less often; the older generations keep their usual
ratios. Memory held by cycles grows by at most what 50,000 allocations leave behind.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (50_000, 20, 20)
"""Young-generation allocations before a collection, then the usual ratios for the older ones."""


def tune_garbage_collector() -> None:
    """Set :data:`GC_THRESHOLDS` for this process (call once, at start-up)."""
    gc.set_threshold(*GC_THRESHOLDS)


__all__ = ["GC_THRESHOLDS", "tune_garbage_collector"]
