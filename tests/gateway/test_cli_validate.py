"""``b2bgw validate``: what a partner's validator would reject, and files that cannot be read.

Every finding is printed with its segment and element (exit status 1); a path that is missing,
a directory, unreadable or empty gives one clear line on stderr and exit status 1, never a
traceback. The documents are corpus purchase orders altered in one place each.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import get_settings
from tests.conftest import corpus_path


@pytest.fixture
def runner() -> Iterator[CliRunner]:
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _order(tmp_path: Path, old: str, new: str, charset: str = "ascii") -> Path:
    text = corpus_path("x12", "node-x12", "850.edi").read_text("ascii")
    assert old in text
    path = tmp_path / "order.x12"
    path.write_bytes(text.replace(old, new, 1).encode(charset))
    return path


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("REF*DP*038~", "REF*ZZX*038~", "REF01 (segment 3): 'ZZX' is not a code of X12 element 128"),
    ("PO1*2*220*EA*", "PO1*2*220*KI*", "PO103 (segment 16): 'KI' is not a code of X12 element 355"),
    ("DTM*002*20101214~", "DTM*QQQ*20101214~", "DTM01 (segment 6): 'QQQ' is not a code of X12 element 374"),
    ("*101127*1719*U*", "*261341*1719*U*", "ISA09: "),
    ("*101127*1719*U*", "*101127*2460*U*", "ISA10: "),
    ("*20101127*1719*1421*", "*20101341*1719*1421*", "GS04: "),
    ("*20101127*1719*1421*", "*20101127*2571*1421*", "GS05: "),
    ("CTT*6~", "CTT*5~", "CTT01 (segment 31): "),
    ("*12*4405197800     *", "*12*4405197800*", "ISA06: "),
], ids=["REF01", "PO103", "DTM01", "ISA09", "ISA10", "GS04", "GS05", "CTT01", "ISA length"])
def test_each_finding_is_printed_with_segment_and_element(runner: CliRunner, tmp_path: Path, old: str, new: str,
                                                          expected: str) -> None:
    path = _order(tmp_path, old, new)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{path}: interchange 000003438")
    assert expected in line
    assert "1 problem(s)" in result.stderr


def test_a_latin_1_order_with_accented_letters_is_valid(runner: CliRunner, tmp_path: Path) -> None:
    path = _order(tmp_path, "PID*F****SMALL WIDGET~", "PID*F****CAFÉ WIDGET~", "latin-1")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: valid\n"


@pytest.mark.parametrize("case", ["missing", "directory", "empty"])
def test_a_file_that_cannot_be_validated_gives_one_line_and_status_1(runner: CliRunner, tmp_path: Path,
                                                                     case: str) -> None:
    path = tmp_path / "input.x12"
    if case == "directory":
        path.mkdir()
    elif case == "empty":
        path.write_bytes(b"")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{path}: ")
    expected = {"missing": "no such file", "directory": "is a directory", "empty": "is empty"}[case]
    assert expected in line.lower()


def test_an_unreadable_file_gives_one_line_and_status_1(runner: CliRunner, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Root reads any file whatever its mode, so the refusal the operating system gives is simulated."""
    path = _order(tmp_path, "REF*DP*038~", "REF*DP*038~")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    [line] = result.stderr.splitlines()
    assert line == f"{path}: cannot read: permission denied"


def test_the_nonexistent_path_of_the_report(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "/nonexistent"])
    assert result.exit_code == 1
    assert result.stderr == "/nonexistent: cannot read: no such file or directory\n"
