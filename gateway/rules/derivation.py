"""The graph of derived price lists, checked once: every base exists, shares the currency, no cycle.

A derived line prices from another list (customer list = group list - 5%, group list = list
price - 10%). Following such a chain must end at a fixed price, so the graph "list -> lists its
lines derive from" must be acyclic. It is checked over whole lists, not per item: a cycle that
happens not to bite for today's items would bite for the next SKU added, so it is refused at
load time with the cycle named (``A -> B -> A``), which is what an operator needs to fix it.

>>> from gateway.rules.pricelists import Derived, PriceLine, Tier
>>> a = PriceList("A", "USD", (PriceLine.every_item(Tier(0, Derived("B"))),))
>>> b = PriceList("B", "USD", (PriceLine.every_item(Tier(0, Derived("A"))),))
>>> check_derivations({"A": a, "B": b})
Traceback (most recent call last):
...
gateway.rules.errors.PriceListCycleError: price lists derive from each other in a cycle: A -> B -> A
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.rules.errors import PriceListCycleError, PriceListError
from gateway.rules.pricelists import PriceList


def check_derivations(lists: Mapping[str, PriceList]) -> None:
    """Raise :class:`PriceListError` for an unknown or other-currency base, :class:`PriceListCycleError` for a cycle."""
    for list_id in sorted(lists):
        price_list = lists[list_id]
        for base in sorted(price_list.bases()):
            if base not in lists:
                raise PriceListError(f"price list {list_id} derives from unknown price list {base}")
            if lists[base].currency != price_list.currency:
                raise PriceListError(
                    f"price list {list_id} ({price_list.currency}) derives from price list {base} "
                    f"in another currency ({lists[base].currency})"
                )
    _refuse_cycles({list_id: sorted(lists[list_id].bases()) for list_id in sorted(lists)})


def _refuse_cycles(edges: Mapping[str, list[str]]) -> None:
    """Depth-first search without recursion (chains can be long); the first back edge is a cycle."""
    done: set[str] = set()
    for start in edges:
        if start in done:
            continue
        path: list[str] = [start]
        on_path = {start}
        pending = [iter(edges[start])]
        while pending:
            step = next(pending[-1], None)
            if step is None:
                pending.pop()
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                continue
            if step in on_path:
                raise PriceListCycleError((*path[path.index(step):], step))
            if step not in done:
                path.append(step)
                on_path.add(step)
                pending.append(iter(edges[step]))


__all__ = ["check_derivations"]
