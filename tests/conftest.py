"""Shared test fixtures: where the public corpus lives.

The corpus under ``../shared/corpus`` is read in place, never copied. Tests that need it skip
when it is absent on a developer's machine, but fail in CI (``CI`` set), where it must exist.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("B2BGW_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
FIXTURES = PROJECT_ROOT / "fixtures"


def corpus_path(*parts: str) -> Path:
    """A path inside the corpus; skips the test (fails in CI) when the corpus is missing."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"corpus file missing in CI: {path}")
        pytest.skip(f"corpus not present: {path}")
    return path


def corpus_files(folder: str, pattern: str = "*") -> list[Path]:
    """Every corpus file under ``folder`` matching ``pattern`` (for parametrize; may be empty)."""
    base = CORPUS / folder
    return sorted(p for p in base.rglob(pattern) if p.is_file()) if base.exists() else []


@pytest.fixture
def corpus() -> Path:
    """The corpus root; skips (fails in CI) when absent."""
    return corpus_path()
