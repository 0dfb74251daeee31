"""Exact decimal columns for every table on the gateway's database: the built-in ERP's and the gateway's.

SQLite has no exact decimal type and round-trips ``NUMERIC`` through float, so money and
quantities are stored as their exact decimal text, the one representation that is exact on
every database. Here, not in the built-in adapter's tables, because the gateway's own tables
(prices, credit, quotes, order tracking) need the same column and must not depend on one ERP
adapter's module to get it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Column, Dialect, String, TypeDecorator
from sqlmodel import Field


class DecimalText(TypeDecorator[Decimal]):
    """A :class:`~decimal.Decimal` stored as its exact text (``"12.50"``); floats are refused."""

    impl = String(40)
    cache_ok = True

    @property
    def python_type(self) -> type[Decimal]:
        """Values of this column are Decimals."""
        return Decimal

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Decimal (or int / decimal text) -> exact text; a float is refused, never rounded."""
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError(f"refusing to store the float {value!r} as money or quantity; use Decimal")
        try:
            number = Decimal(value)
        except (InvalidOperation, TypeError) as exc:
            raise TypeError(f"not a decimal number: {value!r}") from exc
        if not number.is_finite():
            raise TypeError(f"not a finite decimal number: {value!r}")
        return format(number, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Stored text -> Decimal."""
        return None if value is None else Decimal(value)


def decimal_field(nullable: bool = False, default: Any = ...) -> Any:
    """A Decimal column stored as exact text: a nullable one defaults to None, others to ``default`` (required)."""
    return Field(default=None if nullable else default, sa_column=Column(DecimalText(), nullable=nullable))


__all__ = ["DecimalText", "decimal_field"]
