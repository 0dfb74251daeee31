"""The segment writer: what it writes, and which values it refuses (X12 has no escape character)."""

from __future__ import annotations

import pytest

from formats.errors import MappingError
from formats.x12.envelope import Delimiters
from formats.x12.writer import render_segment

DELIMITERS = Delimiters(element="*", component=">", segment="~", repetition="^", segment_suffix="\n")


def test_a_segment_drops_its_trailing_empty_elements_and_keeps_components() -> None:
    assert render_segment(["PO1", "1", "10", "EA", "", "", "VP>SKU", "", ""], DELIMITERS) == "PO1*1*10*EA***VP>SKU~\n"


@pytest.mark.parametrize(("value", "where"), [
    ("A*B", "PID05"),  # the element separator
    ("A~B", "PID05"),  # the segment terminator
    ("A^B", "PID05"),  # the repetition separator
])
def test_a_value_holding_a_delimiter_is_refused_naming_its_element(value: str, where: str) -> None:
    with pytest.raises(MappingError, match=rf"{where}: value .* contains a delimiter"):
        render_segment(["PID", "F", "", "", "", value], DELIMITERS)


def test_without_a_repetition_separator_its_character_is_data() -> None:
    plain = Delimiters(element="*", component=">", segment="~")
    assert render_segment(["N1", "ST", "A^B"], plain) == "N1*ST*A^B~"
