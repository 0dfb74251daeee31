"""The public names of ``gateway.rules`` are exactly those in ``__all__``, and each module's doctests pass."""

from __future__ import annotations

import doctest
import importlib

import pytest

import gateway.rules

MODULES = ["decimals", "derivation", "errors", "index", "pricelists", "pricing", "quote", "reference", "rounding",
           "units", "validity"]


def test_all_names_exist_and_are_sorted() -> None:
    assert gateway.rules.__all__ == sorted(gateway.rules.__all__)
    for name in gateway.rules.__all__:
        assert getattr(gateway.rules, name) is not None
    public = {name for name in vars(gateway.rules) if not name.startswith("_")} - set(MODULES) - {"annotations"}
    assert public == set(gateway.rules.__all__)


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    module = importlib.import_module(f"gateway.rules.{name}")
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0
