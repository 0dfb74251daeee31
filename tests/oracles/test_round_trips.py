"""Every outbound document, read back with our own reader, keeps the fields the model carries (:mod:`.round_trip`)."""

from __future__ import annotations

import pytest

from formats.translate import translate

from .matrix import EXPECTED, Expected
from .produce import Production, not_written_why, written
from .round_trip import NO_READER, losses

READ_BACK = [e for e in EXPECTED if (e.standard, e.doc_type) not in NO_READER]
NOT_READ = [e for e in EXPECTED if (e.standard, e.doc_type) in NO_READER]


@pytest.mark.parametrize("expected", READ_BACK, ids=[e.id for e in READ_BACK])
def test_what_is_read_back_is_what_was_written(productions: dict[str, Production], expected: Expected) -> None:
    documents = written(productions, expected)
    assert documents, f"no {expected.doc_type} written for {expected.profile}: {not_written_why(productions, expected)}"
    lost = {}
    for doc in documents:
        assert doc.canonical is not None, f"document {doc.id} was stored without its canonical document"
        lost[doc.id] = losses(expected.standard, expected.doc_type, doc.canonical, doc.raw)
    failing = {doc_id: found for doc_id, found in lost.items() if found}
    assert not failing, "\n".join(f"document {doc_id}: {line}" for doc_id, found in failing.items() for line in found)


@pytest.mark.parametrize("expected", NOT_READ, ids=[e.id for e in NOT_READ])
def test_what_is_not_read_back_has_no_reader_or_nothing_to_compare(productions: dict[str, Production],
                                                                   expected: Expected) -> None:
    """The NO_READER list stays true: a reader added for one of its types takes it off the list."""
    documents = written(productions, expected)
    assert documents, f"no {expected.doc_type} written for {expected.profile}: {not_written_why(productions, expected)}"
    for doc in documents:
        readable = [t for t in translate(doc.raw) if t.document is not None]
        assert readable == [] or doc.canonical is None, (
            f"{expected.doc_type} is read now: remove it from round_trip.NO_READER and compare it")
