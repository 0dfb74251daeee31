"""Functional acknowledgments: the 997 (004010) and 999 (005010 X231A1) we send, and reading theirs.

ASC X12 997 Functional Acknowledgment (004010) and the 999 Implementation Acknowledgment
(005010X231A1). One acknowledgment answers one functional group and reports what was really
wrong, located as our validator (:mod:`formats.x12.validator`) and the reader found it:

* ``AK1`` the group (GS01, GS06; GS08 too in a 999);
* per set ``AK2`` (ST01, ST02; ST03 too in a 999), then for each segment with findings an
  ``AK3``/``IK3`` (tag, position from ST = 1, loop id, 720 code; ``8`` when only its elements are
  wrong) followed by an ``AK4``/``IK4`` per element (position, ``4:2`` style for a component,
  data element number, 723 code, copy of the bad value), then ``AK5``/``IK5``: ``A`` or ``R``
  with the 718 codes (``5`` when segments are in error). A set with any finding is rejected
  (``R``): the gateway does not process it, so it must not be reported as accepted; ``E`` is
  therefore not sent;
* ``AK9`` the group: ``A`` all accepted, ``P`` some, ``R`` none, ``E`` all accepted but the group
  trailer was wrong; GE01 as declared, sets received and accepted, and the 716 codes of the
  group's problems.

The AK3 loop identifier is left empty (the walk does not carry loop ids into problems).
A 997 answers in the partner's GS08; a 999 in ``005010X231A1``, the version of its own guide
(what the 999 TR3 and pyx12's 999 map require). :func:`parse_acknowledgment` reads a partner's
997/999 into a :class:`FunctionalAck`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from formats.errors import Location, MappingError, Problem, ValidationError
from formats.x12.envelope import GroupEnd, GroupHeader, Segment, TransactionSet, ascii_number, element
from formats.x12.implementation_map import ImplementationMap, load_map, map_family
from formats.x12.writer import GroupSpec, TransactionSetSpec

IMPLEMENTATION_999 = "005010X231A1"
"""ST03 and GS08 of the 999 we send."""

_MAX_CODES = 5  # AK502-AK506, AK905-AK909
_SAFE_DATA = re.compile(r"""[^A-Za-z0-9 &'()+,\-./;?=%@\[\]_{}#$"]""")
"""What may be copied into AK404: characters that are never one of a partner's delimiters."""


@dataclass(frozen=True, slots=True)
class SetAck:
    """One AK2 ... AK5 (IK5) loop: a transaction set's status and what was wrong in it."""

    code: str  # AK201, the acknowledged ST01
    control_number: str  # AK202, its ST02
    status: str  # AK501: A, E, R (M, W, X in a 999)
    codes: tuple[str, ...]  # AK502-AK506, 718 codes
    problems: tuple[Problem, ...]  # one per AK3 (segment level) and AK4 (element level)


@dataclass(frozen=True, slots=True)
class FunctionalAck:
    """A 997 or 999 as read: which group it answers and the status of each set."""

    acknowledgment_code: str  # "997" or "999"
    functional_id: str  # AK101, the acknowledged GS01
    group_control_number: str  # AK102, the acknowledged GS06
    version: str | None  # AK103 (999 only)
    status: str  # AK901: A, E, P, R
    declared_count: int  # AK902
    received_count: int  # AK903
    accepted_count: int  # AK904
    codes: tuple[str, ...]  # AK905-AK909, 716 codes
    sets: tuple[SetAck, ...]


_GROUP_STATUS = {(True, True, False): "A", (True, True, True): "E", (True, False, False): "A",
                 (True, False, True): "E", (False, True, False): "P", (False, True, True): "P",
                 (False, False, False): "R", (False, False, True): "R"}
"""AK901 by (all sets accepted, some accepted, group trailer problems)."""


def _is_999(version: str) -> bool:
    return map_family(version) == "5010"


def _unique(codes: Sequence[str | None]) -> list[str]:
    out: list[str] = []
    for code in codes:
        if code and code not in out:
            out.append(code)
    return out[:_MAX_CODES]


def _bad_data(ts: TransactionSet, location: Location) -> str:
    """A copy of the faulty value for AK404, when the set still has its segments."""
    position, element_position = location.segment_position, location.element_position
    if position is None or element_position is None or not 1 <= position <= len(ts.segments):
        return ""
    value = element(ts.segments[position - 1], element_position)
    if location.component_position is not None:
        parts = value.split(ts.interchange.delimiters.component)
        value = parts[location.component_position - 1] if location.component_position <= len(parts) else ""
    return _SAFE_DATA.sub("", value)[:99]


def _map_for(ts: TransactionSet) -> ImplementationMap | None:
    try:
        return load_map(ts.code, ts.group.version)
    except ValidationError:
        return None


def _set_loop(ts: TransactionSet, problems: Sequence[Problem], is_999: bool) -> tuple[list[Segment], bool]:
    """The AK2 ... AK5 segments of one set, and whether it is accepted."""
    ak2: Segment = ["AK2", ts.code, ts.control_number]
    if is_999 and ts.implementation_reference:
        ak2.append(ts.implementation_reference)
    out: list[Segment] = [ak2]
    by_segment: dict[tuple[int, str], list[Problem]] = {}
    transaction_codes: list[str | None] = []
    for problem in problems:
        loc = problem.location
        if problem.level in ("segment", "element") and loc.segment_position is not None and loc.segment_tag:
            by_segment.setdefault((loc.segment_position, loc.segment_tag), []).append(problem)
        else:
            transaction_codes.append(problem.code)
    imap = _map_for(ts) if by_segment else None
    segment_tag, element_tag = ("IK3", "IK4") if is_999 else ("AK3", "AK4")
    component_separator = ts.interchange.delimiters.component
    for (position, tag), found in sorted(by_segment.items(), key=lambda item: item[0][0]):
        segment_codes = [p.code for p in found if p.level == "segment" and p.code]
        for code in _unique(segment_codes) or ["8"]:
            out.append([segment_tag, tag, str(position), "", code])
        for problem in (p for p in found if p.level == "element"):
            loc = problem.location
            if loc.element_position is None:
                continue
            where = str(loc.element_position)
            if loc.component_position is not None:
                where += component_separator + str(loc.component_position)
            reference = imap.element_reference(tag, loc.element_position, loc.component_position) if imap else None
            bad = "" if problem.code == "1" else _bad_data(ts, loc)
            out.append([element_tag, where, reference or "", problem.code or "", bad])
    accepted = not problems
    if by_segment:
        transaction_codes.append("5")  # one or more segments in error
    out.append(["IK5" if is_999 else "AK5", "A" if accepted else "R", *_unique(transaction_codes)])
    return out, accepted


def build_acknowledgment(
    group: GroupHeader,
    results: Sequence[tuple[TransactionSet, Sequence[Problem]]],
    group_end: GroupEnd,
    *,
    control_number: str,
) -> TransactionSetSpec:
    """The 997 (004010 and older) or 999 (005010 on) answering ``group``.

    ``results`` pairs each set of the group with every problem found in it (the reader's and the
    validator's); ``group_end`` brings GE01 and the group-level (716) problems.
    """
    is_999 = _is_999(group.version)
    ak1: Segment = ["AK1", group.functional_id, group.control_number]
    if is_999:
        ak1.append(group.version)
    body: list[Segment] = [ak1]
    accepted_count = 0
    for ts, problems in results:
        segments, accepted = _set_loop(ts, problems, is_999)
        body.extend(segments)
        accepted_count += accepted
    received = len(results)
    group_codes = _unique([p.code for p in group_end.problems])
    status = _GROUP_STATUS[accepted_count == received, accepted_count > 0, bool(group_codes)]
    declared = group_end.declared_count if group_end.declared_count is not None else received
    body.append(["AK9", status, str(declared), str(received), str(accepted_count), *group_codes])
    if is_999:
        return TransactionSetSpec("999", control_number, body, implementation_reference=IMPLEMENTATION_999)
    return TransactionSetSpec("997", control_number, body)


def acknowledgment_group(group: GroupHeader, *, control_number: int,
                         our_application_id: str | None = None) -> GroupSpec:
    """The FA group carrying the acknowledgment of ``group``: sender and receiver swapped.

    GS08 is the partner's own version for a 997 and ``005010X231A1`` for a 999.
    """
    return GroupSpec(
        functional_id="FA", application_sender=our_application_id or group.application_receiver,
        application_receiver=group.application_sender, control_number=control_number,
        version=IMPLEMENTATION_999 if _is_999(group.version) else group.version)


def _int(segment: Segment, position: int, where: Location) -> int:
    value = element(segment, position)
    number = ascii_number(value)
    if number is None:
        raise MappingError(f"{segment[0]}{position:02d} {value[:40]!r} is not a number", where)
    return number


def parse_acknowledgment(ts: TransactionSet) -> FunctionalAck:
    """Read a partner's 997 or 999 into a :class:`FunctionalAck`.

    Raises :class:`~formats.errors.MappingError` when ``ts`` is not a 997/999 or lacks its AK1
    or AK9.
    """
    if ts.code not in ("997", "999"):
        raise MappingError(f"transaction set {ts.code} is not a functional acknowledgment",
                           Location(transaction=ts.control_number))
    ak1: Segment | None = None
    ak9: Segment | None = None
    sets: list[SetAck] = []
    current: Segment | None = None
    problems: list[Problem] = []
    last_segment: tuple[int | None, str | None] = (None, None)
    component = ts.interchange.delimiters.component
    for index, segment in enumerate(ts.segments, start=1):
        tag = segment[0]
        where = Location(segment_position=index, segment_tag=tag, transaction=ts.control_number)
        if tag == "AK1":
            ak1 = segment
        elif tag == "AK2":
            current, problems = segment, []
        elif tag in ("AK3", "IK3"):
            position = _int(segment, 2, where)
            last_segment = (position, element(segment, 1))
            problems.append(Problem(f"segment {element(segment, 1)} error {element(segment, 4)}",
                                    Location(segment_position=position, segment_tag=element(segment, 1),
                                             transaction=element(current or [], 2) or None),
                                    element(segment, 4) or None, "segment"))
        elif tag in ("AK4", "IK4"):
            element_text, _, component_text = element(segment, 1).partition(component)
            element_position = ascii_number(element_text)
            component_position = ascii_number(component_text) if component_text else None
            if element_position is None or (component_text and component_position is None):
                raise MappingError(f"{tag}01 {element(segment, 1)[:40]!r} is not an element position", where)
            location = Location(segment_position=last_segment[0], segment_tag=last_segment[1],
                                element_position=element_position, component_position=component_position,
                                transaction=element(current or [], 2) or None)
            problems.append(Problem(f"element {element(segment, 2)} error {element(segment, 3)}", location,
                                    element(segment, 3) or None, "element"))
        elif tag in ("AK5", "IK5"):
            if current is None:
                raise MappingError(f"{tag} without AK2", where)
            sets.append(SetAck(element(current, 1), element(current, 2), element(segment, 1),
                               tuple(v for v in segment[2:] if v), tuple(problems)))
            current = None
        elif tag == "AK9":
            ak9 = segment
    if ak1 is None or ak9 is None:
        raise MappingError(f"acknowledgment {ts.control_number} lacks its AK1 or AK9",
                           Location(transaction=ts.control_number))
    where = Location(segment_tag="AK9", transaction=ts.control_number)
    return FunctionalAck(
        acknowledgment_code=ts.code, functional_id=element(ak1, 1), group_control_number=element(ak1, 2),
        version=element(ak1, 3) or None, status=element(ak9, 1), declared_count=_int(ak9, 2, where),
        received_count=_int(ak9, 3, where), accepted_count=_int(ak9, 4, where),
        codes=tuple(v for v in ak9[5:] if v), sets=tuple(sets))


__all__ = [
    "IMPLEMENTATION_999",
    "FunctionalAck",
    "SetAck",
    "acknowledgment_group",
    "build_acknowledgment",
    "parse_acknowledgment",
]
