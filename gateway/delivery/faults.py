"""Fault injection for the ERP port: an adapter wrapper that refuses every call for a while.

Used by the fault tests and available to operators rehearsing an ERP outage: wrap the real
adapter, and for ``seconds`` from the moment the wrapper is made every port call raises
:class:`~erp.port.ErpUnavailable` (a transient failure) without reaching the ERP; afterwards the
calls pass through untouched. The pipeline must then deliver every document late, none lost,
none dead-lettered (as long as the backoff outlasts the outage).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from erp.port import ErpUnavailable


class ErpOutage:
    """An ERP port that is "down" for ``seconds`` after it is made, then the wrapped one."""

    def __init__(self, inner: Any, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._inner = inner
        self._clock = clock
        self._until = clock() + seconds
        self._lock = threading.Lock()
        self.refused = 0
        """How many calls were refused (so a test can check the outage really happened)."""

    @property
    def down(self) -> bool:
        """Whether calls are refused right now."""
        return self._clock() < self._until

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target) or name.startswith("_"):
            return target

        def refused_while_down(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                with self._lock:
                    self.refused += 1
                raise ErpUnavailable(f"ERP outage: {name} refused (simulated, {self._until - self._clock():.1f}s left)")
            return target(*args, **kwargs)

        return refused_while_down


PLACING = ("push_order", "push_orders")
"""The port's calls that place orders, one or a batch."""


class ErpLostAnswers:
    """An ERP port whose first ``count`` calls of ``operations`` reach the ERP but lose the answer.

    The call is made (the order exists in the ERP) and then :class:`~erp.port.ErpUnavailable` is
    raised, as when a timeout strikes after the ERP committed: the worst case for idempotency,
    since the gateway must retry without knowing the order was made.
    """

    def __init__(self, inner: Any, operations: Collection[str] = PLACING, count: int = 1) -> None:
        self._inner = inner
        self._operations = frozenset(operations)
        self._left = count
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if name not in self._operations:
            return target

        def answer_lost(*args: Any, **kwargs: Any) -> Any:
            result = target(*args, **kwargs)
            with self._lock:
                lose = self._left > 0
                self._left -= 1 if lose else 0
            if lose:
                raise ErpUnavailable(f"{name}: no answer from the ERP (timed out after the call was made)")
            return result

        return answer_lost
