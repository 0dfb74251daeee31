"""Fixtures the credit tests share with other packages' tests."""

from __future__ import annotations

from tests.formats.cxml.conftest import dtd_validate  # noqa: F401  (the cXML DTD fixture, shared)
