"""Every outbound document of every profile, judged by the validators its partner would run (:mod:`.validators`)."""

from __future__ import annotations

import pytest

from .matrix import EXPECTED, Expected
from .produce import Production, not_written_why, written
from .profiles import PROFILES
from .validators import Runner, oracles_for

PARTNERS = {profile.id: profile.partner() for profile in PROFILES}
JUDGED = [(expected, oracle) for expected in EXPECTED for oracle in oracles_for(expected, PARTNERS[expected.profile])]


@pytest.mark.parametrize(("expected", "oracle"), JUDGED, ids=[f"{e.id}-{o}" for e, o in JUDGED])
def test_the_document_passes_the_oracle(productions: dict[str, Production], oracles: dict[str, Runner],
                                        expected: Expected, oracle: str) -> None:
    documents = written(productions, expected)
    assert documents, f"no {expected.doc_type} written for {expected.profile}: {not_written_why(productions, expected)}"
    failing = {doc.id: found for doc in documents if (found := oracles[oracle](doc.raw))}
    assert not failing, "\n".join(f"document {doc_id}: {line}" for doc_id, found in failing.items() for line in found)
