"""An order delimited by the ASCII information separators (GS 0x1D, US 0x1F, FS 0x1C) goes through intake.

The interchange is a corpus 850 (bots' 850-004010-04) with its ``* > ~`` replaced, sent as the
demo partner ``acme`` (same-width ISA06/ISA08, and its GS02/GS03). The gateway stores the order, answers with a 997
in the partner's own delimiters, and the 997 reads back as accepting the set.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from formats.x12.ack997 import parse_acknowledgment
from gateway.pipeline.states import State
from gateway.services import Services
from tests.conftest import corpus_path
from tests.formats.x12.test_control_delimiters import COMPONENT, ELEMENT, SEGMENT, separated

from .flow import docs, post, sets_of


def test_intake_reads_and_answers_an_order_delimited_by_information_separators(client: TestClient,
                                                                                services: Services) -> None:
    original = corpus_path("x12", "bots", "850-004010-04.x12").read_bytes()
    as_acme = original.replace(b"08*1111111111     *08*222222222222   ", b"ZZ*ACMEBUYER      *ZZ*B2BGWSELLER    ", 1
                               ).replace(b"GS*PO*8019721193*1234567890*", b"GS*PO*ACMEBUYER*B2BGWSELLER*", 1)
    raw = separated(as_acme)
    answer = post(client, "", raw=raw)
    assert answer.status_code == 202, answer.text

    [order] = docs(services, doc_type="850")
    assert order.state == State.QUEUED.value, order.error
    assert order.po_number == "548177"
    [stored] = sets_of(order.raw)
    assert stored.segments == sets_of(as_acme)[0].segments

    [ack_doc] = docs(services, doc_type="997")
    [ack_set] = sets_of(ack_doc.raw)
    written = ack_set.interchange.delimiters
    assert (written.element, written.component, written.segment) == (ELEMENT, COMPONENT, SEGMENT)
    assert ack_doc.problems in (None, [])
    assert [s.status for s in parse_acknowledgment(ack_set).sets] == ["A"]
