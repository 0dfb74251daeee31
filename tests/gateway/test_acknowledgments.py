"""The partner's 997 for our 855 is matched back to it; an unacknowledged document becomes overdue."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from gateway.pipeline.acknowledgments import flag_overdue
from gateway.pipeline.states import State
from gateway.services import Services

from .flow import docs, drain, post


def partner_997(group_control: str, set_control: str | None, status: str, isa13: int = 5001) -> bytes:
    """A 997 from the demo partner acknowledging our group (and set, when given) with ``status``."""
    body = [f"AK1*PR*{group_control}"]
    if set_control is not None:
        body += [f"AK2*855*{set_control}", f"AK5*{status}"]
    body.append(f"AK9*{status}*1*1*{1 if status == 'A' else 0}")
    segments = ["ST*997*0001", *body, f"SE*{len(body) + 2}*0001"]
    envelope = [
        f"ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*B2BGWSELLER    *261123*1200*U*00401*{isa13:09d}*0*P*>",
        f"GS*FA*ACMEBUYER*B2BGWSELLER*20261123*1200*{isa13}*X*004010",
        *segments, f"GE*1*{isa13}", f"IEA*1*{isa13:09d}",
    ]
    return ("~\n".join(envelope) + "~\n").encode()


def _our_855(client: TestClient, services: Services):  # type: ignore[no-untyped-def]
    assert post(client, "850-4010-basic.x12").status_code == 202
    drain(services)
    [ack855] = docs(services, doc_type="855")
    return ack855


def test_a_997_marks_our_855_accepted(client: TestClient, services: Services) -> None:
    ack855 = _our_855(client, services)
    assert ack855.ack_status is None and ack855.group_control and ack855.set_control
    answer = post(client, "", raw=partner_997(ack855.group_control, ack855.set_control, "A"))
    assert answer.status_code == 202, answer.text
    drain(services)
    [ours] = docs(services, doc_type="855")
    [theirs] = docs(services, doc_type="997", direction="in")
    assert theirs.state == State.PROCESSED.value
    assert (ours.ack_status, ours.acknowledged_by) == ("accepted", theirs.id)


def test_a_group_level_rejection_marks_every_set_of_the_group(client: TestClient, services: Services) -> None:
    ack855 = _our_855(client, services)
    post(client, "", raw=partner_997(f"{int(ack855.group_control or 0):09d}", None, "R"))  # zero-padded AK102
    drain(services)
    [ours] = docs(services, doc_type="855")
    assert ours.ack_status == "rejected"


def test_an_acknowledgment_of_nothing_we_sent_is_kept_with_a_note(client: TestClient, services: Services) -> None:
    post(client, "", raw=partner_997("424242", "0001", "A"))
    drain(services)
    [theirs] = docs(services, doc_type="997", direction="in")
    assert theirs.state == State.PROCESSED.value
    assert "matches nothing we sent" in (theirs.error or "")


def test_unacknowledged_documents_become_overdue_after_the_window(client: TestClient, services: Services) -> None:
    ack855 = _our_855(client, services)
    assert flag_overdue(services.engine) == []  # within the default 24 hours
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    assert flag_overdue(services.engine, later) == [ack855.id]
    [ours] = docs(services, doc_type="855")
    assert ours.ack_status == "overdue"
    post(client, "", raw=partner_997(ack855.group_control or "", ack855.set_control, "A"))
    drain(services)
    [ours] = docs(services, doc_type="855")
    assert ours.ack_status == "accepted"  # a late acknowledgment still clears the flag
