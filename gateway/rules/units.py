"""Converting an ordered quantity to the item's base unit, where quantity tiers are compared.

A customer orders 2 cases (Rec 20 ``XCS``) of an item whose price list and tiers are per each
(``EA``); the tier "from 24 EA" must see 24, not 2. The conversion table is plain data the
caller loads (from the item master, later a table): ``{(from_unit, to_unit): factor}`` meaning
one ``from_unit`` is ``factor`` ``to_unit`` -- ``{("XCS", "EA"): 12}`` -- either for one item
(a case of screws is not a case of paper) or globally (a dozen is always twelve). The item's own
table wins over the global one.

A pair is used as written or backwards (dividing), and only if the converted quantity is exact:
5 EA of an item sold by the case of 12 is 0.41666... cases, which no price can be computed on,
so it is refused -- as is a unit the table does not know. Conversions are not chained
(``XPX`` -> ``XCS`` -> ``EA``): write the pair you mean.

The item tables are the ERP's pack sizes (:class:`erp.port.AlternativeUnit`, synced into
``gw_price_item_unit``): 1 ``XCS`` of DEMO-1001 = 12 ``EA``. The piece units (``EA``, ``H87``,
``C62``) are one another without a pair, and a retired Rec 20 package code is read as its current
one (``CS`` -> ``XCS``, :func:`formats.codes.units.current_code`).

>>> table = UnitConversions.of({("DZN", "EA"): 12}, by_item={"SKU-1": {("XCS", "EA"): 24}})
>>> table.to_base("SKU-1", Decimal(2), "XCS", "EA"), table.to_base("SKU-2", Decimal(36), "EA", "DZN")
(Decimal('48'), Decimal('3'))
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from formats.codes.units import PIECES, current_code, same_unit
from gateway.rules.decimals import exact
from gateway.rules.errors import UnitConversionError

UnitPair = tuple[str, str]
_EXACT = decimal.Context(prec=60, traps=[decimal.Inexact, decimal.InvalidOperation, decimal.DivisionByZero])


def _table(pairs: Mapping[UnitPair, Decimal | int | str], where: str) -> Mapping[UnitPair, Decimal]:
    table: dict[UnitPair, Decimal] = {}
    for (source, target), factor in pairs.items():
        value = exact(factor, f"conversion factor {source}->{target} ({where})")
        if value <= 0:
            raise UnitConversionError(f"conversion factor {source}->{target} ({where}) must be positive, not {value}")
        table[(current_code(source), current_code(target))] = value
    return MappingProxyType(table)


@dataclass(frozen=True)
class UnitConversions:
    """Global and per-item unit conversion factors; build with :meth:`of` (normalises and checks)."""

    general: Mapping[UnitPair, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    by_item: Mapping[str, Mapping[UnitPair, Decimal]] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(
        cls,
        general: Mapping[UnitPair, Decimal | int | str] | None = None,
        by_item: Mapping[str, Mapping[UnitPair, Decimal | int | str]] | None = None,
    ) -> UnitConversions:
        """A table from plain mappings; unit codes upper-cased, factors exact and positive."""
        items = {sku: _table(pairs, f"item {sku}") for sku, pairs in (by_item or {}).items()}
        return cls(_table(general or {}, "global"), MappingProxyType(items))

    def factor(self, sku: str, unit: str, base_unit: str) -> tuple[Decimal, bool] | None:
        """``(factor, forwards)`` for ``unit`` -> ``base_unit`` of ``sku``, or None if no pair says."""
        bases = (base_unit, *sorted(PIECES - {base_unit})) if base_unit in PIECES else (base_unit,)
        for table in (self.by_item.get(sku), self.general):
            if not table:
                continue
            for base in bases:  # a case of 12 EA is a case of 12 pieces, whichever piece code says it
                if (found := table.get((unit, base))) is not None:
                    return found, True
                if (found := table.get((base, unit))) is not None:
                    return found, False
        return None

    def to_base(self, sku: str, quantity: Decimal, unit: str, base_unit: str) -> Decimal:
        """``quantity`` of ``unit`` expressed in ``base_unit`` for ``sku``, exactly, or refused."""
        unit, base_unit = current_code(unit), current_code(base_unit)
        if same_unit(unit, base_unit):
            return quantity
        found = self.factor(sku, unit, base_unit)
        if found is None:
            raise UnitConversionError(
                f"item {sku}: no conversion from unit {unit} to its base unit {base_unit} "
                "(neither in the item's unit table nor in the global one)"
            )
        factor, forwards = found
        if forwards:
            return quantity * factor
        try:
            return _EXACT.divide(quantity, factor)
        except decimal.Inexact:
            raise UnitConversionError(
                f"item {sku}: {quantity} {unit} is not an exact quantity of its base unit {base_unit} "
                f"(1 {base_unit} = {factor} {unit})"
            ) from None


__all__ = ["UnitConversions", "UnitPair"]
