"""UBL tests use the session-wide validators of ``tests/conftest.py`` (XSDs, EN 16931 rules)."""

from __future__ import annotations

from tests.conftest import Validator

__all__ = ["Validator"]
